// The kiosk's journal of state-changing requests (docs/HOST-PROTOCOL.md "Exactly once"), in SQLite: every
// such request is written before its first send and marked done only with an authenticated answer; after a
// restart every pending entry is resent with its original idempotency key.
//
// Rows read back from the database are untrusted input: a row that does not decode is reported as a corrupt
// entry, never trusted, never fatal, and does not stop the other entries.
//
// No PAN is kept in the clear (PCI DSS v4.0 requirement 3.5.1; docs/SECURITY.md "Card data at rest"): every
// stored request and answer, the PAN of an unresolved e-cash load and the torn tap are sealed under the device's
// storage key (store_key.h) bound to their row, and opened when read, so what this API returns is unchanged. A
// sealed value that does not authenticate makes its row corrupt with kSecurity.
//
// Not thread-safe: one Journal object serves one kiosk process (SQLite serialises separate processes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/result.h"
#include "sscard/host/client.h"
#include "sscard/host/store_key.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/payment.h"

struct sqlite3;

namespace sscard::host {

enum class EntryState : std::uint8_t {
  kPending,  // written, no final answer yet
  kDone,     // an authenticated final answer is stored (its result may still be a refusal by the issuer)
  kFailed,   // given up before or without an answer (`failure` says why)
};
std::string_view entry_state_name(EntryState s);  // "pending", "done", "failed"

// The next step of a pending entry. A request that follows a card command (activation: CHANGE PIN) is written
// at kCard before that command and moved to kIssuer once the card has done its part.
enum class Step : std::uint8_t { kCard, kIssuer };
std::string_view step_name(Step s);  // "card", "issuer"

// An e-cash load whose outcome on the card is not known yet (docs/CONTACTLESS.md §4): its armed reversal stays
// armed through restarts until the card's balance is read again and decides.
struct EcashLoad {
  wire::IdempotencyKey original_key{};
  std::string pan;                  // digits: the card the load is for
  std::uint64_t old_balance_fen = 0;  // 9F79 before the load
  std::uint64_t amount_fen = 0;
  std::uint64_t created_ms = 0;
};

// A contactless tap kept as the kernel's torn-tap record (docs/CONTACTLESS.md §3.3), in the caller's encoding.
struct KeptTap {
  Bytes tap;
  std::uint64_t created_ms = 0;
};

struct Entry {
  std::int64_t row = 0;  // the SQLite rowid: names the entry even when its key column is corrupt
  wire::IdempotencyKey key{};
  wire::Operation operation = wire::Operation::kQuery;
  EntryState state = EntryState::kPending;
  Step step = Step::kIssuer;
  wire::Request request;                   // decoded from the stored payload
  std::optional<wire::Response> response;  // kDone
  std::string failure;               // kFailed
  int attempts = 0;                  // sends so far (HostClient::send calls)
  std::uint64_t created_ms = 0;
  std::uint64_t updated_ms = 0;
  // ok, or why the row cannot be trusted (kMalformed / kTruncated: a column breaks its format, the payload does
  // not decode or disagrees with the key or operation columns; kSecurity: a sealed value does not authenticate:
  // changed, moved from another row, or sealed under another key). Then only `row` is meaningful.
  Status status{};

  bool corrupt() const { return !status.ok(); }
};

class Journal {
 public:
  // Opens (creating if needed) the journal at `path`; ":memory:" gives a private in-memory journal with a key
  // that lives as long as it. Files are put in WAL mode with synchronous=FULL, so a write that returned ok
  // survives a power cut. The storage key is storage.key in the journal's folder, created on first use
  // (StoreKey::open). A journal of version 1 or 2, which kept its values in the clear, is migrated on open in
  // one transaction: every value sealed where it is, then the file rewritten (VACUUM) and its write-ahead log
  // emptied so no clear copy stays in free pages.
  // The reason of a failure, as a StoreError: kIo; kNewerSchema (nothing changed); the key errors of
  // StoreKey::open (nothing changed).
  static Result<Journal, StoreError> open_store(const std::string& path);
  // The same with the reason as a Status (StoreError::status(): kIo, kUnsupported, kSecurity, kInternal).
  static Result<Journal> open(const std::string& path);

  Journal(Journal&& other) noexcept;
  Journal& operator=(Journal&& other) noexcept;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();

  // Writes `request` as pending at `step`. Call before the first send. Recording the same request again is a
  // no-op. kInvalidArgument: a query (not journaled), a request that does not encode, or its key already
  // names a different request. kIo: the database failed.
  Status record(const wire::Request& request, Step step = Step::kIssuer);
  // kCard -> kIssuer for a pending entry (a no-op if already kIssuer). kNotFound; kInvalidArgument: not pending.
  Status card_step_done(const wire::IdempotencyKey& key);
  // Counts one more send of a pending entry. kNotFound; kInvalidArgument: not pending.
  Status note_attempt(const wire::IdempotencyKey& key);
  // Stores the final answer: pending -> done. A reversal answered `01` (reversed) marks its original reversed
  // in the kiosk's payment record in the same transaction (recording it as approved too when the kiosk never
  // saw the approval). Completing a done entry again keeps the first answer and is ok.
  // kNotFound; kInvalidArgument: the entry failed, or the response does not encode.
  Status complete(const wire::IdempotencyKey& key, const wire::Response& response);
  // pending -> failed with `reason` (no PIN, key or personal data in it). Failing a failed entry is ok.
  // kNotFound; kInvalidArgument: the entry is done.
  Status fail(const wire::IdempotencyKey& key, std::string_view reason);
  // The same by rowid, for corrupt entries whose key cannot be trusted.
  Status fail_row(std::int64_t row, std::string_view reason);

  // ---- Exactly-once money (docs/PAYMENT.md §10) ----
  // An armed reversal waits beside its original (an authorise or settle, kept without DF41 for the record and
  // never resent): it is not pending, so recover() leaves it alone until activate() makes it pending.

  // Writes `original` and its armed `reversal` (07 naming original.key) in one transaction, before the first
  // send of the original, with the original's row of the payment record. kInvalidArgument: not a 06/09 and its
  // 07, a DF41 in the original, no amount or home province in it, the key already armed or journaled, a
  // request that does not encode. kIo.
  Status arm(const wire::Request& original, const wire::Request& reversal);
  // The same for an e-cash load (0C): `load` is written unresolved in the same transaction
  // (CONTACTLESS.md §4). kInvalidArgument also when `load` does not name `original`.
  Status arm_load(const wire::Request& original, const wire::Request& reversal, const EcashLoad& load);
  // The original kept in the armed row of `original_key` (a load confirmed after a restart). kNotFound; kMalformed.
  Result<wire::Request> armed_original(const wire::IdempotencyKey& original_key);
  // Unresolved loads, oldest first (rows that do not decode or open are skipped). kIo.
  Result<std::vector<EcashLoad>> unresolved_loads();
  // The unresolved loads of the card `pan`, oldest first, found by the PAN's keyed digest. kIo.
  Result<std::vector<EcashLoad>> unresolved_loads_of(std::string_view pan);
  // The load is resolved (confirmed, reversed, or its reversal disarmed): its row goes. Ok if there is none. kIo.
  Status close_load(const wire::IdempotencyKey& original_key);

  // The one torn contactless tap (CONTACTLESS.md §3.3): keep_torn_tap replaces it, durable on return. kIo;
  // torn_tap(): kMalformed / kSecurity when the kept tap does not open.
  Status keep_torn_tap(ByteSpan tap);
  Result<std::optional<KeptTap>> torn_tap();
  Status forget_torn_tap();
  // Drops the armed reversal of `original_key` unsent; with `confirmation` (0A), that is written pending in the
  // same transaction. kNotFound: nothing armed under that key; kInvalidArgument; kIo.
  Status disarm(const wire::IdempotencyKey& original_key, const wire::Request* confirmation = nullptr);
  // The armed reversal of `original_key` becomes pending with `reason` (and `icc_data` instead of the armed
  // FF40 when given, e.g. with the card's script results), in one transaction. Returns the request to send.
  // kNotFound; kInvalidArgument; kIo.
  Result<wire::Request> activate(const wire::IdempotencyKey& original_key, wire::ReversalReason reason,
                                 const std::optional<Bytes>& icc_data = std::nullopt);
  // Every armed reversal (left by a run that ended before deciding) becomes pending with `reason` (04 at
  // start-up), but those of unresolved e-cash loads, which only the card's balance decides. Returns how many.
  // Corrupt armed rows are left armed and not counted. kIo.
  Result<int> activate_all(wire::ReversalReason reason);
  // Number of armed reversals. kIo.
  Result<int> armed_count();

  // The kiosk's record of payments for reconciliation (0B): arm() writes the original's row (home province
  // from DF05, business date DF09, amount 9F02; a settle's DF48 and DF47) as not approved; note_approval()
  // marks it approved when the issuer approved; a reversal answered `01` marks it approved and reversed (the
  // issuer had approved it, seen or not). kNotFound: no row; kIo.
  Status note_approval(const wire::IdempotencyKey& original_key);
  // The kiosk's FF4B for the home issuer `province` ("500000"/"510000") and business date `date` (YYYYMMDD):
  // approved payments and, of them, those reversed. kIo; kMalformed: a row with a negative amount.
  Result<wire::Totals> totals(std::string_view province, std::string_view date);

  // Every pending entry, oldest first; corrupt rows are included as corrupt entries. kIo: the query failed.
  Result<std::vector<Entry>> pending();
  // The entry of `key` (a corrupt one has a non-ok status). kNotFound; kIo.
  Result<Entry> find(const wire::IdempotencyKey& key);

 private:
  explicit Journal(sqlite3* db);

  sqlite3* db_ = nullptr;
  std::unique_ptr<StoreKey> key_;  // set by open_store() before the journal is handed out
};

// ---- Exactly once on the kiosk: the journal and the client together ----

// What submit() did with a request.
struct Submission {
  wire::IdempotencyKey key{};
  bool journaled = false;  // state-changing requests only
  wire::Response response;       // the host's authenticated answer (its result may be a refusal by the issuer)
};

// For a state-changing operation: record() (at kIssuer), then deliver(). For a query: just send().
// Errors: those of send(); kLocal with the journal's status when record() fails (nothing sent). After any
// error but kLocal a journaled request stays pending: recover() resends it.
Result<Submission, HostError> submit(HostClient& client, Journal& journal, const wire::Request& request);

// Sends a recorded request (note_attempt(), send()) and marks it done with the answer. When the answer came
// but complete() failed, the answer is still returned: the entry stays pending and recover() settles it with
// the host's stored answer. Errors: those of send(); kLocal when note_attempt() fails (nothing sent).
Result<wire::Response, HostError> deliver(HostClient& client, Journal& journal, const wire::Request& request);

// How recover() left one pending entry.
struct Recovery {
  enum class Kind : std::uint8_t {
    kDone,          // answered: `response` stored, the entry is done
    kUnreachable,   // no final answer (`error`): still pending
    kRefused,       // the host refused the frame (`error.refusal`): still pending
    kBadAnswer,     // the answer failed its checks (`error`): still pending
    kAwaitingCard,  // the card step is unconfirmed (Step::kCard): not sent, still pending
    kCorrupt,       // the row does not decode (`status`): marked failed, not sent
    kGaveUp,        // the retry budget is spent: marked failed ("outcome unknown"), not sent
    kJournalError,  // the journal failed for this entry (`status`)
  };
  std::int64_t row = 0;
  wire::IdempotencyKey key{};
  wire::Operation operation = wire::Operation::kQuery;
  Kind kind = Kind::kJournalError;
  std::optional<wire::Response> response;
  std::optional<HostError> error;
  Status status{};
};
std::string_view recovery_kind_name(Recovery::Kind kind);  // "done", "unreachable", ...

// Sends allowed per entry over its life before recover() gives up on it.
inline constexpr int kDefaultMaxAttempts = 10;

// First makes every armed reversal pending with reason 04 (Journal::activate_all: a run ended before deciding),
// then resends every pending entry at kIssuer with its original request and key, one after the other, and says
// per entry what happened. One entry's failure never stops the others. kIo: the pending list cannot be read.
Result<std::vector<Recovery>> recover(HostClient& client, Journal& journal, int max_attempts = kDefaultMaxAttempts);

}  // namespace sscard::host

// The issuer's holder database (SQLite): holders, their contributions, and the answers to state-changing
// requests stored under their idempotency keys (docs/HOST-PROTOCOL.md "Exactly once").
//
// Schema (user_version 1):
//   holders(ssn PK, card_number, card_id hex, region, name, card_state, pension_status, pension_monthly_fen,
//           medical_balance_fen, last_certification)          states and statuses as their protocol names
//   contributions(ssn, period YYYYMM, kind, amount_fen)       PK (ssn, period, kind); kind "pension"/"medical"
//   requests(idem_key BLOB PK, operation, ssn, card_number, response BLOB, created_ms, pan)
// Version 2 adds the payment tables (PAYMENT.md §9-§10): accounts, payments, tombstones, confirmations; a
// version 1 database is upgraded when opened. Every open also makes sure of
//   settlements(idem_key PK, ssn, category, total_fen, insured_fen, medical_fen, card_fen)   (PAYMENT.md §11)
// (CREATE TABLE IF NOT EXISTS: a version 2 database written before it gains it, the version stays 2), and
//   scripts(sequence PK, pan, kind, value, delivered_key, created_ms)                    (PAYMENT.md §9.3)
//   ecash_accounts(pan PK, account_fen, balance_limit_fen)                    (CONTACTLESS.md §2.4, §7)
//   ecash_clearings(pan, atc, amount_fen, terminal, idem_key, created_ms)      PK (pan, atc); CONTACTLESS.md §7
//
// Thread-safe: one connection, every call under the store's lock; transaction() holds it for its body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/wire/messages.h"
#include "sscard/sim/host/issuer_script.h"
#include "sscard/sim/host/setup_error.h"

namespace sscard::sim::host {

struct HolderRecord {
  std::string ssn;          // 18 characters
  std::string card_number;  // 9 characters
  Bytes card_id;            // 16 bytes, 卡识别码 (stored as upper-case hex)
  std::string region;       // 6 digits, the card's region
  std::string name;         // UTF-8
  sscard::wire::CardState card_state = sscard::wire::CardState::kActive;
  sscard::wire::PensionStatus pension_status = sscard::wire::PensionStatus::kNotRetired;
  std::uint64_t pension_monthly_fen = 0;
  std::uint64_t medical_balance_fen = 0;
  std::optional<std::string> last_certification;  // YYYYMMDD

  friend bool operator==(const HolderRecord&, const HolderRecord&) = default;
};

// A state-changing request as the home host stored it, with its answer.
struct StoredRequest {
  sscard::wire::Operation operation = sscard::wire::Operation::kQuery;
  std::string ssn;
  std::string card_number;
  Bytes response;  // the answer's TLV payload, without the duplicate flag
  std::uint64_t created_ms = 0;
  std::string pan;  // payments: the PAN of the request ("" when it had none), part of the key's identity

  friend bool operator==(const StoredRequest&, const StoredRequest&) = default;
};

// The debit account of one payment card at its home issuer (PAYMENT.md §2, §9.2).
struct PaymentAccount {
  std::string pan;           // 19 digits
  std::string ssn;           // the holder (card state, P62)
  std::uint8_t psn = 1;      // 5F34
  std::string expiry;        // 5F24, YYMMDD
  bool sm = false;           // the card also holds the SM4 keys (generation 3)
  std::uint64_t balance_fen = 0;
  std::uint16_t last_atc = 0;  // the last ATC accepted (P51); 0 before the first
  std::string pin;             // the application PIN, for online PIN (§6.9)
  std::uint8_t pin_tries = 3;  // the issuer's online PIN try counter

  friend bool operator==(const PaymentAccount&, const PaymentAccount&) = default;
};

// The e-cash account of one card at its home issuer (CONTACTLESS.md §7): the money loaded onto the card and
// not yet cleared, and the card's balance limit 9F77 (profile `payment.ecash.balance_limit`).
struct EcashAccount {
  std::string pan;
  std::uint64_t account_fen = 0;
  std::uint64_t balance_limit_fen = 100000;  // 1000.00, the bundled cards' limit (CONTACTLESS.md §2.4)

  friend bool operator==(const EcashAccount&, const EcashAccount&) = default;
};

// An authorisation (or settlement) as the home issuer decided it, for reversal, confirmation and totals.
struct PaymentRecord {
  sscard::wire::IdempotencyKey key{};
  sscard::wire::Operation operation = sscard::wire::Operation::kAuthorise;
  std::string pan;
  std::string terminal;       // DF03
  std::string business_date;  // DF09 of the original
  std::uint64_t amount_fen = 0;
  bool approved = false;
  std::optional<sscard::wire::IdempotencyKey> reversed_by;
  bool confirmed = false;

  friend bool operator==(const PaymentRecord&, const PaymentRecord&) = default;
};

// The shares of a settlement (09) as the home issuer applied or declined them; its card part is the
// PaymentRecord under the same key (PAYMENT.md §11).
struct SettlementRecord {
  sscard::wire::IdempotencyKey key{};
  std::string ssn;
  sscard::wire::SettleCategory category = sscard::wire::SettleCategory::kOutpatient;
  std::uint64_t total_fen = 0;
  std::uint64_t insured_fen = 0;
  std::uint64_t medical_fen = 0;
  std::uint64_t card_fen = 0;

  friend bool operator==(const SettlementRecord&, const SettlementRecord&) = default;
};

// A reversal that came before (or instead of) its original: the original's key, never to be applied.
struct Tombstone {
  std::string pan;
  sscard::wire::IdempotencyKey reversal_key{};
};

// The confirmation advice of a TC (P57), kept for clearing.
struct Confirmation {
  sscard::wire::IdempotencyKey original_key{};
  std::string pan;
  Bytes tc, cid, iad, tvr;
  Bytes script_results;  // 9F5B, empty when none
  std::uint64_t created_ms = 0;
};

class HolderStore {
 public:
  static constexpr std::string_view kInMemory = ":memory:";

  // Opens (or creates) the database at `path`; ":memory:" is a private in-memory database. A new database
  // gets the schema; a file database runs in WAL mode with synchronous=FULL, so a committed answer survives
  // a crash. Errors: cannot open, not an sscard holder database, an unknown schema version.
  static Result<std::unique_ptr<HolderStore>, SetupError> open(const std::string& path = std::string(kInMemory));

  HolderStore(const HolderStore&) = delete;
  HolderStore& operator=(const HolderStore&) = delete;
  ~HolderStore();

  // Inserts a holder and contributions (each with the holder's SSN). Fails on a known SSN, a (period, kind)
  // given twice, or a value outside its column's rule; nothing is inserted then (unless inside transaction(),
  // whose body decides).
  Result<void, SetupError> add_holder(const HolderRecord& holder, const std::vector<sscard::wire::Contribution>& contributions);
  // Writes the mutable fields of the holder with holder.ssn: card state, pension status and amount, medical
  // balance, last certification. Fails if there is no such holder.
  Result<void, SetupError> update_holder(const HolderRecord& holder);
  Result<std::optional<HolderRecord>, SetupError> find_holder(std::string_view ssn);
  // Newest first (period descending, pension before medical within a month), at most `limit`.
  Result<std::vector<sscard::wire::Contribution>, SetupError> contributions(
      std::string_view ssn, std::size_t limit = sscard::wire::kMaxContributions);

  Result<std::optional<StoredRequest>, SetupError> find_request(const sscard::wire::IdempotencyKey& key);
  // Fails on a key already stored.
  Result<void, SetupError> store_request(const sscard::wire::IdempotencyKey& key, const StoredRequest& request);

  // ---- Payment (PAYMENT.md §9-§10); each call joins a surrounding transaction() ----
  // Fails on a known PAN.
  Result<void, SetupError> add_account(const PaymentAccount& account);
  Result<std::optional<PaymentAccount>, SetupError> find_account(std::string_view pan);
  // The debit account of the holder with `ssn`, the bank account behind the card and its electronic card (the
  // lowest PAN should there be several); nullopt for a holder without one (1st-generation card).
  Result<std::optional<PaymentAccount>, SetupError> find_account_of_holder(std::string_view ssn);
  // Writes balance, last ATC and PIN try counter. Fails if there is no such account.
  Result<void, SetupError> update_account(const PaymentAccount& account);
  Result<std::size_t, SetupError> account_count();

  Result<std::optional<PaymentRecord>, SetupError> find_payment(const sscard::wire::IdempotencyKey& key);
  // Fails on a key already stored.
  Result<void, SetupError> store_payment(const PaymentRecord& payment);
  // Writes reversed_by and confirmed of the payment with payment.key.
  Result<void, SetupError> update_payment(const PaymentRecord& payment);
  Result<std::optional<Tombstone>, SetupError> find_tombstone(const sscard::wire::IdempotencyKey& key);
  Result<void, SetupError> store_tombstone(const sscard::wire::IdempotencyKey& key, const Tombstone& tombstone);
  // `key` is the confirm request's own idempotency key.
  Result<void, SetupError> store_confirmation(const sscard::wire::IdempotencyKey& key, const Confirmation& c);
  Result<std::size_t, SetupError> confirmation_count();
  // The issuer's counters for one terminal and business date (PAYMENT.md §10 "totals").
  Result<sscard::wire::Totals, SetupError> payment_totals(std::string_view terminal, std::string_view business_date);

  // E-cash accounts (ecash_store.cpp, CONTACTLESS.md §7). put_ecash inserts or replaces the PAN's row.
  Result<std::optional<EcashAccount>, SetupError> find_ecash(std::string_view pan);
  Result<void, SetupError> put_ecash(const EcashAccount& account);

  // Transit and gates (clearing_store.cpp, CONTACTLESS.md §7). record_ecash_clearing notes that the TC of
  // (pan, atc) was cleared under `key`; false, nothing written, when that ATC of the PAN was cleared before.
  Result<bool, SetupError> record_ecash_clearing(std::string_view pan, std::uint16_t atc, std::uint64_t amount_fen,
                                                 std::string_view terminal, const sscard::wire::IdempotencyKey& key);
  // The PANs of the cards whose holder reported them lost (card state loss_reported), ascending.
  Result<std::vector<std::string>, SetupError> lost_card_pans();

  // Medical settlement (settlement_store.cpp). Fails on a key already stored.
  Result<void, SetupError> store_settlement(const SettlementRecord& settlement);
  Result<std::optional<SettlementRecord>, SetupError> find_settlement(const sscard::wire::IdempotencyKey& key);

  // Issuer scripts (script_store.cpp, PAYMENT.md §9.3). queue_script returns the new sequence number; it
  // fails on a PAN without an account or a value check_script_value refuses (nothing queued then).
  Result<std::uint32_t, SetupError> queue_script(std::string_view pan, ScriptKind kind, std::string_view value);
  // The PAN's scripts not yet delivered, oldest first.
  Result<std::vector<QueuedScript>, SetupError> pending_scripts(std::string_view pan);
  // Marks a script delivered in the answer to `key`; fails if it is unknown or was delivered before.
  Result<void, SetupError> mark_script_delivered(std::uint32_t sequence, const sscard::wire::IdempotencyKey& key);

  Result<std::size_t, SetupError> holder_count();
  // Holders whose card region is not in `province` ("500000"): a store belongs to one province's host.
  Result<std::size_t, SetupError> holders_outside(std::string_view province);
  Result<std::size_t, SetupError> contribution_count();
  Result<std::size_t, SetupError> request_count();

  // Runs `body` inside one SQLite transaction (BEGIN IMMEDIATE ... COMMIT) with the store locked; the other
  // calls may be made from inside it. An error from `body` (or from COMMIT) rolls everything back and is
  // returned. A transaction() inside a body joins the outer one.
  Result<void, SetupError> transaction(const std::function<Result<void, SetupError>()>& body);

  struct Impl;

 private:
  explicit HolderStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::recursive_mutex mutex_;
};

}  // namespace sscard::sim::host

// A purchase from the holder's PBOC debit application at a kiosk (docs/PAYMENT.md §8, §10, §12): the terminal
// kernel (firmware/pboc) runs the card, its online step goes to the kiosk's province host as an `authorise`
// request, and afterwards the kiosk either confirms the TC (0A) or reverses what the issuer may have applied
// but the card did not complete (07). Money is exactly once: before the authorise is first sent, its reversal
// is written *armed* in the journal (Journal::arm); it is dropped only when nothing was applied or the card
// gave a TC, and otherwise becomes pending and is sent:
//
//   kernel result                                    after it
//   issuer answered, nothing applied                 disarm (before GAC2)
//   approved online (TC at GAC2)                     disarm and confirm, one journal transaction
//   issuer approved, card AAC at GAC2                reverse, reason 02
//   issuer approved, card error after it             reverse, reason 03
//   authorise sent but no authenticated answer       reverse, reason 01
//   the process ended before deciding                reverse, reason 04 (host::recover at the next start)
//
// The authorise itself is never resent (PAYMENT.md §10): the armed row keeps it without DF41 for the record.
// No function logs; the PIN stays inside the kernel, the PAN leaves only masked.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sscard/crypto/crypto.h"
#include "sscard/flows/services.h"
#include "sscard/hal/pinpad.h"
#include "sscard/host/client.h"
#include "sscard/host/journal.h"
#include "sscard/pboc/ca_keys.h"
#include "sscard/pboc/kernel.h"
#include "sscard/pboc/online.h"
#include "sscard/transport/transport.h"
#include "sscard/wire/messages.h"

namespace sscard::flows {

// The kiosk as a payment terminal: its host link and journal, its crypto backend (kernel, idempotency keys),
// the kernel's terminal data and CA keys (from the configuration's `payment`), and its clock.
struct PaymentKiosk {
  host::HostClient& client;
  host::Journal& journal;
  crypto::Crypto& crypto;
  const pboc::TerminalConfig& terminal;
  const pboc::CaKeyTable& ca_keys;
  Clock clock{};
  // Called at the named steps of the exactly-once sequence ("after-arm", "after-answer", "after-approval",
  // "after-gac2", "after-activate"), so tests can end the process or pull the card there. Empty: nothing.
  std::function<void(std::string_view step)> checkpoint{};
};

// What became of the reversal or the confirmation a transaction owes the issuer.
enum class FollowUp : std::uint8_t {
  kNone,     // none was owed
  kSent,     // sent and answered
  kPending,  // journaled, not answered: recover() (or the next payment) resends it
};
std::string_view follow_up_name(FollowUp f);  // "none", "sent", "pending"

struct PaymentOutcome {
  pboc::TransactionRecord record;  // everything the card and the kernel did
  std::uint64_t amount_fen = 0;
  std::optional<wire::IdempotencyKey> authorise_key;  // once an authorise request was built
  std::string home_issuer;  // DF22 of the authorise answer ("" without an answer)
  std::string served_by;    // DF23
  std::optional<wire::Response> answer;  // the authorise (or settle) answer as received
  // The authorise answer when the issuer did not decide (DF21 other than 00), or why none came.
  std::optional<wire::ResultCode> host_result;
  std::optional<host::HostError> host_error;
  FollowUp reversal = FollowUp::kNone;
  std::optional<wire::ReversalReason> reversal_reason;
  std::optional<wire::ReversalStatus> reversal_status;  // DF53 when the reversal was answered
  FollowUp confirmation = FollowUp::kNone;
  bool follow_up_unjournaled = false;  // the journal refused the reversal or confirmation (sent once, unkept)
  std::string message;  // one sentence for the holder's screen and the log; no PIN, key or full PAN

  // A reversal or a confirmation is in the journal without its answer.
  bool follow_up_pending() const { return reversal == FollowUp::kPending || confirmation == FollowUp::kPending; }
};

// Runs one purchase of `amount_fen` (1..999999999999) on the powered card. `pinpad` may be null (PIN CVMs
// then fail as "no keypad", TVR 3.5). With `settle` (a settlement's card part, flows/settle.h) the online
// step sends that `settle` request instead of an authorise; reversal and confirmation are the same.
PaymentOutcome pay(const PaymentKiosk& kiosk, transport::Transport& card, hal::PinPad* pinpad,
                   std::uint64_t amount_fen, const wire::Request* settle = nullptr);

// 9A and 9F21 for `now` in China Standard Time (UTC+8, whatever the machine's zone; PAYMENT.md §8.1).
struct CstDateTime {
  std::array<std::uint8_t, 3> date{};  // YYMMDD, BCD
  std::array<std::uint8_t, 3> time{};  // HHMMSS, BCD
};
CstDateTime cst_date_time(std::chrono::system_clock::time_point now);

// The card region DF05 of a payment request: PAN digits 7-12 (PAYMENT.md §3, P49); "" for a PAN too short.
std::string card_region_of_pan(std::string_view pan);

// The issuer link the kernel's online step uses: one `authorise` request per transaction, sent through the
// host client (its retries keep one idempotency key), not journaled. Kept separate so tests can drive it.
class HostAuthoriser : public pboc::OnlineAuthoriser {
 public:
  // With a journal, the reversal is armed before the first send (a failed arm sends nothing) and disarmed on
  // an answer under which nothing was applied; an approval is noted in the kiosk's payment record.
  HostAuthoriser(host::HostClient& client, crypto::Crypto& crypto, std::string date, host::Journal* journal = nullptr,
                 std::function<void(std::string_view)> checkpoint = {})
      : client_(client),
        crypto_(crypto),
        date_(std::move(date)),
        journal_(journal),
        checkpoint_(std::move(checkpoint)) {}

  Result<pboc::AuthorisationResponse, pboc::OnlineFailure> authorise(const pboc::AuthorisationRequest& request) override;

  // The request as sent (FF40 and DF41 included; DF41 is wiped after the send), once authorise() built it.
  const std::optional<wire::Request>& request() const { return request_; }
  const std::optional<wire::Response>& response() const { return response_; }
  const std::optional<host::HostError>& error() const { return error_; }
  // A frame went out and no authenticated issuer decision came back: the issuer may have applied it, so the
  // kiosk reverses it with reason 01 (PAYMENT.md §10).
  bool outcome_unknown() const;
  // The issuer approved (DF21 00, DF50 00).
  bool approved() const;
  // The reversal armed for the request (still armed: neither disarmed nor activated by this object).
  const std::optional<wire::Request>& armed_reversal() const { return armed_; }
  void forget_armed() { armed_.reset(); }
  // Send `settle` (09 with DF05-DF08 and DF44-DF48, PAYMENT.md §11) instead of an authorise: key, DF03, DF04,
  // DF09, FF40 and DF41 are this object's as for an authorise.
  void settle_with(wire::Request settle) { settle_ = std::move(settle); }
  // Send an `ecash_load` (0C, docs/CONTACTLESS.md §4) instead of an authorise: armed with the load kept
  // unresolved in the journal (Journal::arm_load), the card's balance before the load being `old_balance_fen`.
  void ecash_load_with(std::uint64_t old_balance_fen) { load_ = LoadMode{old_balance_fen}; }

 private:
  void step(std::string_view name) const {
    if (checkpoint_) checkpoint_(name);
  }

  host::HostClient& client_;
  crypto::Crypto& crypto_;
  std::string date_;
  std::optional<wire::Request> request_;
  std::optional<wire::Response> response_;
  std::optional<host::HostError> error_;
  host::Journal* journal_ = nullptr;
  std::function<void(std::string_view)> checkpoint_;
  std::optional<wire::Request> armed_;
  std::optional<wire::Request> settle_;
  struct LoadMode {
    std::uint64_t old_balance_fen = 0;
  };
  std::optional<LoadMode> load_;
};

// Internal pieces of pay() shared with the contactless and e-cash flows (the same reversal and confirmation).
namespace detail {
// The armed reversal becomes pending with `reason` and is sent (PaymentOutcome::reversal says how it went).
void reverse_armed(const PaymentKiosk& kiosk, const wire::Request& original, const wire::Request& armed,
                   wire::ReversalReason reason, PaymentOutcome& o);
// Disarms and confirms with the original's FF40, `final_values` taking the place of its own.
void confirm_original(const PaymentKiosk& kiosk, const wire::Request& original,
                      std::span<const wire::IccItem> final_values, PaymentOutcome& o);
std::string payment_message(const PaymentOutcome& o);
void checkpoint(const PaymentKiosk& kiosk, std::string_view name);
}  // namespace detail

}  // namespace sscard::flows

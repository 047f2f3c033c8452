// Medical settlement (就医结算) at a kiosk (docs/PAYMENT.md §11): the holder's bill is split by the home
// province's rule into the insured share, the medical-insurance account's share and the card's share.
//
//   1. read the identity (PSAM mode where there is one) and VERIFY the SSSE PIN, as the card services do
//   2. settle_quote (08) for the bill: the three shares and the medical balance now
//   3. card share > 0: the PBOC transaction for it (flows::pay), whose online step sends `settle` (09) with
//      the quote's shares instead of an authorise; arming, GAC2, confirmation and reversal are the payment's
//   4. card share 0: `settle` without FF40, armed and reversed (reason 01) like any 09 without an answer
//
// settle_code: the same for an electronic card's code, steps 2 and 4 only, the card share paid by the holder's
// account at the home issuer.
//
// Nothing is sent to the host when the card step fails. No function logs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sscard/flows/payment.h"
#include "sscard/flows/services.h"
#include "sscard/ssc/fault.h"
#include "sscard/ssc/identity.h"
#include "sscard/wire/messages.h"

namespace sscard::flows {

struct SettleOutcome {
  enum class Result : std::uint8_t { kApproved, kDeclined, kFailed };
  Result result = Result::kFailed;
  ssc::Identity identity;                // as far as it was read
  std::optional<ssc::Fault> card_fault;  // the identity or SSSE PIN step failed (nothing sent)
  std::optional<host::HostError> host_error;
  std::optional<wire::Response> quote;       // the 08 answer
  std::optional<wire::Response> settlement;  // the 09 answer (with or without a card part)
  std::optional<PaymentOutcome> card;        // the PBOC part, when the card pays a share
  std::uint64_t total_fen = 0;
  std::uint64_t insured_fen = 0;
  std::uint64_t medical_fen = 0;
  std::uint64_t card_fen = 0;
  std::optional<std::uint64_t> medical_balance_after;  // DF28 of the 09 answer
  // The reversal of a settlement without a card part (with one, `card->reversal`).
  FollowUp reversal = FollowUp::kNone;
  std::optional<wire::ReversalStatus> reversal_status;
  std::string message;  // one sentence; no PIN, key or full PAN

  bool approved() const { return result == Result::kApproved; }
  bool follow_up_pending() const {
    return reversal == FollowUp::kPending || (card && card->follow_up_pending());
  }
};

// Runs one settlement of `total_fen` (1..999999999999) in `category` on the powered card. `kiosk` and
// `payment` are the same kiosk (journal, host client, crypto) seen by the services and by the payment flow.
SettleOutcome settle(const Kiosk& kiosk, const PaymentKiosk& payment, const CardAccess& access,
                     std::uint64_t total_fen, wire::SettleCategory category);

// A settlement for the holder of an electronic-card code of purpose 03 (docs/ESSC.md "At the kiosk"), which the
// kiosk has already taken (essc::check_code, its replay store): no card is read and no PIN asked. The 08 and 09
// name the holder by the code's reference, nonce and region; the 09 carries no FF40 whatever the card share, and
// the home issuer takes the medical share and debits the card share from the holder's account in one decision.
// It is armed, disarmed and reversed as step 4 (a reversal gives both shares back). A card that is not active is
// refused at the quote (kFailed, its state in `quote->card_state`), nothing paid. `identity.region` is the code's.
SettleOutcome settle_code(const Kiosk& kiosk, const essc::Code& code, std::uint64_t total_fen,
                          wire::SettleCategory category);

}  // namespace sscard::flows

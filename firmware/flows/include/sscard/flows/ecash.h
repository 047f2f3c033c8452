// Electronic cash at the kiosk (docs/CONTACTLESS.md §2.4, §4): the balance and limits by GET DATA, and the
// load (圈存): a contact transaction of type 9C = 60, always online, sent as `ecash_load` (0C), then GAC2 and
// the issuer's PUT DATA 9F79 script, then the balance read again decides:
//
//   9F79 after             the kiosk
//   old + amount           confirms (the load is done)
//   old                    reverses (the issuer gives the money back)
//   unknown (card pulled)  keeps the load unresolved in the journal, its reversal armed; the next `sscard ecash`
//                          command with that card (or `sscard recover --card`) reads 9F79 and decides
//
// A restart never reverses an unresolved load blindly (Journal::activate_all leaves it armed): the card's
// balance is the only witness of whether the script ran.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sscard/flows/payment.h"
#include "sscard/host/journal.h"

namespace sscard::flows {

// What GET DATA answered (CONTACTLESS.md §2.4); a value the card did not give stays empty.
struct EcashData {
  std::optional<std::uint64_t> balance_fen;          // 9F79
  std::optional<std::uint64_t> balance_limit_fen;    // 9F77
  std::optional<std::uint64_t> single_limit_fen;     // 9F78
  std::optional<std::uint64_t> reset_threshold_fen;  // 9F6D
};

// SELECT of the terminal's first AID, then GET DATA of the four e-cash values. Errors: the transport's
// (kNoCard, kCardRemoved...); kNotFound: the card has no payment application (SELECT 6A 82) or no e-cash
// balance (GET DATA 9F79 not answered).
Result<EcashData> read_ecash(transport::Transport& card, const pboc::TerminalConfig& terminal);
// GET DATA 9F79 alone, within the current selection. kNotFound: not answered.
Result<std::uint64_t> read_ecash_balance(transport::Transport& card);
// The PAN of the card on the contact interface (within the current selection: GPO with zero PDOL data except
// DF69, then READ RECORD SFI 2 record 1), to match the journal's unresolved loads. kNotFound; transport errors.
Result<std::string> read_contact_pan(transport::Transport& card, const pboc::TerminalConfig& terminal);

// How an earlier unresolved load was settled by a balance reading.
struct LoadResolution {
  enum class Kind : std::uint8_t {
    kConfirmed,  // the balance is old + amount: confirmed
    kReversed,   // the balance is old: reversed (reason 04)
    kUndecided,  // the balance is neither: left unresolved
    kClosed,     // nothing was armed any more: the row is dropped
  };
  host::EcashLoad load;
  Kind kind = Kind::kUndecided;
  FollowUp follow_up = FollowUp::kNone;  // the confirmation or reversal
};
std::string_view load_resolution_name(LoadResolution::Kind kind);  // "confirmed", "reversed", ...

// Settles the journal's unresolved loads of `pan` with the card's balance `balance_fen` (except `skip`).
std::vector<LoadResolution> resolve_loads(const PaymentKiosk& kiosk, std::string_view pan, std::uint64_t balance_fen,
                                          const std::optional<wire::IdempotencyKey>& skip = std::nullopt);

struct EcashLoadOutcome {
  enum class State : std::uint8_t { kNotLoaded, kLoaded, kUnresolved };
  PaymentOutcome payment;  // the kernel's record, the issuer's answer, reversal or confirmation
  State state = State::kNotLoaded;
  std::optional<std::uint64_t> old_balance_fen;
  std::optional<std::uint64_t> new_balance_fen;
  std::vector<LoadResolution> earlier;  // unresolved loads of this card settled on the way
};
std::string_view load_state_name(EcashLoadOutcome::State s);  // "not_loaded", "loaded", "unresolved"

// One load of `amount_fen` on the powered contact card. Checkpoints as pay(), plus "after-balance" once the
// balance was read after the script.
EcashLoadOutcome load_ecash(const PaymentKiosk& kiosk, transport::Transport& card, hal::PinPad* pinpad,
                            std::uint64_t amount_fen);

}  // namespace sscard::flows

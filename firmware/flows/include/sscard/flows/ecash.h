// Electronic cash at the kiosk (docs/CONTACTLESS.md §2.4, §4): the balance and limits by GET DATA, and the
// load (圈存): a contact transaction of type 9C = 60, always online, sent as `ecash_load` (0C), then GAC2 and
// the issuer's PUT DATA 9F79 script, then the balance read again decides:
//
//   9F79 after             the kiosk
//   old + amount           confirms (the load is done)
//   old                    reverses (the issuer gives the money back)
//   unknown (card pulled)  keeps the load unresolved in the journal, its reversal armed; the next `sscard ecash`
//                          command with that card decides it from the card's load log (JR/T 0025.13 5.8), or
//                          from its balance when the card keeps no log that can tell
//
// A restart never reverses an unresolved load blindly (Journal::activate_all leaves it armed): only the card
// knows whether the script ran.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sscard/flows/payment.h"
#include "sscard/host/journal.h"
#include "sscard/pboc/load_log.h"

namespace sscard::flows {

// What GET DATA answered (CONTACTLESS.md §2.4); a value the card did not give stays empty.
struct EcashData {
  std::optional<std::uint64_t> balance_fen;          // 9F79
  std::optional<std::uint64_t> balance_limit_fen;    // 9F77
  std::optional<std::uint64_t> single_limit_fen;     // 9F78
  std::optional<std::uint64_t> reset_threshold_fen;  // 9F6D
  std::optional<pboc::LoadLogEntry> load_log;        // DF4D of the FCI: the card keeps a load log there
};

// SELECT of the terminal's first AID (its FCI's DF4D kept; a malformed one counts as none), then GET DATA of
// the four e-cash values. Errors: the transport's
// (kNoCard, kCardRemoved...); kNotFound: the card has no payment application (SELECT 6A 82) or no e-cash
// balance (GET DATA 9F79 not answered).
Result<EcashData> read_ecash(transport::Transport& card, const pboc::TerminalConfig& terminal);
// GET DATA 9F79 alone, within the current selection. kNotFound: not answered.
Result<std::uint64_t> read_ecash_balance(transport::Transport& card);
// The PAN of the card on the contact interface (within the current selection: GPO with zero PDOL data except
// DF69, then READ RECORD SFI 2 record 1), to match the journal's unresolved loads. kNotFound; transport errors.
Result<std::string> read_contact_pan(transport::Transport& card, const pboc::TerminalConfig& terminal);

// What the card tells about its earlier loads at one presentation on the contact interface.
struct LoadEvidence {
  std::uint64_t balance_fen = 0;          // 9F79: the witness when the load log cannot tell
  std::optional<std::uint16_t> atc;       // 9F36 now (GET DATA)
  std::optional<pboc::LoadLog> load_log;  // when the card keeps one (DF4D) and it was read whole
};
// GET DATA 9F36 and the load log of `entry` (pboc::read_load_log), within the current selection, after the
// GPO of this presentation. Never fails: what cannot be read stays empty, and the balance alone decides.
LoadEvidence read_load_evidence(transport::Transport& card, const std::optional<pboc::LoadLogEntry>& entry,
                                std::uint64_t balance_fen);

// How an earlier unresolved load was settled.
struct LoadResolution {
  enum class Kind : std::uint8_t {
    kConfirmed,  // the script ran: confirmed
    kReversed,   // the script never ran: reversed (reason 04)
    kUndecided,  // neither the load log nor the balance can tell: left unresolved
    kClosed,     // nothing was armed any more: the row is dropped
  };
  // What decided it (CONTACTLESS.md §4).
  enum class Basis : std::uint8_t {
    kNone,     // nothing did (kUndecided, kClosed)
    kLoadLog,  // the card's load log: a record with the load's ATC, or none where one would have to be
    kBalance,  // 9F79 against the balance before and before + amount (no load log, or one that cannot tell)
  };
  host::EcashLoad load;
  Kind kind = Kind::kUndecided;
  Basis basis = Basis::kNone;
  FollowUp follow_up = FollowUp::kNone;  // the confirmation or reversal
};
std::string_view load_resolution_name(LoadResolution::Kind kind);  // "confirmed", "reversed", ...
std::string_view load_basis_name(LoadResolution::Basis basis);     // "", "load_log", "balance"

// The rule of CONTACTLESS.md §4 for `load`, whose GAC1 ran with ATC `load_atc` (9F36 of its stored FF40):
//  1. the load log, when the card has one whose format holds the ATC:
//     - a record with ATC `load_atc`: the script ran (confirmed) if the record says balance before = the
//       load's and after = before + amount; a record that says otherwise leaves the load undecided;
//     - no such record, the card's ATC past `load_atc`, and the log reaching back past it (not full, or
//       its oldest record older): the script never ran (reversed);
//     - otherwise (the log may have dropped the record) the balance decides;
//  2. the balance: old + amount confirmed, old reversed, anything else undecided.
// The log wins over the balance: offline purchases after the load move the balance, never the log.
std::pair<LoadResolution::Kind, LoadResolution::Basis> decide_load(const host::EcashLoad& load,
                                                                   std::optional<std::uint16_t> load_atc,
                                                                   const LoadEvidence& card);

// Settles the journal's unresolved loads of `pan` with what the card told (except `skip`).
std::vector<LoadResolution> resolve_loads(const PaymentKiosk& kiosk, std::string_view pan, const LoadEvidence& card,
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

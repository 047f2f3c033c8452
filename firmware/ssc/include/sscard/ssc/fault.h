// Fault: why a secured operation (PSAM-mode read, HSM mode, PIN and MAC commands) did not succeed, typed
// finely enough to give the standard terminal interface's error code (SSC-CARD.md "The standard terminal
// interface") and a message that keeps the reason ("PSAM holds no keys for issuer 510000").
//
// Status alone cannot say "the PSAM lacks RKSSSE" or "2 tries left", so these flows return a Fault (or an
// Result<T, Fault>, a value or a Fault) instead of a Result.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "sscard/core/result.h"
#include "sscard/core/status.h"
#include "sscard/core/status_word.h"

namespace sscard::ssc {

enum class Failure : std::uint8_t {
  kNone = 0,
  kCard,                   // the card's side failed: `status` (kNoCard, kCardRemoved, kMalformed...)
  kNotSocialSecurityCard,  // SELECT SSSE answered 6A82 (or the card is unusable as one)
  kCardStatus,             // the card answered `sw` where success was expected
  kNoPsam,                 // no PSAM, or it does not answer: `status`
  kPsamStatus,             // the PSAM answered `sw` or bad bytes (`status`) where success was expected
  kAlgorithmUnsupported,   // the PSAM has no environment for the card's algorithm (or it is SSF33)
  kPsamLacksReadKey,       // 3rd generation: the PSAM has no RKSSSE for the card's province (`issuer`)
  kPsamLacksIssuerKeys,    // the PSAM has no IRK for the card's province (`issuer`)
  kPsamLacksKey,           // the PSAM has no `key` (EAK04, STK, PUK, PRK) for the card's province
  kInternalAuthFailed,     // the card's INTERNAL AUTHENTICATE answer differs from the PSAM's (or HSM's)
  kExternalAuthRefused,    // the card refused the terminal's cryptogram (`sw`, usually 6300)
  kHsmNotNeeded,           // HSM mode on a 1st/2nd-generation card
  kHsmMismatch,            // HSM Step2: the host's R' differs from the card's R
  kHsmBadInput,            // HSM Step2: the host's answer is not "R'|A|" (16 hex digits each), or no Step1
  kWrongPin,               // 63Cx: `tries_left`
  kPinBlocked,             // 6983
  kInitialPin,             // the PIN is still the initial 123456: the terminal will not transact with it
  kNewPinIsInitial,        // the new PIN would be 123456
  kPinPadNotConnected,
  kPinEntryCancelled,
  kPinEntryTimeout,
  kPinEntryMismatch,       // the two entries of the new PIN differ
  kPinEntryInvalid,        // the keypad gave fewer than 4 or more than 12 digits
  kWrongCard,              // the card is not the one the caller named
  kInternal,               // a broken invariant or a local failure (`status`)
};

struct Fault {
  Failure failure = Failure::kNone;
  Status status{};         // the underlying transport / local error, when there is one
  StatusWord sw{};         // the card's or the PSAM's status word, when one decided
  int tries_left = -1;     // kWrongPin
  std::string issuer;      // "510000": the province whose keys the PSAM lacks
  std::string key;         // "PUK", "STK"...: the key class the PSAM lacks

  bool ok() const { return failure == Failure::kNone; }
  static Fault none() { return {}; }
  static Fault make(Failure f, Status s = {}, StatusWord w = {}) {
    Fault fault;
    fault.failure = f;
    fault.status = s;
    fault.sw = w;
    return fault;
  }
  static Fault of(Failure f) { return make(f); }
  static Fault internal() { return make(Failure::kInternal); }
  static Fault card(Status s) { return make(Failure::kCard, s); }
  static Fault card_status(StatusWord w) { return make(Failure::kCardStatus, {}, w); }
};

// The standard terminal interface's code (SSC-CARD.md; codes -31..-34 chosen, docs/DECISIONS.md):
//   0 ok; -1 not a social-security card / wrong card; -2 no card (or pulled); -11 reader or local failure;
//   -21 internal authentication failed (also: PSAM without the province's IRK); -25 HSM mismatch or bad
//   HSM input; -31 keypad not connected; -32 entry cancelled; -33 entry timed out; -34 new-PIN entries
//   differ or a bad entry; -35 initial PIN; -36 new PIN = initial PIN; -51 wrong PIN; -52 PIN blocked;
//   -2201 no PSAM; -2202 algorithm unsupported; -2203 no RKSSSE; -2204 HSM not needed; any other status
//   word of the card or the PSAM: minus its value in decimal (6A88 -> -27272).
long interface_code(const Fault& fault);

// One line in English for operators and logs; never holds a PIN or a key.
std::string describe(const Fault& fault);

}  // namespace sscard::ssc

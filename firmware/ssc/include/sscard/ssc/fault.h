// Fault: why a secured operation (PSAM-mode read, HSM mode, PIN and MAC commands) did not succeed, typed
// finely enough to give the standard terminal interface's error code (interface_code.h) and a message that
// keeps the reason ("PSAM holds no keys for issuer 510000").
//
// Status alone cannot say "the PSAM lacks RKSSSE" or "2 tries left", so these flows return a Fault (or a
// Result<T, Fault>, a value or a Fault). A Fault is a plain value: building one never allocates, so the
// failure paths of the card flows stay free of the heap; only describe() makes text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "sscard/core/result.h"
#include "sscard/core/status.h"
#include "sscard/core/status_word.h"
#include "sscard/psam/key_class.h"
#include "sscard/ssc/codes.h"
#include "sscard/ssc/interface_code.h"

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
  kPinEntryInvalid,        // the keypad gave fewer than 4 or more than 12 digits, or not digits
  kWrongCard,              // the card is not the one the caller named
  kInternal,               // a broken invariant or a local failure (`status`)
};

struct Fault {
  Failure failure = Failure::kNone;
  Status status{};         // the underlying transport / local error, when there is one
  StatusWord sw{};         // the card's or the PSAM's status word, when one decided
  int tries_left = -1;     // kWrongPin
  std::optional<RegionCode> issuer;    // the province whose keys the PSAM lacks (510000)
  std::optional<psam::KeyClass> key;   // the key class the PSAM lacks (PUK, STK...)

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

static_assert(std::is_trivially_copyable_v<Fault>, "a Fault owns no heap memory");

// The standard terminal interface's code of a fault (interface_code.h, docs/CARD.md "Error codes"):
//   kNone 0; kCard by its status: -2 no card or pulled, -1 malformed data, -11 any other reader failure;
//   kNotSocialSecurityCard, kWrongCard -1; kCardStatus -SW (without one: as kCard, or -11); kNoPsam -2201; kPsamStatus
//   -SW (-2201 without one); kAlgorithmUnsupported -2202; kPsamLacksReadKey -2203; kPsamLacksIssuerKeys and
//   kInternalAuthFailed -21; kPsamLacksKey -SW (-2201 without one); kExternalAuthRefused -SW (-11 without
//   one); kHsmNotNeeded -2204; kHsmMismatch, kHsmBadInput -25; kWrongPin -51; kPinBlocked -52; kInitialPin
//   -35; kNewPinIsInitial -36; kPinPadNotConnected -11; kPinEntryCancelled -31; kPinEntryTimeout -32;
//   kPinEntryInvalid -33; kPinEntryMismatch -34; kInternal -11.
// The result is an InterfaceCode's value, or status_word_code() of the card's or the PSAM's word.
long interface_code(const Fault& fault);

// One line in English for operators and logs ("wrong PIN, 1 try left"); never holds a PIN or a key.
std::string describe(const Fault& fault);

}  // namespace sscard::ssc

// PIN verification and change on the social-security card (docs/SECURITY.md "PINs"). The PINs come from a
// hal::PinPad into wiped buffers and leave the terminal only inside the VERIFY / CHANGE PIN command, whose
// data field every trace masks (transport DefaultRedactor).
#pragma once

#include <string_view>

#include "sscard/hal/pinpad.h"
#include "sscard/ssc/fault.h"
#include "sscard/transport/transport.h"

namespace sscard::ssc {

// The PIN every card is issued with; the social-security function is "not activated" until it changes.
inline constexpr std::string_view kInitialPin = "123456";

// select_ssse() (ssse.h), one PIN from the keypad, VERIFY.
// Faults: kWrongPin (63Cx, `tries_left` = x); kPinBlocked (6983); kInitialPin (the card accepted 123456:
// the terminal will not transact with it, -35); the keypad's (kPinPadNotConnected, kPinEntryCancelled,
// kPinEntryTimeout, kPinEntryInvalid), with nothing sent after SELECT; kNotSocialSecurityCard (6A82 to
// SELECT, or a malformed FCI); kCardStatus (6283: the application is blocked, D30); kCard.
Fault verify_pin(transport::Transport& card, hal::PinPad& pinpad);

// select_ssse(), the current PIN, the new PIN twice, CHANGE PIN (old || FF || new).
// Faults: kPinEntryMismatch (the two new entries differ) and kNewPinIsInitial (new = 123456), both with
// nothing sent after SELECT; then as verify_pin() for the old PIN (kWrongPin, kPinBlocked). Changing away
// from the initial PIN is the activation and is allowed.
Fault change_pin(transport::Transport& card, hal::PinPad& pinpad);

// The keypad error as a Fault (kNone -> ok).
Fault pin_pad_fault(hal::PinPadError error);

// Reads the new PIN twice into `pin`; kPinEntryMismatch when the entries differ, kNewPinIsInitial when it
// is 123456. Used by change_pin() and pin_reload().
Fault read_new_pin(hal::PinPad& pinpad, hal::PinBuffer& pin);

}  // namespace sscard::ssc

// The return codes of the standard terminal interface (iReadCardBas, iVerifyPIN...), in one place: the
// public vendor table of docs/CARD.md "The standard terminal interface" (Error codes), with the project's
// choices of docs/DECISIONS.md I1 and I4. A card's or a PSAM's status word that has no code of its own is
// returned as minus its value (status_word_code()).
#pragma once

#include "sscard/core/status_word.h"

namespace sscard::ssc {

enum class InterfaceCode : long {
  kOk = 0,
  // Wrong card type; also: not a social-security card (no SSSE, malformed card data), not the card the
  // caller named, an iType other than 1..4 (I4).
  kWrongCardType = -1,
  kNoCard = -2,  // no card in the reader, or it was pulled during the call
  // Reader connection error: every reader or local failure, and a PIN pad that is not connected (on real
  // terminals the PIN pad belongs to the reader: I1, I4).
  kReaderConnection = -11,
  // Internal authentication failed: the card is not genuine, or the PSAM has no key of its province.
  kInternalAuthFailed = -21,
  kInvalidInput = -23,           // data passed in by the caller is not valid (e.g. a device number with '|')
  kHsmMismatch = -25,            // HSM mode: the HSM's result differs from the card's, or is not "R'|A|"
  kPinEntryCancelled = -31,      // the holder cancelled the PIN entry
  kPinEntryTimeout = -32,        // the PIN entry timed out
  kPinLengthInvalid = -33,       // fewer than 4 or more than 12 digits were entered (or not digits)
  kNewPinEntriesDiffer = -34,    // the two entries of the new PIN differ
  kInitialPin = -35,             // the PIN is still the initial 123456: no transaction with it
  kNewPinIsInitial = -36,        // a PIN may not be changed back to the initial 123456
  kWrongPin = -51,               // 63Cx: wrong PIN, x tries left
  kPinBlocked = -52,             // 6983
  kNoPsam = -2201,               // no PSAM, or it does not answer
  kPsamAlgorithmUnsupported = -2202,  // the PSAM has no key file for the card's algorithm (SSF33, SM4)
  kPsamLacksReadKey = -2203,     // 3rd generation: the PSAM has no RKSSSE for the card's province
  kHsmNotNeeded = -2204,         // HSM mode asked for a 1st/2nd-generation card
};

constexpr long to_long(InterfaceCode code) { return static_cast<long>(code); }

// A status word as a code: minus its value in decimal (6A88 -> -27272).
constexpr long status_word_code(StatusWord sw) { return -static_cast<long>(sw.value()); }

}  // namespace sscard::ssc

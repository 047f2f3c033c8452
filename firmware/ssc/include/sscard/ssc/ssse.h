// Selecting the social-security environment SSSE, the step every card flow starts with, written once with
// one set of rules for the card's answer (docs/CARD.md "Applications and files", "Status words";
// docs/DECISIONS.md D30).
#pragma once

#include <cstdint>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/status_word.h"
#include "sscard/ssc/fault.h"
#include "sscard/transport/transport.h"

namespace sscard::ssc {

struct SsseSelection {
  ByteSpan fci;                   // the FCI, a view into the caller's buffer; empty when the card sent none
  std::uint8_t algorithm_id = 1;  // 9F0C -> 86 01 xx (DECISIONS.md D1); 01 without it
  bool blocked = false;           // 6283: SSSE is blocked, its records unreadable; only APPLICATION UNBLOCK helps
};

// SELECT SSSE by name (00 A4 04 00 0F 7378...D5CF); on T=0 the transport fetches the FCI with GET RESPONSE.
// `buffer` receives the FCI and must hold it plus 2 bytes (kMaxShortResponseSize always suffices).
// The card's answer decides:
//  - 9000: selected.
//  - 6283: selected, with `blocked` set (docs/SECURITY.md "APPLICATION BLOCK"; JR/T 0025.5 B.2).
//  - 6A82: kNotFound, not a social-security card.
//  - any other status word: kCardStatus; t.last_status_word() tells which.
// kMalformed: the FCI is not BER-TLV, or its 9F0C lacks a one-byte 86. The transport's errors are passed
// through: kNoCard, kCardRemoved (the SELECT may have run), kBufferTooSmall, kTimeout...
Result<SsseSelection> select_ssse(transport::Transport& t, MutableByteSpan buffer);

// A select_ssse() error as the Fault of the secured and PIN flows: kNotFound (6A82) and kMalformed ->
// kNotSocialSecurityCard (-1); kCardStatus -> kCardStatus with `last_sw` (minus its value); any other error
// -> kCard with it. A blocked SSSE is the caller's to judge: Fault::card_status(sw::kFileInvalidated) where
// the flow needs the application's records.
Fault select_fault(Status error, StatusWord last_sw);

// The algorithm identifier from SSSE's FCI: the value of 86 (1 byte) inside 9F0C, found at any depth.
// 1 when there is no 9F0C (or no FCI). kMalformed: the FCI is not BER-TLV, or 9F0C lacks a one-byte 86.
Result<std::uint8_t> algorithm_id_from_fci(ByteSpan fci);

}  // namespace sscard::ssc

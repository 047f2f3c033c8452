// The ATR a PC/SC reader hands its caller for an ISO/IEC 14443-4 card: built from the card's ATS
// (docs/CONTACTLESS.md §1, [PCSC3] 3.1.3.2.3.1). Both the in-process contactless slot and the vicc bridge's
// contactless mode present it, so the firmware sees the same bytes whichever backend carries the card.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::hal {

// The historical bytes of an ATS (ISO/IEC 14443-4 5.2): after TL, T0 and the interface bytes T0 announces
// (TA bit 5, TB bit 6, TC bit 7). kMalformed: TL does not match the length, or T0's bit 8 is set (RFU);
// kTruncated: fewer bytes than T0 announces.
inline Result<ByteSpan> ats_historical_bytes(ByteSpan ats) {
  if (ats.empty() || ats[0] != ats.size()) return Error::kMalformed;
  if (ats.size() == 1) return ByteSpan{};  // TL alone: no format byte, no historical bytes
  const std::uint8_t t0 = ats[1];
  if ((t0 & 0x80) != 0) return Error::kMalformed;
  std::size_t at = 2;
  for (std::uint8_t bit = 0x10; bit <= 0x40; bit = static_cast<std::uint8_t>(bit << 1)) {
    if ((t0 & bit) != 0) ++at;
  }
  if (at > ats.size()) return Error::kTruncated;
  return ats.subspan(at);
}

// `3B 8n 80 01 ‖ historical bytes ‖ TCK`: n = the number of historical bytes, TD1 = 80 (TD2 follows,
// T=0 indicated), TD2 = 01 (T=1), TCK = XOR of every byte from T0 to the last historical byte. The ATR's
// historical bytes are those of the ATS; an ATR can carry at most 15 (kUnsupported beyond).
inline Result<Bytes> pcsc_atr_from_ats(ByteSpan ats) {
  SSCARD_TRY_ASSIGN(const ByteSpan historical, ats_historical_bytes(ats));
  if (historical.size() > 15) return Error::kUnsupported;
  // Sized up front: GCC 12 misreports vector::insert after a brace-initialised vector (-Warray-bounds).
  Bytes atr(4 + historical.size() + 1);
  atr[0] = 0x3B;
  atr[1] = static_cast<std::uint8_t>(0x80 | historical.size());
  atr[2] = 0x80;
  atr[3] = 0x01;
  std::copy(historical.begin(), historical.end(), atr.begin() + 4);
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i + 1 < atr.size(); ++i) tck ^= atr[i];
  atr.back() = tck;
  return atr;
}

}  // namespace sscard::hal

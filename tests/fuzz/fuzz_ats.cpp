// The ISO/IEC 14443-4 ATS of a contactless card (hal/contactless_atr.h): its historical bytes and the PC/SC
// ATR built from it, which the firmware then parses as any ATR (core/atr.h).
//
// Checked besides memory safety: the historical bytes lie inside the input and end it; a built ATR is
// 3B 8n 80 01 ‖ historical ‖ TCK with a correct TCK, and atr::parse() accepts it with the same historical bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sscard/core/atr.h"
#include "sscard/hal/contactless_atr.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sscard::ByteSpan ats(data, size);
  auto historical = sscard::hal::ats_historical_bytes(ats);
  if (historical.ok() && !historical->empty() &&
      (historical->data() < data || historical->data() + historical->size() != data + size)) {
    __builtin_trap();
  }
  auto atr = sscard::hal::pcsc_atr_from_ats(ats);
  if (!atr.ok()) return 0;
  if (!historical.ok() || atr->size() != 5 + historical->size()) __builtin_trap();
  if ((*atr)[0] != 0x3B || (*atr)[1] != (0x80 | historical->size()) || (*atr)[2] != 0x80 || (*atr)[3] != 0x01) {
    __builtin_trap();
  }
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i < atr->size(); ++i) tck ^= (*atr)[i];
  if (tck != 0) __builtin_trap();
  auto parsed = sscard::atr::parse(*atr);
  if (!parsed.ok() || parsed->historical.size() != historical->size() ||
      (!historical->empty() && std::memcmp(parsed->historical.data(), historical->data(), historical->size()) != 0)) {
    __builtin_trap();
  }
  return 0;
}

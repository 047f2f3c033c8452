// ATR parsing (ISO/IEC 7816-3 section 8): no over-reads; the historical bytes lie inside the input.
#include <cstddef>
#include <cstdint>

#include "sscard/core/atr.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto atr = sscard::atr::parse(sscard::ByteSpan(data, size));
  if (!atr.ok()) return 0;
  const std::uint8_t* end = atr->historical.data() + atr->historical.size();
  if (!atr->historical.empty() && (atr->historical.data() < data || end > data + size)) __builtin_trap();
  if (!atr->offers_t0 && !atr->offers_t1 && !atr->has_tck) __builtin_trap();  // some protocol is offered
  return 0;
}

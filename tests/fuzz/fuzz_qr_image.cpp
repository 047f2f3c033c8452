// Pictures given to the image scanner (a kiosk camera's file, or anything put in its place): libpng and libzbar
// behind decode_qr_png never crash, never read past the input, and whatever they give is a code text the
// interface takes (printable ASCII, 1 to kMaxCodeText characters), or an error with no text. In builds without
// the decoder every input is unreadable, which is checked the same way.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sscard/hal/image_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using sscard::hal::ScanError;
  // 512 pixels a side keeps each run short; the size checks themselves do not depend on the limit.
  constexpr std::uint32_t kFuzzMaxSide = 512;
  std::string text = "stale";
  const ScanError e = sscard::hal::decode_qr_png(sscard::ByteSpan(data, size), text, kFuzzMaxSide);
  if (e != ScanError::kNone) {
    if (!text.empty()) __builtin_trap();
    return 0;
  }
  if (text.empty() || text.size() > sscard::hal::kMaxCodeText) __builtin_trap();
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E) __builtin_trap();
  }
  // The same bytes decode to the same text.
  std::string again;
  if (sscard::hal::decode_qr_png(sscard::ByteSpan(data, size), again, kFuzzMaxSide) != ScanError::kNone ||
      again != text) {
    __builtin_trap();
  }
  return 0;
}

// Builds without libzbar and libpng (the kiosk-board cross builds): no picture is read. open_scanner() refuses
// "image:" specs with kUnsupported before anything gets here.
#include "sscard/hal/image_scanner.h"

namespace sscard::hal {

bool image_decoder_available() { return false; }

ScanError decode_qr_png(ByteSpan /*png*/, std::string& text, std::uint32_t /*max_side*/) {
  text.clear();
  return ScanError::kUnreadable;
}

}  // namespace sscard::hal

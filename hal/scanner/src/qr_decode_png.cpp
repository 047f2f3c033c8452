// The image decoder of host builds: libpng's simplified read API (it converts every colour type and bit depth,
// and handles its own errors without a longjmp through this code), then libzbar through zbar_qr.c.
#include <png.h>

#include <vector>

#include "sscard/hal/image_scanner.h"
#include "zbar_qr.h"

namespace sscard::hal {

bool image_decoder_available() { return true; }

ScanError decode_qr_png(ByteSpan png, std::string& text, std::uint32_t max_side) {
  text.clear();
  if (png.empty()) return ScanError::kUnreadable;

  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_memory(&image, png.data(), png.size()) == 0) {
    png_image_free(&image);
    return ScanError::kUnreadable;
  }
  // Refused from the header alone, before anything is allocated for the pixels.
  if (image.width == 0 || image.height == 0 || image.width > max_side || image.height > max_side ||
      image.width > kMaxImageSide || image.height > kMaxImageSide) {
    png_image_free(&image);
    return ScanError::kUnreadable;
  }
  image.format = PNG_FORMAT_GRAY;  // 8-bit grey, whatever the file holds
  std::vector<std::uint8_t> grey(static_cast<std::size_t>(image.width) * image.height);
  const png_color white{255, 255, 255};  // a transparent background is a white sheet
  if (png_image_finish_read(&image, &white, grey.data(), 0, nullptr) == 0) {
    png_image_free(&image);  // a damaged or truncated file
    return ScanError::kUnreadable;
  }

  char found[kMaxCodeText];
  std::size_t length = 0;
  switch (sscard_zbar_find_qr(grey.data(), image.width, image.height, found, sizeof found, &length)) {
    case SSCARD_ZBAR_FOUND: break;
    case SSCARD_ZBAR_NONE: return ScanError::kNoCode;
    case SSCARD_ZBAR_TOO_LONG: return ScanError::kTooLong;
    case SSCARD_ZBAR_AMBIGUOUS: return ScanError::kUnreadable;  // which code the holder meant is unknown
    case SSCARD_ZBAR_FAILED: return ScanError::kUnreadable;
  }
  if (length == 0) return ScanError::kUnreadable;  // a QR code with no text is no code of ours
  // zbar may hand over any bytes (it converts some encodings to UTF-8): only printable ASCII is a code text.
  for (std::size_t i = 0; i < length; ++i) {
    if (found[i] < 0x20 || found[i] > 0x7E) return ScanError::kUnreadable;
  }
  text.assign(found, length);
  return ScanError::kNone;
}

}  // namespace sscard::hal

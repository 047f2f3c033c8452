// ImageScanner: QR codes in pictures (a kiosk camera's snapshot, a test's rendered code), decoded here with
// libzbar from PNG files read with libpng. Only QR codes are looked for; the text must be printable ASCII
// (CodeScanner::scan), which zbar's decoded bytes may not be.
//
// The decoder is built where libzbar and libpng are found (host builds). A kiosk-board build has neither: there
// image_decoder_available() is false, open_scanner("image:...") says kUnsupported, and decode_qr_png() and
// ImageScanner answer kUnreadable for every picture (docs/SCANNERS.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "sscard/core/bytes.h"
#include "sscard/hal/scanner.h"

namespace sscard::hal {

// The largest picture taken, in pixels on either side: a 4096 x 4096 grey copy is 16 MiB. Larger pictures
// are refused (kUnreadable) from their header, before any pixel is decoded.
inline constexpr std::uint32_t kMaxImageSide = 4096;
// The largest file read; a PNG of kMaxImageSide pixels square is far smaller unless it is noise.
inline constexpr std::size_t kMaxImageFileBytes = 32u * 1024u * 1024u;

// Whether this build decodes pictures.
bool image_decoder_available();

// Decodes the QR code in a PNG held in memory: any colour type and bit depth (converted to 8-bit grey; a
// transparent background is taken as white), interlaced or not.
//   kNone        `text` holds the code's text (printable ASCII, at most kMaxCodeText characters)
//   kUnreadable  not a PNG, a damaged or truncated one, wider or higher than `max_side`, a code whose bytes
//                are not printable ASCII, two different QR codes in one picture, or no decoder in this build
//   kNoCode      a picture without a QR code that zbar can read
//   kTooLong     a code of more than kMaxCodeText characters
// On an error `text` is empty.
ScanError decode_qr_png(ByteSpan png, std::string& text, std::uint32_t max_side = kMaxImageSide);

class ImageScanner final : public CodeScanner {
 public:
  // The picture at `path` is read at each scan, whole, so a camera that replaces it (write, then rename over
  // it) gives a new code to the next scan.
  explicit ImageScanner(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }

 private:
  // A picture is there or not: the timeout is not used. A file that cannot be opened (gone, not readable) is
  // kNotConnected: the camera that should put it there is absent, and waiting for a holder would not help;
  // a directory or a file over kMaxImageFileBytes is kUnreadable; then decode_qr_png().
  ScanError do_scan(int timeout_ms, std::string& text) override;

  std::string path_;
};

}  // namespace sscard::hal

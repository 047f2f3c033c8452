// QR codes as a phone shows them: a text rendered as a QR symbol with libqrencode, then as a PNG picture
// (libpng) or as text for a terminal. The simulated holders' phones of the ESSC flows (docs/ESSC.md), and
// the pictures the image scanner's tests decode.
//
// The symbol is the smallest version that holds the text at the level asked for; libqrencode picks the
// encoding mode per run of characters, so an ESSC text (all in the alphanumeric set) is encoded in
// alphanumeric mode: version 7 (45 x 45 modules) at level M (docs/SCANNERS.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::sim {

// Error-correction levels (ISO/IEC 18004): about 7, 15, 25 and 30 % of the codewords can be restored.
enum class QrLevel : std::uint8_t { kL, kM, kQ, kH };

enum class QrError : std::uint8_t {
  kEmptyText,    // nothing to encode
  kNulInText,    // a NUL character (libqrencode takes C strings)
  kTooLong,      // more than a version 40 symbol holds at this level
  kBadOptions,   // a module size or quiet zone out of range (QrPicture)
  kNoMemory,     // libqrencode or libpng could not allocate
  kWriteFailed,  // the PNG file could not be written
};

constexpr std::string_view qr_error_name(QrError e) {
  switch (e) {
    case QrError::kEmptyText: return "empty_text";
    case QrError::kNulInText: return "nul_in_text";
    case QrError::kTooLong: return "too_long";
    case QrError::kBadOptions: return "bad_options";
    case QrError::kNoMemory: return "no_memory";
    case QrError::kWriteFailed: return "write_failed";
  }
  return "unknown";
}

// One QR symbol: width x width modules, dark or light.
class QrSymbol {
 public:
  QrSymbol(int version, int width, std::vector<bool> modules)
      : version_(version), width_(width), dark_(std::move(modules)) {}

  int version() const { return version_; }  // 1..40
  int width() const { return width_; }      // 17 + 4 x version
  // Module (x, y), 0-based from the top left; outside the symbol (the quiet zone) is light.
  bool dark(int x, int y) const {
    if (x < 0 || y < 0 || x >= width_ || y >= width_) return false;
    return dark_[static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)];
  }

 private:
  int version_;
  int width_;
  std::vector<bool> dark_;
};

// Encodes `text` (case kept) in the smallest version that holds it at `level`.
Result<QrSymbol, QrError> encode_qr(std::string_view text, QrLevel level = QrLevel::kM);

// How a symbol becomes a picture: square modules of `module_px` pixels (1..64), and a light quiet zone of
// `quiet_zone` modules (0..64; ISO/IEC 18004 asks for 4) around it.
struct QrPicture {
  int module_px = 8;
  int quiet_zone = 4;
};

// 8-bit grey pixels, rows top down: 0 for dark modules, 255 for light ones and the quiet zone.
struct QrRaster {
  std::uint32_t side = 0;  // pixels, (width + 2 x quiet_zone) x module_px
  Bytes grey;              // side x side
};

Result<QrRaster, QrError> qr_raster(const QrSymbol& symbol, const QrPicture& picture = {});

// The raster as a PNG file's bytes (8-bit greyscale, not interlaced), and written to a file (mode 0644 before
// the umask; an existing file is replaced).
Result<Bytes, QrError> qr_png(const QrSymbol& symbol, const QrPicture& picture = {});
Result<void, QrError> write_qr_png(const QrSymbol& symbol, const std::filesystem::path& file,
                                   const QrPicture& picture = {});

// Text for a terminal, one line per two module rows (Unicode half blocks U+2580, U+2584, full block U+2588),
// with a quiet zone of `quiet_zone` modules, each line ended by '\n'. A character cell is about twice as high
// as wide, so modules come out square and a phone reads the code off the screen.
//   kDark:  a terminal with light text on a dark background: the blocks draw the light modules and the quiet
//           zone, the background shows through as the dark modules.
//   kLight: dark text on a light background: the blocks draw the dark modules.
enum class TerminalBackground : std::uint8_t { kDark, kLight };
std::string qr_terminal_text(const QrSymbol& symbol, TerminalBackground background = TerminalBackground::kDark,
                             int quiet_zone = 4);

}  // namespace sscard::sim

#include "sscard/sim/qr.h"

#include <png.h>
#include <qrencode.h>

#include <cerrno>
#include <fstream>

namespace sscard::sim {
namespace {

// The largest picture made: the image scanner's limit (hal/image_scanner.h kMaxImageSide).
constexpr std::uint32_t kMaxSide = 4096;

QRecLevel to_qrencode(QrLevel level) {
  switch (level) {
    case QrLevel::kL: return QR_ECLEVEL_L;
    case QrLevel::kM: return QR_ECLEVEL_M;
    case QrLevel::kQ: return QR_ECLEVEL_Q;
    case QrLevel::kH: return QR_ECLEVEL_H;
  }
  return QR_ECLEVEL_M;
}

// UTF-8 of the block elements.
constexpr std::string_view kUpperHalf = "\xE2\x96\x80";  // U+2580
constexpr std::string_view kLowerHalf = "\xE2\x96\x84";  // U+2584
constexpr std::string_view kFullBlock = "\xE2\x96\x88";  // U+2588

}  // namespace

Result<QrSymbol, QrError> encode_qr(std::string_view text, QrLevel level) {
  if (text.empty()) return QrError::kEmptyText;
  if (text.find('\0') != std::string_view::npos) return QrError::kNulInText;
  const std::string c_text(text);
  errno = 0;
  // Version 0: the smallest that holds the text. Hint QR_MODE_8 with case kept: libqrencode still splits the
  // text into numeric, alphanumeric and 8-bit runs, and an all-alphanumeric text is one alphanumeric run.
  QRcode* code = QRcode_encodeString(c_text.c_str(), 0, to_qrencode(level), QR_MODE_8, 1);
  if (code == nullptr) return errno == ENOMEM ? QrError::kNoMemory : QrError::kTooLong;
  const auto width = static_cast<std::size_t>(code->width);
  std::vector<bool> dark(width * width);
  for (std::size_t i = 0; i < dark.size(); ++i) dark[i] = (code->data[i] & 1u) != 0;  // bit 0: dark module
  QrSymbol symbol(code->version, code->width, std::move(dark));
  QRcode_free(code);
  return symbol;
}

Result<QrRaster, QrError> qr_raster(const QrSymbol& symbol, const QrPicture& picture) {
  if (picture.module_px < 1 || picture.module_px > 64 || picture.quiet_zone < 0 || picture.quiet_zone > 64) {
    return QrError::kBadOptions;
  }
  const int modules = symbol.width() + 2 * picture.quiet_zone;
  const auto side = static_cast<std::uint32_t>(modules) * static_cast<std::uint32_t>(picture.module_px);
  if (side > kMaxSide) return QrError::kBadOptions;
  QrRaster raster;
  raster.side = side;
  raster.grey.assign(static_cast<std::size_t>(side) * side, 0xFF);
  const auto px = static_cast<std::size_t>(picture.module_px);
  for (int my = 0; my < symbol.width(); ++my) {
    for (int mx = 0; mx < symbol.width(); ++mx) {
      if (!symbol.dark(mx, my)) continue;
      const auto x0 = static_cast<std::size_t>(mx + picture.quiet_zone) * px;
      const auto y0 = static_cast<std::size_t>(my + picture.quiet_zone) * px;
      for (std::size_t y = y0; y < y0 + px; ++y) {
        for (std::size_t x = x0; x < x0 + px; ++x) raster.grey[y * side + x] = 0x00;
      }
    }
  }
  return raster;
}

Result<Bytes, QrError> qr_png(const QrSymbol& symbol, const QrPicture& picture) {
  auto raster = qr_raster(symbol, picture);
  if (!raster.ok()) return raster.error();
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = raster->side;
  image.height = raster->side;
  image.format = PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  // First the size, then the bytes (libpng's two-call pattern for memory output).
  if (png_image_write_to_memory(&image, nullptr, &size, 0, raster->grey.data(), 0, nullptr) == 0 || size == 0) {
    png_image_free(&image);
    return QrError::kNoMemory;
  }
  Bytes png(size);
  if (png_image_write_to_memory(&image, png.data(), &size, 0, raster->grey.data(), 0, nullptr) == 0) {
    png_image_free(&image);
    return QrError::kNoMemory;
  }
  png.resize(size);
  return png;
}

Result<void, QrError> write_qr_png(const QrSymbol& symbol, const std::filesystem::path& file,
                                   const QrPicture& picture) {
  auto png = qr_png(symbol, picture);
  if (!png.ok()) return png.error();
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
  out.close();
  if (!out) return QrError::kWriteFailed;
  return {};
}

std::string qr_terminal_text(const QrSymbol& symbol, TerminalBackground background, int quiet_zone) {
  if (quiet_zone < 0) quiet_zone = 0;
  const int first = -quiet_zone;
  const int last = symbol.width() + quiet_zone;  // one past the last module row and column
  // Drawn: light modules on a dark terminal, dark modules on a light one. Rows past the quiet zone (the
  // missing lower half of an odd last line) are the terminal's background, never drawn.
  const auto drawn = [&](int x, int y) {
    if (y >= last) return false;
    const bool dark = symbol.dark(x, y);
    return background == TerminalBackground::kDark ? !dark : dark;
  };
  std::string out;
  for (int y = first; y < last; y += 2) {
    for (int x = first; x < last; ++x) {
      const bool top = drawn(x, y);
      const bool bottom = drawn(x, y + 1);
      if (top && bottom) {
        out += kFullBlock;
      } else if (top) {
        out += kUpperHalf;
      } else if (bottom) {
        out += kLowerHalf;
      } else {
        out += ' ';
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace sscard::sim

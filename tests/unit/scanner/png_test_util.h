// PNG pictures for the image scanner's tests, written with libpng's simplified API in the colour types and
// depths a camera or an image tool may produce, and PNG chunks built by hand for damaged headers.
#pragma once

#include <gtest/gtest.h>
#include <png.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/sim/qr.h"

namespace sscard::test {

enum class PngKind { kGrey8, kGrey16, kRgb, kRgbaTransparentLight, kPalette, kGrey1Interlaced };

// 1-bit greyscale, Adam7 interlaced: beyond the simplified write API, so written row by row. libpng's default
// error handling (abort) is enough for a test that writes what it built itself.
inline Bytes png_grey1_interlaced(const sim::QrRaster& raster) {
  Bytes out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, std::size_t size) {
        auto* bytes = static_cast<Bytes*>(png_get_io_ptr(p));
        bytes->insert(bytes->end(), data, data + size);
      },
      nullptr);
  png_set_IHDR(png, info, raster.side, raster.side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_ADAM7,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_set_packing(png);  // rows given one pixel a byte, 0 or 1
  Bytes pixels(raster.grey.size());
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = raster.grey[i] != 0 ? std::uint8_t{1} : std::uint8_t{0};
  std::vector<png_bytep> rows(raster.side);
  for (std::size_t y = 0; y < rows.size(); ++y) rows[y] = pixels.data() + y * raster.side;
  png_write_image(png, rows.data());  // all seven passes
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

// `raster` (8-bit grey, 0 dark, 255 light) as a PNG of `kind`.
inline Bytes png_of(const sim::QrRaster& raster, PngKind kind) {
  if (kind == PngKind::kGrey1Interlaced) return png_grey1_interlaced(raster);
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = raster.side;
  image.height = raster.side;
  const std::size_t pixels = raster.grey.size();
  Bytes buffer;            // 8-bit samples
  std::vector<std::uint16_t> wide;  // 16-bit samples
  Bytes colormap;
  const void* data = nullptr;
  switch (kind) {
    case PngKind::kGrey8:
      image.format = PNG_FORMAT_GRAY;
      data = raster.grey.data();
      break;
    case PngKind::kGrey16:
      image.format = PNG_FORMAT_LINEAR_Y;  // written as a 16-bit greyscale PNG
      wide.resize(pixels);
      for (std::size_t i = 0; i < pixels; ++i) wide[i] = raster.grey[i] != 0 ? std::uint16_t{65535} : std::uint16_t{0};
      data = wide.data();
      break;
    case PngKind::kRgb:
      image.format = PNG_FORMAT_RGB;  // dark modules navy, light ones pale yellow
      buffer.resize(pixels * 3);
      for (std::size_t i = 0; i < pixels; ++i) {
        const bool light = raster.grey[i] != 0;
        buffer[3 * i] = light ? std::uint8_t{0xFF} : std::uint8_t{0x10};
        buffer[3 * i + 1] = light ? std::uint8_t{0xF8} : std::uint8_t{0x20};
        buffer[3 * i + 2] = light ? std::uint8_t{0xD0} : std::uint8_t{0x60};
      }
      data = buffer.data();
      break;
    case PngKind::kRgbaTransparentLight:
      image.format = PNG_FORMAT_RGBA;  // black modules on nothing at all
      buffer.resize(pixels * 4);
      for (std::size_t i = 0; i < pixels; ++i) {
        const bool light = raster.grey[i] != 0;
        buffer[4 * i] = buffer[4 * i + 1] = buffer[4 * i + 2] = 0;
        buffer[4 * i + 3] = light ? std::uint8_t{0} : std::uint8_t{0xFF};
      }
      data = buffer.data();
      break;
    case PngKind::kPalette:
      image.format = PNG_FORMAT_RGB_COLORMAP;  // index 0 dark red, index 1 white
      image.colormap_entries = 2;
      colormap = {0x80, 0x00, 0x00, 0xFF, 0xFF, 0xFF};
      buffer.resize(pixels);
      for (std::size_t i = 0; i < pixels; ++i) buffer[i] = raster.grey[i] != 0 ? std::uint8_t{1} : std::uint8_t{0};
      data = buffer.data();
      break;
    case PngKind::kGrey1Interlaced:
      break;
  }
  png_alloc_size_t size = 0;
  const void* map = colormap.empty() ? nullptr : colormap.data();
  EXPECT_NE(png_image_write_to_memory(&image, nullptr, &size, 0, data, 0, map), 0) << image.message;
  Bytes png(size);
  EXPECT_NE(png_image_write_to_memory(&image, png.data(), &size, 0, data, 0, map), 0) << image.message;
  png.resize(size);
  return png;
}

// CRC-32 of PNG chunks (ISO 3309, as the PNG specification gives it).
inline std::uint32_t png_crc(ByteSpan bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const std::uint8_t b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc & 1u) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
  }
  return crc ^ 0xFFFFFFFFu;
}

inline void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

inline void add_chunk(Bytes& png, std::string_view type, const Bytes& data) {
  put_u32(png, static_cast<std::uint32_t>(data.size()));
  Bytes typed(type.begin(), type.end());
  typed.insert(typed.end(), data.begin(), data.end());
  png.insert(png.end(), typed.begin(), typed.end());
  put_u32(png, png_crc(typed));
}

// A PNG signature and a well-formed IHDR of `width` x `height`, 8-bit greyscale, with no pixels after it.
inline Bytes png_header_only(std::uint32_t width, std::uint32_t height) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Bytes ihdr;
  put_u32(ihdr, width);
  put_u32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});  // depth 8, greyscale, deflate, adaptive filter, not interlaced
  add_chunk(png, "IHDR", ihdr);
  return png;
}

}  // namespace sscard::test

// The simulator's QR rendering (sim/qr): the version and level an ESSC text gets, the picture's geometry,
// the terminal text, and every rendering read back by the image scanner.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "essc_text.h"
#include "png_test_util.h"
#include "sscard/hal/image_scanner.h"
#include "sscard/sim/qr.h"

namespace sscard::sim {
namespace {

using test::essc_like_text;

TEST(QrRender, EsscTextIsVersion7AtLevelM) {
  const std::string text = essc_like_text();
  ASSERT_EQ(text.size(), 169u);
  auto symbol = encode_qr(text, QrLevel::kM);
  ASSERT_TRUE(symbol.ok()) << qr_error_name(symbol.error());
  // 169 alphanumeric characters: 4 + 9 + 84 x 11 + 6 = 943 bits; version 6-M holds 864, version 7-M 992.
  EXPECT_EQ(symbol->version(), 7);
  EXPECT_EQ(symbol->width(), 45);
}

TEST(QrRender, OtherLevels) {
  const std::string text = essc_like_text();
  // 118 data codewords up to version 9, 119 from version 10 (an 11-bit character count). Data codewords of
  // ISO/IEC 18004 table 7: L 5: 108, 6: 136; Q 8: 110, 9: 132; H 9: 100, 10: 122.
  EXPECT_EQ(encode_qr(text, QrLevel::kL)->version(), 6);
  EXPECT_EQ(encode_qr(text, QrLevel::kQ)->version(), 9);
  EXPECT_EQ(encode_qr(text, QrLevel::kH)->version(), 10);
}

TEST(QrRender, Refusals) {
  EXPECT_EQ(encode_qr("").error(), QrError::kEmptyText);
  EXPECT_EQ(encode_qr(std::string("ESSC:\0X", 7)).error(), QrError::kNulInText);
  // Version 40-M holds 3391 alphanumeric characters.
  EXPECT_EQ(encode_qr(std::string(4000, 'A')).error(), QrError::kTooLong);
  auto symbol = encode_qr("ESSC:A");
  ASSERT_TRUE(symbol.ok());
  EXPECT_EQ(qr_raster(*symbol, {.module_px = 0, .quiet_zone = 4}).error(), QrError::kBadOptions);
  EXPECT_EQ(qr_raster(*symbol, {.module_px = 8, .quiet_zone = -1}).error(), QrError::kBadOptions);
  EXPECT_EQ(qr_png(*symbol, {.module_px = 65, .quiet_zone = 4}).error(), QrError::kBadOptions);
  EXPECT_EQ(qr_error_name(QrError::kTooLong), "too_long");
}

TEST(QrRender, RasterGeometry) {
  auto symbol = encode_qr(essc_like_text());
  ASSERT_TRUE(symbol.ok());
  auto raster = qr_raster(*symbol);
  ASSERT_TRUE(raster.ok());
  EXPECT_EQ(raster->side, (45u + 8u) * 8u);
  EXPECT_EQ(raster->grey.size(), 424u * 424u);
  const auto at = [&](std::uint32_t x, std::uint32_t y) { return raster->grey[std::size_t{y} * raster->side + x]; };
  EXPECT_EQ(at(0, 0), 0xFF);     // quiet zone
  EXPECT_EQ(at(31, 31), 0xFF);   // its last pixel
  EXPECT_EQ(at(32, 32), 0x00);   // the top left finder pattern's corner
  EXPECT_EQ(at(39, 39), 0x00);
  EXPECT_EQ(at(40, 40), 0xFF);   // its light ring (module 1, 1)
  EXPECT_EQ(at(423, 423), 0xFF);
  EXPECT_TRUE(symbol->dark(0, 0));
  EXPECT_FALSE(symbol->dark(1, 1));
  EXPECT_FALSE(symbol->dark(-1, 0));
  EXPECT_FALSE(symbol->dark(45, 0));
}

TEST(QrRender, PngIsEightBitGrey) {
  auto symbol = encode_qr("ESSC:HELLO");
  ASSERT_TRUE(symbol.ok());
  auto png = qr_png(*symbol);
  ASSERT_TRUE(png.ok());
  ASSERT_GT(png->size(), 33u);
  const Bytes signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  EXPECT_EQ(Bytes(png->begin(), png->begin() + 8), signature);
  // IHDR: width and height (21 + 8 modules of 8 px = 232), bit depth 8, colour type 0 (greyscale).
  EXPECT_EQ(to_hex(ByteSpan(png->data() + 12, 4)), "49484452");
  EXPECT_EQ(to_hex(ByteSpan(png->data() + 16, 10)), "000000E8000000E80800");
}

// Counts the characters of a line of UTF-8 text (one per code point).
std::size_t columns(const std::string& line) {
  std::size_t n = 0;
  for (const char c : line) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u ? 1 : 0;
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(QrTerminal, ShapeOfAnEsscCode) {
  auto symbol = encode_qr(essc_like_text());
  ASSERT_TRUE(symbol.ok());
  const std::string text = qr_terminal_text(*symbol);
  ASSERT_EQ(text.back(), '\n');
  const std::vector<std::string> lines = lines_of(text);
  ASSERT_EQ(lines.size(), 27u);  // 53 module rows, two per line
  for (const std::string& line : lines) EXPECT_EQ(columns(line), 53u);
  // On a dark terminal the quiet zone is drawn: two full rows, then, at the bottom, the odd row alone.
  EXPECT_EQ(lines[0], repeat("\xE2\x96\x88", 53));
  EXPECT_EQ(lines[26], repeat("\xE2\x96\x80", 53));
}

TEST(QrTerminal, FinderPatternOnALightTerminal) {
  auto symbol = encode_qr(essc_like_text());
  ASSERT_TRUE(symbol.ok());
  const std::vector<std::string> lines = lines_of(qr_terminal_text(*symbol, TerminalBackground::kLight));
  ASSERT_EQ(lines.size(), 27u);
  EXPECT_EQ(lines[0], std::string(53, ' '));
  // Line 2 holds module rows 0 and 1: the finder's top edge (7 dark) over its first ring (dark, 5 light,
  // dark); four columns of quiet zone before it.
  const std::string full = "\xE2\x96\x88";
  const std::string upper = "\xE2\x96\x80";
  EXPECT_EQ(lines[2].substr(0, 4 + 7 * 3), "    " + full + repeat(upper, 5) + full);
}

// Reads terminal text drawn for a light terminal back into modules, then pictures, then a code.
TEST(QrTerminal, TheTerminalTextDecodes) {
  const std::string code = essc_like_text(3);
  auto symbol = encode_qr(code);
  ASSERT_TRUE(symbol.ok());
  const std::vector<std::string> lines = lines_of(qr_terminal_text(*symbol, TerminalBackground::kLight));
  const std::uint32_t modules = 53;
  const std::uint32_t px = 4;
  QrRaster raster;
  raster.side = modules * px;
  raster.grey.assign(std::size_t{raster.side} * raster.side, 0xFF);
  for (std::uint32_t line = 0; line < lines.size(); ++line) {
    std::uint32_t x = 0;
    for (std::size_t i = 0; i < lines[line].size();) {
      bool top = false;
      bool bottom = false;
      if (lines[line][i] == ' ') {
        i += 1;
      } else {
        const std::string glyph = lines[line].substr(i, 3);
        top = glyph == "\xE2\x96\x88" || glyph == "\xE2\x96\x80";
        bottom = glyph == "\xE2\x96\x88" || glyph == "\xE2\x96\x84";
        i += 3;
      }
      for (std::uint32_t half = 0; half < 2; ++half) {
        const std::uint32_t row = 2 * line + half;
        if (row >= modules || !(half == 0 ? top : bottom)) continue;
        for (std::uint32_t y = row * px; y < (row + 1) * px; ++y) {
          for (std::uint32_t xx = x * px; xx < (x + 1) * px; ++xx) raster.grey[std::size_t{y} * raster.side + xx] = 0;
        }
      }
      ++x;
    }
  }
  std::string decoded;
  EXPECT_EQ(hal::decode_qr_png(test::png_of(raster, test::PngKind::kGrey8), decoded), hal::ScanError::kNone);
  EXPECT_EQ(decoded, code);
}

}  // namespace
}  // namespace sscard::sim

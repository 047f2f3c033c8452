// The image scanner (libpng + libzbar) on pictures rendered by the simulator (sim/qr), in every PNG colour
// type, and on pictures that must be refused.
#include "sscard/hal/image_scanner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "essc_text.h"
#include "png_test_util.h"
#include "sscard/hal/scanner_open.h"
#include "sscard/sim/qr.h"

namespace sscard::hal {
namespace {

namespace fs = std::filesystem;
using test::essc_like_text;
using test::PngKind;

sim::QrRaster raster_of(const std::string& text, sim::QrPicture picture = {}) {
  auto symbol = sim::encode_qr(text);
  EXPECT_TRUE(symbol.ok()) << text;
  if (!symbol.ok()) return {};
  auto raster = sim::qr_raster(*symbol, picture);
  EXPECT_TRUE(raster.ok());
  return raster.ok() ? *raster : sim::QrRaster{};
}

Bytes png_of(const std::string& text, sim::QrPicture picture = {}) {
  auto symbol = sim::encode_qr(text);
  EXPECT_TRUE(symbol.ok()) << text;
  if (!symbol.ok()) return {};
  auto png = sim::qr_png(*symbol, picture);
  EXPECT_TRUE(png.ok());
  return png.ok() ? *png : Bytes{};
}

ScanError decode(const Bytes& png, std::string& text, std::uint32_t max_side = kMaxImageSide) {
  text = "not cleared";
  return decode_qr_png(png, text, max_side);
}

class ImageScannerFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sscard-image-scanner-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const Bytes& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  fs::path dir_;
};

TEST(ImageScanner, DecoderIsInThisBuild) { EXPECT_TRUE(image_decoder_available()); }

TEST(ImageScanner, EsscCodeRoundTrip) {
  const std::string code = essc_like_text();
  ASSERT_EQ(code.size(), 169u);
  std::string text;
  EXPECT_EQ(decode(png_of(code), text), ScanError::kNone);
  EXPECT_EQ(text, code);
}

TEST(ImageScanner, EachAlphanumericPunctuation) {
  for (const char c : std::string_view(" $%*+-./:")) {
    const std::string code = std::string("ESSC:A") + c + "9Z" + c;
    std::string text;
    EXPECT_EQ(decode(png_of(code), text), ScanError::kNone) << "'" << c << "'";
    EXPECT_EQ(text, code);
  }
  const std::string all = "ESSC: $%*+-./:0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string text;
  EXPECT_EQ(decode(png_of(all), text), ScanError::kNone);
  EXPECT_EQ(text, all);
}

TEST(ImageScanner, SmallModulesAndNoQuietZoneToSpare) {
  const std::string code = essc_like_text(1);
  std::string text;
  EXPECT_EQ(decode(png_of(code, {.module_px = 3, .quiet_zone = 4}), text), ScanError::kNone);
  EXPECT_EQ(text, code);
}

TEST(ImageScanner, EveryColourTypeAndDepth) {
  const std::string code = essc_like_text(2);
  const sim::QrRaster raster = raster_of(code, {.module_px = 4, .quiet_zone = 4});
  for (const PngKind kind : {PngKind::kGrey8, PngKind::kGrey16, PngKind::kRgb, PngKind::kRgbaTransparentLight,
                             PngKind::kPalette, PngKind::kGrey1Interlaced}) {
    const Bytes png = test::png_of(raster, kind);
    std::string text;
    EXPECT_EQ(decode(png, text), ScanError::kNone) << "kind " << static_cast<int>(kind);
    EXPECT_EQ(text, code) << "kind " << static_cast<int>(kind);
  }
}

TEST(ImageScanner, ColourTypesAreWhatTheyClaim) {
  // IHDR byte 24 is the bit depth, 25 the colour type, 28 the interlace method (PNG specification, 11.2.2).
  const sim::QrRaster raster = raster_of("ESSC:X", {.module_px = 2, .quiet_zone = 4});
  const auto header = [&](PngKind kind) {
    const Bytes png = test::png_of(raster, kind);
    return to_hex(ByteSpan(png.data() + 24, 5));
  };
  EXPECT_EQ(header(PngKind::kGrey8), "0800000000");
  EXPECT_EQ(header(PngKind::kGrey16), "1000000000");
  EXPECT_EQ(header(PngKind::kRgb), "0802000000");
  EXPECT_EQ(header(PngKind::kRgbaTransparentLight), "0806000000");
  EXPECT_EQ(header(PngKind::kPalette), "0103000000");  // two colours: 1-bit indices
  EXPECT_EQ(header(PngKind::kGrey1Interlaced), "0100000001");
}

TEST(ImageScanner, PictureWithoutACode) {
  sim::QrRaster blank;
  blank.side = 200;
  blank.grey.assign(200u * 200u, 0xFF);
  std::string text;
  EXPECT_EQ(decode(test::png_of(blank, PngKind::kGrey8), text), ScanError::kNoCode);
  EXPECT_EQ(text, "");
  // Stripes are no code either.
  for (std::size_t i = 0; i < blank.grey.size(); ++i) blank.grey[i] = (i / 7) % 2 == 0 ? std::uint8_t{0x00} : std::uint8_t{0xFF};
  EXPECT_EQ(decode(test::png_of(blank, PngKind::kGrey8), text), ScanError::kNoCode);
}

TEST(ImageScanner, TruncatedAndDamagedPngs) {
  const Bytes good = png_of(essc_like_text());
  std::string text;
  ASSERT_EQ(decode(good, text), ScanError::kNone);
  for (const std::size_t keep : {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{33}, good.size() / 2,
                                 good.size() - 16}) {
    const Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(keep));
    EXPECT_EQ(decode(cut, text), ScanError::kUnreadable) << "first " << keep << " bytes";
    EXPECT_EQ(text, "");
  }
  Bytes damaged = good;
  damaged[good.size() / 2] = static_cast<std::uint8_t>(damaged[good.size() / 2] ^ 0x55);  // inside the image data: its chunk's CRC no longer matches
  EXPECT_EQ(decode(damaged, text), ScanError::kUnreadable);
  Bytes bad_signature = good;
  bad_signature[1] = 'Q';
  EXPECT_EQ(decode(bad_signature, text), ScanError::kUnreadable);
  EXPECT_EQ(decode(Bytes{'G', 'I', 'F', '8', '9', 'a'}, text), ScanError::kUnreadable);
}

TEST(ImageScanner, OversizedPicturesAreRefusedFromTheHeader) {
  std::string text;
  // Well-formed headers with no pixels: the size alone decides, before any image data is needed.
  EXPECT_EQ(decode(test::png_header_only(kMaxImageSide + 1, 16), text), ScanError::kUnreadable);
  EXPECT_EQ(decode(test::png_header_only(16, kMaxImageSide + 1), text), ScanError::kUnreadable);
  EXPECT_EQ(decode(test::png_header_only(100000, 100000), text), ScanError::kUnreadable);
  EXPECT_EQ(decode(test::png_header_only(0x7FFFFFFF, 0x7FFFFFFF), text), ScanError::kUnreadable);
  // Within the limit, the same header without image data is a truncated file: unreadable too.
  EXPECT_EQ(decode(test::png_header_only(64, 64), text), ScanError::kUnreadable);
  // A real code refused by a tighter limit (the fuzz target's), read with the default one.
  const Bytes png = png_of("ESSC:SIZE");  // (21 + 8) x 8 = 232 pixels
  EXPECT_EQ(decode(png, text, 231), ScanError::kUnreadable);
  EXPECT_EQ(decode(png, text, 232), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:SIZE");
}

TEST(ImageScanner, TextThatIsNotPrintableAscii) {
  std::string text;
  EXPECT_EQ(decode(png_of("ESSC:\xC3\xA9t\xC3\xA9"), text), ScanError::kUnreadable);
  EXPECT_EQ(text, "");
  EXPECT_EQ(decode(png_of("ESSC:\tTAB"), text), ScanError::kUnreadable);
}

TEST(ImageScanner, CodeLongerThanTheInterfaceTakes) {
  std::string text;
  EXPECT_EQ(decode(png_of(std::string(kMaxCodeText, 'K'), {.module_px = 3, .quiet_zone = 4}), text), ScanError::kNone);
  EXPECT_EQ(text, std::string(kMaxCodeText, 'K'));
  EXPECT_EQ(decode(png_of(std::string(kMaxCodeText + 1, 'K'), {.module_px = 3, .quiet_zone = 4}), text),
            ScanError::kTooLong);
  EXPECT_EQ(text, "");
}

// Two different codes in one picture: which one the holder meant is unknown.
TEST(ImageScanner, TwoDifferentCodesAreRefused) {
  const sim::QrRaster a = raster_of(essc_like_text(4), {.module_px = 4, .quiet_zone = 4});
  const sim::QrRaster b = raster_of(essc_like_text(5), {.module_px = 4, .quiet_zone = 4});
  ASSERT_EQ(a.side, b.side);
  sim::QrRaster both;
  both.side = 2 * a.side;
  both.grey.assign(std::size_t{both.side} * both.side, 0xFF);
  for (std::uint32_t y = 0; y < a.side; ++y) {
    for (std::uint32_t x = 0; x < a.side; ++x) {
      both.grey[std::size_t{y} * both.side + x] = a.grey[std::size_t{y} * a.side + x];
      both.grey[std::size_t{y + a.side} * both.side + x + a.side] = b.grey[std::size_t{y} * b.side + x];
    }
  }
  std::string text;
  EXPECT_EQ(decode(test::png_of(both, PngKind::kGrey8), text), ScanError::kUnreadable);
  EXPECT_EQ(text, "");
}

TEST_F(ImageScannerFile, ScannerReadsTheFileAtEachScan) {
  const fs::path file = write("code.png", png_of("ESSC:FIRST"));
  auto opened = open_scanner("image:" + file.string());
  ASSERT_TRUE(opened.ok()) << scanner_open_error_name(opened.error());
  CodeScanner& scanner = **opened;
  std::string text;
  EXPECT_EQ(scanner.scan(0, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:FIRST");
  // The camera puts a new picture in place (write, then rename over the old one).
  const fs::path next = write("next.png", png_of(essc_like_text(6)));
  fs::rename(next, file);
  EXPECT_EQ(scanner.scan(0, text), ScanError::kNone);
  EXPECT_EQ(text, essc_like_text(6));
  // A picture without a code, then a broken one.
  sim::QrRaster blank;
  blank.side = 64;
  blank.grey.assign(64u * 64u, 0xFF);
  write("code.png", test::png_of(blank, PngKind::kGrey8));
  EXPECT_EQ(scanner.scan(0, text), ScanError::kNoCode);
  write("code.png", Bytes{0x89, 'P', 'N', 'G'});
  EXPECT_EQ(scanner.scan(0, text), ScanError::kUnreadable);
  // The picture is gone: the camera that should put it there is absent.
  fs::remove(file);
  EXPECT_EQ(scanner.scan(0, text), ScanError::kNotConnected);
  EXPECT_EQ(text, "");
}

TEST_F(ImageScannerFile, MissingFileAndFolder) {
  ImageScanner missing((dir_ / "none.png").string());
  std::string text;
  EXPECT_EQ(missing.scan(0, text), ScanError::kNotConnected);
  ImageScanner folder(dir_.string());
  EXPECT_EQ(folder.scan(0, text), ScanError::kUnreadable);
  auto opened = open_scanner("image:" + (dir_ / "none.png").string());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), ScannerOpenError::kNotFound);
}

}  // namespace
}  // namespace sscard::hal

#include "sscard/hal/scanner_open.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "sscard/hal/image_scanner.h"

namespace sscard::hal {
namespace {

namespace fs = std::filesystem;

ScannerOpenError open_error(std::string_view spec) {
  auto opened = open_scanner(spec);
  EXPECT_FALSE(opened.ok()) << spec;
  return opened.ok() ? ScannerOpenError::kSystem : opened.error();
}

fs::path temp_file(const std::string& name, std::string_view content) {
  const fs::path path = fs::temp_directory_path() / ("sscard-scanner-" + std::to_string(getpid()) + "-" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(OpenScanner, BadSpecs) {
  EXPECT_EQ(open_error(""), ScannerOpenError::kBadSpec);
  EXPECT_EQ(open_error("image:"), ScannerOpenError::kBadSpec);
}

TEST(OpenScanner, NoSuchDevice) {
  EXPECT_EQ(open_error("/dev/input/event-sscard-none"), ScannerOpenError::kNotFound);
  EXPECT_EQ(open_error("/nonexistent-folder/ttyACM0"), ScannerOpenError::kNotFound);
}

TEST(OpenScanner, NeitherAnInputDeviceNorATerminal) {
  EXPECT_EQ(open_error("/dev/null"), ScannerOpenError::kNotAScanner);
  const fs::path file = temp_file("plain", "ESSC:NOTADEVICE\n");
  EXPECT_EQ(open_error(file.string()), ScannerOpenError::kNotAScanner);
  fs::remove(file);
}

TEST(OpenScanner, ATerminalIsASerialScanner) {
  int master = -1;
  int slave = -1;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0) << std::strerror(errno);
  const std::string path = ptsname(master);
  {
    auto opened = open_scanner(path);
    ASSERT_TRUE(opened.ok()) << scanner_open_error_name(opened.error());
    ASSERT_EQ(write(master, "ESSC:VIAOPEN\n", 13), 13);
    std::string text;
    EXPECT_EQ((*opened)->scan(1000, text), ScanError::kNone);
    EXPECT_EQ(text, "ESSC:VIAOPEN");
  }
  close(master);
  close(slave);
}

TEST(OpenScanner, Pictures) {
  const fs::path file = temp_file("picture.png", "not a png");
  auto opened = open_scanner("image:" + file.string());
  if (image_decoder_available()) {
    ASSERT_TRUE(opened.ok()) << scanner_open_error_name(opened.error());
    std::string text;
    EXPECT_EQ((*opened)->scan(0, text), ScanError::kUnreadable);
    EXPECT_EQ(open_error("image:/nonexistent-folder/code.png"), ScannerOpenError::kNotFound);
  } else {
    // A kiosk-board build: said plainly at open, not as an unreadable picture at each scan.
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error(), ScannerOpenError::kUnsupported);
    EXPECT_EQ(open_error("image:/nonexistent-folder/code.png"), ScannerOpenError::kUnsupported);
    std::string text;
    EXPECT_EQ(decode_qr_png(as_bytes("\x89PNG\r\n\x1a\n"), text), ScanError::kUnreadable);
  }
  fs::remove(file);
}

TEST(OpenScanner, ErrorNames) {
  EXPECT_EQ(scanner_open_error_name(ScannerOpenError::kBadSpec), "bad_spec");
  EXPECT_EQ(scanner_open_error_name(ScannerOpenError::kNotFound), "not_found");
  EXPECT_EQ(scanner_open_error_name(ScannerOpenError::kPermissionDenied), "permission_denied");
  EXPECT_EQ(scanner_open_error_name(ScannerOpenError::kBusy), "busy");
  EXPECT_EQ(scanner_open_error_name(ScannerOpenError::kNotAScanner), "not_a_scanner");
  EXPECT_EQ(scanner_open_error_name(ScannerOpenError::kUnsupported), "unsupported");
  EXPECT_EQ(scanner_open_error_name(ScannerOpenError::kSystem), "system");
}

}  // namespace
}  // namespace sscard::hal

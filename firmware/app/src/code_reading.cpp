#include "code_reading.h"

#include <memory>

#include "sscard/hal/scanner_open.h"
#include "sscard/hal/sim_scanner.h"

namespace sscard::app {
namespace {

std::string open_failure(const std::string& what, hal::ScannerOpenError e) {
  switch (e) {
    case hal::ScannerOpenError::kNotFound: return what + " is not there: check the path (is the scanner plugged in?)";
    case hal::ScannerOpenError::kPermissionDenied:
      return what + " cannot be read by this user: add it to the device's group (docs/SCANNERS.md \"Permissions\")";
    case hal::ScannerOpenError::kBusy: return what + " is held by another program: stop it and try again";
    case hal::ScannerOpenError::kNotAScanner:
      return what + " is neither a keyboard-wedge input device nor a serial device: name the scanner's device";
    case hal::ScannerOpenError::kUnsupported:
      return "this build has no picture decoder (kiosk-board builds): use --essc-scanner with the scanner device";
    case hal::ScannerOpenError::kBadSpec: return what + ": give a file or device path";
    case hal::ScannerOpenError::kSystem: break;
  }
  return what + " cannot be opened (" + std::string(hal::scanner_open_error_name(e)) + ")";
}

std::string scan_failure(const std::string& what, hal::ScanError e, int wait_seconds) {
  switch (e) {
    case hal::ScanError::kNoCode: return "no QR code found in " + what + ": take the picture again, the code filling more of it";
    case hal::ScanError::kUnreadable:
      return what + " is not a readable PNG picture of a QR code with text: take the picture again";
    case hal::ScanError::kTooLong: return "the code read from " + what + " is too long to be an electronic card's";
    case hal::ScanError::kTimeout:
      return "no code was scanned within " + std::to_string(wait_seconds) + " s: ask the holder to show the code";
    case hal::ScanError::kNotConnected: return what + " went away: check the scanner or the file";
    case hal::ScanError::kNone: break;
  }
  return what + ": " + std::string(hal::scan_error_name(e));
}

}  // namespace

Result<std::string, CodeReadError> read_code_text(const CodeSource& source) {
  const bool picture = !source.image.empty();
  const std::string device = source.scanner.string();
  std::unique_ptr<hal::CodeScanner> scanner;
  std::string what = picture ? source.image.string() : device;
  if (!picture && device.rfind(kSimulatedScanner, 0) == 0) {
    // A scripted scanner, as `--pinpad sim:...` is a scripted keypad: for the demo and tests.
    scanner = std::make_unique<hal::SimScanner>(hal::SimScanner::from_list(device.substr(kSimulatedScanner.size())));
    what = "the simulated scanner";
  } else {
    auto opened = hal::open_scanner(picture ? "image:" + source.image.string() : device);
    if (!opened.ok()) return CodeReadError{open_failure(what, opened.error())};
    scanner = std::move(opened).value();
  }
  std::string text;
  const int timeout_ms = picture ? 0 : source.wait_seconds * 1000;
  const hal::ScanError e = scanner->scan(timeout_ms, text);
  if (e != hal::ScanError::kNone) return CodeReadError{scan_failure(what, e, source.wait_seconds)};
  return text;
}

}  // namespace sscard::app

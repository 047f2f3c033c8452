// CodeScanner: where a kiosk reads a QR code from (docs/SCANNERS.md): a scanner device that types or
// sends the code's text, a picture from a camera decoded here, or a simulated scanner in tests. Every backend
// gives the same thing: the text the code carries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sscard::hal {

// The longest code text a kiosk takes; longer input is refused (kTooLong), never truncated.
inline constexpr std::size_t kMaxCodeText = 512;

enum class ScanError : std::uint8_t {
  kNone = 0,
  kNotConnected,  // the device is absent, cannot be opened, or went away
  kTimeout,       // nothing scanned in time
  kNoCode,        // a picture without a QR code in it
  kUnreadable,    // not a picture this backend reads (format, size), or bytes that are not printable text
  kTooLong,       // more than kMaxCodeText characters
};

// "not_connected", "timeout", ... for messages.
constexpr std::string_view scan_error_name(ScanError e) {
  switch (e) {
    case ScanError::kNone: return "ok";
    case ScanError::kNotConnected: return "not_connected";
    case ScanError::kTimeout: return "timeout";
    case ScanError::kNoCode: return "no_code";
    case ScanError::kUnreadable: return "unreadable";
    case ScanError::kTooLong: return "too_long";
  }
  return "unknown";
}

class CodeScanner {
 public:
  virtual ~CodeScanner() = default;

  // Waits up to `timeout_ms` for one code and writes its text (printable ASCII, at most kMaxCodeText
  // characters, no line ending) into `text`. On an error `text` is empty.
  ScanError scan(int timeout_ms, std::string& text) {
    text.clear();
    const ScanError e = do_scan(timeout_ms, text);
    if (e != ScanError::kNone) {
      text.clear();
      return e;
    }
    if (text.size() > kMaxCodeText) {
      text.clear();
      return ScanError::kTooLong;
    }
    for (const char c : text) {
      if (c < 0x20 || c > 0x7E) {
        text.clear();
        return ScanError::kUnreadable;
      }
    }
    return ScanError::kNone;
  }

 private:
  virtual ScanError do_scan(int timeout_ms, std::string& text) = 0;
};

}  // namespace sscard::hal

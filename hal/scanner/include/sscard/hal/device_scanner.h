// DeviceScanner: a QR scanner device that sends the text of each code it reads, ended by a line end. Two
// kinds, told apart when the device is opened (docs/SCANNERS.md):
//
// - a keyboard-wedge scanner, as a Linux input device (/dev/input/eventN): it "types" the text as key events,
//   translated here with the US layout (key_events.h) up to Enter. The device is grabbed (EVIOCGRAB) while
//   open, so the typed code reaches this program only, not the console or whatever window has the focus.
// - a serial scanner (/dev/ttyACM0 for USB CDC "COM" mode, /dev/ttyUSB0, /dev/ttyS0): put in raw mode, text
//   read up to CR or LF. The line speed is left as the device has it (a USB CDC device ignores it).
//
// A code may arrive across two scan() calls (a kiosk polls with short timeouts while a scanner types 169
// characters): what has arrived of a line stays for the next call. A line whose next byte comes more than
// `max_gap_ms` after the previous one is dropped as a fragment (a scanner sends a code in one burst), and
// empty lines (the LF of a CR LF pair) are skipped. A line longer than kMaxCodeText is read to its end and
// refused (kTooLong), never truncated; a keyboard line with a refused key (KeyAction::kRefused) is read to its
// end and refused as kUnreadable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sscard/core/result.h"
#include "sscard/hal/key_events.h"
#include "sscard/hal/scanner.h"
#include "sscard/hal/scanner_open.h"

namespace sscard::hal {

enum class DeviceKind : std::uint8_t {
  kKeyEvents,  // struct input_event records (an evdev device)
  kSerial,     // text bytes (a terminal device)
};

struct DeviceScannerOptions {
  // The longest pause between two bytes (or key events) of one line; a longer one drops what came before.
  int max_gap_ms = 1000;
};

class DeviceScanner final : public CodeScanner {
 public:
  // Opens `path`: an input device if EVIOCGVERSION answers (it must have an Enter key, and is grabbed), else a
  // terminal device (raw mode, input flushed; its settings are put back when the scanner is destroyed). See
  // ScannerOpenError for the failures; on any of them the device is left as it was.
  static Result<std::unique_ptr<DeviceScanner>, ScannerOpenError> open(const std::string& path,
                                                                         DeviceScannerOptions options = {});

  // Takes `fd` (open, any blocking mode: it is made non-blocking) as a device of `kind` without configuring
  // it: no grab, no terminal settings. For descriptors handed over by a supervisor, and tests (a pipe).
  // The scanner closes `fd`.
  static std::unique_ptr<DeviceScanner> adopt(int fd, DeviceKind kind, DeviceScannerOptions options = {});

  ~DeviceScanner() override;
  DeviceScanner(const DeviceScanner&) = delete;
  DeviceScanner& operator=(const DeviceScanner&) = delete;

  DeviceKind kind() const { return kind_; }

 private:
  DeviceScanner(int fd, DeviceKind kind, DeviceScannerOptions options);

  // Waits up to `timeout_ms` (0: only what has already arrived; negative is taken as 0). kNotConnected once
  // the device has gone (unplugged: the read fails or ends), and on every later call.
  ScanError do_scan(int timeout_ms, std::string& text) override;

  // Consumes input from pending_ until a line ends. True with `result` set when one did.
  bool take_line(std::string& text, ScanError& result);
  void add_character(char c);
  bool end_line(std::string& text, ScanError& result);
  void reset_line();

  int fd_ = -1;
  DeviceKind kind_;
  DeviceScannerOptions options_;
  bool gone_ = false;
  bool grabbed_ = false;
  struct SavedTerminal;                   // the terminal's settings at open (struct termios)
  std::unique_ptr<SavedTerminal> saved_;  // put back on destruction; null for input devices and adopted fds

  std::vector<std::uint8_t> pending_;  // bytes read but not yet consumed (a partial input_event stays here)
  std::string line_;                   // the line so far, at most kMaxCodeText characters
  bool overflow_ = false;              // the line went past kMaxCodeText
  bool refused_ = false;               // the line had a refused key
  KeyboardState keys_;
  std::int64_t last_input_ms_ = 0;     // steady clock, when the last bytes arrived
};

}  // namespace sscard::hal

#include "sscard/hal/device_scanner.h"

#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstring>
#include <utility>

namespace sscard::hal {

struct DeviceScanner::SavedTerminal {
  termios settings;
};

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ScannerOpenError open_error_of(int error) {
  switch (error) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
    case ENOTDIR: return ScannerOpenError::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS: return ScannerOpenError::kPermissionDenied;
    case EBUSY: return ScannerOpenError::kBusy;
    default: return ScannerOpenError::kSystem;
  }
}

bool test_bit(const unsigned char* bits, std::size_t bit) {
  return ((static_cast<unsigned>(bits[bit / CHAR_BIT]) >> (bit % CHAR_BIT)) & 1u) != 0;
}

// An input device that can end a code: it reports key events, Enter among them.
bool has_enter_key(int fd) {
  unsigned char types[(EV_MAX + CHAR_BIT) / CHAR_BIT] = {};
  unsigned char keys[(KEY_MAX + CHAR_BIT) / CHAR_BIT] = {};
  if (ioctl(fd, EVIOCGBIT(0, sizeof types), types) < 0 || !test_bit(types, EV_KEY)) return false;
  if (ioctl(fd, EVIOCGBIT(EV_KEY, sizeof keys), keys) < 0) return false;
  return test_bit(keys, KEY_ENTER) || test_bit(keys, KEY_KPENTER);
}

}  // namespace

DeviceScanner::DeviceScanner(int fd, DeviceKind kind, DeviceScannerOptions options)
    : fd_(fd), kind_(kind), options_(options) {
  line_.reserve(kMaxCodeText);
}

DeviceScanner::~DeviceScanner() {
  if (fd_ < 0) return;
  if (grabbed_) (void)ioctl(fd_, EVIOCGRAB, 0);
  if (saved_) (void)tcsetattr(fd_, TCSANOW, &saved_->settings);
  (void)close(fd_);
}

std::unique_ptr<DeviceScanner> DeviceScanner::adopt(int fd, DeviceKind kind, DeviceScannerOptions options) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) (void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  return std::unique_ptr<DeviceScanner>(new DeviceScanner(fd, kind, options));
}

Result<std::unique_ptr<DeviceScanner>, ScannerOpenError> DeviceScanner::open(const std::string& path,
                                                                             DeviceScannerOptions options) {
  if (path.empty()) return ScannerOpenError::kBadSpec;
  // O_NOCTTY: a serial scanner must never become this process's controlling terminal (a hangup would
  // signal the kiosk program).
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return open_error_of(errno);

  int version = 0;
  if (ioctl(fd, EVIOCGVERSION, &version) == 0) {
    if (!has_enter_key(fd)) {
      (void)close(fd);
      return ScannerOpenError::kNotAScanner;
    }
    // The typed code is for this program alone: without the grab it would also go to the console or to
    // whatever window has the focus.
    if (ioctl(fd, EVIOCGRAB, 1) != 0) {
      const int error = errno;
      (void)close(fd);
      return error == EBUSY ? ScannerOpenError::kBusy : open_error_of(error);
    }
    std::unique_ptr<DeviceScanner> scanner(new DeviceScanner(fd, DeviceKind::kKeyEvents, options));
    scanner->grabbed_ = true;
    return scanner;
  }

  if (isatty(fd) != 1) {
    (void)close(fd);
    return ScannerOpenError::kNotAScanner;
  }
  auto saved = std::make_unique<SavedTerminal>();
  if (tcgetattr(fd, &saved->settings) != 0) {
    const int error = errno;
    (void)close(fd);
    return open_error_of(error);
  }
  // Raw: no echo back to the scanner, no CR -> LF mapping, no line editing, 8 data bits; reads return what
  // has arrived (poll decides when).
  termios raw = saved->settings;
  cfmakeraw(&raw);
  raw.c_cflag |= CLOCAL | CREAD;
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr(fd, TCSANOW, &raw) != 0) {
    const int error = errno;
    (void)close(fd);
    return open_error_of(error);
  }
  // Codes scanned before the kiosk was ready are not for the coming transaction.
  (void)tcflush(fd, TCIFLUSH);
  // No other program may open the port meanwhile (a modem prober would write AT commands to the scanner).
  (void)ioctl(fd, TIOCEXCL);
  std::unique_ptr<DeviceScanner> scanner(new DeviceScanner(fd, DeviceKind::kSerial, options));
  scanner->saved_ = std::move(saved);
  return scanner;
}

void DeviceScanner::reset_line() {
  line_.clear();
  overflow_ = false;
  refused_ = false;
}

void DeviceScanner::add_character(char c) {
  if (line_.size() >= kMaxCodeText) {
    overflow_ = true;  // read on to the line end, keeping nothing more
    return;
  }
  line_.push_back(c);
}

bool DeviceScanner::end_line(std::string& text, ScanError& result) {
  if (line_.empty() && !overflow_ && !refused_) return false;  // an empty line: the LF after a CR
  if (overflow_) {
    result = ScanError::kTooLong;
  } else if (refused_) {
    result = ScanError::kUnreadable;
  } else {
    text = line_;
    result = ScanError::kNone;
  }
  reset_line();
  return true;
}

bool DeviceScanner::take_line(std::string& text, ScanError& result) {
  std::size_t used = 0;
  bool done = false;
  if (kind_ == DeviceKind::kSerial) {
    while (used < pending_.size() && !done) {
      const char c = static_cast<char>(pending_[used++]);
      if (c == '\r' || c == '\n') {
        done = end_line(text, result);
      } else {
        add_character(c);  // non-printable bytes are refused by CodeScanner::scan
      }
    }
  } else {
    while (pending_.size() - used >= sizeof(input_event) && !done) {
      input_event event;
      std::memcpy(&event, pending_.data() + used, sizeof event);
      used += sizeof event;
      if (event.type != EV_KEY) continue;  // EV_SYN, EV_MSC scan codes, EV_LED
      const KeyStep step = translate_key(keys_, event.code, event.value);
      switch (step.action) {
        case KeyAction::kNone: break;
        case KeyAction::kCharacter: add_character(step.character); break;
        case KeyAction::kRefused: refused_ = true; break;
        case KeyAction::kEnd: done = end_line(text, result); break;
      }
    }
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
  return done;
}

ScanError DeviceScanner::do_scan(int timeout_ms, std::string& text) {
  if (gone_) return ScanError::kNotConnected;
  ScanError result = ScanError::kNone;
  if (take_line(text, result)) return result;  // a second code that came with the first

  const std::int64_t deadline = now_ms() + std::max(timeout_ms, 0);
  for (;;) {
    const std::int64_t left = std::max<std::int64_t>(deadline - now_ms(), 0);
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left));
    if (ready < 0) {
      if (errno == EINTR) continue;
      gone_ = true;
      return ScanError::kNotConnected;
    }
    if (ready == 0) return ScanError::kTimeout;  // what has arrived of a line stays for the next call
    if ((p.revents & (POLLERR | POLLNVAL)) != 0) {
      gone_ = true;
      return ScanError::kNotConnected;
    }

    std::uint8_t buffer[512];
    const ssize_t n = read(fd_, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      // 0: the other end of a terminal or pipe has closed; ENODEV: an input device unplugged; EIO: a serial
      // device gone (USB unplug, hangup).
      gone_ = true;
      return ScanError::kNotConnected;
    }

    const std::int64_t now = now_ms();
    const bool in_line = !line_.empty() || overflow_ || refused_ || !pending_.empty();
    if (in_line && now - last_input_ms_ > options_.max_gap_ms) {
      // The start of a line that never ended (a scanner unplugged or reset mid-code): not part of this one.
      reset_line();
      pending_.clear();
    }
    last_input_ms_ = now;
    pending_.insert(pending_.end(), buffer, buffer + n);
    if (take_line(text, result)) return result;
  }
}

}  // namespace sscard::hal

#include "sscard/hal/image_scanner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace sscard::hal {

ScanError ImageScanner::do_scan(int /*timeout_ms*/, std::string& text) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ScanError::kNotConnected;
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size < 0 ||
      static_cast<unsigned long long>(info.st_size) > kMaxImageFileBytes) {
    (void)close(fd);
    return ScanError::kUnreadable;
  }
  // Read to the end rather than trusting st_size: the file may be replaced meanwhile.
  std::vector<std::uint8_t> bytes;
  bytes.reserve(static_cast<std::size_t>(info.st_size));
  std::uint8_t buffer[65536];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      (void)close(fd);
      return ScanError::kUnreadable;
    }
    if (n == 0) break;
    if (bytes.size() + static_cast<std::size_t>(n) > kMaxImageFileBytes) {
      (void)close(fd);
      return ScanError::kUnreadable;
    }
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  (void)close(fd);
  return decode_qr_png(bytes, text);
}

}  // namespace sscard::hal

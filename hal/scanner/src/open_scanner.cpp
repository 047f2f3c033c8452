#include "sscard/hal/scanner_open.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sscard/hal/device_scanner.h"
#include "sscard/hal/image_scanner.h"

namespace sscard::hal {

Result<std::unique_ptr<CodeScanner>, ScannerOpenError> open_scanner(std::string_view spec) {
  constexpr std::string_view kImage = "image:";
  if (spec.substr(0, kImage.size()) == kImage) {
    const std::string path(spec.substr(kImage.size()));
    if (path.empty()) return ScannerOpenError::kBadSpec;
    if (!image_decoder_available()) return ScannerOpenError::kUnsupported;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
      switch (errno) {
        case ENOENT:
        case ENOTDIR: return ScannerOpenError::kNotFound;
        case EACCES:
        case EPERM: return ScannerOpenError::kPermissionDenied;
        default: return ScannerOpenError::kSystem;
      }
    }
    (void)close(fd);
    return std::unique_ptr<CodeScanner>(std::make_unique<ImageScanner>(path));
  }
  if (spec.empty()) return ScannerOpenError::kBadSpec;
  auto device = DeviceScanner::open(std::string(spec));
  if (!device.ok()) return device.error();
  return std::unique_ptr<CodeScanner>(std::move(device).value());
}

}  // namespace sscard::hal

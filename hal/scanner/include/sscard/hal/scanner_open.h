// Opening a code scanner by name, as a kiosk's configuration or an option names it (docs/SCANNERS.md):
//
//   /dev/input/eventN   a keyboard-wedge scanner (Linux input device)  -> DeviceScanner
//   /dev/ttyACM0 ...    a serial scanner (USB CDC "COM" mode, RS-232)   -> DeviceScanner
//   image:PATH          a PNG picture decoded here (camera snapshots)   -> ImageScanner
//
// Scripted scanners ("sim:...") are the front end's business, as scripted PIN pads are: this function opens
// real devices and pictures only.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "sscard/core/result.h"
#include "sscard/hal/scanner.h"

namespace sscard::hal {

// Why a scanner could not be opened. Nothing was changed on the device in any of these cases.
enum class ScannerOpenError : std::uint8_t {
  kBadSpec,           // an empty name, or "image:" without a path
  kNotFound,          // no such device or file (not plugged in, wrong number)
  kPermissionDenied,  // the device exists but this user may not read it (docs/SCANNERS.md "Permissions")
  kBusy,              // another program holds the device exclusively
  kNotAScanner,       // neither an input device with an Enter key nor a terminal device (a disk, a mouse, a file)
  kUnsupported,       // a picture, in a build without the image decoder (kiosk-board builds)
  kSystem,            // the system refused for another reason (out of file descriptors, I/O error)
};

constexpr std::string_view scanner_open_error_name(ScannerOpenError e) {
  switch (e) {
    case ScannerOpenError::kBadSpec: return "bad_spec";
    case ScannerOpenError::kNotFound: return "not_found";
    case ScannerOpenError::kPermissionDenied: return "permission_denied";
    case ScannerOpenError::kBusy: return "busy";
    case ScannerOpenError::kNotAScanner: return "not_a_scanner";
    case ScannerOpenError::kUnsupported: return "unsupported";
    case ScannerOpenError::kSystem: return "system";
  }
  return "unknown";
}

// Opens the scanner `spec` names (see above). "image:PATH" checks that the file can be opened now; the
// picture itself is read at each scan.
Result<std::unique_ptr<CodeScanner>, ScannerOpenError> open_scanner(std::string_view spec);

}  // namespace sscard::hal

#include "sscard/devices/pinpad.h"
#include "sscard/hal/sim_pinpad.h"

namespace sscard::devices {

Result<std::unique_ptr<hal::PinPad>, DeviceError> open_scripted_pinpad(std::string_view spec) {
  constexpr std::string_view kPrefix = "sim:";
  if (spec.substr(0, kPrefix.size()) != kPrefix) {
    return DeviceError{"a scripted PIN pad is sim:E1,E2,... (digits, cancel, timeout or unplug)"};
  }
  const std::string_view entries = spec.substr(kPrefix.size());
  if (entries.find_first_not_of(" ,") == std::string_view::npos) {
    return DeviceError{"a scripted PIN pad needs at least one entry: sim:E1,E2,..."};
  }
  return std::unique_ptr<hal::PinPad>(std::make_unique<hal::SimPinPad>(hal::SimPinPad::from_list(entries)));
}

}  // namespace sscard::devices

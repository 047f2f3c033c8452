// A kiosk board's production build (SSCARD_WITH_SIMULATOR=OFF): cards come from PC/SC readers only.
#include "sscard/devices/card_source.h"

namespace sscard::devices {
namespace {

DeviceError no_simulator(const std::filesystem::path& profile) {
  return DeviceError{profile.string() + ": this build has no card simulator; use a PC/SC reader"};
}

}  // namespace

bool has_simulator() { return false; }

Result<std::unique_ptr<CardSource>, DeviceError> open_simulated_card(const std::filesystem::path& profile,
                                                                     const SimulatedCardOptions&) {
  return no_simulator(profile);
}

Result<std::unique_ptr<CardSource>, DeviceError> open_simulated_psam(const std::filesystem::path& profile,
                                                                     const SimulatedCardOptions&) {
  return no_simulator(profile);
}

}  // namespace sscard::devices

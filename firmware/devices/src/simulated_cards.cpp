// Simulated cards and PSAMs with memory (sim/state), each in an in-process reader.
#include "sscard/devices/card_source.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/sim/card_state.h"

namespace sscard::devices {
namespace {

enum class Kind { kHolder, kPsam };

Result<std::unique_ptr<CardSource>, DeviceError> open(const std::filesystem::path& profile,
                                                     const SimulatedCardOptions& options, Kind kind) {
  sim::PersistentCardOptions state;
  state.state_dir = options.state_dir;  // empty: sim::default_card_state_dir()
  state.fresh = options.fresh;
  auto opened = kind == Kind::kHolder ? sim::open_persistent_card(profile, state)
                                      : sim::open_persistent_psam(profile, state);
  if (!opened.ok()) return DeviceError{opened.error().message};
  auto card = std::make_shared<sim::PersistentCard>(std::move(opened).value());
  auto reader = std::make_unique<hal::SimReader>();
  hal::SimSlot& slot = kind == Kind::kHolder ? reader->contact() : reader->sam();
  if (kind == Kind::kHolder) {
    reader->insert_dual_interface(card->card());
  } else {
    slot.insert(card->card());
  }
  std::string description = card->description();
  return std::make_unique<CardSource>(std::move(reader), slot, std::move(description), false, std::move(card));
}

}  // namespace

bool has_simulator() { return true; }

Result<std::unique_ptr<CardSource>, DeviceError> open_simulated_card(const std::filesystem::path& profile,
                                                                     const SimulatedCardOptions& options) {
  return open(profile, options, Kind::kHolder);
}

Result<std::unique_ptr<CardSource>, DeviceError> open_simulated_psam(const std::filesystem::path& profile,
                                                                     const SimulatedCardOptions& options) {
  return open(profile, options, Kind::kPsam);
}

}  // namespace sscard::devices

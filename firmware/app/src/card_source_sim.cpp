// Card sources backed by the simulator (builds with SSCARD_WITH_SIMULATOR): a profile's card or PSAM inserted
// into an in-process simulated reader.
#include "sscard/app/card_source.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/psam_profile.h"

namespace sscard::app {

OpenResult open_simulated_card(const std::filesystem::path& profile) {
  OpenResult out;
  auto loaded = sim::load_profile(profile);
  if (!loaded.ok()) {
    out.error = loaded.error().to_string();
    return out;
  }
  auto reader = std::make_unique<hal::SimReader>();
  reader->contact().insert(sim::make_card(loaded.value()));
  auto source = std::make_unique<CardSource>();
  source->slot = &reader->contact();
  source->reader = std::move(reader);
  source->description = loaded.value().description;
  out.source = std::move(source);
  return out;
}

OpenResult open_simulated_psam(const std::filesystem::path& profile) {
  OpenResult out;
  auto loaded = sim::load_psam_profile(profile);
  if (!loaded.ok()) {
    out.error = loaded.error().to_string();
    return out;
  }
  auto reader = std::make_unique<hal::SimReader>();
  reader->sam().insert(sim::make_psam_card(loaded.value()));
  auto source = std::make_unique<CardSource>();
  source->slot = &reader->sam();
  source->reader = std::move(reader);
  source->description = loaded.value().description;
  out.source = std::move(source);
  return out;
}

std::vector<std::filesystem::path> bundled_profiles(const std::filesystem::path& cards_dir) {
  return sim::holder_profiles(cards_dir);
}

}  // namespace sscard::app

#include "sscard/app/card_source.h"

#include <cstdlib>
#include <system_error>

#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"

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

std::vector<std::filesystem::path> bundled_profiles(const std::filesystem::path& cards_dir) {
  return sim::holder_profiles(cards_dir);
}

std::filesystem::path default_cards_dir() {
  if (const char* env = std::getenv("SSCARD_CARDS_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  if (std::filesystem::is_directory(SSCARD_SOURCE_CARDS_DIR, ec)) return SSCARD_SOURCE_CARDS_DIR;
  return "cards";
}

}  // namespace sscard::app

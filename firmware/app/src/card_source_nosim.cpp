// A board build without the simulator (SSCARD_WITH_SIMULATOR=OFF): cards come from PC/SC readers only.
#include "sscard/app/card_source.h"

namespace sscard::app {
namespace {

OpenResult no_simulator(const std::filesystem::path& profile) {
  OpenResult out;
  out.error = profile.string() + ": this build has no card simulator (built with SSCARD_WITH_SIMULATOR=OFF); "
              "use --reader pcsc";
  return out;
}

}  // namespace

OpenResult open_simulated_card(const std::filesystem::path& profile) { return no_simulator(profile); }
OpenResult open_simulated_psam(const std::filesystem::path& profile) { return no_simulator(profile); }
std::vector<std::filesystem::path> bundled_profiles(const std::filesystem::path&) { return {}; }

}  // namespace sscard::app

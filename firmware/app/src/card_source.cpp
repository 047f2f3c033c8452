#include "sscard/app/card_source.h"

#include <cstdlib>
#include <system_error>

#include "sscard/hal/pcsc_reader.h"
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

OpenResult open_pcsc_reader(const std::string& reader_name) {
  OpenResult out;
  hal::PcscReader::Options options;
  options.reader = reader_name;
  auto reader = hal::PcscReader::open(options);
  if (!reader.ok()) {
    switch (reader.status().code()) {
      case Error::kReaderUnavailable: out.error = "PC/SC service (pcscd) is not running"; break;
      case Error::kNotFound:
        out.error = reader_name.empty() ? "no PC/SC reader found" : "no PC/SC reader matches '" + reader_name + "'";
        break;
      default: out.error = "cannot open the PC/SC reader (" + std::string(reader.status().name()) + ")"; break;
    }
    return out;
  }
  auto source = std::make_unique<CardSource>();
  source->slot = &(*reader)->contact();
  source->description = std::string((*reader)->contact().name());
  source->reader = std::move(reader).value();
  source->is_pcsc = true;
  out.source = std::move(source);
  return out;
}

Result<bool> wait_for_card(CardSource& source, bool present, std::chrono::milliseconds timeout) {
  if (!source.is_pcsc) return Error::kUnsupported;
  auto& reader = static_cast<hal::PcscReader&>(*source.reader);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto now_present = source.slot->card_present();
    if (!now_present.ok()) return now_present.status();
    if (*now_present == present) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error::kTimeout;
    auto change = reader.wait_for_card_change(left);
    if (!change.ok() && change.status() != Error::kTimeout) return change.status();
    if (change.ok() && *change == hal::CardChange::kCancelled) return Error::kTimeout;
  }
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

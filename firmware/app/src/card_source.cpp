// Card sources that exist in every build: PC/SC readers and where the bundled cards live.
#include "sscard/app/card_source.h"

#include <cstdlib>
#include <system_error>

#include "sscard/hal/pcsc_reader.h"

namespace sscard::app {

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

std::filesystem::path default_cards_dir() {
  if (const char* env = std::getenv("SSCARD_CARDS_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  if (std::filesystem::is_directory(SSCARD_SOURCE_CARDS_DIR, ec)) return SSCARD_SOURCE_CARDS_DIR;
  return "cards";
}

}  // namespace sscard::app

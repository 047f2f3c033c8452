// The terminals' configuration files, fed arbitrary text: a kiosk's (firmware/config, cards/kiosks/*.json), a
// scenic-spot gate's (firmware/gate, cards/gates/*.json), a transit validator's (firmware/transit,
// cards/validators/*.json) and the fare table (cards/transit/fares.json). The text is parsed as a file in
// cards/kiosks/, so the relative paths of the bundled files (../keys/..., ../transit/fares.json) resolve.
//
// Checked besides memory safety: every error names the file; a kiosk configuration that loads formats to a
// document that loads again and formats to the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sscard/config/kiosk_config.h"
#include "sscard/gate/gate_config.h"
#include "sscard/transit/fares.h"
#include "sscard/transit/validator_config.h"

namespace {

const std::filesystem::path kFile = SSCARD_CARDS_DIR "/kiosks/fuzz-config.json";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto kiosk = sscard::config::parse_kiosk_config(text, kFile);
  if (kiosk.ok()) {
    const std::string formatted = sscard::config::format_kiosk_config(*kiosk, kFile.parent_path());
    auto again = sscard::config::parse_kiosk_config(formatted, kFile);
    if (!again.ok() || sscard::config::format_kiosk_config(*again, kFile.parent_path()) != formatted) {
      __builtin_trap();
    }
  } else if (kiosk.error().file.empty()) {
    __builtin_trap();
  }

  auto gate = sscard::gate::parse_gate_config(text, kFile);
  if (!gate.ok() && gate.error().file.empty()) __builtin_trap();

  auto validator = sscard::transit::parse_validator_config(text, kFile);
  if (!validator.ok() && validator.error().file.empty()) __builtin_trap();

  auto fares = sscard::transit::parse_fares(text, kFile.string());
  if (!fares.ok() && fares.error().file.empty()) __builtin_trap();
  return 0;
}

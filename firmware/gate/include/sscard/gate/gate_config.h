// A scenic-spot gate's configuration (CONTACTLESS.md §6): `cards/gates/*.json`, format "sscard-gate/1". The
// spot, its terminal id, province host and link key (as a kiosk's), its PSAM (the identity read is the
// kiosk's PSAM-mode read), the ticket price, the discounted price for Chuan–Yu card holders and the free age.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/config/kiosk_config.h"
#include "sscard/core/result.h"
#include "sscard/jsondoc/doc_error.h"

namespace sscard::gate {

inline constexpr std::string_view kGateFormat = "sscard-gate/1";

struct GateConfig {
  std::filesystem::path file;
  std::string id;        // 1-32 of a-z 0-9 '-'
  std::string name;      // the spot
  std::string terminal;  // 12 digits, beginning with the province's two
  std::string province;  // "500000" or "510000"
  std::string region;    // 6 digits inside the province
  config::DeviceSpec psam;  // "sim:PROFILE", "pcsc:NAME" or "none"
  config::HostSpec host;
  wire::LinkKey link_key{};
  std::uint64_t price_fen = 0;             // the full ticket
  std::uint64_t discounted_price_fen = 0;  // Chuan–Yu card holders
  int free_age = 60;                       // 50/51 card holders of this age or more enter free
  std::filesystem::path ca_keys;           // for the contactless payment of a ticket
  bool national_algorithms = true;
  std::filesystem::path entry_log;         // empty: state_dir() / "gate-<terminal>.db"
  // The electronic-card platform keys the gate trusts ("essc", as a kiosk's); empty: it takes no codes.
  std::vector<essc::TrustedKey> essc_keys;

  GateConfig() = default;
  GateConfig(const GateConfig&) = default;
  GateConfig& operator=(const GateConfig&) = default;
  ~GateConfig() { secure_wipe(link_key); }
};

// Every error names the file and the field.
Result<GateConfig, jsondoc::DocError> parse_gate_config(std::string_view json_text, const std::filesystem::path& file);
Result<GateConfig, jsondoc::DocError> load_gate_config(const std::filesystem::path& file);

Result<std::filesystem::path> entry_log_file(const GateConfig& config);

// The kiosk view the host link and the payment flow need: terminal, province, region, host, link key, PSAM,
// and a `payment` part of a contactless ticket machine (terminal type 25, the bundled kiosks' contactless
// limits and TTQ, no online PIN key, 9F4E the spot's name cut to 40 bytes).
config::KioskConfig as_kiosk(const GateConfig& config);

}  // namespace sscard::gate

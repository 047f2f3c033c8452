// A transit validator's configuration (CONTACTLESS.md §5): `cards/validators/*.json`, format
// "sscard-validator/1". Who the validator is (operator, city, mode, line, terminal id), how it reaches its
// acquirer (its province's host, exactly as a kiosk does: address or the simulated issuers, its own link key),
// where its fares, CA keys and ride log are, and its fare, checked against the fare table.
//
// Relative paths are relative to the file's own folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/config/kiosk_config.h"
#include "sscard/core/result.h"
#include "sscard/jsondoc/doc_error.h"
#include "sscard/wire/wire.h"

namespace sscard::transit {

inline constexpr std::string_view kValidatorFormat = "sscard-validator/1";

struct ValidatorConfig {
  std::filesystem::path file;
  std::string id;            // 1-32 of a-z 0-9 '-'
  std::string name;          // shown to operators
  std::string operator_name; // the transit operator
  std::string city;          // a city of the fare table ("chongqing")
  std::string mode;          // "bus", "metro", ... (a mode of the city in the fare table)
  std::string line;          // 1-16 of A-Z a-z 0-9 '-'
  std::string terminal;      // 12 digits, beginning with the province's two
  std::string province;      // "500000" or "510000": its acquirer
  std::string region;        // 6 digits inside the province
  config::HostSpec host;
  wire::LinkKey link_key{};
  std::filesystem::path fares;     // the fare table
  std::filesystem::path ca_keys;   // the CA public keys (as a kiosk's payment.ca_keys)
  bool national_algorithms = true; // DF69 offered
  std::filesystem::path ride_log;  // empty: state_dir() / "rides-<terminal>.db"
  std::uint64_t fare_fen = 0;      // from the fare table for (city, mode)

  ValidatorConfig() = default;
  ValidatorConfig(const ValidatorConfig&) = default;
  ValidatorConfig& operator=(const ValidatorConfig&) = default;
  ~ValidatorConfig() { secure_wipe(link_key); }
};

// Reads the configuration and its fare table. Every error names the file and the field
// ("cq-bus.json: mode: no fare for chongqing ferry in ../transit/fares.json").
Result<ValidatorConfig, jsondoc::DocError> parse_validator_config(std::string_view json_text,
                                                                  const std::filesystem::path& file);
Result<ValidatorConfig, jsondoc::DocError> load_validator_config(const std::filesystem::path& file);

// The ride log the validator uses: `ride_log`, else state_dir()/rides-<terminal>.db; kNotFound without a state
// folder.
Result<std::filesystem::path> ride_log_file(const ValidatorConfig& config);

// The kiosk view of the validator that the host link needs (terminal, province, region, host, link key; no
// payment part, no readers).
config::KioskConfig as_kiosk(const ValidatorConfig& config);

}  // namespace sscard::transit

// The simulated world's master link key (docs/HOST-PROTOCOL.md "Link keys"): every kiosk's, host's and the
// hub's link key is derived from it with wire::derive_link_key. Test material only.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "sscard/sim/host/setup_error.h"

namespace sscard::sim::host {

using MasterKey = std::array<std::uint8_t, 16>;

// Reads a link-key file (cards/keys/test-link-keys.json): a JSON object with "format": "sscard-link-keys/1"
// and "master": 32 hex digits; other fields are descriptive and ignored. Errors name the file and the field.
Result<MasterKey, SetupError> load_link_master(const std::filesystem::path& path);

// A file holding one test master key: {"format": `format`, "master": 32 hex digits} plus the descriptive
// "test_only" and "description". The link-key file and the PIN-key file (docs/PAYMENT.md §6.9) are such files.
Result<MasterKey, SetupError> load_master_key_file(const std::filesystem::path& path, std::string_view format);

}  // namespace sscard::sim::host

// Where an installed kiosk's configuration is: /etc/sscard/kiosk.json unless $SSCARD_CONFIG names another file.
// (Per-user state lives in sscard::state_dir(), sscard/core/state_dir.h.)
#pragma once

#include <filesystem>

namespace sscard::config {

// $SSCARD_CONFIG when set and not empty, else /etc/sscard/kiosk.json.
std::filesystem::path default_config_file();

}  // namespace sscard::config

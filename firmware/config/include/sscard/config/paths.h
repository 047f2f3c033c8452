// Where sscard keeps files by default, following the XDG Base Directory specification: per-user state in
// $XDG_STATE_HOME/sscard (default ~/.local/state/sscard); an installed kiosk's configuration in
// /etc/sscard/kiosk.json unless $SSCARD_CONFIG names another file.
#pragma once

#include <filesystem>

namespace sscard::config {

// $XDG_STATE_HOME/sscard when XDG_STATE_HOME is set and absolute, else $HOME/.local/state/sscard, else
// ./.sscard-state (no home: a service account). Not created here.
std::filesystem::path state_dir();

// $SSCARD_CONFIG when set and not empty, else /etc/sscard/kiosk.json.
std::filesystem::path default_config_file();

}  // namespace sscard::config

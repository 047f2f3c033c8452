// Where sscard keeps what must survive a run on this machine (a kiosk's journal, simulated cards' memory,
// the simulated issuers' databases), per the XDG Base Directory specification: $XDG_STATE_HOME/sscard, or
// $HOME/.local/state/sscard when XDG_STATE_HOME is unset or not absolute (the specification says a relative
// value is invalid and must be ignored).
#pragma once

#include <filesystem>

#include "sscard/core/result.h"

namespace sscard {

// kNotFound when neither variable gives an absolute folder. The folder is not created here.
Result<std::filesystem::path> state_dir();

}  // namespace sscard

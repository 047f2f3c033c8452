#include "sscard/core/state_dir.h"

#include <cstdlib>

namespace sscard {

Result<std::filesystem::path> state_dir() {
  for (const auto& [variable, below] : {std::pair{"XDG_STATE_HOME", ""}, std::pair{"HOME", ".local/state"}}) {
    const char* value = std::getenv(variable);
    if (value == nullptr || !std::filesystem::path(value).is_absolute()) continue;
    return std::filesystem::path(value) / below / "sscard";
  }
  return Error::kNotFound;
}

}  // namespace sscard

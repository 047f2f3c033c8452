#include "sscard/config/paths.h"

#include <cstdlib>

namespace sscard::config {
namespace {

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

}  // namespace

std::filesystem::path state_dir() {
  // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
  if (const char* xdg = env("XDG_STATE_HOME"); xdg != nullptr && std::filesystem::path(xdg).is_absolute()) {
    return std::filesystem::path(xdg) / "sscard";
  }
  if (const char* home = env("HOME")) return std::filesystem::path(home) / ".local" / "state" / "sscard";
  return ".sscard-state";
}

std::filesystem::path default_config_file() {
  if (const char* file = env("SSCARD_CONFIG")) return file;
  return "/etc/sscard/kiosk.json";
}

}  // namespace sscard::config

#include "sscard/config/paths.h"

#include <cstdlib>

namespace sscard::config {

std::filesystem::path default_config_file() {
  const char* file = std::getenv("SSCARD_CONFIG");
  if (file != nullptr && *file != '\0') return file;
  return "/etc/sscard/kiosk.json";
}

}  // namespace sscard::config

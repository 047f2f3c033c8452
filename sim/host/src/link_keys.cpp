#include "sscard/sim/host/link_keys.h"

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sscard/core/bytes.h"

namespace sscard::sim::host {

Result<MasterKey, SetupError> load_link_master(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return SetupError{file + ": cannot be opened"};
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    return SetupError{file + ": not valid JSON (at byte " + std::to_string(e.byte) + ")"};
  }
  if (!root.is_object()) return SetupError{file + ": must be a JSON object"};
  const auto format = root.find("format");
  if (format == root.end() || !format->is_string() || format->get<std::string>() != "sscard-link-keys/1") {
    return SetupError{file + ": format: must be \"sscard-link-keys/1\""};
  }
  const auto master = root.find("master");
  if (master == root.end() || !master->is_string()) return SetupError{file + ": master: must be a string"};
  const std::string hex = master->get<std::string>();
  MasterKey key{};
  auto n = from_hex(hex, key);
  if (hex.size() != 32 || !n.ok() || *n != key.size()) {
    secure_wipe(key);
    return SetupError{file + ": master: must be 32 hex digits (16 bytes)"};
  }
  return key;
}

}  // namespace sscard::sim::host

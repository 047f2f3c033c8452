#include "sscard/sim/host/link_keys.h"

#include <string>

#include "sscard/jsondoc/jsondoc.h"

namespace sscard::sim::host {

Result<MasterKey, SetupError> load_link_master(const std::filesystem::path& path) {
  return load_master_key_file(path, "sscard-link-keys/1");
}

Result<MasterKey, SetupError> load_master_key_file(const std::filesystem::path& path, std::string_view format) {
  auto loaded = jsondoc::load_document<MasterKey>(path, [format](std::string_view text, const std::string& file) {
    return jsondoc::parse_document<MasterKey>(text, file, [format](const jsondoc::json& root) {
      jsondoc::Object o(root, "");
      jsondoc::expect_format(o, format);
      MasterKey key{};
      o.secret_hex("master", key);
      (void)o.find("test_only");
      (void)o.find("description");
      o.no_unknown_fields();
      return key;
    });
  });
  if (!loaded.ok()) return SetupError{loaded.error().to_string()};
  return *loaded;
}

}  // namespace sscard::sim::host

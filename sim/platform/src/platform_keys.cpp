#include "sscard/sim/platform/platform_keys.h"

#include "sscard/jsondoc/jsondoc.h"

namespace sscard::sim::platform {

const SigningKey* PlatformKeys::signing_key(std::uint8_t index) const {
  for (const SigningKey& k : signing_keys) {
    if (k.index == index) return &k;
  }
  return nullptr;
}

const crypto::SecretBytes<16>* PlatformKeys::reference_key(const std::string& province) const {
  const auto at = reference_keys.find(province);
  return at == reference_keys.end() ? nullptr : &at->second;
}

namespace {

PlatformKeys read_keys(const jsondoc::json& root) {
  jsondoc::Object o(root, "");
  jsondoc::expect_format(o, "sscard-platform-keys/1");
  (void)o.find("test_only");
  (void)o.find("description");
  PlatformKeys keys;
  keys.platform = o.digits("platform", 6);

  const jsondoc::json& list = o.need("signing_keys");
  if (!list.is_array() || list.empty()) jsondoc::fail(o.field("signing_keys"), "must be a non-empty array");
  for (std::size_t i = 0; i < list.size(); ++i) {
    jsondoc::Object k(list[i], o.field("signing_keys") + "[" + std::to_string(i) + "]");
    SigningKey key;
    key.index = static_cast<std::uint8_t>(k.integer("index", 1, 255));
    k.secret_hex("private_key", key.private_key.span());
    const Bytes pub = k.hex_of_size("public_key", key.public_key.size());
    std::copy(pub.begin(), pub.end(), key.public_key.begin());
    k.no_unknown_fields();
    if (keys.signing_key(key.index) != nullptr) {
      jsondoc::fail(k.field("index"), "index " + std::to_string(key.index) + " appears twice");
    }
    keys.signing_keys.push_back(std::move(key));
  }

  jsondoc::Object refs = o.object("reference_keys");
  for (const auto& [province, value] : o.need("reference_keys").items()) {
    if (province != "500000" && province != "510000") {
      jsondoc::fail(refs.field(province), "a reference key is for province 500000 or 510000");
    }
    crypto::SecretBytes<16> key;
    refs.secret_hex(province, key.span());
    keys.reference_keys.emplace(province, key);
  }
  refs.no_unknown_fields();
  o.no_unknown_fields();
  return keys;
}

}  // namespace

Result<PlatformKeys, KeyFileError> load_platform_keys(const std::filesystem::path& file) {
  auto loaded = jsondoc::load_document<PlatformKeys>(file, [](std::string_view text, const std::string& name) {
    return jsondoc::parse_document<PlatformKeys>(text, name, [](const jsondoc::json& root) { return read_keys(root); });
  });
  if (!loaded.ok()) return KeyFileError{loaded.error().to_string()};
  return std::move(loaded).value();
}

}  // namespace sscard::sim::platform

// Root-key files and the key hierarchy of docs/SECURITY.md "Keys".
#include "sscard/sim/keys.h"


#include "json_fields.h"

namespace sscard::sim {
namespace {

using namespace detail;  // NOLINT(google-build-using-namespace): the field readers of json_fields.h

void parse_roots(Object o, std::array<Bytes, kKeyClasses.size()>& out) {
  for (KeyClass c : kKeyClasses) out[static_cast<std::size_t>(c)] = hex_of_size(o, std::string(key_class_name(c)), kKeySize);
  o.no_unknown_fields();
}

RootKeys parse_root(const json& root) {
  Object o(root, "");
  RootKeys keys;
  const std::string format = o.string("format");
  if (format != kRootKeysFormat) fail("format", in_quotes(format) + " is not \"sscard-root-keys/1\"");
  const json& test_only = o.need("test_only");
  if (!test_only.is_boolean()) fail("test_only", "must be true or false");
  o.string("description");
  Object roots(o.need("roots"), "roots");
  parse_roots(Object(roots.need("3des"), "roots.3des"), keys.tdes);
  parse_roots(Object(roots.need("sm4"), "roots.sm4"), keys.sm4);
  roots.no_unknown_fields();
  o.no_unknown_fields();
  return keys;
}

}  // namespace

ByteSpan RootKeys::root(crypto::Cipher cipher, KeyClass c) const {
  const auto i = static_cast<std::size_t>(c);
  if (cipher == crypto::Cipher::kTdes) return tdes[i];
  if (cipher == crypto::Cipher::kSm4) return sm4[i];
  return {};
}

Result<RootKeys, ProfileError> parse_root_keys(std::string_view json_text, std::string_view file_name_for_errors) {
  const std::string file(file_name_for_errors);
  return detail::parse_document<RootKeys>(json_text, file, [&](const json& root) -> Result<RootKeys, ProfileError> {
    RootKeys keys = parse_root(root);
    keys.path = file;
    return keys;
  });
}

Result<RootKeys, ProfileError> load_root_keys(const std::filesystem::path& file) {
  return detail::load_document<RootKeys>(file, parse_root_keys);
}

Result<Bytes> province_key(crypto::Crypto& crypto, const RootKeys& roots, crypto::Cipher cipher, KeyClass c,
                           std::string_view province) {
  Bytes out(kKeySize);
  SSCARD_TRY(derive_province_key(crypto, cipher, roots.root(cipher, c), province, out));
  return out;
}

Result<CardKeys> derive_card_keys(crypto::Crypto& crypto, const RootKeys& roots, crypto::Cipher cipher,
                                  std::string_view region, ByteSpan historical_bytes) {
  const auto province = province_of(region);
  if (!province) return Error::kInvalidArgument;
  std::uint8_t factor[kFactorSize];
  SSCARD_TRY(card_factor(historical_bytes, factor));
  CardKeys keys;
  keys.cipher = cipher;
  for (KeyClass c : kKeyClasses) {
    SSCARD_TRY_ASSIGN(Bytes p, province_key(crypto, roots, cipher, c, *province));
    Bytes k(kKeySize);
    const Status s = derive_card_key(crypto, cipher, p, region, factor, k);
    secure_wipe(p);
    SSCARD_TRY(s);
    keys.keys[static_cast<std::size_t>(c)] = std::move(k);
  }
  return keys;
}

}  // namespace sscard::sim

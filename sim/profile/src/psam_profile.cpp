// PSAM profile JSON -> PsamProfile -> personalised PSAM (cards/README.md "PSAM profiles").
#include "sscard/sim/psam_profile.h"


#include "json_fields.h"
#include "sscard/core/atr.h"
#include "sscard/crypto/openssl.h"
#include "sscard/sim/keys.h"
#include "sscard/sim/profile.h"

namespace sscard::sim {
namespace {

using namespace detail;  // NOLINT(google-build-using-namespace): the field readers of json_fields.h

PsamKeySet parse_key_set(Object o) {
  PsamKeySet set;
  set.province = digits(o, "province", 6);
  if (!set.province.ends_with("0000")) fail(o.field("province"), in_quotes(set.province) + " is not a province code (NN0000)");
  const json& classes = o.need("classes");
  if (!classes.is_array() || classes.empty()) fail(o.field("classes"), "must be a non-empty array");
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const std::string field = o.field("classes") + "[" + std::to_string(i) + "]";
    const std::string name = classes[i].is_string() ? classes[i].get<std::string>() : std::string();
    const auto c = key_class_from_name(name);
    if (!c) fail(field, in_quotes(name) + " is not a key class (irk, eak04, rkssse, eak0d, stk, puk, prk)");
    if (std::find(set.classes.begin(), set.classes.end(), *c) != set.classes.end()) fail(field, in_quotes(name) + " is listed twice");
    set.classes.push_back(*c);
  }
  o.no_unknown_fields();
  return set;
}

PsamProfile parse_root(const json& root) {
  Object o(root, "");
  PsamProfile p;
  const std::string format = o.string("format");
  if (format != kProfileFormat) fail("format", in_quotes(format) + " is not \"sscard-profile/1\"");
  const std::string kind = o.string("kind");
  if (kind != "psam") {
    fail("kind", in_quotes(kind) + " is not \"psam\": this is not a PSAM profile (a holder card's goes with --card)");
  }
  p.description = o.string("description");
  p.atr = hex(o, "atr");
  auto atr = atr::parse(p.atr);
  if (!atr.ok()) fail("atr", in_quotes(to_hex(p.atr)) + " is not a well-formed ISO/IEC 7816-3 ATR");
  p.protocol = atr->offers_t0 ? CardProtocol::kT0 : CardProtocol::kT1;
  p.serial = hex_of_size(o, "serial", 10);
  p.terminal_number = digits(o, "terminal_number", 12);
  p.root_keys = o.string("root_keys");
  if (p.root_keys.empty()) fail("root_keys", "must name the root-key file");

  const json& environments = o.need("environments");
  if (!environments.is_array() || environments.empty()) fail("environments", "must be a non-empty array");
  for (const json& e : environments) {
    const std::string name = e.is_string() ? e.get<std::string>() : std::string();
    bool& flag = name == "3des" ? p.tdes_environment : p.sm4_environment;
    if ((name != "3des" && name != "sm4") || flag) fail("environments", "must list \"3des\" and/or \"sm4\", each once");
    flag = true;
  }

  const json& sets = o.need("key_sets");
  if (!sets.is_array()) fail("key_sets", "must be an array");
  for (std::size_t i = 0; i < sets.size(); ++i) {
    const std::string field = "key_sets[" + std::to_string(i) + "]";
    PsamKeySet set = parse_key_set(Object(sets[i], field));
    for (const PsamKeySet& earlier : p.key_sets) {
      if (earlier.province == set.province) fail(field + ".province", in_quotes(set.province) + " has two key sets");
    }
    p.key_sets.push_back(std::move(set));
  }
  o.no_unknown_fields();
  return p;
}

void derive_keys(PsamProfile& p, std::string_view file, crypto::Crypto& crypto) {
  const std::filesystem::path given(p.root_keys);
  p.root_keys_file = given.is_absolute() ? given : std::filesystem::path(file).parent_path() / given;
  auto roots = load_root_keys(p.root_keys_file);
  if (!roots.ok()) fail("root_keys", roots.error().to_string());
  for (const crypto::Cipher cipher : {crypto::Cipher::kTdes, crypto::Cipher::kSm4}) {
    if ((cipher == crypto::Cipher::kTdes && !p.tdes_environment) || (cipher == crypto::Cipher::kSm4 && !p.sm4_environment)) {
      continue;
    }
    for (const PsamKeySet& set : p.key_sets) {
      for (KeyClass c : set.classes) {
        auto key = province_key(crypto, roots.value(), cipher, c, set.province);
        if (!key.ok()) fail("root_keys", "cannot derive the province keys");
        p.keys.push_back(PsamProvinceKey{cipher, set.province, c, std::move(*key)});
      }
    }
  }
}

}  // namespace

bool PsamProfile::holds(crypto::Cipher cipher, std::string_view province, KeyClass c) const {
  return std::any_of(keys.begin(), keys.end(), [&](const PsamProvinceKey& k) {
    return k.cipher == cipher && k.province == province && k.key_class == c;
  });
}

Result<PsamProfile, ProfileError> parse_psam_profile(std::string_view json_text, std::string_view file_name_for_errors) {
  const std::string file(file_name_for_errors);
  return detail::parse_document<PsamProfile>(json_text, file, [&](const json& root) -> Result<PsamProfile, ProfileError> {
    PsamProfile p = parse_root(root);
    std::shared_ptr<crypto::Crypto> crypto = crypto::make_openssl_crypto();
    if (!crypto) return ProfileError{file, "", "no crypto backend to derive the province keys"};
    derive_keys(p, file, *crypto);
    return p;
  });
}

Result<PsamProfile, ProfileError> load_psam_profile(const std::filesystem::path& file) {
  Result<PsamProfile, ProfileError> result = detail::load_document<PsamProfile>(file, parse_psam_profile);
  if (result.ok()) result.value().path = file;
  return result;
}

std::unique_ptr<CardOs> make_psam_card_os(const PsamProfile& profile, std::shared_ptr<crypto::Crypto> crypto) {
  try {
    PsamConfig config;
    config.protocol = profile.protocol;
    config.atr = profile.atr;
    config.serial = profile.serial;
    config.terminal_number = profile.terminal_number;
    config.tdes_environment = profile.tdes_environment;
    config.sm4_environment = profile.sm4_environment;
    config.keys = profile.keys;
    config.crypto = crypto ? std::move(crypto) : crypto::make_openssl_crypto();
    auto card = make_psam(config);
    if (!card.ok()) return nullptr;
    return std::move(*card);
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::unique_ptr<Card> make_psam_card(const PsamProfile& profile, std::shared_ptr<crypto::Crypto> crypto) {
  return make_psam_card_os(profile, std::move(crypto));
}

}  // namespace sscard::sim

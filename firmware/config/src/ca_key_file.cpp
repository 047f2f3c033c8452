#include "sscard/config/ca_key_file.h"

#include <array>
#include <string>
#include <tuple>

#include "sscard/core/bytes.h"
#include "sscard/jsondoc/jsondoc.h"

namespace sscard::config {
namespace {

using jsondoc::fail;
using jsondoc::json;
using jsondoc::Object;

constexpr std::size_t kMinRsaModulus = 64;   // [6] table 40 / EMV: 512 to 1984 bits
constexpr std::size_t kMaxRsaModulus = 248;

bool before(const Date& a, const Date& b) {
  return std::tie(a.year, a.month, a.day) < std::tie(b.year, b.month, b.day);
}

Date expiry_date(Object& o) {
  const std::string text = o.digits("expiry", 8);  // YYYYMMDD
  Date d{static_cast<std::uint16_t>(std::stoi(text.substr(0, 4))), static_cast<std::uint8_t>(std::stoi(text.substr(4, 2))),
         static_cast<std::uint8_t>(std::stoi(text.substr(6, 2)))};
  if (!is_valid(d)) fail(o.field("expiry"), jsondoc::in_quotes(text) + " is not a date (YYYYMMDD)");
  return d;
}

void rsa_key(Object& o, pboc::CaKey& key, crypto::Crypto& crypto) {
  key.algorithm = pboc::CaKeyAlgorithm::kRsa;
  key.modulus = o.hex("modulus");
  if (key.modulus.size() < kMinRsaModulus || key.modulus.size() > kMaxRsaModulus || key.modulus[0] == 0) {
    fail(o.field("modulus"), "must be 64 to 248 bytes with a non-zero first byte");
  }
  key.exponent = o.hex("exponent");
  const bool e3 = key.exponent == Bytes{0x03};
  const bool e65537 = key.exponent == Bytes{0x01, 0x00, 0x01};
  if (!e3 && !e65537) fail(o.field("exponent"), "must be 03 or 010001");
  const Bytes check = o.hex_of_size("check", 20);
  Bytes covered(key.rid.begin(), key.rid.end());
  covered.push_back(key.index);
  covered.insert(covered.end(), key.modulus.begin(), key.modulus.end());
  covered.insert(covered.end(), key.exponent.begin(), key.exponent.end());
  std::array<std::uint8_t, 20> sha1{};
  auto n = crypto.digest(crypto::Hash::kSha1, covered, sha1);
  if (!n.ok()) fail(o.field("check"), "cannot be computed: no SHA-1 in this build");
  if (!constant_time_equal(sha1, check)) {
    fail(o.field("check"), "does not match SHA-1(rid || index || modulus || exponent): the key was altered");
  }
}

void sm2_key(Object& o, pboc::CaKey& key, crypto::Crypto& crypto) {
  key.algorithm = pboc::CaKeyAlgorithm::kSm2;
  if (o.string("curve") != "11") fail(o.field("curve"), "must be \"11\" (the SM2 recommended curve)");
  const Bytes point = o.hex_of_size("public_key", key.sm2_point.size());
  std::copy(point.begin(), point.end(), key.sm2_point.begin());
  // Preparing the key checks that the point lies on the curve, once, here rather than per card.
  auto prepared = crypto.sm2_prepare_public_key(point, crypto::kSm2DefaultId);
  if (!prepared.ok() && prepared.error().code() != Error::kUnsupported) {
    fail(o.field("public_key"), "is not a point of the SM2 curve");
  }
}

pboc::CaKeyTable build(const json& root_json, crypto::Crypto& crypto, const Date& today) {
  Object root(root_json, "");
  jsondoc::expect_format(root, kCaKeyFormat);
  (void)root.find("test_only");
  (void)root.find("description");
  const json& list = root.need("keys");
  if (!list.is_array() || list.empty()) fail("keys", "must be a non-empty list");
  pboc::CaKeyTable table;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Object o(list[i], "keys[" + std::to_string(i) + "]");
    pboc::CaKey key;
    const Bytes rid = o.hex_of_size("rid", key.rid.size());
    std::copy(rid.begin(), rid.end(), key.rid.begin());
    key.index = o.hex_of_size("index", 1)[0];
    if (table.find(key.rid, key.index) != nullptr) fail(o.field("index"), "repeats another key's rid and index");
    key.expiry = expiry_date(o);
    if (before(key.expiry, today)) fail(o.field("expiry"), "has passed: the key may no longer be used");
    const std::string algorithm = o.string("algorithm");
    if (algorithm == "rsa") {
      rsa_key(o, key, crypto);
    } else if (algorithm == "sm2") {
      sm2_key(o, key, crypto);
    } else {
      fail(o.field("algorithm"), jsondoc::in_quotes(algorithm) + " must be \"rsa\" or \"sm2\"");
    }
    o.no_unknown_fields();
    table.add(std::move(key));
  }
  root.no_unknown_fields();
  return table;
}

}  // namespace

Result<pboc::CaKeyTable, ConfigError> parse_ca_key_file(std::string_view json_text, const std::filesystem::path& file,
                                                        crypto::Crypto& crypto, const Date& today) {
  auto parsed = jsondoc::parse_document<pboc::CaKeyTable>(
      json_text, file.string(), [&](const json& root) { return build(root, crypto, today); });
  if (!parsed.ok()) {
    const jsondoc::DocError& e = parsed.error();
    return ConfigError{e.file, e.field, e.message};
  }
  return std::move(parsed).value();
}

Result<pboc::CaKeyTable, ConfigError> load_ca_key_file(const std::filesystem::path& file, crypto::Crypto& crypto,
                                                       const Date& today) {
  auto text = jsondoc::read_text(file);
  if (!text.ok()) {
    const jsondoc::DocError& e = text.error();
    return ConfigError{e.file, e.field, e.message};
  }
  return parse_ca_key_file(*text, file, crypto, today);
}

}  // namespace sscard::config

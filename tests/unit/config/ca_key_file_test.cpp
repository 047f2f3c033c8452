// The kiosk's CA key file: the bundled test CA loads with the documented RID, indices and algorithms, and
// every altered, expired or ill-formed key is refused with an error that names the key's field.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sscard/config/ca_key_file.h"
#include "sscard/config/paths.h"
#include "sscard/crypto/default_crypto.h"

namespace sscard::config {
namespace {

namespace fs = std::filesystem;

const fs::path kFile = fs::path(SSCARD_CARDS_DIR) / "keys" / "test-ca-public.json";
constexpr Date kToday{2026, 12, 5};

nlohmann::json bundled() {
  std::ifstream in(kFile);
  return nlohmann::json::parse(in);
}

std::string error_of(const nlohmann::json& j, Date today = kToday) {
  auto crypto = crypto::make_default_crypto();
  auto r = parse_ca_key_file(j.dump(), "ca.json", *crypto, today);
  return r.ok() ? "loaded" : r.error().to_string();
}

TEST(CaKeyFile, TheBundledTestCaLoads) {
  auto crypto = crypto::make_default_crypto();
  auto table = load_ca_key_file(kFile, *crypto, kToday);
  ASSERT_TRUE(table.ok()) << table.error().to_string();
  EXPECT_EQ(table->size(), 2u);
  const std::uint8_t rid[] = {0xA0, 0x00, 0x00, 0x03, 0x33};
  const pboc::CaKey* rsa = table->find(rid, 0xE0);
  ASSERT_NE(rsa, nullptr);
  EXPECT_EQ(rsa->algorithm, pboc::CaKeyAlgorithm::kRsa);
  EXPECT_EQ(rsa->modulus.size(), 176u);  // 1408 bits (PAYMENT.md §7.1)
  EXPECT_EQ(rsa->exponent, Bytes{0x03});
  EXPECT_EQ(rsa->expiry, (Date{2035, 12, 31}));
  const pboc::CaKey* sm2 = table->find(rid, 0xE1);
  ASSERT_NE(sm2, nullptr);
  EXPECT_EQ(sm2->algorithm, pboc::CaKeyAlgorithm::kSm2);
  EXPECT_EQ(sm2->sm2_point[0], 0x33);
  EXPECT_EQ(table->find(rid, 0xE2), nullptr);
}

TEST(CaKeyFile, AlteredOrIllFormedKeysAreRefusedByField) {
  struct Case {
    const char* pointer;
    nlohmann::json value;
    const char* expected;  // after "ca.json: "
  };
  const Case cases[] = {
      {"/format", "sscard-ca-keys/2", "format: must be \"sscard-ca-keys/1\", not \"sscard-ca-keys/2\""},
      {"/keys/0/exponent", "010001",
       "keys[0].check: does not match SHA-1(rid || index || modulus || exponent): the key was altered"},
      {"/keys/0/exponent", "05", "keys[0].exponent: must be 03 or 010001"},
      {"/keys/0/modulus", "00FF", "keys[0].modulus: must be 64 to 248 bytes with a non-zero first byte"},
      {"/keys/0/check", "00", "keys[0].check: must be 40 hex digits (20 bytes)"},
      {"/keys/0/algorithm", "ecdsa", "keys[0].algorithm: \"ecdsa\" must be \"rsa\" or \"sm2\""},
      {"/keys/0/expiry", "20351331", "keys[0].expiry: \"20351331\" is not a date (YYYYMMDD)"},
      {"/keys/1/curve", "12", "keys[1].curve: must be \"11\" (the SM2 recommended curve)"},
      {"/keys/1/index", "E0", "keys[1].index: repeats another key's rid and index"},
      {"/keys", nlohmann::json::array(), "keys: must be a non-empty list"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = bundled();
    j[nlohmann::json::json_pointer(c.pointer)] = c.value;
    EXPECT_EQ(error_of(j), std::string("ca.json: ") + c.expected) << c.pointer;
  }
}

TEST(CaKeyFile, AModulusBitFlipBreaksTheCheckValue) {
  nlohmann::json j = bundled();
  std::string modulus = j["keys"][0]["modulus"];
  modulus.back() = modulus.back() == '1' ? '3' : '1';
  j["keys"][0]["modulus"] = modulus;
  EXPECT_EQ(error_of(j), "ca.json: keys[0].check: does not match SHA-1(rid || index || modulus || exponent): the key was altered");
}

TEST(CaKeyFile, AnSm2PointOffTheCurveIsRefused) {
  nlohmann::json j = bundled();
  std::string point = j["keys"][1]["public_key"];
  point.back() = point.back() == '8' ? '9' : '8';  // y changed: (x, y') is not on the curve
  j["keys"][1]["public_key"] = point;
  EXPECT_EQ(error_of(j), "ca.json: keys[1].public_key: is not a point of the SM2 curve");
}

TEST(CaKeyFile, AnExpiredKeyIsRefusedAtLoad) {
  EXPECT_EQ(error_of(bundled(), Date{2035, 12, 31}), "loaded");  // its last valid day
  EXPECT_EQ(error_of(bundled(), Date{2036, 1, 1}), "ca.json: keys[0].expiry: has passed: the key may no longer be used");
}

}  // namespace
}  // namespace sscard::config

// The card side of docs/SECURITY.md on the bundled holder cards, checked against the worked examples of
// tests/data/security/vectors.txt: card keys, INTERNAL / EXTERNAL AUTHENTICATE, the MAC-protected commands,
// application block, PIN change / reload / unblock, and power cuts in the middle of them.
#include <gtest/gtest.h>

#include <set>

#include "security_test_util.h"
#include "sscard/crypto/openssl.h"
#include "sscard/sim/keys.h"
#include "sscard/sim/security.h"

namespace sscard::sim {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

crypto::Cipher cipher_of(const std::string& alg) { return alg == "sm4" ? crypto::Cipher::kSm4 : crypto::Cipher::kTdes; }

class VectorCard : public ::testing::TestWithParam<std::string> {
 protected:
  std::string name() const { return GetParam(); }
  const SecurityVector& v(const std::string& what) const { return vec(name() + "." + what); }
};

INSTANTIATE_TEST_SUITE_P(Cards, VectorCard, ::testing::ValuesIn(vector_card_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return test_case_name(param_info.param); });

// ---- Keys ----

TEST_P(VectorCard, CardFactorIsTheLastEightHistoricalBytes) {
  const HolderProfile p = holder(name());
  EXPECT_EQ(to_hex(p.historical_bytes()), v("card_factor").inputs.at("historical"));
  EXPECT_EQ(card_factor_hex(p), v("card_factor").expected);
}

TEST_P(VectorCard, DerivedCardKeysEqualTheVectors) {
  const HolderProfile p = holder(name());
  EXPECT_EQ(p.keys.cipher, cipher_of(v("irk.card").algorithm));
  for (KeyClass c : kKeyClasses) {
    EXPECT_EQ(to_hex(p.keys.key(c)), v(std::string(key_class_name(c)) + ".card").expected) << key_class_name(c);
  }
}

TEST_P(VectorCard, EveryLevelOfTheHierarchyEqualsTheVectors) {
  const HolderProfile p = holder(name());
  auto crypto = crypto::make_openssl_crypto();
  ASSERT_NE(crypto, nullptr);
  auto roots = load_root_keys(p.root_keys_file);
  ASSERT_TRUE(roots.ok());
  for (KeyClass c : kKeyClasses) {
    const std::string cls(key_class_name(c));
    const SecurityVector& prov = v(cls + ".province");
    EXPECT_EQ(to_hex(roots.value().root(p.keys.cipher, c)), prov.inputs.at("root")) << cls;
    auto pk = province_key(*crypto, roots.value(), p.keys.cipher, c, province_of_card(p));
    ASSERT_TRUE(pk.ok());
    EXPECT_EQ(to_hex(*pk), prov.expected) << cls;
    // The city step on its own, from the vector's inputs.
    const SecurityVector& city = v(cls + ".city");
    std::uint8_t factor[8];
    ASSERT_TRUE(region_factor(p.issuer.region, factor).ok());
    EXPECT_EQ(to_hex(factor), city.inputs.at("factor"));
    std::uint8_t out[16];
    ASSERT_TRUE(diversify_key(*crypto, p.keys.cipher, hex(city.inputs.at("province")), factor, out).ok());
    EXPECT_EQ(to_hex(out), city.expected) << cls;
  }
}

TEST(CardKeys, NoTwoBundledCardsShareAnyDerivedKey) {
  std::set<std::string> seen;
  std::size_t count = 0;
  for (const auto& path : holder_profiles(kCardsDir)) {
    auto loaded = load_profile(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    for (KeyClass c : kKeyClasses) {
      ASSERT_EQ(loaded.value().keys.key(c).size(), 16u);
      seen.insert(to_hex(loaded.value().keys.key(c)));
      ++count;
    }
  }
  EXPECT_EQ(count, 6u * 7u);
  EXPECT_EQ(seen.size(), count);
}

std::string profile_text_with(const std::string& root_keys_line) {
  std::ifstream in(kCardsDir / "cq-yuzhong-gen2.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string key = "  \"root_keys\": \"keys/test-root-keys.json\",\n";
  const std::size_t at = text.find(key);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) text.replace(at, key.size(), root_keys_line);
  return text;
}

TEST(CardKeys, AProfileWithoutRootKeysNamesTheField) {
  const std::string file = (kCardsDir / "x.json").string();
  auto loaded = parse_profile(profile_text_with(""), file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().to_string(), file + ": root_keys: is missing");
}

TEST(CardKeys, AMissingRootKeyFileNamesTheFieldAndTheFile) {
  const std::string file = (kCardsDir / "x.json").string();
  auto loaded = parse_profile(profile_text_with("  \"root_keys\": \"keys/none.json\",\n"), file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().file, file);
  EXPECT_EQ(loaded.error().field, "root_keys");
  EXPECT_NE(loaded.error().message.find("keys/none.json: cannot be opened"), std::string::npos) << loaded.error().message;
}

TEST(CardKeys, ABadRootKeyFileNamesItsOwnField) {
  const auto dir = std::filesystem::temp_directory_path() / "sscard-simsec-keys";
  std::filesystem::create_directories(dir);
  std::ifstream in(kCardsDir / "keys/test-root-keys.json");
  std::string keys((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  keys.replace(keys.find("1EC3B15D56E834723B7715A013E25F51"), 32, "1EC3B15D56E834723B7715A013E25F");
  std::ofstream(dir / "short.json") << keys;
  auto loaded = parse_profile(profile_text_with("  \"root_keys\": \"" + (dir / "short.json").string() + "\",\n"),
                              "cards/x.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "root_keys");
  EXPECT_NE(loaded.error().message.find("roots.sm4.irk: must be 32 hex digits (16 bytes)"), std::string::npos)
      << loaded.error().message;
  auto direct = load_root_keys(dir / "short.json");
  ASSERT_FALSE(direct.ok());
  EXPECT_EQ(direct.error().field, "roots.sm4.irk");
  std::filesystem::remove_all(dir);
}

TEST(CardKeys, RootKeyFileErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"format":"x","test_only":true,"description":"","roots":{}})", "format"},
      {R"({"format":"sscard-root-keys/1","test_only":"yes","description":"","roots":{}})", "test_only"},
      {R"({"format":"sscard-root-keys/1","test_only":true,"description":"","roots":{"3des":{}}})", "roots.3des.irk"},
      {R"({"format":"sscard-root-keys/1","test_only":true,"description":"","roots":{},"extra":1})", "roots.3des"},
      {R"([1,2])", ""},
  };
  for (const auto& [text, field] : cases) {
    auto loaded = parse_root_keys(text, "k.json");
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_EQ(loaded.error().field, field) << text << ": " << loaded.error().to_string();
  }
}

TEST(CardKeys, AnAlgorithmWithoutKeysIsAProfileError) {
  std::string text = profile_text_with("  \"root_keys\": \"keys/test-root-keys.json\",\n");
  text.replace(text.find("\"algorithm_id\": \"01\""), 20, "\"algorithm_id\": \"02\"");
  auto loaded = parse_profile(text, (kCardsDir / "x.json").string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "algorithm_id");
}

// ---- INTERNAL and EXTERNAL AUTHENTICATE ----

TEST_P(VectorCard, InternalAuthenticateAnswersTheVector) {
  auto card = powered_card(name());
  const SecurityVector& ia = v("internal_auth");
  EXPECT_EQ(to_hex(holder(name()).keys.key(KeyClass::kIrk)), ia.inputs.at("card_key"));
  const std::string command = "0088000010" + ia.inputs.at("pf") + ia.inputs.at("d") + "08";
  if (card->protocol() == CardProtocol::kT0) {
    EXPECT_EQ(send(*card, command), "6108");
    EXPECT_EQ(send(*card, "00C0000008"), ia.expected + "9000");
  } else {
    EXPECT_EQ(send(*card, command), ia.expected + "9000");
  }
}

TEST_P(VectorCard, InternalAuthenticateErrors) {
  auto card = powered_card(name());
  EXPECT_EQ(send(*card, "008800000F0102030405060708090A0B0C0D0E0F08"), "6700");
  EXPECT_EQ(send(*card, "00880100100102030405060708090A0B0C0D0E0F1008"), "6A86");
  EXPECT_EQ(send(*card, "00880001100102030405060708090A0B0C0D0E0F1008"), "6A88");
}

std::string external_auth(const HolderProfile& p, const std::string& kid, const std::string& a, const std::string& c) {
  const bool sm4 = p.algorithm_id == 0x03;
  return std::string("008200") + kid + (sm4 ? "11" : "10") + a + c + (sm4 ? "01" : "");
}

TEST_P(VectorCard, ExternalAuthenticateWithTheVectorCryptogramSucceeds) {
  const HolderProfile p = holder(name());
  for (const char* cls : {"rkssse", "eak04"}) {
    auto card = powered_card(name());
    const SecurityVector& ea = v(std::string("external_auth.") + cls);
    force_challenge(*card, ea.inputs.at("challenge"));
    EXPECT_EQ(send(*card, "0084000008"), ea.inputs.at("challenge") + "9000");
    const std::string kid = std::string(cls) == "rkssse" ? "0A" : "04";
    EXPECT_EQ(send(*card, external_auth(p, kid, ea.expected, ea.inputs.at("challenge"))), "9000") << cls;
  }
}

TEST_P(VectorCard, OneFlippedCryptogramBitGets6300) {
  const HolderProfile p = holder(name());
  auto card = powered_card(name());
  const SecurityVector& ea = v("external_auth.rkssse");
  force_challenge(*card, ea.inputs.at("challenge"));
  ASSERT_EQ(send(*card, "0084000008"), ea.inputs.at("challenge") + "9000");
  Bytes a = hex(ea.expected);
  a[7] ^= 0x01;
  EXPECT_EQ(send(*card, external_auth(p, "0A", to_hex(a), ea.inputs.at("challenge"))), "6300");
}

TEST_P(VectorCard, AChallengeServesOneExternalAuthenticate) {
  const HolderProfile p = holder(name());
  auto card = powered_card(name());
  const SecurityVector& ea = v("external_auth.rkssse");
  const std::string good = external_auth(p, "0A", ea.expected, ea.inputs.at("challenge"));
  EXPECT_EQ(send(*card, good), "6985");  // no challenge issued
  force_challenge(*card, ea.inputs.at("challenge"));
  ASSERT_EQ(send(*card, "0084000008"), ea.inputs.at("challenge") + "9000");
  Bytes a = hex(ea.expected);
  a[0] ^= 0x80;
  EXPECT_EQ(send(*card, external_auth(p, "0A", to_hex(a), ea.inputs.at("challenge"))), "6300");
  EXPECT_EQ(send(*card, good), "6985");  // used up by the wrong attempt
  ASSERT_EQ(send(*card, "0084000008"), ea.inputs.at("challenge") + "9000");
  EXPECT_EQ(send(*card, good), "9000");
  EXPECT_EQ(send(*card, good), "6985");
}

TEST_P(VectorCard, ExternalAuthenticateErrors) {
  const HolderProfile p = holder(name());
  const bool sm4 = p.algorithm_id == 0x03;
  auto card = powered_card(name());
  const SecurityVector& ea = v("external_auth.rkssse");
  const std::string c = ea.inputs.at("challenge");
  force_challenge(*card, c);
  EXPECT_EQ(send(*card, external_auth(p, "0B", ea.expected, c)), "6A88");  // no such key
  ASSERT_EQ(send(*card, "0084000008"), c + "9000");
  // The other algorithm's length.
  EXPECT_EQ(send(*card, std::string("0082000A") + (sm4 ? "10" : "11") + ea.expected + c + (sm4 ? "" : "01")), "6700");
  ASSERT_EQ(send(*card, "0084000008"), c + "9000");
  Bytes other = hex(c);
  other[3] ^= 0xFF;
  EXPECT_EQ(send(*card, external_auth(p, "0A", ea.expected, to_hex(other))), "6985");  // not the challenge issued
  if (sm4) {
    ASSERT_EQ(send(*card, "0084000008"), c + "9000");
    EXPECT_EQ(send(*card, "0082000A11" + ea.expected + c + "02"), "6A80");
  }
  ASSERT_EQ(send(*card, "0084000004"), c.substr(0, 8) + "9000");
  EXPECT_EQ(send(*card, external_auth(p, "0A", ea.expected, c)), "6985");  // a 4-byte challenge is no C
}

TEST(CardSecurity, RksssUnlocksThirdGenerationPersonalDataUntilReselectOrPowerLoss) {
  for (const char* name : {"sc-suining-gen3", "cq-tongnan-gen3"}) {
    const HolderProfile p = holder(name);
    auto card = powered_card(name);
    const SecurityVector& ea = vec(std::string(name) + ".external_auth.rkssse");
    const std::string c = ea.inputs.at("challenge");
    force_challenge(*card, c);
    ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
    EXPECT_EQ(send(*card, "00B2083000"), "6982") << name;
    EXPECT_EQ(send(*card, "00B2072800"), "6982") << name;
    ASSERT_EQ(send(*card, "0084000008"), c + "9000");
    ASSERT_EQ(send(*card, external_auth(p, "0A", ea.expected, c)), "9000");
    EXPECT_EQ(send(*card, "00B2083000"), "0812" + to_hex(ByteSpan(reinterpret_cast<const std::uint8_t*>(p.holder.ssn.data()), 18)) + "9000");
    EXPECT_EQ(send(*card, "00B2072800").substr(0, 4), "0709");
    // Selecting another DF ends it.
    ASSERT_EQ(send(*card, "00A40000023F00").substr(0, 2), "61");
    ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
    EXPECT_EQ(send(*card, "00B2083000"), "6982");
    // So does power.
    ASSERT_EQ(send(*card, "0084000008"), c + "9000");
    ASSERT_EQ(send(*card, external_auth(p, "0A", ea.expected, c)), "9000");
    card->power_off();
    card->power_on();
    ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
    EXPECT_EQ(send(*card, "00B2083000"), "6982");
  }
}

TEST(CardSecurity, Eak04AuthorisesUpdateRecordOfEf06) {
  const HolderProfile p = holder("cq-yuzhong-gen2");
  auto card = powered_card("cq-yuzhong-gen2");
  const SecurityVector& ea = vec("cq-yuzhong-gen2.external_auth.eak04");
  const std::string c = ea.inputs.at("challenge");
  force_challenge(*card, c);
  ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
  EXPECT_EQ(send(*card, "00DC0A34030A0131"), "6982");  // sex record, by number 4... before authentication
  ASSERT_EQ(send(*card, "0084000008"), c + "9000");
  // RKSSSE is not the update key.
  ASSERT_EQ(send(*card, "0082000A10" + vec("cq-yuzhong-gen2.external_auth.rkssse").expected + c), "9000");
  EXPECT_EQ(send(*card, "00DC0A30030A0131"), "6982");
  ASSERT_EQ(send(*card, "0084000008"), c + "9000");
  ASSERT_EQ(send(*card, external_auth(p, "04", ea.expected, c)), "9000");
  EXPECT_EQ(send(*card, "00DC0A30030A0131"), "9000");  // record identifier 0A in SFI 6
  EXPECT_EQ(send(*card, "00B20A3000"), "0A01319000");
}

// ---- MAC-protected commands ----

// Issues R4 (forced to `r4`) and sends `header_and_data` with `mac` appended.
std::string with_mac(CardOs& card, const std::string& r4, const std::string& header_and_data, const std::string& mac) {
  force_challenge(card, r4);
  EXPECT_EQ(send(card, "0084000004"), r4 + "9000");
  return send(card, header_and_data + mac);
}

std::string r4_of(const SecurityVector& v) { return v.inputs.at("iv").substr(0, 8); }

TEST_P(VectorCard, ApplicationBlockAndUnblockWithTheVectorMacs) {
  auto card = powered_card(name());
  const SecurityVector& block = v("mac.stk.841E000004");
  const SecurityVector& unblock = v("mac.stk.8418000004");
  ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
  EXPECT_EQ(with_mac(*card, r4_of(block), "841E000004", block.expected), "9000");
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "6283");
  EXPECT_EQ(send(*card, "00B2012C00"), "6985");
  EXPECT_EQ(with_mac(*card, r4_of(unblock), "8418000004", unblock.expected), "9000");
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "9000");
  EXPECT_EQ(send(*card, "00B2012C00").substr(0, 4), "0110");
}

TEST_P(VectorCard, OneFlippedMacBitGets6988AndChangesNothing) {
  auto card = powered_card(name());
  const SecurityVector& block = v("mac.stk.841E000004");
  ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
  Bytes mac = hex(block.expected);
  mac[2] ^= 0x04;
  EXPECT_EQ(with_mac(*card, r4_of(block), "841E000004", to_hex(mac)), "6988");
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "9000");
  EXPECT_EQ(card->block_state(card->current_df()), CardOs::BlockState::kNone);
  // The R4 was used up by the wrong MAC: the right MAC now has no challenge.
  EXPECT_EQ(send(*card, "841E000004" + block.expected), "6985");
}

TEST_P(VectorCard, PinUnblockWithTheVectorMac) {
  auto card = powered_card(name());
  const HolderProfile p = holder(name());
  for (int i = 0; i < 6; ++i) send(*card, "0020000002FFFF");
  EXPECT_EQ(send(*card, "0020000003" + p.pin), "6983");
  const SecurityVector& puk = v("mac.puk.8424000004");
  EXPECT_EQ(with_mac(*card, r4_of(puk), "8424000004", puk.expected), "9000");
  EXPECT_EQ(card->pin_tries_left(), 6);
  EXPECT_EQ(send(*card, "0020000003" + p.pin), "9000");  // the PIN itself is unchanged
}

TEST_P(VectorCard, PinReloadWithTheVectorMac) {
  auto card = powered_card(name());
  const HolderProfile p = holder(name());
  EXPECT_EQ(send(*card, "0020000002FFFF"), "63C5");
  const SecurityVector& prk = v("mac.prk.reload");
  ASSERT_EQ(prk.inputs.at("message"), "805E000007654321");
  EXPECT_EQ(with_mac(*card, r4_of(prk), "805E000007654321", prk.expected), "9000");
  EXPECT_EQ(card->pin_tries_left(), 6);
  EXPECT_EQ(send(*card, "0020000003" + p.pin), "63C5");
  EXPECT_EQ(send(*card, "0020000003654321"), "9000");
}

TEST_P(VectorCard, FlippedMacsOfPinCommandsGet6988) {
  auto card = powered_card(name());
  const HolderProfile p = holder(name());
  for (const char* which : {"mac.puk.8424000004", "mac.prk.reload"}) {
    const SecurityVector& m = v(which);
    Bytes mac = hex(m.expected);
    mac[0] ^= 0x01;
    const std::string header = std::string(which) == "mac.prk.reload" ? "805E000007654321" : "8424000004";
    EXPECT_EQ(with_mac(*card, r4_of(m), header, to_hex(mac)), "6988") << which;
  }
  EXPECT_EQ(send(*card, "0020000003" + p.pin), "9000");
}

TEST(CardSecurity, MacCommandsWithoutR4Get6985) {
  auto card = powered_card("sc-suining-gen3");
  const SecurityVector& block = vec("sc-suining-gen3.mac.stk.841E000004");
  ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
  EXPECT_EQ(send(*card, "841E000004" + block.expected), "6985");
  force_challenge(*card, r4_of(block) + "00000000");
  ASSERT_EQ(send(*card, "0084000008"), r4_of(block) + "000000009000");
  EXPECT_EQ(send(*card, "841E000004" + block.expected), "6985");  // an 8-byte challenge is no R4
  EXPECT_EQ(send(*card, "841E000003010203"), "6700");
  EXPECT_EQ(send(*card, "841E000204" + block.expected), "6A86");
}

TEST(CardSecurity, UpdateRecordWithAnStkMacCountsAsKey04) {
  const HolderProfile p = holder("sc-suining-gen3");
  auto card = powered_card("sc-suining-gen3");
  auto crypto = crypto::make_openssl_crypto();
  ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
  // Lc counts the MAC: 3 bytes of record + 4.
  const Bytes iv = hex("0A0B0C0D000000000000000000000000");
  std::uint8_t mac[4];
  ASSERT_TRUE(command_mac4(*crypto, crypto::Cipher::kSm4, p.keys.key(KeyClass::kStk), iv, hex("84DC0A30070A0132"), mac).ok());
  Bytes bad(mac, mac + 4);
  bad[3] ^= 0x10;
  EXPECT_EQ(with_mac(*card, "0A0B0C0D", "84DC0A30070A0132", to_hex(bad)), "6988");
  EXPECT_EQ(with_mac(*card, "0A0B0C0D", "84DC0A30070A0132", to_hex(mac)), "9000");
  // The update is there; reading EF06 still needs RKSSSE on this 3rd generation card.
  EXPECT_EQ(send(*card, "00B20A3000"), "6982");
  EXPECT_EQ(to_hex(card->file_system().record(*card->file_system().child_by_sfi(card->current_df(), 6), 3)), "0A0132");
  // Without MAC (CLA 00) the same update is refused.
  EXPECT_EQ(send(*card, "00DC0A30030A0131"), "6982");
}

// ---- Application block ----

std::string block_card(CardOs& card, const HolderProfile& p, bool permanent) {
  auto crypto = crypto::make_openssl_crypto();
  const std::string header = permanent ? "841E000104" : "841E000004";
  const crypto::Cipher cipher = p.keys.cipher;
  Bytes iv(mac_iv_size(cipher), 0);
  iv[0] = 0x11;
  iv[1] = 0x22;
  iv[2] = 0x33;
  iv[3] = 0x44;
  std::uint8_t mac[4];
  EXPECT_TRUE(command_mac4(*crypto, cipher, p.keys.key(KeyClass::kStk), iv, hex(header), mac).ok());
  return with_mac(card, "11223344", header, to_hex(mac));
}

std::string unblock_card(CardOs& card, const HolderProfile& p) {
  auto crypto = crypto::make_openssl_crypto();
  Bytes iv(mac_iv_size(p.keys.cipher), 0);
  iv[0] = 0x55;
  std::uint8_t mac[4];
  EXPECT_TRUE(command_mac4(*crypto, p.keys.cipher, p.keys.key(KeyClass::kStk), iv, hex("8418000004"), mac).ok());
  return with_mac(card, "55000000", "8418000004", to_hex(mac));
}

TEST(ApplicationBlock, EveryOtherCommandInTheBlockedApplicationGets6985) {
  const HolderProfile p = holder("cq-yuzhong-gen2");
  auto card = powered_card("cq-yuzhong-gen2");
  ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
  ASSERT_EQ(block_card(*card, p, false), "9000");
  for (const char* cmd : {"00B2012C00", "00B0850000", "0020000003802416", "00200000", "80DC012C03010101",
                          "0088000010000102030405060708090A0B0C0D0E0F08", "0082000A1000000000000000000000000000000000",
                          "842400000401020304", "805E010007802416FF123456", "841E00000401020304"}) {
    EXPECT_EQ(send(*card, cmd), "6985") << cmd;
  }
  EXPECT_EQ(send(*card, "0084000008").size(), 20u);  // GET CHALLENGE still answers (for the unblock MAC)
  // Outside the application the card works: the MF, and VERIFY there.
  EXPECT_EQ(send(*card, "00A4000C023F00"), "9000");
  EXPECT_EQ(send(*card, "0020000003802416"), "9000");
  // The application DFs inside SSSE are blocked with it.
  EXPECT_EQ(send(*card, "00A4040C06D15600000500"), "6283");
}

TEST(ApplicationBlock, SelectAnswers6283WithTheFci) {
  for (const char* name : {"cq-yuzhong-gen2", "sc-chengdu-gen2"}) {
    const HolderProfile p = holder(name);
    auto card = powered_card(name);
    ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
    ASSERT_EQ(block_card(*card, p, false), "9000");
    const std::string fci = "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860101";
    if (card->protocol() == CardProtocol::kT0) {
      EXPECT_EQ(send(*card, kSelectSsse), "6283") << name;
      EXPECT_EQ(send(*card, "00C0000000"), fci + "9000") << name;
    } else {
      EXPECT_EQ(send(*card, std::string(kSelectSsse) + "00"), fci + "6283") << name;
    }
  }
}

TEST(ApplicationBlock, TemporaryBlockSurvivesPowerAndLiftsWithUnblock) {
  const HolderProfile p = holder("sc-suining-gen3");
  auto card = powered_card("sc-suining-gen3");
  ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
  ASSERT_EQ(block_card(*card, p, false), "9000");
  for (int i = 0; i < 3; ++i) {
    card->power_off();
    card->power_on();
    EXPECT_EQ(send(*card, kSelectSsseNoFci), "6283");
  }
  EXPECT_EQ(unblock_card(*card, p), "9000");
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "9000");
  card->power_off();
  card->power_on();
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "9000");
  EXPECT_EQ(unblock_card(*card, p), "9000");  // not blocked: nothing to lift
}

TEST(ApplicationBlock, PermanentBlockCannotBeLifted) {
  const HolderProfile p = holder("cq-tongnan-gen3");
  auto card = powered_card("cq-tongnan-gen3");
  ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
  ASSERT_EQ(block_card(*card, p, true), "9000");
  EXPECT_EQ(card->block_state(card->current_df()), CardOs::BlockState::kPermanent);
  EXPECT_EQ(unblock_card(*card, p), "6985");
  card->power_off();
  card->power_on();
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "6283");
  EXPECT_EQ(unblock_card(*card, p), "6985");
}

TEST(ApplicationBlock, BlockInTheMfHasNoApplication) {
  const HolderProfile p = holder("cq-yuzhong-gen2");
  auto card = powered_card("cq-yuzhong-gen2");
  EXPECT_EQ(block_card(*card, p, false), "6985");
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "9000");
}

TEST(ApplicationBlock, APowerCutWhileBlockingLeavesOneStateOrTheOther) {
  const HolderProfile p = holder("cq-yuzhong-gen2");
  auto card = powered_card("cq-yuzhong-gen2");
  ASSERT_EQ(send(*card, kSelectSsseNoFci), "9000");
  card->eeprom().cut_power_after_page_writes(0);
  EXPECT_EQ(block_card(*card, p, false), "");  // the card went silent
  card->eeprom().cancel_power_cut();
  card->power_on();
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "9000");
  EXPECT_EQ(block_card(*card, p, false), "9000");
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "6283");
}

// ---- PINs ----

TEST(Pins, ChangePinChecksTheOldPinLikeVerify) {
  auto card = powered_card("cq-yuzhong-gen2");  // PIN 802416
  EXPECT_EQ(send(*card, "805E01000A123456FF654321"), "6700");  // Lc says 10, 7 bytes follow
  EXPECT_EQ(send(*card, "805E010007111111FF654321"), "63C5");
  EXPECT_EQ(card->pin_tries_left(), 5);
  EXPECT_EQ(send(*card, "805E010007802416FF654321"), "9000");
  EXPECT_EQ(card->pin_tries_left(), 6);
  EXPECT_EQ(send(*card, "0020000003802416"), "63C5");
  EXPECT_EQ(send(*card, "0020000003654321"), "9000");
  // Odd digit counts and longer PINs.
  EXPECT_EQ(send(*card, "805E010007654321FF12345F"), "9000");
  EXPECT_EQ(send(*card, "002000000312345F"), "9000");
  EXPECT_EQ(send(*card, "805E01000A12345FFF123456789012"), "9000");
  EXPECT_EQ(send(*card, "0020000006123456789012"), "9000");
}

TEST(Pins, MalformedChangePinCostsNoTry) {
  auto card = powered_card("cq-yuzhong-gen2");
  for (const char* cmd : {"805E010006802416654321", "805E010007802416FF6543A1", "805E010005802416FF12",
                          "805E01000B802416FF12345678901234", "805E010006802416FF12F4"}) {
    EXPECT_EQ(send(*card, cmd), "6A80") << cmd;
  }
  EXPECT_EQ(send(*card, "805E010004FF802416"), "6700");  // no old PIN
  EXPECT_EQ(send(*card, "805E020007802416FF654321"), "6A86");
  EXPECT_EQ(send(*card, "805E010107802416FF654321"), "6A86");
  EXPECT_EQ(card->pin_tries_left(), 6);
}

TEST(Pins, ChangePinOnABlockedPinGets6983AcrossPowerCycles) {
  auto card = powered_card("cq-yuzhong-gen2");
  for (int left = 5; left >= 0; --left) {
    EXPECT_EQ(send(*card, "805E010007111111FF654321"), "63C" + std::to_string(left));
    card->power_off();
    card->power_on();
  }
  EXPECT_EQ(send(*card, "805E010007802416FF654321"), "6983");
  EXPECT_EQ(send(*card, "0020000003802416"), "6983");
}

TEST(Pins, ReloadAndUnblockRejectMalformedCommands) {
  auto card = powered_card("cq-yuzhong-gen2");
  EXPECT_EQ(send(*card, "805E00000401020304"), "6700");                // no PIN before the MAC
  EXPECT_EQ(send(*card, "805E00000B1234567890123401020304"), "6700");  // 14 digits
  EXPECT_EQ(send(*card, "8424000005010203040506"), "6700");
  EXPECT_EQ(send(*card, "842400010401020304"), "6A86");
  // A well-formed command needs R4: 69 85 without one.
  EXPECT_EQ(send(*card, "842400000401020304"), "6985");
  EXPECT_EQ(send(*card, "805E00000765432101020304"), "6985");
}

TEST(Pins, APowerCutAnywhereInChangePinLeavesTheOldOrTheNewPin) {
  // Try every point: cut after n page writes, for n = 0 until the command completes.
  bool completed = false;
  for (std::size_t n = 0; n < 64 && !completed; ++n) {
    {
      auto card = powered_card("cq-yuzhong-gen2");
      ASSERT_NE(card, nullptr);
      card->eeprom().cut_power_after_page_writes(n);
      const std::string r = send(*card, "805E010007802416FF654321");
      card->eeprom().cancel_power_cut();
      if (r == "9000") completed = true;
      else EXPECT_EQ(r, "") << "cut after " << n;
      card->power_on();
      const bool old_works = send(*card, "0020000003802416") == "9000";
      card->power_off();
      card->power_on();
      const bool new_works = send(*card, "0020000003654321") == "9000";
      EXPECT_TRUE(old_works != new_works) << "cut after " << n << ": old " << old_works << " new " << new_works;
      if (completed) {
        EXPECT_TRUE(new_works);
      }
    }
  }
  EXPECT_TRUE(completed);
}

TEST(Pins, APowerCutAnywhereInPinReloadLeavesTheOldOrTheNewPin) {
  const SecurityVector& prk = vec("cq-yuzhong-gen2.mac.prk.reload");
  bool completed = false;
  for (std::size_t n = 0; n < 64 && !completed; ++n) {
    auto card = powered_card("cq-yuzhong-gen2");
    force_challenge(*card, r4_of(prk));
    ASSERT_EQ(send(*card, "0084000004"), r4_of(prk) + "9000");
    card->eeprom().cut_power_after_page_writes(n);
    const std::string r = send(*card, "805E000007654321" + prk.expected);
    card->eeprom().cancel_power_cut();
    if (r == "9000") completed = true;
    else EXPECT_EQ(r, "") << "cut after " << n;
    card->power_on();
    const bool old_works = send(*card, "0020000003802416") == "9000";
    card->power_off();
    card->power_on();
    const bool new_works = send(*card, "0020000003654321") == "9000";
    EXPECT_TRUE(old_works != new_works) << "cut after " << n;
  }
  EXPECT_TRUE(completed);
}

TEST(Pins, CountersPersistAcrossPowerCyclesAndAPinUnblockRestoresThem) {
  const SecurityVector& puk = vec("sc-chengdu-gen2.mac.puk.8424000004");
  auto card = powered_card("sc-chengdu-gen2");  // T=1, PIN 246810
  EXPECT_EQ(send(*card, "0020000003111111"), "63C5");
  card->power_off();
  card->power_on();
  EXPECT_EQ(send(*card, "805E010007111111FF654321"), "63C4");
  card->power_off();
  card->power_on();
  EXPECT_EQ(send(*card, "00200000"), "63C4");
  EXPECT_EQ(with_mac(*card, r4_of(puk), "8424000004", puk.expected), "9000");
  EXPECT_EQ(send(*card, "00200000"), "63C6");
  card->power_off();
  card->power_on();
  EXPECT_EQ(send(*card, "00200000"), "63C6");
  EXPECT_EQ(send(*card, "0020000003246810"), "9000");
}

}  // namespace
}  // namespace sscard::sim

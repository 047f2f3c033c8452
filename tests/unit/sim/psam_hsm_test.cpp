// The simulated PSAM and HSM against the worked examples of tests/data/security/vectors.txt, the PSAM
// profiles of cards/psam, cross-province key availability, and whole flows card <-> PSAM / HSM.
#include <gtest/gtest.h>

#include <cstring>

#include "security_test_util.h"
#include "sscard/sim/hsm.h"

namespace sscard::sim {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace)

constexpr const char* kSelectTdes = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
constexpr const char* kSelectSm4 = "00A404000F7378332E73682EC9E7BBE1B1A3D5CF";

std::unique_ptr<CardOs> powered_psam(const std::string& name) {
  auto psam = make_psam_card_os(psam_profile(name));
  EXPECT_NE(psam, nullptr);
  if (psam) psam->power_on();
  return psam;
}

const char* select_environment(const HolderProfile& p) { return p.algorithm_id == 0x03 ? kSelectSm4 : kSelectTdes; }

// DIVERSIFY for `card` with usage P1/P2 and optional process factor; the PSAM's status word.
std::string diversify(CardOs& psam, const HolderProfile& card, const std::string& p1p2, const std::string& pf = "") {
  const std::string data = city_factor_hex(card) + card_factor_hex(card) + pf;
  const std::string lc = pf.empty() ? "10" : "18";
  return send(psam, "801A" + p1p2 + lc + data);
}

class VectorPsam : public ::testing::TestWithParam<std::string> {
 protected:
  std::string name() const { return GetParam(); }
  const SecurityVector& v(const std::string& what) const { return vec(name() + "." + what); }
};

INSTANTIATE_TEST_SUITE_P(Cards, VectorPsam, ::testing::ValuesIn(vector_card_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return test_case_name(param_info.param); });

TEST_P(VectorPsam, InternalAuthenticationResultEqualsTheVector) {
  const HolderProfile p = holder(name());
  auto psam = powered_psam(home_psam(p));
  ASSERT_EQ(round_trip(*psam, select_environment(p)).substr(0, 2), "6F");
  const SecurityVector& ia = v("internal_auth");
  ASSERT_EQ(diversify(*psam, p, "0100", ia.inputs.at("pf")), "9000");
  EXPECT_EQ(round_trip(*psam, "80FA000008" + ia.inputs.at("d") + "08"), ia.expected + "9000");
}

TEST_P(VectorPsam, ExternalAuthenticationCryptogramsEqualTheVectors) {
  const HolderProfile p = holder(name());
  auto psam = powered_psam(home_psam(p));
  ASSERT_EQ(round_trip(*psam, select_environment(p)).substr(0, 2), "6F");
  for (const auto& [cls, p1p2] : {std::pair{"rkssse", "020A"}, std::pair{"eak04", "0204"}}) {
    const SecurityVector& ea = v(std::string("external_auth.") + cls);
    ASSERT_EQ(diversify(*psam, p, p1p2), "9000");
    EXPECT_EQ(round_trip(*psam, "80FA000008" + ea.inputs.at("challenge") + "08"), ea.expected + "9000") << cls;
  }
}

TEST_P(VectorPsam, MacsEqualTheVectors) {
  const HolderProfile p = holder(name());
  auto psam = powered_psam(home_psam(p));
  ASSERT_EQ(round_trip(*psam, select_environment(p)).substr(0, 2), "6F");
  for (const auto& [which, p1p2] : {std::pair{"mac.stk.841E000004", "0300"}, std::pair{"mac.stk.8418000004", "0300"},
                                    std::pair{"mac.puk.8424000004", "0400"}, std::pair{"mac.prk.reload", "0500"}}) {
    const SecurityVector& m = v(which);
    ASSERT_EQ(diversify(*psam, p, p1p2), "9000");
    const std::string data = m.inputs.at("iv") + m.inputs.at("message");
    EXPECT_EQ(round_trip(*psam, "80FA0500" + to_hex(Bytes{static_cast<std::uint8_t>(data.size() / 2)}) + data + "04"),
              m.expected + "9000")
        << which;
  }
}

TEST(Psam, EveryPsamProfileLoadsWithItsKeys) {
  const std::pair<const char*, std::size_t> expected[] = {
      {"cq-kiosk", 2 * 9}, {"sc-kiosk", 2 * 9}, {"sc-kiosk-local", 2 * 7}, {"cq-kiosk-no-rkssse", 2 * 6},
      {"cq-counter-3des-only", 7}};
  for (const auto& [name, keys] : expected) {
    const PsamProfile p = psam_profile(name);
    EXPECT_EQ(p.keys.size(), keys) << name;
    EXPECT_EQ(p.protocol, CardProtocol::kT0) << name;
    EXPECT_NE(make_psam_card(p), nullptr) << name;
  }
  const PsamProfile cq = psam_profile("cq-kiosk");
  EXPECT_EQ(cq.terminal_number, "500152000101");
  EXPECT_TRUE(cq.holds(crypto::Cipher::kSm4, "510000", KeyClass::kIrk));
  EXPECT_TRUE(cq.holds(crypto::Cipher::kTdes, "510000", KeyClass::kRkssse));
  EXPECT_FALSE(cq.holds(crypto::Cipher::kSm4, "510000", KeyClass::kStk));
  EXPECT_FALSE(cq.holds(crypto::Cipher::kSm4, "510000", KeyClass::kEak04));
  EXPECT_FALSE(psam_profile("cq-kiosk-no-rkssse").holds(crypto::Cipher::kSm4, "500000", KeyClass::kRkssse));
  EXPECT_FALSE(psam_profile("cq-counter-3des-only").sm4_environment);
}

TEST(Psam, ProvinceKeysAreTheVectorsProvinceKeys) {
  const PsamProfile sc = psam_profile("sc-kiosk");
  for (const PsamProvinceKey& k : sc.keys) {
    if (k.province != "510000") continue;
    const std::string card = k.cipher == crypto::Cipher::kSm4 ? "sc-suining-gen3" : "sc-chengdu-gen2";
    EXPECT_EQ(to_hex(k.key), vec(card + "." + std::string(key_class_name(k.key_class)) + ".province").expected);
  }
}

TEST(Psam, TerminalNumberAndSerialReadBySfi) {
  auto psam = powered_psam("cq-kiosk");
  EXPECT_EQ(send(*psam, "00B0960006"), "5001520001019000");
  EXPECT_EQ(send(*psam, "00B095000A"), "500152000101000000019000");
  EXPECT_EQ(send(*psam, "00B0960008"), "6C06");
  auto sc = powered_psam("sc-kiosk");
  EXPECT_EQ(send(*sc, "00B0960006"), "5109000001019000");
}

TEST(Psam, EnvironmentsSelectByNameAndByAid) {
  auto psam = powered_psam("cq-kiosk");
  EXPECT_EQ(round_trip(*psam, kSelectTdes), "6F11840F7378312E73682EC9E7BBE1B1A3D5CF9000");
  EXPECT_EQ(round_trip(*psam, kSelectSm4), "6F11840F7378332E73682EC9E7BBE1B1A3D5CF9000");
  EXPECT_EQ(round_trip(*psam, "00A4040006D15600000590"), "6F088406D156000005909000");
  // DF01 belongs to the 3DES environment: a 3DES card's IRK diversifies there.
  EXPECT_EQ(diversify(*psam, holder("cq-yuzhong-gen2"), "0100", "0102030405060708"), "9000");
  auto counter = powered_psam("cq-counter-3des-only");
  EXPECT_EQ(send(*counter, kSelectSm4), "6A82");
  EXPECT_EQ(send(*counter, kSelectTdes), "6113");
}

TEST(Psam, ChuanYuKioskCarriesTheOtherProvincesReadKeysOnly) {
  const HolderProfile sichuan = holder("sc-suining-gen3");
  auto psam = powered_psam("cq-kiosk");
  ASSERT_EQ(round_trip(*psam, kSelectSm4).substr(0, 2), "6F");
  EXPECT_EQ(diversify(*psam, sichuan, "0100", "0102030405060708"), "9000");
  EXPECT_EQ(diversify(*psam, sichuan, "020A"), "9000");
  for (const char* p1p2 : {"0204", "020D", "0300", "0400", "0500"}) {
    EXPECT_EQ(diversify(*psam, sichuan, p1p2), "6A88") << p1p2;
  }
}

TEST(Psam, LocalPsamCannotAuthenticateAChongqingCard) {
  auto psam = powered_psam("sc-kiosk-local");
  for (const char* name : {"cq-tongnan-gen3", "cq-yuzhong-gen2"}) {
    const HolderProfile p = holder(name);
    ASSERT_EQ(round_trip(*psam, select_environment(p)).substr(0, 2), "6F");
    EXPECT_EQ(diversify(*psam, p, "0100", "0102030405060708"), "6A88") << name;
    EXPECT_EQ(diversify(*psam, holder("sc-chengdu-gen2"), "0100", "0102030405060708"), "9000");
  }
}

TEST(Psam, NoRksssePsamHasEverythingElse) {
  const HolderProfile p = holder("cq-tongnan-gen3");
  auto psam = powered_psam("cq-kiosk-no-rkssse");
  ASSERT_EQ(round_trip(*psam, kSelectSm4).substr(0, 2), "6F");
  EXPECT_EQ(diversify(*psam, p, "020A"), "6A88");
  for (const char* p1p2 : {"0204", "020D", "0300", "0400", "0500"}) EXPECT_EQ(diversify(*psam, p, p1p2), "9000") << p1p2;
}

TEST(Psam, CommandErrors) {
  const HolderProfile p = holder("cq-yuzhong-gen2");
  auto psam = powered_psam("cq-kiosk");
  EXPECT_EQ(diversify(*psam, p, "0100"), "6985");  // no environment selected yet
  ASSERT_EQ(round_trip(*psam, kSelectTdes).substr(0, 2), "6F");
  EXPECT_EQ(send(*psam, "80FA0000080102030405060708"), "6985");  // COMPUTE before DIVERSIFY
  for (const char* p1p2 : {"0001", "0101", "0200", "0205", "0301", "0600"}) EXPECT_EQ(diversify(*psam, p, p1p2), "6A86") << p1p2;
  EXPECT_EQ(send(*psam, "801A0100083530303130337378"), "6700");
  EXPECT_EQ(send(*psam, "801A010010" "4130303130337378" "8697159900BF7C7A"), "6A80");
  EXPECT_EQ(send(*psam, "001A010010" "3530303130337378" "8697159900BF7C7A"), "6E00");
  ASSERT_EQ(diversify(*psam, p, "0100"), "9000");
  EXPECT_EQ(send(*psam, "80FA0100080102030405060708"), "6A86");
  EXPECT_EQ(send(*psam, "80FA000007010203040506"), "6700");
  EXPECT_EQ(send(*psam, "80FA050008010203040506070808"), "6985");  // an IRK does not make MACs
  ASSERT_EQ(diversify(*psam, p, "0300"), "9000");
  EXPECT_EQ(send(*psam, "80FA0000080102030405060708"), "6985");  // an STK does not encrypt
  EXPECT_EQ(send(*psam, "80FA050007010203040506070804"), "6700");  // shorter than the IV
  // A failed DIVERSIFY leaves no key behind; so does another environment and a power cycle.
  ASSERT_EQ(diversify(*psam, p, "0100"), "9000");
  EXPECT_EQ(diversify(*psam, p, "0600"), "6A86");
  EXPECT_EQ(send(*psam, "80FA0000080102030405060708"), "6985");
  ASSERT_EQ(diversify(*psam, p, "0100"), "9000");
  ASSERT_EQ(round_trip(*psam, kSelectSm4).substr(0, 2), "6F");
  EXPECT_EQ(send(*psam, "80FA0000080102030405060708"), "6985");
  ASSERT_EQ(round_trip(*psam, kSelectTdes).substr(0, 2), "6F");
  ASSERT_EQ(diversify(*psam, p, "0100"), "9000");
  psam->power_off();
  psam->power_on();
  ASSERT_EQ(round_trip(*psam, kSelectTdes).substr(0, 2), "6F");
  EXPECT_EQ(send(*psam, "80FA0000080102030405060708"), "6985");
}

TEST(Psam, BadPsamProfilesNameTheField) {
  std::ifstream in(kCardsDir / "psam/cq-kiosk.json");
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const struct {
    const char* from;
    const char* to;
    const char* field;
  } cases[] = {
      {"\"kind\": \"psam\"", "\"kind\": \"ssc\"", "kind"},
      {"\"serial\": \"50015200010100000001\"", "\"serial\": \"500152000101\"", "serial"},
      {"\"terminal_number\": \"500152000101\"", "\"terminal_number\": \"50015200010\"", "terminal_number"},
      {"\"root_keys\": \"../keys/test-root-keys.json\"", "\"root_keys\": \"../keys/none.json\"", "root_keys"},
      {"\"3des\",", "\"des\",", "environments"},
      {"\"3des\",", "\"sm4\",", "environments"},
      {"\"province\": \"510000\"", "\"province\": \"510100\"", "key_sets[1].province"},
      {"\"province\": \"510000\"", "\"province\": \"500000\"", "key_sets[1].province"},
      {"\"rkssse\"\n      ]\n    }\n  ]", "\"rksse\"\n      ]\n    }\n  ]", "key_sets[1].classes[1]"},
      {"\"atr\": \"3B6A00008650534D500152000101\"", "\"atr\": \"3B6A0000\"", "atr"},
      {"\"description\"", "\"descriptio\"", "description"},
  };
  for (const auto& c : cases) {
    std::string text = good;
    const std::size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, std::strlen(c.from), c.to);
    auto loaded = parse_psam_profile(text, (kCardsDir / "psam/x.json").string());
    ASSERT_FALSE(loaded.ok()) << c.to;
    EXPECT_EQ(loaded.error().field, c.field) << loaded.error().to_string();
    EXPECT_EQ(loaded.error().file, (kCardsDir / "psam/x.json").string());
  }
  auto missing = load_psam_profile(kCardsDir / "psam/none.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "cannot be opened: No such file or directory");
  // A holder profile is not a PSAM profile, and the other way round.
  EXPECT_FALSE(load_psam_profile(kCardsDir / "cq-yuzhong-gen2.json").ok());
  EXPECT_FALSE(load_profile(kCardsDir / "psam/cq-kiosk.json").ok());
}

TEST(Psam, EveryPrefixOfAPsamProfileIsRejectedWithoutOverreading) {
  std::ifstream in(kCardsDir / "psam/sc-kiosk.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t n = 0; n < text.size(); ++n) {
    std::unique_ptr<char[]> buffer(new char[n == 0 ? 1 : n]);
    std::copy_n(text.data(), n, buffer.get());
    auto loaded = parse_psam_profile(std::string_view(buffer.get(), n), (kCardsDir / "psam/sc-kiosk.json").string());
    const bool complete = text.find_first_not_of(" \n\r\t", n) == std::string::npos;
    EXPECT_EQ(loaded.ok(), complete) << n;
  }
}

// ---- Whole flows: the card and the PSAM in turn, with random PF, D and challenges ----

class Flow : public ::testing::TestWithParam<std::string> {};

std::vector<std::string> all_holder_names() {
  std::vector<std::string> out;
  for (const auto& path : holder_profiles(kCardsDir)) out.push_back(path.stem().string());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cards, Flow, ::testing::ValuesIn(all_holder_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return test_case_name(param_info.param); });

TEST_P(Flow, InternalAuthenticationThroughThePsamAgrees) {
  const HolderProfile p = holder(GetParam());
  auto card = powered_card(GetParam());
  auto psam = powered_psam(home_psam(p));
  ASSERT_EQ(round_trip(*psam, select_environment(p)).substr(0, 2), "6F");
  for (const char* pf_d : {"1122334455667788" "0102030405060708", "F0E1D2C3B4A59687" "FFFFFFFFFFFFFFFF"}) {
    const std::string pf(pf_d, 16), d(pf_d + 16, 16);
    const std::string r = round_trip(*card, "0088000010" + pf + d + "08");
    ASSERT_EQ(r.size(), 20u);
    ASSERT_EQ(diversify(*psam, p, "0100", pf), "9000");
    EXPECT_EQ(round_trip(*psam, "80FA000008" + d + "08"), r);
  }
}

TEST_P(Flow, ExternalAuthenticationAndBlockThroughThePsam) {
  const HolderProfile p = holder(GetParam());
  auto card = powered_card(GetParam());
  auto psam = powered_psam(home_psam(p));
  ASSERT_EQ(round_trip(*psam, select_environment(p)).substr(0, 2), "6F");
  ASSERT_EQ(round_trip(*card, kSelectSsseNoFci), "9000");
  const std::string c = send(*card, "0084000008").substr(0, 16);
  ASSERT_EQ(diversify(*psam, p, "020A"), "9000");
  const std::string a = round_trip(*psam, "80FA000008" + c + "08").substr(0, 16);
  const bool sm4 = p.algorithm_id == 0x03;
  EXPECT_EQ(send(*card, std::string("0082000A") + (sm4 ? "11" : "10") + a + c + (sm4 ? "01" : "")), "9000");
  // Now a MAC: block the application with a MAC the PSAM computes over the card's R4.
  const std::string r4 = send(*card, "0084000004").substr(0, 8);
  ASSERT_EQ(diversify(*psam, p, "0300"), "9000");
  const std::string iv = r4 + std::string(sm4 ? 24 : 8, '0');
  const std::string data = iv + "841E000004";
  const std::string mac = round_trip(*psam, "80FA0500" + to_hex(Bytes{static_cast<std::uint8_t>(data.size() / 2)}) + data + "04");
  ASSERT_EQ(mac.size(), 12u);
  EXPECT_EQ(send(*card, "841E000004" + mac.substr(0, 8)), "9000");
  EXPECT_EQ(send(*card, kSelectSsseNoFci), "6283");
}

// ---- HSM ----

std::string step1_line(const std::string& name, const std::string& pf, const std::string& d, const std::string& c) {
  const HolderProfile p = holder(name);
  return p.issuer.region + "|" + to_hex(p.historical_bytes()) + "|" + to_hex(Bytes{p.algorithm_id}) + "|" +
         to_hex(p.card_identification_code()) + "|" + pf + "|" + d + "|" + card_factor_hex(p) + "|" + c + "|" +
         "50015200010100000001|";
}

SoftwareHsm national_hsm() {
  auto hsm = SoftwareHsm::load(kCardsDir / "keys/test-root-keys.json", {"500000", "510000"});
  EXPECT_TRUE(hsm.ok());
  return std::move(hsm.value());
}

TEST_P(VectorPsam, HsmAnswersTheVectors) {
  SoftwareHsm hsm = national_hsm();
  const SecurityVector& ia = v("internal_auth");
  const SecurityVector& ea = v("external_auth.rkssse");
  auto answer = hsm.answer_step1(step1_line(name(), ia.inputs.at("pf"), ia.inputs.at("d"), ea.inputs.at("challenge")));
  ASSERT_TRUE(answer.ok()) << answer.status().name();
  EXPECT_EQ(*answer, ia.expected + "|" + ea.expected + "|");
}

TEST(Hsm, AnswerOpensTheCard) {
  SoftwareHsm hsm = national_hsm();
  for (const char* name : {"sc-suining-gen3", "cq-tongnan-gen3"}) {
    auto card = powered_card(name);
    ASSERT_EQ(round_trip(*card, kSelectSsseNoFci), "9000");
    const std::string pf = "0011223344556677", d = "8899AABBCCDDEEFF";
    const std::string r = round_trip(*card, "0088000010" + pf + d + "08").substr(0, 16);
    const std::string c = send(*card, "0084000008").substr(0, 16);
    auto answer = hsm.answer_step1(step1_line(name, pf, d, c) + "\r\n");
    ASSERT_TRUE(answer.ok());
    EXPECT_EQ(answer->substr(0, 17), r + "|");
    EXPECT_EQ(send(*card, "0082000A11" + answer->substr(17, 16) + c + "01"), "9000");
    EXPECT_EQ(send(*card, "00B2083000").substr(0, 4), "0812");
  }
}

TEST(Hsm, AProvinceItDoesNotServeIsASecurityError) {
  auto hsm = SoftwareHsm::load(kCardsDir / "keys/test-root-keys.json", {"510000"});
  ASSERT_TRUE(hsm.ok());
  const std::string pf = "0011223344556677";
  EXPECT_EQ(hsm.value().answer_step1(step1_line("cq-tongnan-gen3", pf, pf, pf)).status().code(), Error::kSecurity);
  EXPECT_TRUE(hsm.value().answer_step1(step1_line("sc-suining-gen3", pf, pf, pf)).ok());
  EXPECT_EQ(hsm.value().provinces(), std::vector<std::string>{"510000"});
}

TEST(Hsm, MalformedLinesAreTypedErrors) {
  SoftwareHsm hsm = national_hsm();
  const std::string pf = "0011223344556677";
  const std::string good = step1_line("sc-suining-gen3", pf, pf, pf);
  ASSERT_TRUE(hsm.answer_step1(good).ok());
  auto replace_field = [&](std::size_t index, const std::string& value) {
    std::string out;
    std::size_t field = 0, start = 0;
    for (std::size_t bar; (bar = good.find('|', start)) != std::string::npos; start = bar + 1, ++field) {
      out += (field == index ? value : good.substr(start, bar - start)) + "|";
    }
    return out;
  };
  const std::string bad[] = {
      "",
      "|",
      good.substr(0, good.size() - 1),                  // last '|' missing
      good + "extra|",                                  // ten fields
      replace_field(0, "51090"),                        // region of 5 digits
      replace_field(0, "510100"),                       // region not that of 卡识别码
      replace_field(1, "00904A30"),                     // too few historical bytes
      replace_field(2, "0"),                            // algorithm of one digit
      replace_field(3, "510900D156000005"),             // short 卡识别码
      replace_field(4, "00112233445566"),               // short PF
      replace_field(5, "GG11223344556677"),             // not hex
      replace_field(6, "0000000000000000"),             // card factor not the historical bytes'
      replace_field(7, "001122334455667788"),           // long challenge
      good + "\n\n",
  };
  for (const std::string& line : bad) {
    EXPECT_EQ(hsm.answer_step1(line).status().code(), Error::kMalformed) << line;
  }
  EXPECT_EQ(hsm.answer_step1(replace_field(2, "02")).status().code(), Error::kUnsupported);
  // Lower-case hex is read too.
  std::string lower = good;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(*hsm.answer_step1(lower), *hsm.answer_step1(good));
}

TEST(Hsm, EveryPrefixOfAStep1LineIsRejectedWithoutOverreading) {
  SoftwareHsm hsm = national_hsm();
  const std::string pf = "0011223344556677";
  const std::string line = step1_line("cq-yuzhong-gen2", pf, pf, pf);
  for (std::size_t n = 0; n < line.size(); ++n) {
    std::unique_ptr<char[]> buffer(new char[n == 0 ? 1 : n]);
    std::copy_n(line.data(), n, buffer.get());
    EXPECT_FALSE(hsm.answer_step1(std::string_view(buffer.get(), n)).ok()) << n;
  }
}

TEST(Hsm, BadConstructionIsAnError) {
  auto bad_province = SoftwareHsm::load(kCardsDir / "keys/test-root-keys.json", {"500000", "510100"});
  ASSERT_FALSE(bad_province.ok());
  EXPECT_EQ(bad_province.error().field, "provinces[1]");
  auto no_file = SoftwareHsm::load(kCardsDir / "keys/none.json", {"500000"});
  ASSERT_FALSE(no_file.ok());
  EXPECT_EQ(no_file.error().message, "cannot be opened: No such file or directory");
  auto roots = load_root_keys(kCardsDir / "keys/test-root-keys.json");
  ASSERT_TRUE(roots.ok());
  EXPECT_EQ(SoftwareHsm::create(roots.value(), {"500000"}, nullptr).status().code(), Error::kInvalidArgument);
}

}  // namespace
}  // namespace sscard::sim

// Conformance of the simulated cards to docs/SECURITY.md, written against hal::Slot and run on every
// registered card backend; the PSAM and HSM that compute the terminal's side run in this process.
#include <gtest/gtest.h>

#include <cctype>

#include "card_backends.h"
#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"
#include "sscard/sim/hsm.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/psam_profile.h"

namespace sscard::test {
namespace {

const std::filesystem::path kCards = SSCARD_CARDS_DIR;
constexpr const char* kSelectSsseNoFci = "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF";

Bytes hex(std::string_view text) {
  auto b = from_hex(text);
  if (!b.ok()) ADD_FAILURE() << "bad hex: " << text;
  return b.ok() ? *b : Bytes{};
}

std::string send_to(sim::Card& card, const std::string& command) {
  std::string r = to_hex(card.process(hex(command)));
  if (r.size() == 4 && r.starts_with("61")) r = to_hex(card.process(hex("00C00000" + r.substr(2))));
  return r;
}

// A holder card in a backend, and its home PSAM in this process with the environment of the card selected.
class Terminal {
 public:
  Terminal(const std::string& backend, const std::string& card, const std::string& psam_name_or_empty = "")
      : backend_(make_card_backend(backend)) {
    auto loaded = sim::load_profile(kCards / (card + ".json"));
    if (!loaded.ok()) throw std::runtime_error(loaded.error().to_string());
    profile_ = loaded.value();
    slot_ = &backend_->insert(kCards / (card + ".json"));
    std::uint8_t atr[hal::kMaxAtrSize];
    EXPECT_TRUE(slot_->power_up(atr).ok());
    const std::string psam_name = psam_name_or_empty.empty() ? (profile_.issuer.region.starts_with("50") ? "cq-kiosk" : "sc-kiosk") : psam_name_or_empty;
    auto p = sim::load_psam_profile(kCards / "psam" / (psam_name + ".json"));
    if (!p.ok()) throw std::runtime_error(p.error().to_string());
    psam_ = sim::make_psam_card(p.value());
    psam_->power_on();
    const std::string env = sm4() ? "00A404000F7378332E73682EC9E7BBE1B1A3D5CF" : "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
    EXPECT_EQ(this->psam(env).substr(0, 2), "6F");
  }

  bool sm4() const { return profile_.algorithm_id == 0x03; }
  const sim::HolderProfile& profile() const { return profile_; }

  std::string card(const std::string& command) {
    std::uint8_t response[apdu::kMaxShortResponseSize];
    const Bytes c = hex(command);
    auto n = slot_->transmit(c, response);
    if (!n.ok()) return std::string("error: ") + std::string(n.status().name());
    std::string r = to_hex(ByteSpan(response, *n));
    return r;
  }
  void power_cycle() {
    EXPECT_TRUE(slot_->power_down().ok());
    std::uint8_t atr[hal::kMaxAtrSize];
    EXPECT_TRUE(slot_->power_up(atr).ok());
  }
  std::string psam(const std::string& command) { return send_to(*psam_, command); }

  std::string factors() const {
    const Bytes h = profile_.historical_bytes();
    return to_hex(ByteSpan(reinterpret_cast<const std::uint8_t*>(profile_.issuer.region.data()), 6)) + "7378" +
           to_hex(ByteSpan(h).last(8));
  }
  // The cryptogram of key `kid` (P1P2 of DIVERSIFY) for a challenge.
  std::string cryptogram(const std::string& p1p2, const std::string& c) {
    EXPECT_EQ(psam("801A" + p1p2 + "10" + factors()), "9000");
    return psam("80FA000008" + c + "08").substr(0, 16);
  }
  std::string mac(const std::string& p1p2, const std::string& r4, const std::string& message) {
    EXPECT_EQ(psam("801A" + p1p2 + "10" + factors()), "9000");
    const std::string data = r4 + std::string(sm4() ? 24 : 8, '0') + message;
    const std::uint8_t lc = static_cast<std::uint8_t>(data.size() / 2);
    return psam("80FA0500" + to_hex(ByteSpan(&lc, 1)) + data + "04").substr(0, 8);
  }
  std::string challenge(std::size_t n) {
    const std::uint8_t le = static_cast<std::uint8_t>(n);
    return card("00840000" + to_hex(ByteSpan(&le, 1))).substr(0, 2 * n);
  }
  std::string external_auth(const std::string& kid, const std::string& a, const std::string& c) {
    return card("008200" + kid + (sm4() ? "11" : "10") + a + c + (sm4() ? "01" : ""));
  }

 private:
  std::unique_ptr<CardBackend> backend_;
  hal::Slot* slot_ = nullptr;
  sim::HolderProfile profile_;
  std::unique_ptr<sim::Card> psam_;
};

std::string test_name(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

class SecurityConformance : public ::testing::TestWithParam<std::string> {};

const char* const kHolders[] = {"cq-tongnan-gen3", "cq-yuzhong-gen2", "sc-suining-gen3", "sc-chengdu-gen2",
                                "sc-mianyang-gen1", "sc-liangshan-longname-gen2"};

TEST_P(SecurityConformance, InternalAuthenticationAgreesWithThePsamOnEveryCard) {
  for (const char* name : kHolders) {
    Terminal t(GetParam(), name);
    const std::string pf = "5CBB39D5FA2E2258", d = "4429BF2ED5F88B2E";
    std::string r = t.card("0088000010" + pf + d + "08");
    if (r == "6108") r = t.card("00C0000008");
    ASSERT_EQ(r.size(), 20u) << name;
    EXPECT_EQ(t.psam("801A010018" + t.factors() + pf), "9000");
    EXPECT_EQ(t.psam("80FA000008" + d + "08"), r) << name;
  }
}

TEST_P(SecurityConformance, RksssFromThePsamUnlocksThirdGenerationData) {
  for (const char* name : {"cq-tongnan-gen3", "sc-suining-gen3"}) {
    Terminal t(GetParam(), name);
    ASSERT_EQ(t.card(kSelectSsseNoFci), "9000");
    EXPECT_EQ(t.card("00B2083000"), "6982");
    const std::string c = t.challenge(8);
    EXPECT_EQ(t.external_auth("0A", t.cryptogram("020A", c), c), "9000") << name;
    EXPECT_EQ(t.card("00B2083000").substr(0, 4), "0812") << name;
    t.power_cycle();
    ASSERT_EQ(t.card(kSelectSsseNoFci), "9000");
    EXPECT_EQ(t.card("00B2083000"), "6982");
  }
}

TEST_P(SecurityConformance, WrongCryptogramAndReusedChallenge) {
  Terminal t(GetParam(), "sc-chengdu-gen2");
  const std::string c = t.challenge(8);
  std::string a = t.cryptogram("020A", c);
  const std::string good = a;
  a[0] = a[0] == '0' ? '1' : '0';
  EXPECT_EQ(t.external_auth("0A", a, c), "6300");
  EXPECT_EQ(t.external_auth("0A", good, c), "6985");
  EXPECT_EQ(t.external_auth("0B", good, c), "6A88");
}

TEST_P(SecurityConformance, ASichuanLocalPsamCannotAuthenticateAChongqingCard) {
  {
    // One terminal at a time: a backend has one reader.
    Terminal t(GetParam(), "cq-tongnan-gen3", "sc-kiosk-local");
    EXPECT_EQ(t.psam("801A010018" + t.factors() + "0102030405060708"), "6A88");
  }
  Terminal chuan_yu(GetParam(), "cq-tongnan-gen3", "sc-kiosk");
  EXPECT_EQ(chuan_yu.psam("801A010018" + chuan_yu.factors() + "0102030405060708"), "9000");
  EXPECT_EQ(chuan_yu.psam("801A030010" + chuan_yu.factors()), "6A88");  // no write keys of the other province
}

TEST_P(SecurityConformance, BlockAndUnblockWithPsamMacs) {
  Terminal t(GetParam(), "cq-yuzhong-gen2");
  ASSERT_EQ(t.card(kSelectSsseNoFci), "9000");
  std::string r4 = t.challenge(4);
  std::string mac = t.mac("0300", r4, "841E000004");
  std::string bad = mac;
  bad[7] = bad[7] == 'A' ? 'B' : 'A';
  EXPECT_EQ(t.card("841E000004" + bad), "6988");
  r4 = t.challenge(4);
  EXPECT_EQ(t.card("841E000004" + t.mac("0300", r4, "841E000004")), "9000");
  EXPECT_EQ(t.card(kSelectSsseNoFci), "6283");
  EXPECT_EQ(t.card("00B2012C00"), "6985");
  t.power_cycle();
  EXPECT_EQ(t.card(kSelectSsseNoFci), "6283");
  r4 = t.challenge(4);
  EXPECT_EQ(t.card("8418000004" + t.mac("0300", r4, "8418000004")), "9000");
  EXPECT_EQ(t.card(kSelectSsseNoFci), "9000");
}

TEST_P(SecurityConformance, ChangeReloadAndUnblockPin) {
  Terminal t(GetParam(), "sc-chengdu-gen2");  // PIN 246810
  EXPECT_EQ(t.card("805E010007111111FF135246"), "63C5");
  EXPECT_EQ(t.card("805E010007246810FF135246"), "9000");
  t.power_cycle();
  EXPECT_EQ(t.card("0020000003246810"), "63C5");
  EXPECT_EQ(t.card("0020000003135246"), "9000");
  for (int i = 0; i < 6; ++i) t.card("0020000003000000");
  EXPECT_EQ(t.card("0020000003135246"), "6983");
  std::string r4 = t.challenge(4);
  EXPECT_EQ(t.card("8424000004" + t.mac("0400", r4, "8424000004")), "9000");
  EXPECT_EQ(t.card("0020000003135246"), "9000");
  r4 = t.challenge(4);
  EXPECT_EQ(t.card("805E000007778899" + t.mac("0500", r4, "805E000007778899")), "9000");
  t.power_cycle();
  EXPECT_EQ(t.card("0020000003778899"), "9000");
}

TEST_P(SecurityConformance, HsmAnswerOpensAThirdGenerationCard) {
  auto hsm = sim::SoftwareHsm::load(kCards / "keys/test-root-keys.json", {"500000"});
  ASSERT_TRUE(hsm.ok());
  Terminal t(GetParam(), "cq-tongnan-gen3");
  ASSERT_EQ(t.card(kSelectSsseNoFci), "9000");
  const std::string pf = "1765E75DB677F724", d = "D111288C9F933D5E";
  std::string r = t.card("0088000010" + pf + d + "08");
  if (r == "6108") r = t.card("00C0000008");
  const std::string c = t.challenge(8);
  const sim::HolderProfile& p = t.profile();
  const std::string line = p.issuer.region + "|" + to_hex(p.historical_bytes()) + "|03|" +
                           to_hex(p.card_identification_code()) + "|" + pf + "|" + d + "|" +
                           t.factors().substr(16) + "|" + c + "||";
  auto answer = hsm.value().answer_step1(line);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->substr(0, 16), r.substr(0, 16));
  EXPECT_EQ(t.external_auth("0A", answer->substr(17, 16), c), "9000");
  EXPECT_EQ(t.card("00B2083000").substr(0, 4), "0812");
}

INSTANTIATE_TEST_SUITE_P(Cards, SecurityConformance, ::testing::ValuesIn(card_backend_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return test_name(param_info.param); });

}  // namespace
}  // namespace sscard::test

// libsscard_iface through its C header, against simulated cards (cards/*.json), simulated PSAMs
// (cards/psam/*.json) and the simulated issuer HSM: the documented output lines and every error code the
// configuration can produce. Each test runs in its own process (ctest), so the library's state is fresh.
#include "sscard_iface.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sscard/core/gbk.h"
#include "sscard/sim/hsm.h"

namespace {

class IfaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Simulated cards keep their memory between runs: each test starts from the profiles in a folder of
    // its own.
    char state[] = "/tmp/sscard-iface-test-XXXXXX";
    ASSERT_NE(mkdtemp(state), nullptr);
    state_dir_ = state;
    setenv("XDG_STATE_HOME", state, 1);
    setenv("SSCARD_CARDS_DIR", SSCARD_CARDS_DIR, 1);
    setenv("SSCARD_IFACE_ENCODING", "UTF-8", 1);
    unsetenv("SSCARD_PINPAD");
    unsetenv("SSCARD_TRACE");
    unsetenv("SSCARD_DEVICE_NUMBER");
  }
  void card(const std::string& profile, const std::string& psam) {
    setenv("SSCARD_CARD", ("sim:" + profile).c_str(), 1);
    setenv("SSCARD_PSAM", psam.empty() ? "none" : ("sim:" + psam).c_str(), 1);
  }
  void pins(const std::string& list) { setenv("SSCARD_PINPAD", ("sim:" + list).c_str(), 1); }
  std::string text() const { return out_; }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(state_dir_, ec);
  }

  char out_[SSCARD_IFACE_OUT_SIZE] = {};
  std::string state_dir_;
};

TEST_F(IfaceTest, ReadsAThirdGenerationCardInPsamMode) {
  card("sc-suining-gen3", "sc-kiosk");
  ASSERT_EQ(iReadCardBas(1, out_), 0) << out_;
  EXPECT_STREQ(out_, "510900|510902195503020033|SN2401101|510900D1560000050000048A5D6E7F80|王德全|"
                     "00904A3001866033110000048A|3.00|20240110|20340110|510900000101|51090000010100000001|");
}

TEST_F(IfaceTest, ReadsASecondGenerationChongqingCardWithTheChongqingPsam) {
  card("cq-yuzhong-gen2", "cq-kiosk");
  ASSERT_EQ(iReadCardBas(3, out_), 0) << out_;
  EXPECT_EQ(text().rfind("500103|50010319620315422X|CQ1506011|500103D15600000500BF7C7A48FB4966|李秀英|", 0), 0u)
      << text();
}

TEST_F(IfaceTest, ChuanYuReadsTheOtherProvincesCard) {
  card("cq-tongnan-gen3", "sc-kiosk");
  ASSERT_EQ(iReadCardBas(1, out_), 0) << out_;
  EXPECT_EQ(text().substr(0, 7), "500152|");
}

TEST_F(IfaceTest, TheOutputIsGbkByDefault) {
  card("sc-suining-gen3", "sc-kiosk");
  unsetenv("SSCARD_IFACE_ENCODING");
  ASSERT_EQ(iReadCardBas(1, out_), 0) << out_;
  const std::string gbk_line = out_;
  auto utf8 = sscard::gbk::to_utf8(sscard::as_bytes(gbk_line));
  ASSERT_TRUE(utf8.ok());
  EXPECT_NE(utf8->find("|王德全|"), std::string::npos);
  EXPECT_NE(gbk_line.find("\xCD\xF5\xB5\xC2\xC8\xAB"), std::string::npos);
}

TEST_F(IfaceTest, APsamWithoutTheAgreementIsMinus21) {
  card("cq-tongnan-gen3", "sc-kiosk-local");
  EXPECT_EQ(iReadCardBas(1, out_), -21);
  EXPECT_STREQ(out_, "PSAM holds no keys for issuer 500000");
}

TEST_F(IfaceTest, APsamWithoutRksssseIsMinus2203) {
  card("cq-tongnan-gen3", "cq-kiosk-no-rkssse");
  EXPECT_EQ(iReadCardBas(1, out_), -2203) << out_;
}

TEST_F(IfaceTest, A3DesOnlyPsamCannotReadAnSm4Card) {
  card("sc-suining-gen3", "cq-counter-3des-only");
  EXPECT_EQ(iReadCardBas(1, out_), -2202) << out_;
}

TEST_F(IfaceTest, NoPsamIsMinus2201) {
  card("sc-suining-gen3", "");
  EXPECT_EQ(iReadCardBas(1, out_), -2201);
  setenv("SSCARD_PSAM", "sim:no-such-psam", 1);
  EXPECT_EQ(iReadCardBas(1, out_), -2201);
}

TEST_F(IfaceTest, BadTypesAndMissingCards) {
  card("sc-suining-gen3", "sc-kiosk");
  EXPECT_EQ(iReadCardBas(0, out_), -1);
  EXPECT_EQ(iReadCardBas(5, out_), -1);
  setenv("SSCARD_CARD", "sim:no-such-card", 1);
  EXPECT_EQ(iReadCardBas(1, out_), -11);
  setenv("SSCARD_CARD", "floppy", 1);
  EXPECT_EQ(iReadCardBas(1, out_), -11);
}

// docs/CONTACTLESS.md §1, §8: iType 2 reads in the contactless field, 3 contact then contactless, 4 the
// other way round; the 3rd-generation card answers on both from the same memory, with the same historical
// bytes in field 6, so the line is the one of the contact read.
constexpr const char* kSuiningLine =
    "510900|510902195503020033|SN2401101|510900D1560000050000048A5D6E7F80|王德全|"
    "00904A3001866033110000048A|3.00|20240110|20340110|510900000101|51090000010100000001|";

TEST_F(IfaceTest, AThirdGenerationCardIsReadOnTheContactlessInterface) {
  card("sc-suining-gen3", "sc-kiosk");
  for (int type : {2, 3, 4, 1, 2}) {
    ASSERT_EQ(iReadCardBas(type, out_), 0) << type << ": " << out_;
    EXPECT_STREQ(out_, kSuiningLine) << type;
  }
}

TEST_F(IfaceTest, TheContactlessReadIsTheContactReadOfTheSameCard) {
  card("cq-tongnan-gen3", "cq-kiosk");
  ASSERT_EQ(iReadCardBas(1, out_), 0) << out_;
  const std::string contact = text();
  ASSERT_EQ(iReadCardBas(2, out_), 0) << out_;
  EXPECT_EQ(text(), contact);
  EXPECT_EQ(text().rfind("500152|500223198807150019|", 0), 0u) << text();
}

TEST_F(IfaceTest, ThePinCounterIsSharedByBothInterfaces) {
  card("cq-tongnan-gen3", "cq-kiosk");
  pins("111111,111111,111111");
  EXPECT_EQ(iVerifyPIN(2, out_), -51);
  EXPECT_STREQ(out_, "wrong PIN, 5 tries left");
  EXPECT_EQ(iVerifyPIN(1, out_), -51);
  EXPECT_STREQ(out_, "wrong PIN, 4 tries left");
  EXPECT_EQ(iVerifyPIN(4, out_), -51);
  EXPECT_STREQ(out_, "wrong PIN, 3 tries left");
}

TEST_F(IfaceTest, ASecondGenerationCardIsNotInTheField) {
  card("cq-yuzhong-gen2", "cq-kiosk");
  EXPECT_EQ(iReadCardBas(2, out_), -2) << out_;
  EXPECT_STREQ(out_, "no card in the reader");
  // 3 and 4 fall back to (or start with) the contacts.
  ASSERT_EQ(iReadCardBas(4, out_), 0) << out_;
  EXPECT_EQ(text().rfind("500103|50010319620315422X|", 0), 0u) << text();
  ASSERT_EQ(iReadCardBas(3, out_), 0) << out_;
  EXPECT_EQ(text().rfind("500103|50010319620315422X|", 0), 0u) << text();
}

TEST_F(IfaceTest, PinLifeCycle) {
  card("cq-tongnan-gen3", "cq-kiosk");  // issued with the initial PIN 123456
  pins("123456");
  EXPECT_EQ(iVerifyPIN(1, out_), -35) << out_;
  pins("123456,917364,917365");
  EXPECT_EQ(iChangePIN(1, out_), -34) << out_;
  pins("123456,123456,123456");
  EXPECT_EQ(iChangePIN(1, out_), -36) << out_;
  pins("123456,917364,917364");
  EXPECT_EQ(iChangePIN(1, out_), 0) << out_;
  pins("917364");
  EXPECT_EQ(iVerifyPIN(1, out_), 0) << out_;
  pins("111111");
  EXPECT_EQ(iVerifyPIN(1, out_), -51);
  EXPECT_STREQ(out_, "wrong PIN, 5 tries left");
  pins("111111,111111,111111,111111");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(iVerifyPIN(1, out_), -51) << i;
  EXPECT_STREQ(out_, "wrong PIN, 2 tries left");
  EXPECT_EQ(iVerifyPIN(1, out_), -51);
  EXPECT_STREQ(out_, "wrong PIN, 1 try left");
  pins("917364");
  EXPECT_EQ(iVerifyPIN(1, out_), 0) << out_;  // the right PIN resets the counter
  pins("cancel");
  EXPECT_EQ(iVerifyPIN(1, out_), -31);
  EXPECT_STREQ(out_, "PIN entry cancelled");
  pins("timeout");
  EXPECT_EQ(iVerifyPIN(1, out_), -32);
  EXPECT_STREQ(out_, "PIN entry timed out");
  pins("123");
  EXPECT_EQ(iVerifyPIN(1, out_), -33);
  EXPECT_STREQ(out_, "a PIN has 4 to 12 digits");
  // DECISIONS.md I1: the PIN pad belongs to the reader; without one it is a reader connection error.
  unsetenv("SSCARD_PINPAD");
  EXPECT_EQ(iVerifyPIN(1, out_), -11);
  EXPECT_STREQ(out_, "the PIN pad is not connected");
}

TEST_F(IfaceTest, ABlockedPinIsUnblockedAndReloaded) {
  card("sc-chengdu-gen2", "sc-kiosk");
  pins("111111,111111,111111,111111,111111,111111,111111");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(iVerifyPIN(1, out_), -51) << i;
  EXPECT_STREQ(out_, "wrong PIN, no tries left: the PIN is now blocked");  // the sixth answers 63C0 (D22)
  EXPECT_EQ(iVerifyPIN(1, out_), -52) << out_;   // then 6983
  EXPECT_EQ(iUnblockPIN(1, nullptr, out_), 0) << out_;
  pins("246810");
  EXPECT_EQ(iVerifyPIN(1, out_), 0) << out_;  // unblocked, the profile's PIN unchanged
  pins("246802,246802");
  EXPECT_EQ(iReloadPIN(1, nullptr, out_), 0) << out_;
  pins("246802");
  EXPECT_EQ(iVerifyPIN(1, out_), 0) << out_;
}

TEST_F(IfaceTest, UnblockAndReloadCheckTheNamedCard) {
  card("sc-chengdu-gen2", "sc-kiosk");
  char other[] = "510100|x|y|500103D15600000500BF7C7A48FB4966|";
  EXPECT_EQ(iUnblockPIN(1, other, out_), -1);
  char same[] = "510100|x|y|510100d1560000051809ab12cd34ef56|";
  EXPECT_EQ(iUnblockPIN(1, same, out_), 0) << out_;
  char nothing_useful[] = "hello";
  EXPECT_EQ(iUnblockPIN(1, nothing_useful, out_), -1);
}

TEST_F(IfaceTest, AForeignCardsPinIsNotTheKiosksToUnblock) {
  card("cq-tongnan-gen3", "sc-kiosk");
  EXPECT_EQ(iUnblockPIN(1, nullptr, out_), -0x6A88) << out_;
  EXPECT_STREQ(out_, "PSAM holds no PUK key for issuer 500000");
}

TEST_F(IfaceTest, HsmModeWithTheIssuersHsm) {
  card("sc-suining-gen3", "");
  setenv("SSCARD_DEVICE_NUMBER", "KIOSK-7", 1);
  ASSERT_EQ(iReadCardBas_HSM_Step1(1, out_), 0) << out_;
  const std::string step1 = out_;
  EXPECT_EQ(step1.substr(0, 46), "510900|00904A3001866033110000048A|03|510900D15");
  EXPECT_EQ(step1.substr(step1.size() - 8), "KIOSK-7|");
  auto hsm = sscard::sim::SoftwareHsm::load(std::string(SSCARD_CARDS_DIR) + "/keys/test-root-keys.json", {"510000"});
  ASSERT_TRUE(hsm.ok());
  auto answer = hsm.value().answer_step1(step1);
  ASSERT_TRUE(answer.ok());
  std::string key = *answer;
  ASSERT_EQ(iReadCardBas_HSM_Step2(key.data(), out_), 0) << out_;
  EXPECT_STREQ(out_, "510900|510902195503020033|SN2401101|510900D1560000050000048A5D6E7F80|王德全|"
                     "00904A3001866033110000048A|3.00|20240110|20340110|000000000000|KIOSK-7|");
  // The session is used up.
  EXPECT_EQ(iReadCardBas_HSM_Step2(key.data(), out_), -25);
}

// The device number goes into a '|'-separated line: a '|' or a control character would forge fields.
TEST_F(IfaceTest, ADeviceNumberThatWouldBreakTheLineIsInvalidInput) {
  card("sc-suining-gen3", "");
  for (const char* bad : {"KIOSK|7", "KIOSK\n7", "KIOSK\t7", "0123456789012345678901234567890123"}) {
    setenv("SSCARD_DEVICE_NUMBER", bad, 1);
    EXPECT_EQ(iReadCardBas_HSM_Step1(1, out_), -23) << bad;
    EXPECT_STREQ(out_, "SSCARD_DEVICE_NUMBER must be at most 32 printable ASCII characters other than '|'");
  }
  setenv("SSCARD_DEVICE_NUMBER", "KIOSK-7", 1);
  EXPECT_EQ(iReadCardBas_HSM_Step1(1, out_), 0) << out_;
}

TEST_F(IfaceTest, HsmModeRefusesSecondGenerationAndWrongAnswers) {
  card("cq-yuzhong-gen2", "");
  EXPECT_EQ(iReadCardBas_HSM_Step1(1, out_), -2204);
  card("cq-tongnan-gen3", "");
  ASSERT_EQ(iReadCardBas_HSM_Step1(1, out_), 0) << out_;
  char wrong[] = "0123456789ABCDEF|0123456789ABCDEF|";
  EXPECT_EQ(iReadCardBas_HSM_Step2(wrong, out_), -25);
  EXPECT_EQ(iReadCardBas_HSM_Step2(nullptr, out_), -25);
}

TEST_F(IfaceTest, NoPinOrMacReachesTheTraceFile) {
  const std::string trace = std::string(SSCARD_BINARY_DIR) + "/iface_pin_trace_" +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".txt";
  std::remove(trace.c_str());
  setenv("SSCARD_TRACE", trace.c_str(), 1);
  card("cq-tongnan-gen3", "cq-kiosk");
  pins("123456,917364,917364,917364,917364,917364");
  EXPECT_EQ(iChangePIN(1, out_), 0) << out_;
  EXPECT_EQ(iVerifyPIN(1, out_), 0) << out_;
  EXPECT_EQ(iUnblockPIN(1, nullptr, out_), 0) << out_;
  EXPECT_EQ(iReloadPIN(1, nullptr, out_), 0) << out_;  // 917364 again, as the reloaded PIN
  std::ifstream in(trace);
  std::stringstream all;
  all << in.rdbuf();
  std::string compact;
  for (char ch : all.str()) {
    if (ch != ' ') compact += ch;
  }
  ASSERT_GT(compact.size(), 100u);
  EXPECT_EQ(compact.find("917364"), std::string::npos);
  EXPECT_EQ(compact.find("123456"), std::string::npos);
  EXPECT_EQ(compact.find("393137333634"), std::string::npos);  // ASCII digits in hex
  std::remove(trace.c_str());
}

TEST_F(IfaceTest, ANullOutputBufferIsRefused) {
  card("sc-suining-gen3", "sc-kiosk");
  EXPECT_EQ(iReadCardBas(1, nullptr), -11);
}

}  // namespace

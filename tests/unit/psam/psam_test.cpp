// The PSAM client against a scripted PSAM: the exact APDUs of docs/SECURITY.md "PSAM commands", the
// decoding of EF16 / EF15, every refusal as its typed error, and the redaction of COMPUTE in traces.
#include "sscard/psam/psam.h"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "scripted/scripted_reader.h"

namespace sscard::psam {
namespace {

using testing::ScriptedSlot;

constexpr char kEnv1[] = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
constexpr char kEnv3[] = "00A404000F7378332E73682EC9E7BBE1B1A3D5CF";

// tests/data/psam/psam_answers.txt: description | EF16 answer | EF15 answer | expected error or numbers.
struct NumbersCase {
  std::string description;
  std::string ef16;
  std::string ef15;
  std::string expected;
};

std::vector<NumbersCase> numbers_cases() {
  std::ifstream in(std::string(SSCARD_TEST_DATA_DIR) + "/psam/numbers.txt");
  std::vector<NumbersCase> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> parts;
    std::stringstream ss(line);
    std::string p;
    while (std::getline(ss, p, '|')) {
      while (!p.empty() && p.front() == ' ') p.erase(p.begin());
      while (!p.empty() && p.back() == ' ') p.pop_back();
      parts.push_back(p);
    }
    if (parts.size() == 4) out.push_back({parts[0], parts[1], parts[2], parts[3]});
  }
  return out;
}

class PsamTest : public ::testing::Test {
 protected:
  PsamTest() {
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    EXPECT_TRUE(slot_.power_up(atr).ok());
  }
  ScriptedSlot slot_{"3B00", hal::Protocol::kT0, hal::SlotKind::kSam};
  transport::Transport transport_{slot_};
  Psam psam_{transport_};
};

TEST_F(PsamTest, ReadsTheTerminalNumberThenTheSerial) {
  slot_.expect("00B0960006", "5109008134759000");
  slot_.expect("00B095000A", "0102030405060708090A9000");
  ASSERT_TRUE(psam_.read_numbers().ok());
  EXPECT_EQ(psam_.terminal_number(), "510900813475");
  EXPECT_EQ(psam_.device_number(), "0102030405060708090A");
  EXPECT_TRUE(psam_.numbers_read());
}

TEST_F(PsamTest, NumbersFromTheDataFile) {
  const auto cases = numbers_cases();
  ASSERT_GE(cases.size(), 5u);
  for (const NumbersCase& c : cases) {
    ScriptedSlot slot("3B00", hal::Protocol::kT0, hal::SlotKind::kSam);
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    ASSERT_TRUE(slot.power_up(atr).ok());
    transport::Transport t(slot);
    Psam psam(t);
    slot.expect("00B0960006", c.ef16);
    if (c.ef15 != "-") slot.expect("00B095000A", c.ef15);
    const Status s = psam.read_numbers();
    if (c.expected.rfind("ok ", 0) == 0) {
      ASSERT_TRUE(s.ok()) << c.description;
      EXPECT_EQ(psam.terminal_number() + " " + psam.device_number(), c.expected.substr(3)) << c.description;
    } else {
      EXPECT_EQ(std::string(s.name()), c.expected) << c.description;
      EXPECT_FALSE(psam.numbers_read());
    }
  }
}

TEST_F(PsamTest, EveryTruncatedTerminalNumberIsMalformed) {
  const std::string full = "510900813475";
  for (std::size_t n = 0; n < full.size() / 2; ++n) {
    ScriptedSlot slot("3B00");
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    ASSERT_TRUE(slot.power_up(atr).ok());
    transport::Transport t(slot);
    Psam psam(t);
    slot.expect("00B0960006", full.substr(0, 2 * n) + "9000");
    EXPECT_EQ(psam.read_numbers(), Error::kMalformed) << n;
  }
}

TEST_F(PsamTest, AnEmptySlotIsNoCard) {
  slot_.remove_card();
  EXPECT_EQ(psam_.read_numbers(), Error::kNoCard);
}

TEST_F(PsamTest, SelectsTheEnvironmentOfEachSupportedAlgorithm) {
  slot_.expect(kEnv1, "9000");
  slot_.expect(kEnv3, "6F108408" "7378332E7368" "2E2E" "9000");
  ASSERT_TRUE(psam_.select_environment(kAlgorithmTripleDes).ok());
  EXPECT_EQ(psam_.algorithm_id(), kAlgorithmTripleDes);
  ASSERT_TRUE(psam_.select_environment(kAlgorithmSm4).ok());
  EXPECT_EQ(psam_.algorithm_id(), kAlgorithmSm4);
}

TEST_F(PsamTest, AMissingEnvironmentIsUnsupported) {
  slot_.expect(kEnv3, "6A82");
  EXPECT_EQ(psam_.select_environment(kAlgorithmSm4), Error::kUnsupported);
  EXPECT_EQ(psam_.last_status_word(), sw::kFileNotFound);
}

TEST_F(PsamTest, AnotherSelectAnswerIsACardStatus) {
  slot_.expect(kEnv1, "6A81");
  EXPECT_EQ(psam_.select_environment(kAlgorithmTripleDes), Error::kCardStatus);
}

TEST_F(PsamTest, Ssf33AndUnknownAlgorithmsAreRefusedWithoutACommand) {
  for (std::uint8_t id : {std::uint8_t{0x00}, kAlgorithmSsf33, std::uint8_t{0x04}, std::uint8_t{0xFF}}) {
    EXPECT_EQ(psam_.select_environment(id), Error::kUnsupported) << int{id};
  }
  EXPECT_EQ(slot_.exchanges_done(), 0u);
}

TEST(PsamNamesTest, EnvironmentNamesAndBlockSizes) {
  EXPECT_EQ(to_hex(environment_name(1)), "7378312E73682EC9E7BBE1B1A3D5CF");
  EXPECT_EQ(to_hex(environment_name(2)), "7378322E73682EC9E7BBE1B1A3D5CF");
  EXPECT_EQ(to_hex(environment_name(3)), "7378332E73682EC9E7BBE1B1A3D5CF");
  EXPECT_TRUE(environment_name(4).empty());
  EXPECT_EQ(block_size(1), 8u);
  EXPECT_EQ(block_size(3), 16u);
  EXPECT_EQ(block_size(2), 0u);
}

struct KeyCase {
  KeyClass key;
  const char* p1p2;
  const char* name;
};

class DiversifyTest : public PsamTest, public ::testing::WithParamInterface<KeyCase> {};

TEST_P(DiversifyTest, SendsTheUsageOfTheKeyClassAndTheFactors) {
  const Bytes city = from_hex("3531303930307378").value();
  const Bytes card = from_hex("866033110000048A").value();
  slot_.expect(std::string("801A") + GetParam().p1p2 + "10" "3531303930307378" "866033110000048A", "9000");
  EXPECT_TRUE(psam_.diversify(GetParam().key, city, card).ok());
  EXPECT_EQ(key_class_name(GetParam().key), GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(KeyClasses, DiversifyTest,
                         ::testing::Values(KeyCase{KeyClass::kIrk, "0100", "IRK"},
                                           KeyCase{KeyClass::kEak04, "0204", "EAK04"},
                                           KeyCase{KeyClass::kRkssse, "020A", "RKSSSE"},
                                           KeyCase{KeyClass::kEak0d, "020D", "EAK0D"},
                                           KeyCase{KeyClass::kStk, "0300", "STK"},
                                           KeyCase{KeyClass::kPuk, "0400", "PUK"},
                                           KeyCase{KeyClass::kPrk, "0500", "PRK"}));

TEST_F(PsamTest, DiversifyWithAProcessFactorSendsThreeFactors) {
  slot_.expect("801A010018" "3530303130337378" "8697159900BF7C7A" "5CBB39D5FA2E2258", "9000");
  EXPECT_TRUE(psam_.diversify(KeyClass::kIrk, from_hex("3530303130337378").value(),
                              from_hex("8697159900BF7C7A").value(), from_hex("5CBB39D5FA2E2258").value())
                  .ok());
}

TEST_F(PsamTest, DiversifyRefusals) {
  const Bytes f = from_hex("3530303130337378").value();
  slot_.expect("801A040010" "3530303130337378" "3530303130337378", "6A88");
  EXPECT_EQ(psam_.diversify(KeyClass::kPuk, f, f), Error::kNotFound);
  slot_.expect("801A040010" "3530303130337378" "3530303130337378", "6A86");
  EXPECT_EQ(psam_.diversify(KeyClass::kPuk, f, f), Error::kInvalidArgument);
  slot_.expect("801A040010" "3530303130337378" "3530303130337378", "6E00");
  EXPECT_EQ(psam_.diversify(KeyClass::kPuk, f, f), Error::kCardStatus);
}

TEST_F(PsamTest, DiversifyChecksFactorSizesBeforeSending) {
  const Bytes eight = from_hex("3530303130337378").value();
  const Bytes seven = from_hex("35303031303373").value();
  EXPECT_EQ(psam_.diversify(KeyClass::kIrk, seven, eight), Error::kInvalidArgument);
  EXPECT_EQ(psam_.diversify(KeyClass::kIrk, eight, seven), Error::kInvalidArgument);
  EXPECT_EQ(psam_.diversify(KeyClass::kIrk, eight, eight, seven), Error::kInvalidArgument);
  EXPECT_EQ(slot_.exchanges_done(), 0u);
}

TEST_F(PsamTest, EncryptReturnsTheCryptogram) {
  slot_.expect("80FA0000087E401CD934E8C70408", "64E50FE795246A9E9000");
  std::array<std::uint8_t, kCryptogramSize> out{};
  ASSERT_TRUE(psam_.encrypt(from_hex("7E401CD934E8C704").value(), out).ok());
  EXPECT_EQ(to_hex(out), "64E50FE795246A9E");
}

TEST_F(PsamTest, EncryptOnT0FetchesTheAnswer) {
  slot_.expect("80FA0000087E401CD934E8C70408", "6108");
  slot_.expect("00C0000008", "64E50FE795246A9E9000");
  std::array<std::uint8_t, kCryptogramSize> out{};
  ASSERT_TRUE(psam_.encrypt(from_hex("7E401CD934E8C704").value(), out).ok());
  EXPECT_EQ(to_hex(out), "64E50FE795246A9E");
}

TEST_F(PsamTest, EncryptRefusesBadAnswers) {
  std::array<std::uint8_t, kCryptogramSize> out{};
  const Bytes d = from_hex("7E401CD934E8C704").value();
  const std::string full = "64E50FE795246A9E";
  for (std::size_t n = 0; n < 8; ++n) {
    slot_.expect("80FA0000087E401CD934E8C70408", full.substr(0, 2 * n) + "9000");
    EXPECT_EQ(psam_.encrypt(d, out), Error::kMalformed) << n;
  }
  slot_.expect("80FA0000087E401CD934E8C70408", full + "AA9000");
  EXPECT_EQ(psam_.encrypt(d, out), Error::kMalformed);
  slot_.expect("80FA0000087E401CD934E8C70408", "6985");
  EXPECT_EQ(psam_.encrypt(d, out), Error::kCardStatus);
  EXPECT_EQ(psam_.last_status_word(), sw::kConditionsNotSatisfied);
  EXPECT_EQ(psam_.encrypt(from_hex("7E401CD934E8C7").value(), out), Error::kInvalidArgument);
}

TEST_F(PsamTest, MacUsesAnEightByteIvFor3Des) {
  slot_.expect(kEnv1, "9000");
  // vectors.txt cq-yuzhong-gen2.mac.puk.8424000004: iv=E421C91600000000, MAC D5FCC035.
  slot_.expect("80FA05000D" "E421C91600000000" "8424000004" "04", "D5FCC0359000");
  ASSERT_TRUE(psam_.select_environment(kAlgorithmTripleDes).ok());
  std::array<std::uint8_t, kMacSize> mac{};
  ASSERT_TRUE(psam_.mac(from_hex("E421C916").value(), from_hex("8424000004").value(), mac).ok());
  EXPECT_EQ(to_hex(mac), "D5FCC035");
}

TEST_F(PsamTest, MacUsesASixteenByteIvForSm4) {
  slot_.expect(kEnv3, "9000");
  // vectors.txt sc-suining-gen3.mac.prk.reload.
  slot_.expect("80FA050018" "B17210AA000000000000000000000000" "805E000007654321" "04", "7754EFEC9000");
  ASSERT_TRUE(psam_.select_environment(kAlgorithmSm4).ok());
  std::array<std::uint8_t, kMacSize> mac{};
  ASSERT_TRUE(psam_.mac(from_hex("B17210AA").value(), from_hex("805E000007654321").value(), mac).ok());
  EXPECT_EQ(to_hex(mac), "7754EFEC");
}

TEST_F(PsamTest, MacRefusals) {
  std::array<std::uint8_t, kMacSize> mac{};
  const Bytes r4 = from_hex("E421C916").value();
  EXPECT_EQ(psam_.mac(r4, from_hex("8424000004").value(), mac), Error::kInvalidArgument);  // no environment
  slot_.expect(kEnv1, "9000");
  ASSERT_TRUE(psam_.select_environment(kAlgorithmTripleDes).ok());
  EXPECT_EQ(psam_.mac(from_hex("E421C9160000000000").value(), {}, mac), Error::kInvalidArgument);
  const Bytes long_message(250, 0x00);
  EXPECT_EQ(psam_.mac(r4, long_message, mac), Error::kInvalidArgument);
  for (const char* answer : {"9000", "D59000", "D5FC9000", "D5FCC09000", "D5FCC035AA9000"}) {
    slot_.expect("80FA05000DE421C916000000008424000004" "04", answer);
    EXPECT_EQ(psam_.mac(r4, from_hex("8424000004").value(), mac), Error::kMalformed) << answer;
  }
  slot_.expect("80FA05000DE421C916000000008424000004" "04", "6985");
  EXPECT_EQ(psam_.mac(r4, from_hex("8424000004").value(), mac), Error::kCardStatus);
}

struct TraceLines {
  std::vector<std::string> lines;
  static void add(void* context, std::string_view line) {
    static_cast<TraceLines*>(context)->lines.emplace_back(line);
  }
};

TEST_F(PsamTest, TracesMaskComputeDataAndAnswersButNotFactors) {
  TraceLines lines;
  transport::TextTrace text(&TraceLines::add, &lines);
  transport_.set_trace(&text);
  slot_.expect(kEnv1, "9000");
  slot_.expect("801A050010" "3530303130337378" "8697159900BF7C7A", "9000");
  slot_.expect("80FA050010" "E421C91600000000" "805E000007654321" "04", "FE11B6059000");
  ASSERT_TRUE(psam_.select_environment(kAlgorithmTripleDes).ok());
  ASSERT_TRUE(psam_.diversify(KeyClass::kPrk, from_hex("3530303130337378").value(),
                              from_hex("8697159900BF7C7A").value())
                  .ok());
  std::array<std::uint8_t, kMacSize> mac{};
  ASSERT_TRUE(psam_.mac(from_hex("E421C916").value(), from_hex("805E000007654321").value(), mac).ok());
  ASSERT_EQ(lines.lines.size(), 6u);
  EXPECT_EQ(lines.lines[2], "> 80 1A 05 00 10 35 30 30 31 30 33 73 78 86 97 15 99 00 BF 7C 7A");
  EXPECT_EQ(lines.lines[4].substr(0, 16), "> 80 FA 05 00 **");
  EXPECT_EQ(lines.lines[4].find("65 43 21"), std::string::npos);
  EXPECT_EQ(lines.lines[5], "< ** ** ** ** 90 00");
}

TEST(PsamRedactorTest, LeavesOtherCommandsToTheDefault) {
  transport::SecretRanges secrets;
  const Bytes verify = from_hex("0020000003917364").value();
  psam_redactor().command_secrets(verify, secrets);
  EXPECT_TRUE(secrets.contains(5));
  EXPECT_FALSE(secrets.contains(4));
  transport::SecretRanges none;
  const Bytes read = from_hex("00B0960006").value();
  psam_redactor().command_secrets(read, none);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace sscard::psam

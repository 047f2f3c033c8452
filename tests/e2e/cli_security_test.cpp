// The kiosk front end with a PSAM and a PIN pad: the real `sscard` binary, simulated cards and PSAMs.
// Expected outputs (tests/data/e2e/psam) were written from the profiles' documented data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "run_process.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;

const fs::path kCards = SSCARD_CARDS_DIR;
const fs::path kPsams = kCards / "psam";
const fs::path kExpected = fs::path(SSCARD_TEST_DATA_DIR) / "e2e" / "psam";

std::string card(const std::string& name) { return (kCards / (name + ".json")).string(); }
std::string psam(const std::string& name) { return (kPsams / (name + ".json")).string(); }

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> holder_profile_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kCards)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") names.push_back(entry.path().stem());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class CliPsamReadTest : public ::testing::TestWithParam<std::string> {};

// Both generations, both provinces: the Chongqing kiosk's PSAM reads every field (Chuan–Yu read keys).
TEST_P(CliPsamReadTest, JsonHasEveryHolderField) {
  auto run = run_process({sscard_binary(), "read", "--card", card(GetParam()), "--psam", psam("cq-kiosk"),
                          "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.err.empty()) << run.err;  // nothing withheld, nothing to explain
  const auto actual = nlohmann::ordered_json::parse(run.out);
  const auto expected = nlohmann::ordered_json::parse(read_file(kExpected / (GetParam() + ".json")));
  EXPECT_EQ(actual, expected);
  EXPECT_NE(actual["name"], "");
  EXPECT_NE(actual["ssn"], "");
}

TEST_P(CliPsamReadTest, IfaceLineCarriesThePsamTerminalAndDeviceNumbers) {
  std::map<std::string, std::string> expected;
  std::istringstream lines(read_file(kExpected / "iface.txt"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    expected[line.substr(0, line.find('\t'))] = line.substr(line.find('\t') + 1);
  }
  auto run = run_process({sscard_binary(), "read", "--card", card(GetParam()), "--psam", psam("cq-kiosk"),
                          "--format", "iface"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, expected.at(GetParam()) + "\n");
}

INSTANTIATE_TEST_SUITE_P(BundledCards, CliPsamReadTest, ::testing::ValuesIn(holder_profile_names()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// A failed PSAM-mode read: exit 1, one line naming the standard interface's error code.
void expect_failure(const std::vector<std::string>& argv, const std::string& code, const std::string& words) {
  auto run = run_process(argv);
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find("(" + code + ")"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(words), std::string::npos) << run.err;
}

TEST(CliPsamErrors, SichuanPsamWithoutTheChuanYuKeysCannotAuthenticateAChongqingCard) {
  expect_failure({sscard_binary(), "read", "--card", card("cq-tongnan-gen3"), "--psam", psam("sc-kiosk-local")},
                 "-21", "500000");
}

TEST(CliPsamErrors, SichuanKioskWithTheChuanYuKeysReadsAChongqingCard) {
  auto run = run_process({sscard_binary(), "read", "--card", card("cq-tongnan-gen3"), "--psam", psam("sc-kiosk"),
                          "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["name"], "张明远");
}

TEST(CliPsamErrors, PsamWithoutTheReadKeyCannotOpenAThirdGenerationCard) {
  expect_failure({sscard_binary(), "read", "--card", card("cq-tongnan-gen3"), "--psam", psam("cq-kiosk-no-rkssse")},
                 "-2203", "RKSSSE");
}

TEST(CliPsamErrors, PsamWithoutTheReadKeyStillReadsASecondGenerationCard) {
  auto run = run_process({sscard_binary(), "read", "--card", card("cq-yuzhong-gen2"), "--psam",
                          psam("cq-kiosk-no-rkssse"), "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["name"], "李秀英");
}

TEST(CliPsamErrors, ThreeDesOnlyPsamCannotServeAnSm4Card) {
  expect_failure({sscard_binary(), "read", "--card", card("sc-suining-gen3"), "--psam", psam("cq-counter-3des-only")},
                 "-2202", "algorithm");
}

TEST(CliPsamErrors, MissingPsamProfileNamesTheFile) {
  auto run = run_process({sscard_binary(), "read", "--card", card("cq-tongnan-gen3"), "--psam", "/nonexistent/p.json"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("/nonexistent/p.json"), std::string::npos) << run.err;
}

// PIN services. A distinctive PIN must never appear in anything the program prints.
constexpr const char* kDistinctivePin = "802416";  // cq-yuzhong-gen2's PIN

void expect_no_pin(const ProcessOutput& run, const std::string& pin) {
  EXPECT_EQ(run.out.find(pin), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find(pin), std::string::npos) << run.err;
}

TEST(CliPin, VerifyTheRightPin) {
  auto run = run_process({sscard_binary(), "pin", "verify", "--card", card("cq-yuzhong-gen2"), "--pinpad",
                          std::string("sim:") + kDistinctivePin});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "PIN verified\n");
  expect_no_pin(run, kDistinctivePin);
}

TEST(CliPin, WrongPinSaysHowManyTriesAreLeft) {
  auto run = run_process({sscard_binary(), "pin", "verify", "--card", card("cq-yuzhong-gen2"), "--pinpad", "sim:917364"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("5 tries left"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("(-51)"), std::string::npos) << run.err;
  expect_no_pin(run, "917364");
  expect_no_pin(run, kDistinctivePin);
}

TEST(CliPin, InitialPinIsRefusedForTransactionsAndChangeActivates) {
  auto verify = run_process({sscard_binary(), "pin", "verify", "--card", card("cq-tongnan-gen3"), "--pinpad", "sim:123456"});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(verify.err.find("(-35)"), std::string::npos) << verify.err;

  auto change = run_process({sscard_binary(), "pin", "change", "--card", card("cq-tongnan-gen3"), "--pinpad",
                             "sim:123456,917364,917364"});
  EXPECT_EQ(change.exit_code, 0) << change.err;
  EXPECT_EQ(change.out, "PIN changed\n");
  expect_no_pin(change, "917364");
}

TEST(CliPin, ChangeBackToTheInitialPinIsRefused) {
  auto run = run_process({sscard_binary(), "pin", "change", "--card", card("cq-yuzhong-gen2"), "--pinpad",
                          std::string("sim:") + kDistinctivePin + ",123456,123456"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("(-36)"), std::string::npos) << run.err;
}

TEST(CliPin, NewPinEntriesThatDifferAreRefused) {
  auto run = run_process({sscard_binary(), "pin", "change", "--card", card("cq-yuzhong-gen2"), "--pinpad",
                          std::string("sim:") + kDistinctivePin + ",917364,917365"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("(-34)"), std::string::npos) << run.err;
  expect_no_pin(run, "917364");
}

TEST(CliPin, UnblockNeedsAPsam) {
  auto run = run_process({sscard_binary(), "pin", "unblock", "--card", card("cq-yuzhong-gen2")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("(-2201)"), std::string::npos) << run.err;
}

TEST(CliPin, UnblockWithTheHomePsam) {
  auto run = run_process({sscard_binary(), "pin", "unblock", "--card", card("cq-yuzhong-gen2"), "--psam", psam("cq-kiosk")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("unblocked"), std::string::npos);
}

TEST(CliPin, AForeignPsamHasNoUnblockKey) {
  auto run = run_process({sscard_binary(), "pin", "unblock", "--card", card("sc-suining-gen3"), "--psam", psam("cq-kiosk")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("PUK"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("510000"), std::string::npos) << run.err;
}

TEST(CliPin, UnknownActionIsAUsageError) {
  auto run = run_process({sscard_binary(), "pin", "guess", "--card", card("cq-yuzhong-gen2")});
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
}  // namespace sscard::test

// The kiosk terminal with a PSAM and a PIN pad: the real `sscard` binary, simulated cards and PSAMs.
// Expected outputs (tests/data/e2e/psam) were written from the profiles' documented data. Simulated cards
// remember between runs (a changed PIN, a try counter): each test has its own state folder (ProgramTest),
// and the PIN-memory tests run one command per process on purpose.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "program_test.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kExpected = fs::path(SSCARD_TEST_DATA_DIR) / "e2e" / "psam";

std::map<std::string, std::string> expected_iface_lines() {
  std::map<std::string, std::string> expected;
  std::istringstream lines(read_file(kExpected / "iface.txt"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    expected[line.substr(0, line.find('\t'))] = line.substr(line.find('\t') + 1);
  }
  return expected;
}

class CliPsamReadTest : public ProgramTest, public ::testing::WithParamInterface<std::string> {};

// Both generations, both provinces: the Chongqing kiosk's PSAM reads every field (Chuan–Yu read keys).
TEST_P(CliPsamReadTest, JsonHasEveryHolderField) {
  auto run = this->run({sscard_binary(), "read", "--card", card(GetParam()), "--psam", psam("cq-kiosk"), "--format",
                        "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(run.err.empty()) << run.err;  // nothing withheld, nothing to explain
  const auto actual = nlohmann::ordered_json::parse(run.out);
  const auto expected = nlohmann::ordered_json::parse(read_file(kExpected / (GetParam() + ".json")));
  EXPECT_EQ(actual, expected);
  EXPECT_NE(actual["name"], "");
  EXPECT_NE(actual["ssn"], "");
}

TEST_P(CliPsamReadTest, IfaceLineCarriesThePsamTerminalAndDeviceNumbers) {
  auto run = this->run({sscard_binary(), "read", "--card", card(GetParam()), "--psam", psam("cq-kiosk"), "--format",
                        "iface"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, expected_iface_lines().at(GetParam()) + "\n");
}

// The Chongqing test kiosk's configuration names the same PSAM: the same line, without --psam.
TEST_P(CliPsamReadTest, TheKioskConfigurationBringsItsPsam) {
  auto run = this->run({sscard_binary(), "read", "--config", kiosk_config("cq-tongnan"), "--card", card(GetParam()),
                        "--format", "iface"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, expected_iface_lines().at(GetParam()) + "\n");
}

INSTANTIATE_TEST_SUITE_P(BundledCards, CliPsamReadTest, ::testing::ValuesIn(holder_profile_names()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// A failed PSAM-mode read: exit 1, one line naming the standard interface's error code.
class CliPsamErrors : public ProgramTest {
 protected:
  void expect_failure(const std::vector<std::string>& argv, const std::string& code, const std::string& words) {
    expect_one_line_error(this->run(argv), 1, "sscard read", {"(" + code + ")", words});
  }
};

TEST_F(CliPsamErrors, SichuanPsamWithoutTheChuanYuKeysCannotAuthenticateAChongqingCard) {
  expect_failure({sscard_binary(), "read", "--card", card("cq-tongnan-gen3"), "--psam", psam("sc-kiosk-local")},
                 "-21", "500000");
}

// With --format json the failure is a JSON object on stdout too, carrying the code; the line is on stderr.
TEST_F(CliPsamErrors, JsonFailureIsAnErrorObjectWithTheCode) {
  auto run = this->run({sscard_binary(), "read", "--card", card("cq-tongnan-gen3"), "--psam", psam("sc-kiosk-local"),
                        "--format", "json"});
  expect_one_stderr_line(run, 1, "sscard read", {"(-21)", "500000"});
  const json out = json::parse(run.out, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << run.out;
  ASSERT_EQ(out.size(), 1u) << run.out;
  EXPECT_EQ(out["error"]["code"], -21);
  const std::string message = out["error"]["message"];
  EXPECT_NE(message.find("500000"), std::string::npos) << message;
  EXPECT_NE(run.err.find(message), std::string::npos) << "the same message: " << run.err;
}

TEST_F(CliPsamErrors, SichuanKioskWithTheChuanYuKeysReadsAChongqingCard) {
  auto run = this->run({sscard_binary(), "read", "--card", card("cq-tongnan-gen3"), "--psam", psam("sc-kiosk"),
                        "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json::parse(run.out)["name"], "张明远");
}

TEST_F(CliPsamErrors, PsamWithoutTheReadKeyCannotOpenAThirdGenerationCard) {
  expect_failure({sscard_binary(), "read", "--card", card("cq-tongnan-gen3"), "--psam", psam("cq-kiosk-no-rkssse")},
                 "-2203", "RKSSSE");
}

TEST_F(CliPsamErrors, PsamWithoutTheReadKeyStillReadsASecondGenerationCard) {
  auto run = this->run({sscard_binary(), "read", "--card", card("cq-yuzhong-gen2"), "--psam",
                        psam("cq-kiosk-no-rkssse"), "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(json::parse(run.out)["name"], "李秀英");
}

TEST_F(CliPsamErrors, ThreeDesOnlyPsamCannotServeAnSm4Card) {
  expect_failure({sscard_binary(), "read", "--card", card("sc-suining-gen3"), "--psam", psam("cq-counter-3des-only")},
                 "-2202", "algorithm");
}

// The parser checks that the PSAM profile exists: a command-line error (exit 2) naming the option and file.
TEST_F(CliPsamErrors, MissingPsamProfileIsACommandLineErrorNamingTheFile) {
  auto run = this->run({sscard_binary(), "read", "--card", card("cq-tongnan-gen3"), "--psam", "/nonexistent/p.json"});
  expect_one_line_error(run, 2, "sscard read", {"--psam", "/nonexistent/p.json"});
}

TEST_F(CliPsamErrors, PsamOptionsExcludeEachOther) {
  expect_one_line_error(this->run({sscard_binary(), "read", "--card", card("cq-yuzhong-gen2"), "--psam",
                                   psam("cq-kiosk"), "--no-psam"}),
                        2, "sscard read", {"--psam", "--no-psam"});
  expect_one_line_error(this->run({sscard_binary(), "read", "--card", card("cq-yuzhong-gen2"), "--psam",
                                   psam("cq-kiosk"), "--psam-reader", "Virtual PCD 00 01"}),
                        2, "sscard read", {"--psam", "--psam-reader"});
}

// ---------------------------------------------------------------------------------------------------------
// PIN services. A distinctive PIN must never appear in anything the program prints.

constexpr const char* kDistinctivePin = "802416";  // cq-yuzhong-gen2's PIN

void expect_no_pin(const ProcessOutput& run, const std::string& pin) {
  EXPECT_EQ(run.out.find(pin), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find(pin), std::string::npos) << run.err;
}

class CliPin : public ProgramTest {
 protected:
  ProcessOutput pin(const std::string& action, const std::string& profile, const std::string& pinpad) {
    return this->run({sscard_binary(), "pin", action, "--card", card(profile), "--pinpad", pinpad});
  }
};

TEST_F(CliPin, VerifyTheRightPin) {
  auto run = pin("verify", "cq-yuzhong-gen2", std::string("sim:") + kDistinctivePin);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "PIN verified\n");
  EXPECT_EQ(run.err, "");
  expect_no_pin(run, kDistinctivePin);
}

TEST_F(CliPin, WrongPinSaysHowManyTriesAreLeft) {
  auto run = pin("verify", "cq-yuzhong-gen2", "sim:917364");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "sscard pin verify: wrong PIN, 5 tries left (-51)\n");
  expect_no_pin(run, "917364");
  expect_no_pin(run, kDistinctivePin);
}

TEST_F(CliPin, InitialPinIsRefusedForTransactionsAndChangeActivates) {
  auto verify = pin("verify", "cq-tongnan-gen3", "sim:123456");
  expect_one_line_error(verify, 1, "sscard pin verify", {"(-35)"});

  auto change = pin("change", "cq-tongnan-gen3", "sim:123456,917364,917364");
  EXPECT_EQ(change.exit_code, 0) << change.err;
  EXPECT_EQ(change.out, "PIN changed\n");
  EXPECT_EQ(change.err, "");
  expect_no_pin(change, "917364");

  // The card keeps the new PIN: the next run verifies it.
  auto after = pin("verify", "cq-tongnan-gen3", "sim:917364");
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(after.out, "PIN verified\n");
}

TEST_F(CliPin, ChangeBackToTheInitialPinIsRefused) {
  auto run = pin("change", "cq-yuzhong-gen2", std::string("sim:") + kDistinctivePin + ",123456,123456");
  expect_one_line_error(run, 1, "sscard pin change", {"(-36)"});
}

TEST_F(CliPin, NewPinEntriesThatDifferAreRefused) {
  auto run = pin("change", "cq-yuzhong-gen2", std::string("sim:") + kDistinctivePin + ",917364,917365");
  expect_one_line_error(run, 1, "sscard pin change", {"(-34)"});
  expect_no_pin(run, "917364");
  expect_no_pin(run, kDistinctivePin);
}

// The PIN pad's own failures, with the codes of the public vendor interface.
TEST_F(CliPin, PinPadFailuresHaveTheVendorCodes) {
  expect_one_line_error(pin("verify", "cq-yuzhong-gen2", "sim:cancel"), 1, "sscard pin verify", {"cancel", "(-31)"});
  expect_one_line_error(pin("verify", "cq-yuzhong-gen2", "sim:timeout"), 1, "sscard pin verify", {"(-32)"});
  expect_one_line_error(pin("verify", "cq-yuzhong-gen2", "sim:12"), 1, "sscard pin verify", {"(-33)"});
  expect_one_line_error(pin("verify", "cq-yuzhong-gen2", "sim:unplug"), 1, "sscard pin verify",
                        {"not connected", "(-11)"});
  // None of them reached the card: the right PIN still has every try.
  auto right = pin("verify", "cq-yuzhong-gen2", std::string("sim:") + kDistinctivePin);
  EXPECT_EQ(right.exit_code, 0) << right.err;
}

TEST_F(CliPin, AnEmptyScriptedPinPadIsACommandLineError) {
  expect_one_line_error(pin("verify", "cq-yuzhong-gen2", "sim:"), 2, "sscard pin verify", {"--pinpad"});
  expect_one_line_error(pin("verify", "cq-yuzhong-gen2", "802416"), 2, "sscard pin verify", {"--pinpad"});
}

TEST_F(CliPin, UnblockNeedsAPsam) {
  auto run = this->run({sscard_binary(), "pin", "unblock", "--card", card("cq-yuzhong-gen2")});
  expect_one_line_error(run, 1, "sscard pin unblock", {"(-2201)", "--psam"});
}

TEST_F(CliPin, UnblockWithTheHomePsam) {
  auto run = this->run({sscard_binary(), "pin", "unblock", "--card", card("cq-yuzhong-gen2"), "--psam",
                        psam("cq-kiosk")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("unblocked"), std::string::npos);
}

TEST_F(CliPin, AForeignPsamHasNoUnblockKey) {
  auto run = this->run({sscard_binary(), "pin", "unblock", "--card", card("sc-suining-gen3"), "--psam",
                        psam("cq-kiosk")});
  expect_one_line_error(run, 1, "sscard pin unblock", {"PUK", "510000"});
}

TEST_F(CliPin, UnknownActionIsAUsageError) {
  auto run = this->run({sscard_binary(), "pin", "guess", "--card", card("cq-yuzhong-gen2")});
  expect_one_line_error(run, 2, "sscard pin", {});
}

// ---------------------------------------------------------------------------------------------------------
// A simulated card remembers between runs: a changed PIN, the try counter, a blocked PIN; `sscard-sim card
// reset` makes it its profile's card again. sc-chengdu-gen2's PIN is 246810.

class CliPinMemory : public ProgramTest {
 protected:
  const std::string profile_ = card("sc-chengdu-gen2");

  ProcessOutput pin(const std::string& action, const std::string& pinpad) {
    return this->run({sscard_binary(), "pin", action, "--card", profile_, "--pinpad", pinpad});
  }
  json show() {
    auto run = this->run({sscard_sim_binary(), "card", "show", "--card", profile_, "--format", "json"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.err, "");
    auto doc = json::parse(run.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << run.out;
    return doc;
  }
  void expect_verified(const std::string& pinpad) {
    auto run = pin("verify", pinpad);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "PIN verified\n");
    EXPECT_EQ(run.err, "");
  }
  void expect_wrong(const std::string& pinpad, const std::string& line) {
    auto run = pin("verify", pinpad);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, "sscard pin verify: " + line + "\n");
  }
};

TEST_F(CliPinMemory, AChangedPinIsKeptUntilTheCardIsReset) {
  const json fresh = show();
  EXPECT_EQ(fresh["saved"], false);
  EXPECT_EQ(fresh["pin"]["tries_left"], 6);
  EXPECT_EQ(fresh["pin"]["max_tries"], 6);

  auto change = pin("change", "sim:246810,135790,135790");
  ASSERT_EQ(change.exit_code, 0) << change.err;
  EXPECT_EQ(change.out, "PIN changed\n");
  EXPECT_EQ(change.err, "");
  const json changed = show();
  EXPECT_EQ(changed["saved"], true);
  EXPECT_EQ(changed["matches_profile"], true);
  EXPECT_EQ(changed["pin"]["tries_left"], 6);
  EXPECT_EQ(changed["pin"]["as_issued"], false);  // no longer the profile's PIN

  // New runs: the new PIN is the card's PIN, the profile's is wrong now.
  expect_verified("sim:135790");
  expect_wrong("sim:246810", "wrong PIN, 5 tries left (-51)");
  EXPECT_EQ(show()["pin"]["tries_left"], 5);

  // Wrong PINs in separate runs count down; the last one blocks the PIN, and then even the right one fails.
  expect_wrong("sim:111111", "wrong PIN, 4 tries left (-51)");
  expect_wrong("sim:111111", "wrong PIN, 3 tries left (-51)");
  expect_wrong("sim:111111", "wrong PIN, 2 tries left (-51)");
  expect_wrong("sim:111111", "wrong PIN, 1 try left (-51)");
  auto last = pin("verify", "sim:111111");
  expect_one_line_error(last, 1, "sscard pin verify", {"blocked", "(-51)"});
  EXPECT_EQ(show()["pin"]["tries_left"], 0);
  expect_wrong("sim:135790", "the PIN is blocked (-52)");
  expect_wrong("sim:246810", "the PIN is blocked (-52)");

  // Reset: the profile's card again.
  auto reset = this->run({sscard_sim_binary(), "card", "reset", "--card", profile_});
  EXPECT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_EQ(reset.err, "");
  EXPECT_NE(reset.out.find("forgot the saved memory"), std::string::npos) << reset.out;
  const json after_reset = show();
  EXPECT_EQ(after_reset["saved"], false);
  EXPECT_EQ(after_reset["pin"]["tries_left"], 6);
  EXPECT_EQ(after_reset["pin"]["as_issued"], true);
  expect_verified("sim:246810");
  expect_wrong("sim:135790", "wrong PIN, 5 tries left (-51)");
}

// --fresh: the run starts from the profile's card, and that card replaces the saved memory.
TEST_F(CliPinMemory, FreshStartsFromTheProfileAndForgetsTheSavedMemory) {
  ASSERT_EQ(pin("change", "sim:246810,135790,135790").exit_code, 0);
  auto fresh = this->run({sscard_binary(), "pin", "verify", "--card", profile_, "--pinpad", "sim:246810", "--fresh"});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_EQ(fresh.out, "PIN verified\n");
  expect_verified("sim:246810");
  expect_wrong("sim:135790", "wrong PIN, 5 tries left (-51)");
}

// The state folder is the test's: another folder is another world, where the card is its profile's.
TEST_F(CliPinMemory, AnotherStateFolderHasItsOwnCards) {
  ASSERT_EQ(pin("change", "sim:246810,135790,135790").exit_code, 0);
  const fs::path other = dir() / "other-state";
  fs::create_directories(other);
  const ChildEnvironment elsewhere(other);
  auto run = run_process({sscard_binary(), "pin", "verify", "--card", profile_, "--pinpad", "sim:246810"}, elsewhere);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  expect_verified("sim:135790");
  EXPECT_TRUE(fs::exists(sscard_state() / "cards"));
  EXPECT_TRUE(fs::exists(other / "sscard" / "cards"));
}

}  // namespace
}  // namespace sscard::test

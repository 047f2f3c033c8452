// The kiosk front end end to end: the real `sscard` binary reads every bundled holder card through the HAL
// from the simulated reader, and its output is compared with expected files written from the profiles'
// documented data (tests/data/e2e).
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
const fs::path kExpected = fs::path(SSCARD_TEST_DATA_DIR) / "e2e";

std::vector<std::string> holder_profile_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kCards)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") names.push_back(entry.path().stem());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class CliReadTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CliReadTest, JsonOutputMatchesTheHolderData) {
  const auto profile = kCards / (GetParam() + ".json");
  auto run = run_process({sscard_binary(), "read", "--card", profile.string(), "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const auto actual = nlohmann::ordered_json::parse(run.out);
  const auto expected = nlohmann::ordered_json::parse(read_file(kExpected / (GetParam() + ".json")));
  // Same keys, in the documented order, with the same values.
  ASSERT_EQ(actual.size(), 13u);
  std::vector<std::string> actual_keys, expected_keys;
  for (auto it = actual.begin(); it != actual.end(); ++it) actual_keys.push_back(it.key());
  for (auto it = expected.begin(); it != expected.end(); ++it) expected_keys.push_back(it.key());
  EXPECT_EQ(actual_keys, expected_keys);
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    ASSERT_TRUE(actual.contains(it.key())) << it.key();
    EXPECT_EQ(actual[it.key()], it.value()) << "field " << it.key();
  }
}

TEST_P(CliReadTest, IfaceLineMatchesTheStandardInterfaceFormat) {
  std::map<std::string, std::string> expected;
  std::istringstream lines(read_file(kExpected / "iface.txt"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    expected[line.substr(0, tab)] = line.substr(tab + 1);
  }
  ASSERT_TRUE(expected.count(GetParam())) << "no expected iface line for " << GetParam();

  const auto profile = kCards / (GetParam() + ".json");
  auto run = run_process({sscard_binary(), "read", "--card", profile.string(), "--format", "iface"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, expected[GetParam()] + "\n");
}

TEST_P(CliReadTest, WithheldFieldsAreExplainedOnlyForThirdGeneration) {
  const auto profile = kCards / (GetParam() + ".json");
  auto run = run_process({sscard_binary(), "read", "--card", profile.string(), "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto actual = nlohmann::json::parse(run.out);
  const bool third_generation = actual["spec_version"] == "3.00";
  EXPECT_EQ(run.err.find("PSAM") != std::string::npos, third_generation) << run.err;
  EXPECT_EQ(actual["name"] == "", third_generation);
}

TEST_P(CliReadTest, TextOutputShowsTheRegionAndCardId) {
  const auto profile = kCards / (GetParam() + ".json");
  auto run = run_process({sscard_binary(), "read", "--card", profile.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto expected = nlohmann::json::parse(read_file(kExpected / (GetParam() + ".json")));
  EXPECT_NE(run.out.find(expected["card_id"].get<std::string>()), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(expected["region"].get<std::string>()), std::string::npos) << run.out;
  if (expected["name"] != "") {
    EXPECT_NE(run.out.find(expected["name"].get<std::string>()), std::string::npos) << run.out;
  }
}

INSTANTIATE_TEST_SUITE_P(BundledCards, CliReadTest, ::testing::ValuesIn(holder_profile_names()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(CliBundle, ThereAreAtLeastSixHolderCardsAndEachHasExpectedOutput) {
  const auto names = holder_profile_names();
  EXPECT_GE(names.size(), 6u);
  for (const auto& n : names) EXPECT_TRUE(fs::exists(kExpected / (n + ".json"))) << n;
}

TEST(CliDemo, ReadsEveryBundledCard) {
  auto run = run_process({sscard_binary(), "demo"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const auto names = holder_profile_names();
  for (const auto& n : names) EXPECT_NE(run.out.find(n + ".json"), std::string::npos) << n;
  EXPECT_NE(run.out.find(std::to_string(names.size()) + " of " + std::to_string(names.size()) + " cards read"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("李秀英"), std::string::npos);
}

// Errors: a non-zero exit, one line on stderr that says what is wrong, nothing on stdout.
void expect_one_line_error(const ProcessOutput& run, int code, const std::string& must_mention) {
  EXPECT_EQ(run.exit_code, code);
  EXPECT_TRUE(run.out.empty()) << run.out;
  ASSERT_FALSE(run.err.empty());
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find(must_mention), std::string::npos) << run.err;
}

TEST(CliErrors, MissingProfileFileNamesTheFile) {
  auto run = run_process({sscard_binary(), "read", "--card", "/nonexistent/card.json"});
  expect_one_line_error(run, 1, "/nonexistent/card.json");
}

TEST(CliErrors, MalformedProfileNamesTheFileAndTheField) {
  const fs::path bad = fs::temp_directory_path() / "sscard-e2e-bad-date.json";
  std::string text = read_file(kCards / "cq-yuzhong-gen2.json");
  const std::string good = "\"birth_date\": \"19620315\"";
  const auto at = text.find(good);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, good.size(), "\"birth_date\": \"19621345\"");
  std::ofstream(bad) << text;
  auto run = run_process({sscard_binary(), "read", "--card", bad.string(), "--format", "json"});
  expect_one_line_error(run, 1, bad.string());
  EXPECT_NE(run.err.find("birth_date"), std::string::npos) << run.err;
  fs::remove(bad);
}

TEST(CliErrors, NotJsonAtAll) {
  const fs::path bad = fs::temp_directory_path() / "sscard-e2e-not-json.json";
  std::ofstream(bad) << "{ \"format\": ";
  auto run = run_process({sscard_binary(), "read", "--card", bad.string()});
  expect_one_line_error(run, 1, bad.string());
  fs::remove(bad);
}

TEST(CliErrors, UnknownCommandIsAUsageError) {
  expect_one_line_error(run_process({sscard_binary(), "fly"}), 2, "unknown command");
}

TEST(CliErrors, UnknownFormatIsAUsageError) {
  auto run = run_process({sscard_binary(), "read", "--card", (kCards / "cq-yuzhong-gen2.json").string(),
                          "--format", "xml"});
  expect_one_line_error(run, 2, "--format");
}

TEST(CliErrors, ReadWithoutACardIsAUsageError) {
  expect_one_line_error(run_process({sscard_binary(), "read"}), 2, "--card");
}

TEST(CliErrors, UnknownOptionIsAUsageError) {
  expect_one_line_error(run_process({sscard_binary(), "read", "--colour", "red"}), 2, "--colour");
}

TEST(CliErrors, OptionWithoutValueIsAUsageError) {
  expect_one_line_error(run_process({sscard_binary(), "read", "--card"}), 2, "needs a value");
}

}  // namespace
}  // namespace sscard::test

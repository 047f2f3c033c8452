// The kiosk terminal end to end: the real `sscard` binary reads every bundled holder card through the HAL
// from the simulated reader, and its output is compared with expected files written from the profiles'
// documented data (tests/data/e2e). Also: the command lines of both programs (help, errors, exit codes) and
// `sscard-sim demo`. Every test runs the programs in its own state folder (ProgramTest).
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

const fs::path kExpected = fs::path(SSCARD_TEST_DATA_DIR) / "e2e";

// profile stem -> expected iReadCardBas line, from an iface.txt of tests/data/e2e.
std::map<std::string, std::string> expected_iface_lines(const fs::path& file) {
  std::map<std::string, std::string> expected;
  std::istringstream lines(read_file(file));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    expected[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return expected;
}

class CliReadTest : public ProgramTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(CliReadTest, JsonOutputMatchesTheHolderData) {
  auto run = this->run({sscard_binary(), "read", "--card", card(GetParam()), "--format", "json"});
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
  const auto expected = expected_iface_lines(kExpected / "iface.txt");
  ASSERT_TRUE(expected.count(GetParam())) << "no expected iface line for " << GetParam();
  auto run = this->run({sscard_binary(), "read", "--card", card(GetParam()), "--format", "iface"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, expected.at(GetParam()) + "\n");
}

// Without a PSAM, a 3rd-generation card withholds the personal fields; JSON and iface output say so in one
// note on stderr ("sscard read: note: ..."), the text output in its own last line.
TEST_P(CliReadTest, WithheldFieldsAreExplainedOnlyForThirdGeneration) {
  auto run = this->run({sscard_binary(), "read", "--card", card(GetParam()), "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto actual = nlohmann::json::parse(run.out);
  const bool third_generation = actual["spec_version"] == "3.00";
  EXPECT_EQ(actual["name"] == "", third_generation);
  if (third_generation) {
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_EQ(run.err.rfind("sscard read: note: ", 0), 0u) << run.err;
    EXPECT_NE(run.err.find("PSAM"), std::string::npos) << run.err;
  } else {
    EXPECT_EQ(run.err, "");
  }
}

TEST_P(CliReadTest, TextOutputShowsTheRegionAndCardId) {
  auto run = this->run({sscard_binary(), "read", "--card", card(GetParam())});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");  // the text carries the withheld-fields note itself
  const auto expected = nlohmann::json::parse(read_file(kExpected / (GetParam() + ".json")));
  EXPECT_NE(run.out.find(expected["card_id"].get<std::string>()), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(expected["region"].get<std::string>()), std::string::npos) << run.out;
  if (expected["name"] != "") {
    EXPECT_NE(run.out.find(expected["name"].get<std::string>()), std::string::npos) << run.out;
  } else {
    EXPECT_NE(run.out.find("PSAM"), std::string::npos) << run.out;
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

// ---------------------------------------------------------------------------------------------------------
// sscard-sim demo: the terminal's commands run in-process on every bundled card, then one card of each
// province served at the other province's test kiosk.

class CliDemo : public ProgramTest {};

TEST_F(CliDemo, ReadsEveryBundledCardAndServesEachProvincesCardInTheOther) {
  auto run = this->run({sscard_sim_binary(), "demo"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(run.err, "");
  const auto names = holder_profile_names();
  const auto lines = lines_of(run.out);
  for (const auto& n : names) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), n + ".json"), lines.end()) << n << " not read:\n" << run.out;
  }
  const std::string all = std::to_string(names.size());
  EXPECT_NE(run.out.find("\n" + all + " of " + all + " cards read\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("李秀英"), std::string::npos);

  // The PSAM-mode reads at the Chongqing kiosk give the expected lines (its PSAM is cards/psam/cq-kiosk.json).
  for (const auto& [profile, line] : expected_iface_lines(kExpected / "psam" / "iface.txt")) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), profile + ".json: " + line), lines.end())
        << profile << ":\n" << run.out;
  }

  const auto sc_at_cq = run.out.find("\nsc-suining-gen3.json at cq-tongnan.json:\n");
  const auto cq_at_sc = run.out.find("\ncq-yuzhong-gen2.json at sc-suining.json:\n");
  ASSERT_NE(sc_at_cq, std::string::npos) << run.out;
  ASSERT_NE(cq_at_sc, std::string::npos) << run.out;
  ASSERT_LT(sc_at_cq, cq_at_sc);
  const std::string sc_part = run.out.substr(sc_at_cq, cq_at_sc - sc_at_cq);
  const auto payments = run.out.find("\n4. Chuan-Yu payments");
  ASSERT_NE(payments, std::string::npos) << run.out;
  const std::string cq_part = run.out.substr(cq_at_sc, payments - cq_at_sc);
  EXPECT_NE(sc_part.find("query: done\n"), std::string::npos) << sc_part;
  EXPECT_NE(sc_part.find("王德全"), std::string::npos) << sc_part;
  EXPECT_NE(sc_part.find("home issuer Sichuan, served by Chongqing"), std::string::npos) << sc_part;
  EXPECT_NE(cq_part.find("query: done\n"), std::string::npos) << cq_part;
  EXPECT_NE(cq_part.find("李秀英"), std::string::npos) << cq_part;
  EXPECT_NE(cq_part.find("home issuer Chongqing, served by Sichuan"), std::string::npos) << cq_part;

  // Each province's card pays at the other province's kiosk: approved online by its home issuer, RSA data
  // authentication on the 2nd-generation card, SM2 on the 3rd-generation one, each card's first transaction.
  const std::string pay_part = run.out.substr(payments);
  const auto chengdu = pay_part.find("\nsc-chengdu-gen2.json at cq-tongnan.json:\npay: approved\n");
  const auto tongnan = pay_part.find("\ncq-tongnan-gen3.json at sc-suining.json:\npay: approved\n");
  ASSERT_NE(chengdu, std::string::npos) << pay_part;
  ASSERT_NE(tongnan, std::string::npos) << pay_part;
  EXPECT_NE(pay_part.find("card: 620051*********2011, ATC 1, data authentication cda"), std::string::npos) << pay_part;
  EXPECT_NE(pay_part.find("card: 620050*********3017, ATC 1, data authentication sm2-dda"), std::string::npos)
      << pay_part;
  EXPECT_NE(pay_part.find("home issuer Sichuan, served by Chongqing"), std::string::npos) << pay_part;
  EXPECT_NE(pay_part.find("home issuer Chongqing, served by Sichuan"), std::string::npos) << pay_part;

  // A second run sees what the first changed and trips over nothing: the reads and queries give the same
  // output (the cards remember, the simulated issuers keep their databases, the demo prints no request key),
  // and the payments are approved again with each card's next ATC.
  auto again = this->run({sscard_sim_binary(), "demo"});
  EXPECT_EQ(again.exit_code, 0) << again.err << again.out;
  ASSERT_EQ(again.out.substr(0, payments), run.out.substr(0, payments));
  EXPECT_NE(again.out.find("card: 620051*********2011, ATC 2, data authentication cda"), std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find("card: 620050*********3017, ATC 2, data authentication sm2-dda"), std::string::npos)
      << again.out;
}

// ---------------------------------------------------------------------------------------------------------
// Help and version: on stdout, exit code 0.

class CliHelp : public ProgramTest {
 protected:
  void expect_help(const std::vector<std::string>& argv, const std::string& usage) {
    auto run = this->run(argv);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.err, "");
    EXPECT_NE(run.out.find("Usage: " + usage), std::string::npos) << run.out;
  }
};

TEST_F(CliHelp, SscardHelpListsEveryCommand) {
  auto run = this->run({sscard_binary(), "--help"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_NE(run.out.find("Usage: sscard [OPTIONS] SUBCOMMAND"), std::string::npos) << run.out;
  for (const char* command : {"read", "pin", "query", "activate", "report-loss", "cancel-loss", "certify", "recover",
                              "kiosk", "version"}) {
    EXPECT_NE(run.out.find("\n  " + std::string(command) + " "), std::string::npos) << command << "\n" << run.out;
  }
}

TEST_F(CliHelp, ReadHelpShowsItsOptions) {
  auto run = this->run({sscard_binary(), "read", "--help"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_NE(run.out.find("Usage: sscard read [OPTIONS]"), std::string::npos) << run.out;
  for (const char* option : {"--config", "--card", "--reader-name", "--wait", "--psam", "--psam-reader", "--no-psam",
                             "--fresh", "--format", "--device-number"}) {
    EXPECT_NE(run.out.find(std::string("  ") + option + " "), std::string::npos) << option << "\n" << run.out;
  }
  EXPECT_EQ(run.out.find("--reader pcsc"), std::string::npos) << "the old option is gone";
  EXPECT_EQ(run.out.find("--state"), std::string::npos) << "the old option is gone";
}

TEST_F(CliHelp, EverySscardCommandHasItsOwnHelp) {
  const std::vector<std::vector<std::string>> commands = {
      {"read"},   {"pin"},         {"pin", "verify"}, {"pin", "change"},      {"pin", "unblock"}, {"pin", "reload"},
      {"query"},  {"activate"},    {"report-loss"},   {"cancel-loss"},        {"certify"},        {"recover"},
      {"kiosk"},  {"version"}};
  for (const auto& words : commands) {
    std::vector<std::string> argv = {sscard_binary()};
    argv.insert(argv.end(), words.begin(), words.end());
    argv.push_back("--help");
    std::string usage = "sscard";
    for (const auto& w : words) usage += " " + w;
    SCOPED_TRACE(usage);
    expect_help(argv, usage);
  }
}

TEST_F(CliHelp, SscardSimHelpListsEveryCommand) {
  auto run = this->run({sscard_sim_binary(), "--help"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_NE(run.out.find("Usage: sscard-sim [OPTIONS] SUBCOMMAND"), std::string::npos) << run.out;
  for (const char* command : {"vicc", "host", "hub", "demo", "card", "world", "provision", "version"}) {
    EXPECT_NE(run.out.find("\n  " + std::string(command) + " "), std::string::npos) << command << "\n" << run.out;
  }
}

TEST_F(CliHelp, EverySscardSimCommandHasItsOwnHelp) {
  const std::vector<std::vector<std::string>> commands = {
      {"vicc"}, {"host"}, {"hub"}, {"demo"}, {"card", "show"}, {"card", "reset"}, {"world", "reset"}, {"provision"},
      {"version"}};
  for (const auto& words : commands) {
    std::vector<std::string> argv = {sscard_sim_binary()};
    argv.insert(argv.end(), words.begin(), words.end());
    argv.push_back("--help");
    std::string usage = "sscard-sim";
    for (const auto& w : words) usage += " " + w;
    SCOPED_TRACE(usage);
    expect_help(argv, usage);
  }
}

TEST_F(CliHelp, VersionIsTheSameAsCommandAndAsOption) {
  auto command = this->run({sscard_binary(), "version"});
  auto option = this->run({sscard_binary(), "--version"});
  EXPECT_EQ(command.exit_code, 0);
  EXPECT_EQ(option.exit_code, 0);
  EXPECT_EQ(command.out.rfind("sscard ", 0), 0u) << command.out;
  EXPECT_EQ(std::count(command.out.begin(), command.out.end(), '\n'), 1) << command.out;
  EXPECT_EQ(command.out, option.out);
  auto sim = this->run({sscard_sim_binary(), "version"});
  EXPECT_EQ(sim.exit_code, 0);
  EXPECT_EQ(sim.out, "sscard-sim " + command.out.substr(std::string("sscard ").size()));
}

// ---------------------------------------------------------------------------------------------------------
// Errors: a non-zero exit, one line on stderr that names the command and says what is wrong, nothing on
// stdout. Exit code 2 when the command line is wrong (nothing was done), 1 when the work failed.

class CliErrors : public ProgramTest {};

TEST_F(CliErrors, UnknownOptionNamesTheCommandAndTheOption) {
  auto run = this->run({sscard_binary(), "read", "--card", card("sc-chengdu-gen2"), "--population", "5"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "sscard read: unknown option --population; see `sscard read --help`\n");
}

TEST_F(CliErrors, UnknownOptionBeforeItsValueIsAUsageError) {
  expect_one_line_error(this->run({sscard_binary(), "read", "--colour", "red"}), 2, "sscard read", {"--colour"});
}

TEST_F(CliErrors, VersionTakesNoOptions) {
  expect_one_line_error(this->run({sscard_binary(), "version", "--card", "x"}), 2, "sscard version", {"--card"});
}

TEST_F(CliErrors, UnknownCommandIsAUsageError) {
  expect_one_line_error(this->run({sscard_binary(), "fly"}), 2, "sscard", {"unknown command", "fly"});
  expect_one_line_error(this->run({sscard_sim_binary(), "fly"}), 2, "sscard-sim", {"unknown command", "fly"});
}

TEST_F(CliErrors, NoCommandIsAUsageError) {
  expect_one_line_error(this->run({sscard_binary()}), 2, "sscard", {"a command is required"});
  expect_one_line_error(this->run({sscard_sim_binary()}), 2, "sscard-sim", {"a command is required"});
}

TEST_F(CliErrors, TheOldCommandsAreGoneFromSscard) {
  // vicc, host, hub and demo moved to sscard-sim.
  for (const char* moved : {"vicc", "host", "hub", "demo"}) {
    SCOPED_TRACE(moved);
    expect_one_line_error(this->run({sscard_binary(), moved}), 2, "sscard", {"unknown command", moved});
  }
}

// The parser checks that a profile file exists: a missing one is a command-line error (exit 2) that names
// the option and the file, not a failed read.
TEST_F(CliErrors, MissingProfileFileIsACommandLineErrorNamingTheFile) {
  auto run = this->run({sscard_binary(), "read", "--card", "/nonexistent/card.json"});
  expect_one_line_error(run, 2, "sscard read", {"--card", "/nonexistent/card.json", "does not exist"});
}

TEST_F(CliErrors, MalformedProfileNamesTheFileAndTheField) {
  const fs::path bad = dir() / "bad-date.json";
  std::string text = read_file(card("cq-yuzhong-gen2"));
  const std::string good = "\"birth_date\": \"19620315\"";
  const auto at = text.find(good);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, good.size(), "\"birth_date\": \"19621345\"");
  std::ofstream(bad) << text;
  expect_one_line_error(this->run({sscard_binary(), "read", "--card", bad.string()}), 1, "sscard read",
                        {bad.string(), "birth_date", "19621345"});
  expect_setup_failure_of_a_json_read(this->run({sscard_binary(), "read", "--card", bad.string(), "--format", "json"}),
                                      {bad.string(), "birth_date", "19621345"});
}

TEST_F(CliErrors, NotJsonAtAll) {
  const fs::path bad = dir() / "not-json.json";
  std::ofstream(bad) << "{ \"format\": ";
  auto run = this->run({sscard_binary(), "read", "--card", bad.string()});
  expect_one_line_error(run, 1, "sscard read", {bad.string(), "not valid JSON"});
}

TEST_F(CliErrors, UnknownFormatIsAUsageError) {
  auto run = this->run({sscard_binary(), "read", "--card", card("cq-yuzhong-gen2"), "--format", "xml"});
  expect_one_line_error(run, 2, "sscard read", {"--format", "xml"});
}

TEST_F(CliErrors, OptionWithoutValueIsAUsageError) {
  expect_one_line_error(this->run({sscard_binary(), "read", "--card"}), 2, "sscard read", {"--card", "missing"});
}

// A simulated card and a PC/SC reader name are two card sources: one at a time.
TEST_F(CliErrors, CardAndReaderNameTogetherAreAUsageError) {
  auto run = this->run({sscard_binary(), "read", "--card", card("cq-yuzhong-gen2"), "--reader-name", "Virtual PCD"});
  expect_one_line_error(run, 2, "sscard read", {"--card", "--reader-name"});
}

TEST_F(CliErrors, MissingConfigurationFileIsACommandLineError) {
  const std::string missing = (dir() / "no-such-kiosk.json").string();
  auto run = this->run({sscard_binary(), "read", "--config", missing, "--card", card("cq-yuzhong-gen2")});
  expect_one_line_error(run, 2, "sscard read", {"--config", missing});
}

TEST_F(CliErrors, BrokenConfigurationNamesTheFileAndTheField) {
  const fs::path broken = dir() / "kiosk.json";
  std::ofstream(broken) << "{}\n";
  auto run = this->run({sscard_binary(), "read", "--config", broken.string(), "--card", card("cq-yuzhong-gen2")});
  expect_one_line_error(run, 1, "sscard read", {broken.string(), "format"});
}

// The device number is field 11 of a '|'-separated line: '|' or a line break in it would break the line.
TEST_F(CliErrors, DeviceNumberThatWouldBreakTheIfaceLineIsAUsageError) {
  for (const std::string& number : std::vector<std::string>{"A|B", "A\nB", "KIOSK\t7", std::string(33, '7')}) {
    SCOPED_TRACE(number);
    auto run = this->run({sscard_binary(), "read", "--card", card("cq-yuzhong-gen2"), "--device-number", number,
                          "--format", "iface"});
    expect_one_line_error(run, 2, "sscard read", {"--device-number"});
  }
}

TEST_F(CliErrors, AValidDeviceNumberIsFieldElevenWithoutAPsam) {
  auto run = this->run({sscard_binary(), "read", "--card", card("cq-yuzhong-gen2"), "--device-number", "KIOSK-7",
                        "--format", "iface"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto expected = expected_iface_lines(kExpected / "iface.txt").at("cq-yuzhong-gen2");
  ASSERT_EQ(expected.substr(expected.size() - 2), "||");
  EXPECT_EQ(run.out, expected.substr(0, expected.size() - 1) + "KIOSK-7|\n");
}

}  // namespace
}  // namespace sscard::test

// sscard read --contactless (docs/CONTACTLESS.md §1, §8): the bundled 3rd-generation cards read in the
// simulated reader's field give the lines and JSON documents written from their profiles (tests/data/e2e,
// the same as on the contacts: the historical bytes are the same on both interfaces); a 2nd-generation card
// is refused there with one clear line; the card's PIN counter is one for both interfaces.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "program_test.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;

const fs::path kExpected = fs::path(SSCARD_TEST_DATA_DIR) / "e2e";

// profile stem -> expected iReadCardBas line.
std::map<std::string, std::string> expected_lines(const fs::path& file) {
  std::map<std::string, std::string> expected;
  std::istringstream lines(read_file(file));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    expected[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return expected;
}

class CliContactlessReadTest : public ProgramTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(CliContactlessReadTest, PlainReadInTheField) {
  auto run = this->run({sscard_binary(), "read", "--contactless", "--card", card(GetParam()), "--format", "iface"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, expected_lines(kExpected / "iface.txt").at(GetParam()) + "\n");
}

TEST_P(CliContactlessReadTest, PsamModeReadInTheField) {
  auto run = this->run({sscard_binary(), "read", "--contactless", "--card", card(GetParam()), "--psam",
                        psam("cq-kiosk"), "--format", "iface"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, expected_lines(kExpected / "psam" / "iface.txt").at(GetParam()) + "\n");

  auto json = this->run({sscard_binary(), "read", "--contactless", "--card", card(GetParam()), "--psam",
                         psam("cq-kiosk"), "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::ordered_json::parse(json.out),
            nlohmann::ordered_json::parse(read_file(kExpected / "psam" / (GetParam() + ".json"))));
}

INSTANTIATE_TEST_SUITE_P(ThirdGeneration, CliContactlessReadTest,
                         ::testing::Values("cq-tongnan-gen3", "sc-suining-gen3"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param == "cq-tongnan-gen3" ? std::string("tongnan") : std::string("suining"); });

using CliContactlessTest = ProgramTest;

TEST_F(CliContactlessTest, ASecondGenerationCardIsRefusedInTheField) {
  auto run = this->run({sscard_binary(), "read", "--contactless", "--card", card("cq-yuzhong-gen2")});
  expect_one_line_error(run, 1, "sscard read", {"contactless", "3rd-generation", "(-2)"});

  // With --format json the code is on stdout too.
  auto json = this->run({sscard_binary(), "read", "--contactless", "--card", card("sc-chengdu-gen2"), "--format", "json"});
  EXPECT_EQ(json.exit_code, 1);
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["error"]["code"], -2);
  EXPECT_NE(j["error"]["message"].get<std::string>().find("contactless"), std::string::npos);
}

TEST_F(CliContactlessTest, ThePinCounterIsTheSameOnBothInterfaces) {
  // A wrong PIN in the field, then one on the contacts: the second counts from the first.
  auto field = this->run({sscard_binary(), "pin", "verify", "--contactless", "--card", card("cq-tongnan-gen3"),
                          "--pinpad", "sim:111111"});
  EXPECT_NE(field.exit_code, 0);
  EXPECT_NE(field.err.find("5 tries left"), std::string::npos) << field.err;
  auto contact = this->run({sscard_binary(), "pin", "verify", "--card", card("cq-tongnan-gen3"), "--pinpad",
                            "sim:111111"});
  EXPECT_NE(contact.exit_code, 0);
  EXPECT_NE(contact.err.find("4 tries left"), std::string::npos) << contact.err;
}

}  // namespace
}  // namespace sscard::test

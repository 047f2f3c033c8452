// Power cut at every page write of every state-changing command of the simulated card (docs/TEARING.md).
//   SSCARD_TEARING_TABLE=FILE  append each command's row of the docs table to FILE
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "scenarios.h"
#include "sscard/crypto/openssl.h"

namespace sscard::sim::tearing {
namespace {

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = all_scenarios();
  return all;
}

std::string test_name(const std::string& scenario) {
  std::string s = scenario;
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

class Tearing : public ::testing::TestWithParam<std::size_t> {};

TEST_P(Tearing, EveryCutLeavesTheLastCommittedStateAndTheInvariants) {
  const Scenario& scenario = scenarios()[GetParam()];
  const ScenarioReport report = run_scenario(scenario, Options{});
  for (const std::string& e : report.script_errors) ADD_FAILURE() << scenario.name << ": the clean run: " << e;
  ASSERT_FALSE(report.commands.empty()) << scenario.name << ": no command wrote the card";

  std::ofstream table;
  if (const char* path = std::getenv("SSCARD_TEARING_TABLE")) table.open(path, std::ios::app);
  for (const CommandReport& c : report.commands) {
    EXPECT_GT(c.runs, 0u);
    EXPECT_EQ(c.cut_points, 2 * c.writes + 1) << c.label;
    EXPECT_EQ(c.inconsistent, 0u) << scenario.name << " / " << c.label << ": " << c.inconsistent << " of " << c.runs
                                  << " runs inconsistent; first: " << (c.failures.empty() ? "" : c.failures.front());
    for (const std::string& f : c.failures) ADD_FAILURE() << scenario.name << " / " << c.label << " / " << f;
    std::printf("| %s | %s | %zu | %zu | %zu | %zu | %zu |\n", scenario.name.c_str(), c.label.c_str(), c.writes,
                c.cut_points, c.recovery_cuts, c.runs, c.inconsistent);
    if (table) {
      table << "| " << scenario.name << " | " << c.label << " | " << c.writes << " | " << c.cut_points << " | "
            << c.recovery_cuts << " | " << c.runs << " | " << c.inconsistent << " |\n";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Tearing, ::testing::Range<std::size_t>(0, all_scenarios().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& param) {
                           return test_name(all_scenarios()[param.param].name);
                         });

// The commands the harness must reach: every state-changing command of both applications writes in the
// clean runs, so each is cut.
TEST(TearingCoverage, EveryStateChangingCommandWritesInSomeScenario) {
  std::set<std::string> writing;
  auto crypto = crypto::make_openssl_crypto();
  for (const Scenario& scenario : scenarios()) {
    auto card = scenario.make_card();
    card->set_random_source(repeatable_random());
    card->power_on();
    Session session(*card, *crypto);
    scenario.script(session);
    EXPECT_TRUE(session.script_errors().empty()) << scenario.name << ": " << session.script_errors().front();
    for (const Session::Event& e : session.events()) {
      if (e.writes > 0) writing.insert(e.label);
    }
  }
  for (const char* command : {
           "VERIFY (wrong PIN)", "VERIFY (right PIN)", "VERIFY (wrong PIN, the last try)", "CHANGE PIN", "PIN RELOAD",
           "PIN UNBLOCK", "UPDATE RECORD (00 DC, after EXTERNAL AUTHENTICATE)", "UPDATE RECORD (84 DC, MAC)",
           "APPLICATION BLOCK (temporary)", "APPLICATION UNBLOCK", "APPLICATION BLOCK (permanent)",
           "UPDATE BINARY (150 bytes, 10 pages)", "GET PROCESSING OPTIONS", "GET PROCESSING OPTIONS (SM set)",
           "VERIFY offline PIN (wrong)", "GENERATE AC 1 (ARQC)", "GENERATE AC 2 (TC, the log)",
           "script PUT DATA 9F58", "script UPDATE RECORD", "script APPLICATION BLOCK", "script PIN CHANGE",
           "GENERATE AC 1 (load ARQC)", "script PUT DATA 9F79 (the load)", "GENERATE AC 2 (load TC)",
           "GET PROCESSING OPTIONS (offline tap: the debit)", "READ RECORD 3 (the tap's last record: the tap is whole)",
           "SELECT payment (undoes the torn tap)"}) {
    EXPECT_TRUE(writing.count(command)) << command << " writes nothing in any scenario";
  }
}

// The harness itself catches a card that breaks the promise: a card whose command writes without its
// transaction (the journal off) is caught at a torn page.
TEST(TearingHarness, FindsACardWithoutTheTransaction) {
  Scenario scenario;
  scenario.name = "no-journal";
  scenario.make_card = [] {
    CardConfig config;
    config.protocol = CardProtocol::kT0;
    config.atr = Bytes{0x3B, 0x00};
    config.page_size = 16;
    config.transactions = false;
    auto card = std::make_unique<CardOs>(config);
    Bytes contents(64, 0x11);
    (void)card->file_system().add_transparent_ef(
        kMfNode, EfSpec{0x0015, 21, AccessCondition::always(), AccessCondition::always()}, contents, contents.size());
    return card;
  };
  scenario.script = [](Session& s) { s.expect("00D6950030" + std::string(96, 'A'), "9000", "UPDATE BINARY"); };
  scenario.probe = [](CardOs&) {
    Probe p;
    p.answers = true;
    return p;
  };
  const ScenarioReport report = run_scenario(scenario, Options{0});
  ASSERT_EQ(report.commands.size(), 1u);
  EXPECT_GE(report.commands[0].writes, 3u);
  EXPECT_GT(report.commands[0].inconsistent, 0u);
}

}  // namespace
}  // namespace sscard::sim::tearing

// sscard pay --contactless and sscard ecash (docs/CONTACTLESS.md §3, §4, §8) against the simulated cards and
// the simulated issuers inside sscard: offline approvals from e-cash at both kiosks with both 3rd-generation
// cards, an online approval above the e-cash balance, the contactless limit, a 2nd-generation card in the field,
// the balance, and the load with its crash and card-pull matrix (each run twice: the second sees the first).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "payment_crash_support.h"

namespace sscard::test {
namespace {

using crash::CrashKiosk;
using crash::Hook;
using crash::sql_int;

const std::string kSuiningPan = "6200515109004011018";
const std::string kSuiningPin = "258369";
const std::string kTongnanPin = "147258";

nlohmann::json parse(const ProcessOutput& run) {
  const nlohmann::json doc = nlohmann::json::parse(run.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << run.out << run.err;
  return doc.is_discarded() ? nlohmann::json::object() : doc;
}

class CliEcashTest : public CrashKiosk {
 protected:
  ProcessOutput tap(const std::string& kiosk, const std::string& card_name, const std::string& amount,
                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {sscard_binary(), "pay", "--contactless", "--config", kiosk, "--card",
                                     card(card_name), "--amount", amount, "--format", "json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
  }
  // sscard ecash SUB with the kiosk's options after SUB.
  std::vector<std::string> ecash(const std::string& sub, const std::vector<std::string>& rest) const {
    std::vector<std::string> argv = with_kiosk({sscard_binary(), sub});
    argv.insert(argv.begin() + 1, "ecash");
    argv.insert(argv.end(), rest.begin(), rest.end());
    return argv;
  }
  ProcessOutput balance(const std::string& card_name, bool contactless = false) {
    std::vector<std::string> argv = ecash("balance", {"--card", card(card_name), "--format", "json"});
    if (contactless) argv.push_back("--contactless");
    return run(argv);
  }
  ProcessOutput load(const std::string& amount, const std::vector<Hook>& hooks = {}) {
    return run_with(hooks, ecash("load", {"--card", card("sc-suining-gen3"), "--amount", amount, "--pinpad",
                                          "sim:" + kSuiningPin, "--format", "json"}));
  }
  std::string card_balance() { return parse(balance("sc-suining-gen3")).value("balance", std::string()); }
  std::optional<long long> bank() { return account("sc", kSuiningPan); }
  std::optional<long long> ecash_account_fen() {
    return sql_int(db("sc"), "SELECT account_fen FROM ecash_accounts WHERE pan = '" + kSuiningPan + "'");
  }
  std::optional<long long> unresolved() { return sql_int(journal(), "SELECT COUNT(*) FROM ecash_loads"); }
};

TEST_F(CliEcashTest, TheDemoTapIsApprovedOfflineWithSm2Fdda) {
  const ProcessOutput first = tap(kiosk_config("cq-tongnan"), "sc-suining-gen3", "2.00");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const nlohmann::json a = parse(first);
  EXPECT_EQ(a["outcome"], "approved");
  EXPECT_EQ(a["interface"], "contactless");
  EXPECT_EQ(a["oda"], "sm2-fdda");
  EXPECT_EQ(a["cryptogram"], "TC");
  EXPECT_EQ(a["online"], false);
  EXPECT_EQ(a["home_issuer"], "Sichuan");
  EXPECT_EQ(a["served_by"], "Chongqing");
  EXPECT_EQ(a["ecash_balance"], "48.00");  // 50.00 personalised (CONTACTLESS.md §2.4) - 2.00

  // The second tap sees the first: the next ATC and 2.00 less again.
  const nlohmann::json b = parse(tap(kiosk_config("cq-tongnan"), "sc-suining-gen3", "2.00"));
  EXPECT_EQ(b["outcome"], "approved");
  EXPECT_EQ(b["atc"].get<int>(), a["atc"].get<int>() + 1);
  EXPECT_EQ(b["ecash_balance"], "46.00");
  EXPECT_EQ(card_balance(), "46.00");
}

TEST_F(CliEcashTest, BothCardsAreApprovedOfflineAtBothKiosks) {
  for (const std::string kiosk : {"cq-tongnan", "sc-suining"}) {
    for (const std::string name : {"cq-tongnan-gen3", "sc-suining-gen3"}) {
      const ProcessOutput r = tap(kiosk_config(kiosk), name, "1.00");
      ASSERT_EQ(r.exit_code, 0) << kiosk << " " << name << ": " << r.err;
      const nlohmann::json j = parse(r);
      EXPECT_EQ(j["outcome"], "approved");
      EXPECT_EQ(j["online"], false);
      EXPECT_EQ(j["home_issuer"], name == "cq-tongnan-gen3" ? "Chongqing" : "Sichuan");
    }
  }
}

TEST_F(CliEcashTest, AnAmountAboveTheEcashBalanceGoesOnline) {
  const ProcessOutput r = tap(kiosk_config("sc-suining"), "sc-suining-gen3", "60.00");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json j = parse(r);
  EXPECT_EQ(j["outcome"], "approved");
  EXPECT_EQ(j["online"], true);
  EXPECT_EQ(j["response_code"], "00");
  EXPECT_EQ(j["oda"], "none");
  EXPECT_EQ(j["cvm"], "none");
  EXPECT_EQ(j["reversal"], "none");
  EXPECT_EQ(bank(), 500000 - 6000);  // the profile's account_fen less 60.00
  EXPECT_EQ(card_balance(), "50.00");  // e-cash untouched by an online purchase
  EXPECT_EQ(owed(), 0);
}

TEST_F(CliEcashTest, AtTheContactlessLimitTheHolderIsSentToTheContacts) {
  const ProcessOutput r = tap(kiosk_config("cq-tongnan"), "sc-suining-gen3", "1000.00");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("contact interface"), std::string::npos) << r.err;
}

TEST_F(CliEcashTest, AGenerationTwoCardIsNotInTheField) {
  const ProcessOutput r = tap(kiosk_config("cq-tongnan"), "sc-chengdu-gen2", "2.00");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no card in the contactless field"), std::string::npos) << r.err;
}

TEST_F(CliEcashTest, TheBalanceAndLimitsOnBothInterfaces) {
  for (bool contactless : {false, true}) {
    const ProcessOutput r = balance("sc-suining-gen3", contactless);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json j = parse(r);
    EXPECT_EQ(j["interface"], contactless ? "contactless" : "contact");
    EXPECT_EQ(j["balance"], "50.00");
    EXPECT_EQ(j["balance_limit"], "1000.00");
    EXPECT_EQ(j["single_limit"], "500.00");
    EXPECT_EQ(j["reset_threshold"], "10.00");
  }
}

TEST_F(CliEcashTest, ALoadMovesTheMoneyOnceAndTheSecondSeesTheFirst) {
  for (int i = 1; i <= 2; ++i) {
    const ProcessOutput r = load("100.00");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const nlohmann::json j = parse(r);
    EXPECT_EQ(j["outcome"], "approved");
    EXPECT_EQ(j["load"], "loaded");
    EXPECT_EQ(j["balance_before"], i == 1 ? "50.00" : "150.00");
    EXPECT_EQ(j["balance_after"], i == 1 ? "150.00" : "250.00");
    EXPECT_EQ(j["confirmation"], "sent");
    EXPECT_EQ(bank(), 500000 - 10000 * i);
    EXPECT_EQ(ecash_account_fen(), 5000 + 10000 * i);
  }
  EXPECT_EQ(card_balance(), "250.00");
  EXPECT_EQ(owed(), 0);
  EXPECT_EQ(unresolved(), 0);
}

TEST_F(CliEcashTest, ALoadPastTheLimitIsDeclinedAndNothingMoves) {
  const ProcessOutput r = load("960.00");  // 50.00 + 960.00 > 1000.00
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(parse(r)["response_code"], "61");
  EXPECT_EQ(bank(), 500000);
  EXPECT_EQ(card_balance(), "50.00");
  EXPECT_EQ(owed(), 0);
  EXPECT_EQ(unresolved(), 0);
}

// A load killed or with the card pulled at each step: the next `sscard ecash` with the card settles it, and
// the card's e-cash and the bank account agree (bank + card = start), each step run twice in a row.
class CliEcashCrashTest : public CliEcashTest, public ::testing::WithParamInterface<std::pair<std::string, std::string>> {};

TEST_P(CliEcashCrashTest, TheNextEcashCommandSettlesTheLoadExactlyOnce) {
  const auto& [hook, step] = GetParam();
  for (int round = 0; round < 2; ++round) {
    const ProcessOutput r = load("100.00", {{hook, step}});
    EXPECT_NE(r.exit_code, 0) << step << ": " << r.out << r.err;
    const ProcessOutput settled = balance("sc-suining-gen3");
    EXPECT_EQ(settled.exit_code, 0) << step << ": " << settled.out << settled.err;
    const ProcessOutput rec = recover();
    EXPECT_EQ(rec.exit_code, 0) << rec.out << rec.err;
    EXPECT_EQ(unresolved(), 0) << step;
    EXPECT_EQ(owed(), 0) << step;
    const std::string card = card_balance();
    const long long card_fen = std::stoll(card.substr(0, card.find('.'))) * 100;
    EXPECT_EQ(bank().value_or(-1) + card_fen, 500000 + 5000) << step << " round " << round;
    EXPECT_EQ(ecash_account_fen(), card_fen) << step;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Steps, CliEcashCrashTest,
    ::testing::Values(std::pair{"SSCARD_TEST_CRASH_AT", "after-arm"}, std::pair{"SSCARD_TEST_CRASH_AT", "after-answer"},
                      std::pair{"SSCARD_TEST_CRASH_AT", "after-approval"},
                      std::pair{"SSCARD_TEST_CRASH_AT", "after-gac2"},
                      std::pair{"SSCARD_TEST_CRASH_AT", "after-balance"},
                      std::pair{"SSCARD_TEST_PULL_CARD_AT", "after-answer"},
                      std::pair{"SSCARD_TEST_PULL_CARD_AT", "after-gac2"}),
    [](const auto& p) {
      std::string name = std::string(p.param.first == "SSCARD_TEST_CRASH_AT" ? "crash_" : "pull_") + p.param.second;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

// An interrupted load, then offline rides that spend e-cash before the card is read at a kiosk again: its balance
// then matches neither "before" nor "before + amount", and only the card's load log (JR/T 0025.13 5.8) tells
// whether the script ran (CONTACTLESS.md §4).
class CliEcashLoadLogTest : public CliEcashTest {
 protected:
  // One offline ride of 2.00 on the Chongqing bus, charged from e-cash.
  void ride() {
    const ProcessOutput t = run({sscard_binary(), "transit", "tap", "--config",
                                 (cards_dir() / "validators" / "cq-bus-0101.json").string(), "--card",
                                 card("sc-suining-gen3"), "--format", "json"});
    ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
    const nlohmann::json j = parse(t);
    EXPECT_EQ(j["gate"], "open");
    EXPECT_EQ(j["kind"], "offline");
    EXPECT_EQ(j["fare"], "2.00");
  }
  std::optional<long long> requests(int operation, const std::string& state) {
    return sql_int(journal(), "SELECT COUNT(*) FROM requests WHERE operation = " + std::to_string(operation) +
                                  " AND state = '" + state + "'");
  }
  std::optional<long long> armed() { return sql_int(journal(), "SELECT COUNT(*) FROM armed"); }

  // The load of 100.00 killed at `step`, then `rides` rides; the next `sscard ecash balance` settles it.
  nlohmann::json interrupted_load_then_rides(const std::string& step, int rides) {
    const ProcessOutput killed = load("100.00", {{"SSCARD_TEST_CRASH_AT", step}});
    EXPECT_EQ(killed.exit_code, -1) << step << ": " << killed.out << killed.err;  // SIGKILL at the point
    EXPECT_EQ(unresolved(), 1);
    EXPECT_EQ(armed(), 1);
    for (int i = 0; i < rides; ++i) ride();
    const ProcessOutput settled = balance("sc-suining-gen3");
    EXPECT_EQ(settled.exit_code, 0) << settled.out << settled.err;
    return parse(settled);
  }
};

TEST_F(CliEcashLoadLogTest, AScriptThatRanIsConfirmedFromTheLoadLogAfterRides) {
  // Killed after GAC2: the PUT DATA 9F79 script ran, 50.00 -> 150.00, then two rides: 146.00.
  const nlohmann::json j = interrupted_load_then_rides("after-gac2", 2);
  EXPECT_EQ(j["balance"], "146.00");
  ASSERT_EQ(j["loads_resolved"].size(), 1u) << j.dump();
  EXPECT_EQ(j["loads_resolved"][0]["amount"], "100.00");
  EXPECT_EQ(j["loads_resolved"][0]["balance_before"], "50.00");
  EXPECT_EQ(j["loads_resolved"][0]["resolution"], "confirmed");
  EXPECT_EQ(j["loads_resolved"][0]["decided_by"], "load_log");
  EXPECT_EQ(j["loads_resolved"][0]["follow_up"], "sent");
  // The journal: nothing unresolved, nothing armed, the confirmation (0A) answered, no reversal (07).
  EXPECT_EQ(unresolved(), 0);
  EXPECT_EQ(armed(), 0);
  EXPECT_EQ(requests(0x0A, "done"), 1);
  EXPECT_EQ(requests(0x07, "done"), 0);
  EXPECT_EQ(owed(), 0);
  // The issuer keeps the load: the bank account paid 100.00 and the e-cash account holds it (the rides are
  // cleared by the validator's upload).
  EXPECT_EQ(bank(), 500000 - 10000);
  EXPECT_EQ(ecash_account_fen(), 5000 + 10000);
  const ProcessOutput up = run({sscard_binary(), "transit", "upload", "--config",
                                (cards_dir() / "validators" / "cq-bus-0101.json").string()});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(ecash_account_fen(), 14600);
  EXPECT_EQ(card_balance(), "146.00");
  // Read again: nothing left to settle.
  EXPECT_EQ(parse(balance("sc-suining-gen3"))["loads_resolved"].size(), 0u);
}

TEST_F(CliEcashLoadLogTest, AScriptThatNeverRanIsReversedFromTheLoadLogAfterARide) {
  // Killed once the issuer's answer was in, before GAC2 and the script: the card stays at 50.00, then a ride.
  const nlohmann::json j = interrupted_load_then_rides("after-answer", 1);
  EXPECT_EQ(j["balance"], "48.00");
  ASSERT_EQ(j["loads_resolved"].size(), 1u) << j.dump();
  EXPECT_EQ(j["loads_resolved"][0]["resolution"], "reversed");
  EXPECT_EQ(j["loads_resolved"][0]["decided_by"], "load_log");
  EXPECT_EQ(j["loads_resolved"][0]["follow_up"], "sent");
  EXPECT_EQ(unresolved(), 0);
  EXPECT_EQ(armed(), 0);
  EXPECT_EQ(requests(0x07, "done"), 1);
  EXPECT_EQ(requests(0x0A, "done"), 0);
  EXPECT_EQ(owed(), 0);
  // The issuer gave the money back: the bank account whole, the e-cash account as before the load.
  EXPECT_EQ(bank(), 500000);
  EXPECT_EQ(ecash_account_fen(), 5000);
  // The card's log holds no load at all: its one load never happened.
  const ProcessOutput up = run({sscard_binary(), "transit", "upload", "--config",
                                (cards_dir() / "validators" / "cq-bus-0101.json").string()});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(ecash_account_fen(), 4800);
  EXPECT_EQ(card_balance(), "48.00");
}

TEST_F(CliEcashLoadLogTest, TheLoadLogDecidesAgainstLaterLoadsOfTheSameCard) {
  // A load that never reached the card, a ride, then a complete load, whose run settles the first from the log
  // (the balance before it, 48.00, matches neither 50.00 nor 150.00).
  const ProcessOutput killed = load("100.00", {{"SSCARD_TEST_CRASH_AT", "after-answer"}});
  EXPECT_EQ(killed.exit_code, -1) << killed.out << killed.err;
  ride();
  const ProcessOutput second = load("20.00");
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  const nlohmann::json j = parse(second);
  EXPECT_EQ(j["balance_before"], "48.00");
  EXPECT_EQ(j["balance_after"], "68.00");
  ASSERT_EQ(j["loads_resolved"].size(), 1u) << j.dump();
  EXPECT_EQ(j["loads_resolved"][0]["amount"], "100.00");
  EXPECT_EQ(j["loads_resolved"][0]["resolution"], "reversed");
  EXPECT_EQ(j["loads_resolved"][0]["decided_by"], "load_log");
  EXPECT_EQ(unresolved(), 0);
  EXPECT_EQ(owed(), 0);
  EXPECT_EQ(bank(), 500000 - 2000);
  EXPECT_EQ(ecash_account_fen(), 5000 + 2000);
}

}  // namespace
}  // namespace sscard::test

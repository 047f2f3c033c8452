// Exactly-once money for medical settlement (docs/PAYMENT.md §10, §11) with real processes: the 异地就医 example
// of §11, the Sichuan holder sc-chengdu-gen2 at the Chongqing kiosk, inpatient 14000.00 yuan -> insured 10400.00,
// 3524.18 from the medical-insurance account (all of it), 75.82 from the card; the settlement goes kiosk ->
// Chongqing host -> hub -> Sichuan host, which takes both shares in one transaction. `sscard settle` is ended at
// each step of the arming sequence (SSCARD_TEST_CRASH_AT, SIGKILL), the card pulled (SSCARD_TEST_PULL_CARD_AT),
// the kiosk, the hub or the home issuer's host killed while the settlement waits. After `sscard recover` the
// bank account and the medical-insurance balance both hold their seeded amounts (cards/sc-chengdu-gen2.json
// `benefits`) minus what the approved settlements took, the journal owes nothing and `sscard totals` balances.
// The same bill settled with the holder's medical code of the electronic card (docs/ESSC.md), which has no card
// step, is ended at each journal write and exchange and with the kiosk killed from outside.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "payment_crash_support.h"

namespace sscard::test {
namespace {

using crash::sql_int;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kChengduPan[] = "6200515101008092011";  // sc-chengdu-gen2 (PAYMENT.md §2)
constexpr char kChengduSsn[] = "510107199006110026";
constexpr long long kSeededAccount = 80000;    // benefits.account_fen
constexpr long long kSeededMedical = 352418;   // benefits.medical_balance_fen
// §11 applied to the bill by Sichuan's inpatient rule (deductible 100000, 80 %): personal 360000 fen.
constexpr long long kMedicalShare = 352418;
constexpr long long kCardShare = 7582;

class SettleCrash : public crash::CrashKiosk {
 protected:
  // The kiosk waits longer than the stalled hub of SettleCrashProcesses takes to answer the quote.
  std::vector<std::string> settle_argv() const {
    return with_kiosk({sscard_binary(), "settle", "--card", card("sc-chengdu-gen2"), "--total", "14000",
                       "--category", "inpatient", "--pinpad", "sim:246810,246810", "--timeout-ms", "8000",
                       "--attempts", "2", "--format", "json"});
  }
  ProcessOutput settle() const { return run(settle_argv()); }
  // The same bill with the holder's medical code (docs/ESSC.md), fresh for every run: a kiosk takes a code once.
  std::vector<std::string> code_argv() const {
    const ProcessOutput issued = run({sscard_sim_binary(), "platform", "issue", "--card", card("sc-chengdu-gen2"),
                                      "--purpose", "medical", "--format", "json"});
    EXPECT_EQ(issued.exit_code, 0) << issued.err;
    const json doc = json::parse(issued.out, nullptr, false);
    const std::string text = doc.is_discarded() ? std::string() : doc["text"].get<std::string>();
    return with_kiosk({sscard_binary(), "settle", "--essc-scanner", "sim:" + text, "--total", "14000", "--category",
                       "inpatient", "--timeout-ms", "8000", "--attempts", "2", "--format", "json"});
  }

  std::optional<long long> account() const { return CrashKiosk::account("sc", kChengduPan); }
  std::optional<long long> medical() const {
    return sql_int(db("sc"), std::string("SELECT medical_balance_fen FROM holders WHERE ssn = '") + kChengduSsn + "'");
  }
  bool both_shares_taken() const {
    return account() == kSeededAccount - kCardShare && medical() == kSeededMedical - kMedicalShare;
  }

  // After recovery: both balances hold their seeded amounts minus what approved settlements took (`kept` of
  // them), nothing is owed, and the kiosk and the Sichuan issuer count the same net settled shares.
  void expect_settled(long long kept) {
    const json sc = recover_and_expect_balanced();
    EXPECT_EQ(account(), kSeededAccount - kept * kCardShare);
    EXPECT_EQ(medical(), kSeededMedical - kept * kMedicalShare);
    ASSERT_FALSE(sc.empty());
    for (const char* side : {"kiosk", "issuer_totals"}) {
      SCOPED_TRACE(side);
      const json& t = sc[side];
      EXPECT_EQ(t["settled_medical_fen"].get<long long>() - t["settle_reversed_medical_fen"].get<long long>(),
                kept * kMedicalShare);
      EXPECT_EQ(t["settled_card_fen"].get<long long>() - t["settle_reversed_card_fen"].get<long long>(),
                kept * kCardShare);
    }
  }
};

// The kiosk provisioned against real `sscard-sim host` processes and the hub; the hosts and the hub allow a
// forwarded request 5 s, so a hub answering 2 s late still answers.
class SettleCrashProcesses : public SettleCrash {
 protected:
  void SetUp() override {
    start_issuer_processes("5000");
    if (HasFatalFailure()) return;
    skip_unless_hosts_decide_payments();
  }
  // The hub answers every message 2 s after the work is done: the quote still comes back, and the settlement
  // applied at the Sichuan host leaves the kiosk waiting long enough to kill something.
  std::unique_ptr<BackgroundProcess> settle_through_stalled_hub() {
    kill9(hub_);
    start_hub({"--stall-ms", "2000"});
    auto settling = start(settle_argv());
    EXPECT_TRUE(wait_until([&] { return both_shares_taken(); }, 30s)) << settling->err();
    return settling;
  }
};

// A hook `sscard settle` does not honour lets the settlement run to its end: name it and skip.
#define SKIP_IF_HOOK_IGNORED(ignored, hook, step)                                                         \
  if (ignored) {                                                                                          \
    GTEST_SKIP() << "`sscard settle` does not honour " << (hook) << "=" << (step)                         \
                 << " (no test checkpoint reaches the settlement's card part); the settlement ran to its end"; \
  }

TEST_F(SettleCrash, AnApprovedSettlementTakesBothSharesAndTheTotalsBalance) {
  const ProcessOutput run = settle();
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const json out = json::parse(run.out);
  EXPECT_EQ(out["outcome"], "approved");
  EXPECT_EQ(out["medical_account_paid"], "3524.18");
  EXPECT_EQ(out["card_paid"], "75.82");
  EXPECT_EQ(out["reversal"], "none");
  EXPECT_TRUE(both_shares_taken());
  EXPECT_EQ(owed(), 0);
  expect_settled(1);
}

// The kiosk dies at each step: what it armed is reversed with reason 04 by the next start, which gives back
// both shares whether the issuer had applied the settlement or never seen it (tombstone).
TEST_F(SettleCrash, AKioskKilledAtAnyStepIsMadeWholeByRecovery) {
  for (const char* step : {"after-arm", "after-answer", "after-approval", "after-gac2"}) {
    SCOPED_TRACE(step);
    const ProcessOutput crashed = run_with({{"SSCARD_TEST_CRASH_AT", step}}, settle_argv());
    SKIP_IF_HOOK_IGNORED(crashed.exit_code != -1, "SSCARD_TEST_CRASH_AT", step);
    EXPECT_EQ(crashed.out, "");
    EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM armed"), 1);  // the reversal was armed before the send
    expect_one_line_error(totals("text"), 1, "sscard totals", {"pending", "sscard recover"});
    expect_settled(0);
  }
}

// The card is pulled at each step: after the issuer's approval the GAC2 fails and the reversal (03), which
// undoes both shares, goes at once.
TEST_F(SettleCrash, ACardPulledAtAnyStepLeavesNoMoneyTaken) {
  for (const char* step : {"after-arm", "after-answer", "after-approval"}) {
    SCOPED_TRACE(step);
    const ProcessOutput pulled = run_with({{"SSCARD_TEST_PULL_CARD_AT", step}}, settle_argv());
    SKIP_IF_HOOK_IGNORED(pulled.exit_code == 0, "SSCARD_TEST_PULL_CARD_AT", step);
    EXPECT_EQ(pulled.exit_code, 1) << pulled.out << pulled.err;
    const json out = json::parse(pulled.out, nullptr, false);
    ASSERT_FALSE(out.is_discarded()) << pulled.out << pulled.err;
    EXPECT_NE(out["outcome"], "approved");
    EXPECT_EQ(out["response_code"], "00");
    EXPECT_EQ(out["reversal"], "sent");
    EXPECT_EQ(owed(), 0);
    EXPECT_EQ(account(), kSeededAccount);
    EXPECT_EQ(medical(), kSeededMedical);
  }
  // The kiosk is killed with the card-error reversal activated but not yet sent: recovery sends it.
  const ProcessOutput both = run_with({{"SSCARD_TEST_PULL_CARD_AT", "after-approval"},
                                       {"SSCARD_TEST_CRASH_AT", "after-activate"}},
                                      settle_argv());
  SKIP_IF_HOOK_IGNORED(both.exit_code != -1, "SSCARD_TEST_CRASH_AT", "after-activate");
  EXPECT_TRUE(both_shares_taken());  // approved at the issuer, not yet reversed
  EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM requests WHERE operation = 7 AND state = 'pending'"), 1);
  expect_settled(0);
}

// The kiosk is killed from outside (no hook) after the Sichuan host took both shares and before the answer
// came back: the armed reversal is sent by recovery and gives both back.
TEST_F(SettleCrashProcesses, TheKioskKilledWhileTheSettlementWaitsIsMadeWholeByRecovery) {
  auto settling = settle_through_stalled_hub();
  kill9(settling);
  EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM armed"), 1);
  expect_one_line_error(totals("text"), 1, "sscard totals", {"pending", "sscard recover"});
  kill9(hub_);
  start_hub({});
  expect_settled(0);
}

// The hub is killed after the Sichuan host applied the settlement and before its answer came back: no
// authenticated answer, the reversal (01) cannot get through either and stays pending (exit 3); with the hub
// back, recovery returns both shares.
TEST_F(SettleCrashProcesses, TheHubKilledMidExchangeLeavesAPendingReversalThatRecoveryCompletes) {
  auto settling = settle_through_stalled_hub();
  kill9(hub_);
  const auto code = settling->wait(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3) << settling->out() << settling->err();
  const json out = json::parse(settling->out(), nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << settling->out();
  EXPECT_EQ(out["reversal"], "pending");
  EXPECT_EQ(out["online"], false);
  EXPECT_EQ(out["medical_account_paid"], "0.00");
  EXPECT_EQ(out["card_paid"], "0.00");
  expect_one_line_error(totals("text"), 1, "sscard totals", {"pending", "sscard recover"});

  start_hub({});
  expect_settled(0);
}

// The home host is killed while the settlement waits in the hub: whatever it had applied is reversed.
TEST_F(SettleCrashProcesses, TheHomeHostKilledMidExchangeIsMadeWholeByRecovery) {
  auto settling = settle_through_stalled_hub();
  kill9(sc_);
  kill9(hub_);
  const auto code = settling->wait(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3) << settling->out() << settling->err();
  start_host("sc");
  start_hub({});
  expect_settled(0);
}

// The home host is down: unlike a payment, the settlement asks the home issuer for its quote first, so it
// stops there with nothing armed, sent or taken.
TEST_F(SettleCrashProcesses, TheHomeHostDownStopsAtTheQuoteWithNothingOwed) {
  kill9(sc_);
  const ProcessOutput run = settle();
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  const json out = json::parse(run.out, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << run.out << run.err;
  EXPECT_EQ(out["outcome"], "failed");
  EXPECT_EQ(out["reversal"], "none");
  EXPECT_EQ(owed(), 0);
  EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM armed"), 0);
  start_host("sc");
  expect_settled(0);
}

// ---- The same bill settled with the holder's medical code instead of the card (docs/ESSC.md) ----

TEST_F(SettleCrash, AnApprovedCodeSettlementTakesBothSharesAndTheTotalsBalance) {
  const ProcessOutput run = this->run(code_argv());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const json out = json::parse(run.out);
  EXPECT_EQ(out["via"], "essc");
  EXPECT_EQ(out["outcome"], "approved");
  EXPECT_EQ(out["medical_account_paid"], "3524.18");
  EXPECT_EQ(out["card_paid"], "75.82");
  EXPECT_TRUE(both_shares_taken());
  EXPECT_EQ(owed(), 0);
  expect_settled(1);
}

// The kiosk dies at each journal write and each exchange of the code's settlement (the quote is the first
// exchange, the settlement the second): what it armed is reversed by the next start, which gives back both
// shares whether the Sichuan issuer had applied them or never seen the settlement; once disarmed it stands.
TEST_F(SettleCrash, AKioskKilledAtAnyStepOfACodeSettlementIsMadeWholeByRecovery) {
  for (const char* step : {"client-send#1", "client-receive#1", "journal-arm", "client-send#2", "client-receive#2"}) {
    SCOPED_TRACE(step);
    const ProcessOutput crashed = run_with({{"SSCARD_TEST_CRASH_AT", step}}, code_argv());
    ASSERT_EQ(crashed.exit_code, -1) << crashed.out << crashed.err;  // killed (SIGKILL)
    EXPECT_EQ(crashed.out, "");
    const bool armed = std::string_view(step) != "client-send#1" && std::string_view(step) != "client-receive#1";
    EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM armed"), armed ? 1 : 0);
    if (std::string_view(step) == "client-receive#2") {
      EXPECT_TRUE(both_shares_taken());  // applied by the issuer, the answer lost with the kiosk
    }
    expect_settled(0);
  }
  // Killed after the disarm: the settlement was answered and stands.
  const ProcessOutput crashed = run_with({{"SSCARD_TEST_CRASH_AT", "journal-disarm"}}, code_argv());
  ASSERT_EQ(crashed.exit_code, -1) << crashed.out << crashed.err;
  EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM armed"), 0);
  expect_settled(1);
}

// Real processes: the kiosk killed from outside after the Sichuan host took both shares for the code and before
// the answer came back through the stalled hub; recovery's reversal gives both back.
TEST_F(SettleCrashProcesses, TheKioskKilledWhileACodeSettlementWaitsIsMadeWholeByRecovery) {
  kill9(hub_);
  start_hub({"--stall-ms", "2000"});
  auto settling = start(code_argv());
  ASSERT_TRUE(wait_until([&] { return both_shares_taken(); }, 30s)) << settling->err();
  kill9(settling);
  EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM armed"), 1);
  kill9(hub_);
  start_hub({});
  expect_settled(0);
}

}  // namespace
}  // namespace sscard::test

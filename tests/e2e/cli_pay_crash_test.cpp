// Exactly-once money (docs/PAYMENT.md §10) with real processes: `sscard-sim host` for both provinces and
// `sscard-sim hub` on loopback, and `sscard pay` ended with SIGKILL at each step of the arming sequence
// (SSCARD_TEST_CRASH_AT, a hook of builds with the simulator), the card pulled at each step
// (SSCARD_TEST_PULL_CARD_AT), and the hub or the home issuer's host killed in the middle of the exchange.
// After `sscard recover` every account holds its seeded 80000 fen (PAYMENT.md §2, §9.2) minus what was
// approved and not reversed, the journal owes nothing, and `sscard totals` balances with both issuers.
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
using crash::today_cst;
using nlohmann::json;
using namespace std::chrono_literals;

// The Sichuan card paying at the Chongqing kiosk goes kiosk -> Chongqing host -> hub -> Sichuan host.
constexpr char kSichuanPan[] = "6200515101008092011";  // sc-chengdu-gen2 (PAYMENT.md §2), PIN 246810
constexpr long long kSeeded = 80000;

class PayCrash : public crash::CrashKiosk {
 protected:
  std::vector<std::string> pay_argv(const std::string& amount) const {
    return with_kiosk({sscard_binary(), "pay", "--card", card("sc-chengdu-gen2"), "--amount", amount, "--pinpad",
                       "sim:246810", "--timeout-ms", "1500", "--attempts", "2", "--format", "json"});
  }
  ProcessOutput pay(const std::string& amount) const { return run(pay_argv(amount)); }
  // A payment with one test hook set for this run only.
  ProcessOutput pay_with(const std::string& hook, const std::string& step, const std::string& amount) {
    return run_with({{hook, step}}, pay_argv(amount));
  }

  std::optional<long long> balance() const { return account("sc", kSichuanPan); }

  // After recovery: the account holds 80000 minus `kept` fen, nothing is owed, the totals balance.
  void expect_settled(long long kept) {
    const json sc = recover_and_expect_balanced();
    EXPECT_EQ(balance(), kSeeded - kept);
    ASSERT_FALSE(sc.empty());
    EXPECT_EQ(sc["kiosk"]["approved_fen"].get<long long>() - sc["kiosk"]["reversed_fen"].get<long long>(), kept);
    EXPECT_EQ(sc["issuer_totals"]["approved_fen"].get<long long>() -
                  sc["issuer_totals"]["reversed_fen"].get<long long>(),
              kept);
  }
};

// The same kiosk provisioned against real `sscard-sim host` processes for both provinces and the hub.
class PayCrashProcesses : public PayCrash {
 protected:
  void SetUp() override {
    start_issuer_processes();
    if (HasFatalFailure()) return;
    skip_unless_hosts_decide_payments();
  }
};

TEST_F(PayCrash, AnApprovedPaymentIsConfirmedAndTheTotalsBalance) {
  const ProcessOutput run = pay("12.34");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const json out = json::parse(run.out);
  EXPECT_EQ(out["outcome"], "approved");
  EXPECT_EQ(out["reversal"], "none");
  EXPECT_EQ(balance(), kSeeded - 1234);
  EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM requests WHERE operation = 10 AND state = 'done'"), 1);
  EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM armed"), 0);
  expect_settled(1234);
}

// The kiosk dies at each step: what it armed is reversed with reason 04 by the next start, whether the
// issuer had applied the authorise (money back) or never seen it (tombstone).
TEST_F(PayCrash, AKioskKilledAtAnyStepIsMadeWholeByRecovery) {
  ASSERT_EQ(pay("1.00").exit_code, 0);  // one approved payment that stays
  const long long kept = 100;
  for (const char* step : {"after-arm", "after-answer", "after-approval", "after-gac2"}) {
    SCOPED_TRACE(step);
    const ProcessOutput crashed = pay_with("SSCARD_TEST_CRASH_AT", step, "2.00");
    EXPECT_EQ(crashed.exit_code, -1) << crashed.out << crashed.err;  // SIGKILL
    EXPECT_EQ(crashed.out, "");
    EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM armed"), 1);  // the reversal was armed before the send
    // Totals refuse while it is owed, and say what to do.
    expect_one_line_error(totals("text"), 1, "sscard totals", {"pending", "sscard recover"});
    expect_settled(kept);
  }
}

// The card is pulled at each step: after the issuer's approval the GAC2 fails, the reversal (03) goes at once.
TEST_F(PayCrash, ACardPulledAtAnyStepLeavesNoMoneyTaken) {
  for (const char* step : {"after-arm", "after-answer", "after-approval"}) {
    SCOPED_TRACE(step);
    const ProcessOutput pulled = pay_with("SSCARD_TEST_PULL_CARD_AT", step, "3.00");
    EXPECT_EQ(pulled.exit_code, 1) << pulled.out << pulled.err;
    const json out = json::parse(pulled.out, nullptr, false);
    ASSERT_FALSE(out.is_discarded()) << pulled.out << pulled.err;
    EXPECT_NE(out["outcome"], "approved");
    EXPECT_EQ(out["response_code"], "00");
    EXPECT_EQ(out["reversal"], "sent");
    EXPECT_EQ(owed(), 0);
    EXPECT_EQ(balance(), kSeeded);
  }
  // The kiosk is killed with the card-error reversal activated but not yet sent: recovery sends it.
  const ProcessOutput both = [&] {
    environment().set("SSCARD_TEST_PULL_CARD_AT", "after-approval");
    environment().set("SSCARD_TEST_CRASH_AT", "after-activate");
    ProcessOutput out = pay("4.00");
    environment().unset("SSCARD_TEST_PULL_CARD_AT");
    environment().unset("SSCARD_TEST_CRASH_AT");
    return out;
  }();
  EXPECT_EQ(both.exit_code, -1);
  EXPECT_EQ(balance(), kSeeded - 400);  // approved at the issuer, not yet reversed
  EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM requests WHERE operation = 7 AND state = 'pending'"), 1);
  expect_settled(0);
}

// The hub is killed after the Sichuan issuer applied the authorise and before its answer came back: no
// authenticated answer, the reversal (01) cannot get through either and stays pending (exit 3); with the hub
// back, recovery returns the money.
TEST_F(PayCrashProcesses, TheHubKilledMidExchangeLeavesAPendingReversalThatRecoveryCompletes) {
  kill9(hub_);
  start_hub({"--stall-ms", "60000"});
  auto paying = start(pay_argv("5.00"));
  ASSERT_TRUE(wait_until([&] { return balance() == kSeeded - 500; }, 30s)) << paying->err();
  kill9(hub_);
  const auto code = paying->wait(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3) << paying->out() << paying->err();
  const json out = json::parse(paying->out(), nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << paying->out();
  EXPECT_EQ(out["reversal"], "pending");
  EXPECT_EQ(out["online"], false);
  // While the reversal is owed, totals refuse and say what to do.
  const ProcessOutput refused = totals("text");
  expect_one_line_error(refused, 1, "sscard totals", {"pending", "sscard recover"});

  start_hub({});
  expect_settled(0);
}

// The card's home host is down: the authorise is answered issuer_unavailable (nothing applied), the reversal
// too, and it stays pending; once the host is back the reversal finds an unknown original (tombstone).
TEST_F(PayCrashProcesses, TheHomeHostDownLeavesNothingTakenAfterRecovery) {
  kill9(sc_);
  const ProcessOutput run = pay("6.00");
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_EQ(json::parse(run.out)["reversal"], "pending");
  start_host("sc");
  expect_settled(0);
  EXPECT_EQ(sql_int(journal(), "SELECT COUNT(*) FROM requests WHERE operation = 7 AND state = 'done'"), 1);
}

// The home host is killed while the authorise waits in the hub: whatever it had applied is reversed.
TEST_F(PayCrashProcesses, TheHomeHostKilledMidExchangeIsMadeWholeByRecovery) {
  kill9(hub_);
  start_hub({"--stall-ms", "60000"});
  auto paying = start(pay_argv("7.00"));
  ASSERT_TRUE(wait_until([&] { return balance() == kSeeded - 700; }, 30s)) << paying->err();
  kill9(sc_);
  kill9(hub_);
  const auto code = paying->wait(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3) << paying->out() << paying->err();
  start_host("sc");
  start_hub({});
  expect_settled(0);
}

}  // namespace
}  // namespace sscard::test

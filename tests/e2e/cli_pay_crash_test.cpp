// Exactly-once money (docs/PAYMENT.md §10) with real processes: `sscard-sim host` for both provinces and
// `sscard-sim hub` on loopback, and `sscard pay` ended with SIGKILL at each step of the arming sequence
// (SSCARD_TEST_CRASH_AT, a hook of builds with the simulator), the card pulled at each step
// (SSCARD_TEST_PULL_CARD_AT), and the hub or the home issuer's host killed in the middle of the exchange.
// After `sscard recover` every account holds its seeded 80000 fen (PAYMENT.md §2, §9.2) minus what was
// approved and not reversed, the journal owes nothing, and `sscard totals` balances with both issuers.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "program_test.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// The Sichuan card paying at the Chongqing kiosk goes kiosk -> Chongqing host -> hub -> Sichuan host.
constexpr char kSichuanPan[] = "6200515101008092011";  // sc-chengdu-gen2 (PAYMENT.md §2), PIN 246810
constexpr long long kSeeded = 80000;

std::optional<long long> sql_int(const fs::path& db, const std::string& query) {
  sqlite3* handle = nullptr;
  std::optional<long long> value;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, query.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return value;
}

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string at(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// Today in China Standard Time (the kiosk's DF09, PAYMENT.md §8.1), YYYYMMDD.
std::string today_cst() {
  const std::time_t t = std::time(nullptr) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[9];
  std::strftime(text, sizeof text, "%Y%m%d", &tm);
  return text;
}

// The bundled Chongqing kiosk with the simulated issuers inside sscard: their databases live in the test's
// state folder, so they outlast a killed kiosk like a host would.
class PayCrash : public ProgramTest {
 protected:
  virtual fs::path db(const std::string& which) const { return sscard_state() / "world" / (which + "-host.db"); }
  virtual fs::path journal() const { return sscard_state() / "journal-500152000101.db"; }
  virtual std::vector<std::string> kiosk() const { return {"--config", kiosk_config("cq-tongnan")}; }

  std::vector<std::string> with_kiosk(std::vector<std::string> argv) const {
    const auto k = kiosk();
    argv.insert(argv.begin() + 2, k.begin(), k.end());
    return argv;
  }
  std::vector<std::string> pay_argv(const std::string& amount) const {
    return with_kiosk({sscard_binary(), "pay", "--card", card("sc-chengdu-gen2"), "--amount", amount, "--pinpad",
                       "sim:246810", "--timeout-ms", "1500", "--attempts", "2", "--format", "json"});
  }
  ProcessOutput pay(const std::string& amount) const { return run(pay_argv(amount)); }
  // A payment with one test hook set for this run only.
  ProcessOutput pay_with(const std::string& hook, const std::string& step, const std::string& amount) {
    environment().set(hook, step);
    ProcessOutput out = pay(amount);
    environment().unset(hook);
    return out;
  }
  ProcessOutput recover() const {
    return run(with_kiosk({sscard_binary(), "recover", "--timeout-ms", "1500", "--attempts", "2"}));
  }
  ProcessOutput totals(const std::string& format = "json") const {
    return run(with_kiosk({sscard_binary(), "totals", "--date", today_cst(), "--format", format}));
  }

  std::optional<long long> balance() const {
    return sql_int(db("sc"), std::string("SELECT balance_fen FROM accounts WHERE pan = '") + kSichuanPan + "'");
  }
  std::optional<long long> owed() const {
    return sql_int(journal(), "SELECT (SELECT COUNT(*) FROM requests WHERE state = 'pending') + "
                              "(SELECT COUNT(*) FROM armed)");
  }

  // After recovery: the account holds 80000 minus `kept` fen, nothing is owed, the totals balance.
  void expect_settled(long long kept) {
    const ProcessOutput r = recover();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(owed(), 0);
    EXPECT_EQ(balance(), kSeeded - kept);
    const ProcessOutput t = totals();
    EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
    const json doc = json::parse(t.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << t.out << t.err;
    EXPECT_EQ(doc["operation"], "totals");
    EXPECT_EQ(doc["outcome"], "balanced") << t.out;
    EXPECT_EQ(doc["date"], today_cst());
    ASSERT_EQ(doc["issuers"].size(), 2u);
    EXPECT_EQ(doc["issuers"][0]["issuer"], "Chongqing");
    EXPECT_EQ(doc["issuers"][1]["issuer"], "Sichuan");
    const json& sc = doc["issuers"][1];
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
    cq_port_ = free_port();
    sc_port_ = free_port();
    hub_port_ = free_port();
    ASSERT_NE(cq_port_, 0);
    ASSERT_NE(sc_port_, 0);
    ASSERT_NE(hub_port_, 0);
    start_host("cq");
    start_host("sc");
    start_hub({});
    config_ = dir() / "kiosk.json";
    const ProcessOutput provision = run({sscard_sim_binary(), "provision", "--terminal", "500152000207", "--region",
                                         "500152", "--out", config_.string(), "--host", at(cq_port_)});
    ASSERT_EQ(provision.exit_code, 0) << provision.err;
    // The host processes decide payments only with their province's payment keys.
    const ProcessOutput probe = run(with_kiosk({sscard_binary(), "pay", "--card", card("cq-tongnan-gen3"), "--amount",
                                                "0.01", "--pinpad", "sim:147258", "--format", "json"}));
    const json out = json::parse(probe.out, nullptr, false);
    if (!out.is_discarded() && out["online"] == false && probe.err.find("issuer did not answer") != std::string::npos) {
      GTEST_SKIP() << "`sscard-sim host` answers payments issuer_unavailable (no payment keys): " << probe.err;
    }
    ASSERT_EQ(probe.exit_code, 0) << probe.out << probe.err;
  }
  void TearDown() override {
    cq_.reset();
    sc_.reset();
    hub_.reset();
  }

  fs::path db(const std::string& which) const override { return dir() / (which + "-host.db"); }
  fs::path journal() const override { return sscard_state() / "journal-500152000207.db"; }
  std::vector<std::string> kiosk() const override { return {"--config", config_.string()}; }

  std::unique_ptr<BackgroundProcess> start_server(const std::vector<std::string>& argv) {
    auto p = start(argv);
    EXPECT_TRUE(p->started());
    EXPECT_TRUE(wait_until([&] { return p->out().find(" listening on ") != std::string::npos; }, 20s)) << p->err();
    return p;
  }
  void start_host(const std::string& which) {
    const std::uint16_t port = which == "cq" ? cq_port_ : sc_port_;
    (which == "cq" ? cq_ : sc_) =
        start_server({sscard_sim_binary(), "host", "--province", which, "--listen", at(port), "--db",
                      db(which).string(), "--hub", at(hub_port_), "--forward-timeout-ms", "1500"});
  }
  void start_hub(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {sscard_sim_binary(), "hub", "--listen", at(hub_port_), "--cq", at(cq_port_),
                                     "--sc", at(sc_port_), "--forward-timeout-ms", "1500"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    hub_ = start_server(argv);
  }
  static void kill9(std::unique_ptr<BackgroundProcess>& p) {
    ASSERT_TRUE(p->signal(SIGKILL));
    ASSERT_TRUE(p->wait(10s).has_value());
    p.reset();
  }

  fs::path config_;
  std::uint16_t cq_port_ = 0, sc_port_ = 0, hub_port_ = 0;
  std::unique_ptr<BackgroundProcess> cq_, sc_, hub_;
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

// What the exactly-once tests of `sscard pay` and `sscard settle` share (docs/PAYMENT.md §10): the issuers'
// and the kiosk's SQLite files read back, the bundled Chongqing kiosk with the simulated issuers inside sscard,
// or a kiosk provisioned against real `sscard-sim host` processes for both provinces and `sscard-sim hub` on
// loopback, which a test can kill and restart; `sscard recover` and `sscard totals` run against either.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "program_test.h"

namespace sscard::test::crash {

namespace fs = std::filesystem;

// The first column of the first row of `query` on an SQLite file opened read-only; nullopt when there is none.
inline std::optional<long long> sql_int(const fs::path& db, const std::string& query) {
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

inline std::uint16_t free_port() {
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

inline std::string at(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// Today in China Standard Time (the kiosk's DF09, PAYMENT.md §8.1), YYYYMMDD.
inline std::string today_cst() {
  const std::time_t t = std::time(nullptr) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[9];
  std::strftime(text, sizeof text, "%Y%m%d", &tm);
  return text;
}

// One environment variable of the children set for one run (SSCARD_TEST_CRASH_AT=after-arm, ...).
using Hook = std::pair<std::string, std::string>;

// The bundled Chongqing kiosk (cq-tongnan, terminal 500152000101) with the simulated issuers inside sscard:
// their databases live in the test's state folder, so they outlast a killed kiosk like a host would. After
// start_issuer_processes() the kiosk is provisioned (terminal 500152000207) against real host and hub processes.
class CrashKiosk : public ProgramTest {
 protected:
  void TearDown() override {
    cq_.reset();
    sc_.reset();
    hub_.reset();
  }

  bool with_processes() const { return !config_.empty(); }
  fs::path db(const std::string& which) const {
    return with_processes() ? dir() / (which + "-host.db") : sscard_state() / "world" / (which + "-host.db");
  }
  fs::path journal() const {
    return sscard_state() / (with_processes() ? "journal-500152000207.db" : "journal-500152000101.db");
  }
  std::vector<std::string> kiosk() const {
    return {"--config", with_processes() ? config_.string() : kiosk_config("cq-tongnan")};
  }
  // argv = {program, command, ...}: the kiosk's options go right after the command.
  std::vector<std::string> with_kiosk(std::vector<std::string> argv) const {
    const auto k = kiosk();
    argv.insert(argv.begin() + 2, k.begin(), k.end());
    return argv;
  }

  // A run with test hooks set for this run only.
  ProcessOutput run_with(const std::vector<Hook>& hooks, const std::vector<std::string>& argv) {
    for (const auto& [name, value] : hooks) environment().set(name, value);
    ProcessOutput out = run(argv);
    for (const auto& hook : hooks) environment().unset(hook.first);
    return out;
  }
  ProcessOutput recover() const {
    return run(with_kiosk({sscard_binary(), "recover", "--timeout-ms", "1500", "--attempts", "2"}));
  }
  ProcessOutput totals(const std::string& format = "json") const {
    return run(with_kiosk({sscard_binary(), "totals", "--date", today_cst(), "--format", format}));
  }

  std::optional<long long> account(const std::string& province, const std::string& pan) const {
    return sql_int(db(province), "SELECT balance_fen FROM accounts WHERE pan = '" + pan + "'");
  }
  // Journal entries still owed to an issuer: pending follow-ups and armed reversals.
  std::optional<long long> owed() const {
    return sql_int(journal(), "SELECT (SELECT COUNT(*) FROM requests WHERE state = 'pending') + "
                              "(SELECT COUNT(*) FROM armed)");
  }

  // `sscard recover`, then: nothing owed, `sscard totals` balanced with both issuers (Chongqing, Sichuan).
  // Returns Sichuan's entry of the totals for the caller's counters (an empty object on failure).
  nlohmann::json recover_and_expect_balanced() {
    const ProcessOutput r = recover();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(owed(), 0);
    const ProcessOutput t = totals();
    EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
    const nlohmann::json doc = nlohmann::json::parse(t.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << t.out << t.err;
    if (doc.is_discarded()) return nlohmann::json::object();
    EXPECT_EQ(doc["operation"], "totals");
    EXPECT_EQ(doc["outcome"], "balanced") << t.out;
    EXPECT_EQ(doc["date"], today_cst());
    EXPECT_EQ(doc["issuers"].size(), 2u);
    if (doc["issuers"].size() != 2u) return nlohmann::json::object();
    EXPECT_EQ(doc["issuers"][0]["issuer"], "Chongqing");
    EXPECT_EQ(doc["issuers"][1]["issuer"], "Sichuan");
    return doc["issuers"][1];
  }

  // Both provinces' hosts and the hub as processes, and the kiosk provisioned against the Chongqing host.
  // `forward_timeout_ms` bounds each forwarded request in the hosts and the hub.
  void start_issuer_processes(const std::string& forward_timeout_ms = "1500") {
    forward_timeout_ms_ = forward_timeout_ms;
    cq_port_ = free_port();
    sc_port_ = free_port();
    hub_port_ = free_port();
    ASSERT_NE(cq_port_, 0);
    ASSERT_NE(sc_port_, 0);
    ASSERT_NE(hub_port_, 0);
    const fs::path config = dir() / "kiosk.json";
    config_ = config;  // db() names the processes' files from here on
    start_host("cq");
    start_host("sc");
    start_hub({});
    const ProcessOutput provision = run({sscard_sim_binary(), "provision", "--terminal", "500152000207", "--region",
                                         "500152", "--out", config.string(), "--host", at(cq_port_)});
    ASSERT_EQ(provision.exit_code, 0) << provision.err;
  }
  // The host processes decide payments only with their province's payment keys: skip the test otherwise.
  void skip_unless_hosts_decide_payments() {
    const ProcessOutput probe = run(with_kiosk({sscard_binary(), "pay", "--card", card("cq-tongnan-gen3"), "--amount",
                                                "0.01", "--pinpad", "sim:147258", "--format", "json"}));
    const nlohmann::json out = nlohmann::json::parse(probe.out, nullptr, false);
    if (!out.is_discarded() && out["online"] == false && probe.err.find("issuer did not answer") != std::string::npos) {
      GTEST_SKIP() << "`sscard-sim host` answers payments issuer_unavailable (no payment keys): " << probe.err;
    }
    ASSERT_EQ(probe.exit_code, 0) << probe.out << probe.err;
  }

  std::unique_ptr<BackgroundProcess> start_server(const std::vector<std::string>& argv) {
    using namespace std::chrono_literals;
    auto p = start(argv);
    EXPECT_TRUE(p->started());
    EXPECT_TRUE(wait_until([&] { return p->out().find(" listening on ") != std::string::npos; }, 20s)) << p->err();
    return p;
  }
  void start_host(const std::string& which) {
    const std::uint16_t port = which == "cq" ? cq_port_ : sc_port_;
    (which == "cq" ? cq_ : sc_) =
        start_server({sscard_sim_binary(), "host", "--province", which, "--listen", at(port), "--db",
                      db(which).string(), "--hub", at(hub_port_), "--forward-timeout-ms", forward_timeout_ms_});
  }
  void start_hub(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {sscard_sim_binary(), "hub", "--listen", at(hub_port_), "--cq", at(cq_port_),
                                     "--sc", at(sc_port_), "--forward-timeout-ms", forward_timeout_ms_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    hub_ = start_server(argv);
  }
  static void kill9(std::unique_ptr<BackgroundProcess>& p) {
    using namespace std::chrono_literals;
    ASSERT_TRUE(p->signal(SIGKILL));
    ASSERT_TRUE(p->wait(10s).has_value());
    p.reset();
  }

  fs::path config_;
  std::string forward_timeout_ms_ = "1500";
  std::uint16_t cq_port_ = 0, sc_port_ = 0, hub_port_ = 0;
  std::unique_ptr<BackgroundProcess> cq_, sc_, hub_;
};

}  // namespace sscard::test::crash

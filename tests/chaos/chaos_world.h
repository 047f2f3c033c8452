// What the kill matrix (crash_matrix_test.cpp) and the soak (soak_test.cpp) share (docs/RELIABILITY.md): real
// `sscard-sim host` processes for both provinces and `sscard-sim hub` on loopback, kiosks provisioned against
// them, snapshots of the whole world (the hosts' databases, the kiosks' journals, the simulated cards' memory)
// taken with the processes stopped and put back before a run, and the issuers' ledgers read back from their
// SQLite files.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "payment_crash_support.h"

namespace sscard::test::chaos {

namespace fs = std::filesystem;

// The processes of the world; the kiosk is the one-shot `sscard` run of a flow.
enum class Role { kKiosk, kCqHost, kScHost, kHub };
const char* role_name(Role role);
inline constexpr Role kRoles[] = {Role::kKiosk, Role::kCqHost, Role::kScHost, Role::kHub};

// A point of one process as SSCARD_TEST_CRASH_AT names it: "client-send#2".
struct CrashPoint {
  Role role = Role::kKiosk;
  std::string name;  // NAME#N
};

// The "sscard-crash-point ROLE NAME#N" lines of a process's stderr (sim/host crash_points.h), in order.
std::vector<std::string> listed_points(const std::string& err);

// The issuers' money as sums that no request may change (the hosts' definitions, PAYMENT.md §9-§11,
// CONTACTLESS.md §7): every fen a payment took from a bank account is in an approved, unreversed payment row;
// every fen of medical balance a settlement took is in its approved, unreversed settlement; the e-cash accounts
// hold what approved, unreversed loads put there less what clearings took.
struct Ledger {
  long long bank = 0;     // Σ accounts.balance_fen + Σ approved unreversed payments (06, 09, 0C)
  long long medical = 0;  // Σ holders.medical_balance_fen + Σ medical shares of approved unreversed settlements
  long long ecash = 0;    // Σ ecash_accounts.account_fen − Σ approved unreversed loads + Σ clearings
  bool read = false;      // every sum could be read
  bool operator==(const Ledger& o) const { return bank == o.bank && medical == o.medical && ecash == o.ecash; }
};
Ledger read_ledger(const fs::path& db);
std::string describe(const Ledger& l);

// Integer of a query (COUNT, SUM) on an SQLite file; 0 when the table is not there yet or the sum is NULL.
long long count(const fs::path& db, const std::string& query);

class ChaosWorld : public crash::CrashKiosk {
 protected:
  // Both hosts, the hub and the kiosk 500152000207 provisioned against the Chongqing host.
  void start_world();
  // Stops the host and hub processes (SIGTERM, waited for).
  void stop_servers();
  // Starts the stopped ones; `crash_at` set for `target` only (NAME#N or "list"), none for the kiosk role.
  void start_servers(std::optional<Role> target = std::nullopt, const std::string& crash_at = "");
  void start_role(Role role, const std::string& crash_at = "");
  std::unique_ptr<BackgroundProcess>& process(Role role);

  // The world as files: the hosts' databases, the state folder (journals, ride logs, cards' memory), the
  // kiosk configurations. Taken and put back with the processes stopped; they are started again after.
  void snapshot(const std::string& name);
  void restore(const std::string& name);

  // A run of `sscard` with SSCARD_TEST_CRASH_AT set for that run only when `crash_at` is given.
  ProcessOutput run_kiosk(const std::vector<std::string>& argv, const std::string& crash_at = "");

  // `sscard recover` for the kiosk of `config` (default: the provisioned kiosk).
  ProcessOutput recover_kiosk(const std::string& config = "");
  // `sscard totals` of today as JSON for the kiosk of `config`; its "outcome" ("balanced", ...) or the error.
  std::string totals_outcome(const std::string& config = "");

  std::string config_path() const { return config_.string(); }
  std::uint16_t cq_port() const { return cq_port_; }
  std::uint16_t sc_port() const { return sc_port_; }
  fs::path host_db(const std::string& which) const { return db(which); }
};

}  // namespace sscard::test::chaos

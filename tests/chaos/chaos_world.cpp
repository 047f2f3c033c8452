#include "chaos_world.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

namespace sscard::test::chaos {

using namespace std::chrono_literals;

const char* role_name(Role role) {
  switch (role) {
    case Role::kKiosk: return "kiosk";
    case Role::kCqHost: return "cq-host";
    case Role::kScHost: return "sc-host";
    case Role::kHub: return "hub";
  }
  return "?";
}

std::vector<std::string> listed_points(const std::string& err) {
  std::vector<std::string> out;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    constexpr std::string_view kPrefix = "sscard-crash-point ";
    if (line.rfind(kPrefix, 0) != 0) continue;
    const auto name = line.find(' ', kPrefix.size());  // after ROLE
    if (name != std::string::npos) out.push_back(line.substr(name + 1));
  }
  return out;
}

long long count(const fs::path& db, const std::string& query) {
  return crash::sql_int(db, query).value_or(0);
}

Ledger read_ledger(const fs::path& db) {
  Ledger l;
  constexpr char kLive[] = "approved = 1 AND reversed_by IS NULL";
  const auto bank = crash::sql_int(db, "SELECT COALESCE(SUM(balance_fen), 0) FROM accounts");
  const auto paid = crash::sql_int(db, std::string("SELECT COALESCE(SUM(amount_fen), 0) FROM payments WHERE ") + kLive +
                                           " AND operation IN ('authorise', 'settle', 'ecash-load')");
  const auto medical = crash::sql_int(db, "SELECT COALESCE(SUM(medical_balance_fen), 0) FROM holders");
  const auto settled = crash::sql_int(
      db, std::string("SELECT COALESCE(SUM(s.medical_fen), 0) FROM settlements s JOIN payments p ON "
                      "p.idem_key = s.idem_key WHERE p.") + "approved = 1 AND p.reversed_by IS NULL");
  const auto ecash = crash::sql_int(db, "SELECT COALESCE(SUM(account_fen), 0) FROM ecash_accounts");
  const auto loaded = crash::sql_int(db, std::string("SELECT COALESCE(SUM(amount_fen), 0) FROM payments WHERE ") +
                                             kLive + " AND operation = 'ecash-load'");
  // Made on first use: no clearing yet is no table yet.
  const long long cleared = count(db, "SELECT COALESCE(SUM(amount_fen), 0) FROM ecash_clearings");
  l.read = bank && paid && medical && settled && ecash && loaded;
  l.bank = bank.value_or(0) + paid.value_or(0);
  l.medical = medical.value_or(0) + settled.value_or(0);
  l.ecash = ecash.value_or(0) - loaded.value_or(0) + cleared;
  return l;
}

std::string describe(const Ledger& l) {
  return "bank " + std::to_string(l.bank) + ", medical " + std::to_string(l.medical) + ", e-cash " +
         std::to_string(l.ecash) + (l.read ? "" : " (unreadable)");
}

void ChaosWorld::start_world() {
  start_issuer_processes();
  if (HasFatalFailure()) return;
  // Again with a PSAM of its terminal number: an activation needs one (the card's external authentication).
  const ProcessOutput p = run({sscard_sim_binary(), "provision", "--terminal", "500152000207", "--region", "500152",
                               "--out", config_.string(), "--host", crash::at(cq_port_), "--psam-out",
                               (dir() / "psam-500152000207.json").string(), "--force"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
}

std::unique_ptr<BackgroundProcess>& ChaosWorld::process(Role role) {
  switch (role) {
    case Role::kCqHost: return cq_;
    case Role::kScHost: return sc_;
    case Role::kHub:
    case Role::kKiosk: break;
  }
  return hub_;
}

void ChaosWorld::stop_servers() {
  // The hub first: it holds connections to both hosts.
  hub_.reset();
  cq_.reset();
  sc_.reset();
}

void ChaosWorld::start_role(Role role, const std::string& crash_at) {
  if (!crash_at.empty()) environment().set("SSCARD_TEST_CRASH_AT", crash_at);
  switch (role) {
    case Role::kCqHost: start_host("cq"); break;
    case Role::kScHost: start_host("sc"); break;
    case Role::kHub: start_hub({}); break;
    case Role::kKiosk: break;
  }
  if (!crash_at.empty()) environment().unset("SSCARD_TEST_CRASH_AT");
}

void ChaosWorld::start_servers(std::optional<Role> target, const std::string& crash_at) {
  for (Role role : {Role::kCqHost, Role::kScHost, Role::kHub}) {
    if (process(role)) continue;
    start_role(role, target == role ? crash_at : "");
  }
}

namespace {

// The files of the world, relative to the test's folder: the hosts' databases (with their WAL files), the
// kiosk configurations and the state folder.
bool world_file(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.rfind("cq-host.db", 0) == 0 || name.rfind("sc-host.db", 0) == 0 || name == "state" ||
         (p.extension() == ".json");
}

}  // namespace

void ChaosWorld::snapshot(const std::string& name) {
  stop_servers();
  const fs::path to = dir() / ("snapshot-" + name);
  std::error_code ec;
  fs::remove_all(to, ec);
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(dir())) {
    if (!world_file(entry.path())) continue;
    fs::copy(entry.path(), to / entry.path().filename(), fs::copy_options::recursive, ec);
    ASSERT_FALSE(ec) << entry.path() << ": " << ec.message();
  }
  start_servers();
}

void ChaosWorld::restore(const std::string& name) {
  stop_servers();
  const fs::path from = dir() / ("snapshot-" + name);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir())) {
    if (world_file(entry.path())) fs::remove_all(entry.path(), ec);
  }
  for (const auto& entry : fs::directory_iterator(from)) {
    fs::copy(entry.path(), dir() / entry.path().filename(), fs::copy_options::recursive, ec);
    ASSERT_FALSE(ec) << entry.path() << ": " << ec.message();
  }
}

ProcessOutput ChaosWorld::run_kiosk(const std::vector<std::string>& argv, const std::string& crash_at) {
  if (crash_at.empty()) return run(argv);
  return run_with({{"SSCARD_TEST_CRASH_AT", crash_at}}, argv);
}

ProcessOutput ChaosWorld::recover_kiosk(const std::string& config) {
  return run({sscard_binary(), "recover", "--config", config.empty() ? config_.string() : config, "--timeout-ms",
              "1500", "--attempts", "2"});
}

std::string ChaosWorld::totals_outcome(const std::string& config) {
  const ProcessOutput t = run({sscard_binary(), "totals", "--config", config.empty() ? config_.string() : config,
                               "--date", crash::today_cst(), "--format", "json"});
  const nlohmann::json doc = nlohmann::json::parse(t.out, nullptr, false);
  if (doc.is_discarded() || !doc.contains("outcome")) return "error: " + t.err;
  return doc["outcome"].get<std::string>();
}

}  // namespace sscard::test::chaos

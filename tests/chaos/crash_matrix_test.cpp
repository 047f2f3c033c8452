// Killed at every step (docs/RELIABILITY.md): each state-changing flow runs against `sscard-sim host` for both
// provinces and `sscard-sim hub` on loopback, once with SSCARD_TEST_CRASH_AT=list in every process to learn the
// points the flow passes (journal writes, frames sent and received, ledger commits, the flows' own steps),
// then once per point with that one process killed there (SIGKILL). What was killed is started again,
// recovery runs, and the world is checked: the request took effect once or not at all at the Sichuan issuer
// (the home of every card here, served at the Chongqing kiosk through the hub), what the kiosk owes is
// delivered, the issuers' ledgers keep their sums, and `sscard totals` of the kiosk and both issuers agree.
//
// SSCARD_CHAOS_STRIDE=N runs every Nth point only (1, every point, by default).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chaos_world.h"

namespace sscard::test::chaos {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kChengduSsn[] = "510107199006110026";  // sc-chengdu-gen2, PIN 246810
constexpr char kSuiningPan[] = "6200515109004011018";  // sc-suining-gen3, e-cash PIN 258369
constexpr char kSuiningSsn[] = "510902195503020033";
constexpr char kMianyangCard[] = "sc-mianyang-gen1";    // PIN 135790

// One flow's line of the summary.
struct Row {
  int points = 0;     // distinct points the flow passes, in all four processes
  int runs = 0;       // kill runs made
  int killed = 0;     // runs whose process died at its point
  int applied = 0;    // runs after which the request had taken effect (once)
  int not_applied = 0;
  int held = 0;       // left pending at the card step (an activation killed around CHANGE PIN)
  int lost = 0;
  int doubled = 0;
  double seconds = 0;
};

std::map<std::string, Row>& summary() {
  static std::map<std::string, Row> rows;
  return rows;
}

void print_summary() {
  if (summary().empty()) return;
  std::printf("\n%-15s %7s %5s %7s %8s %12s %5s %5s %8s %7s\n", "flow", "points", "runs", "killed", "applied",
              "not applied", "held", "lost", "doubled", "seconds");
  Row total;
  for (const auto& [flow, r] : summary()) {
    std::printf("%-15s %7d %5d %7d %8d %12d %5d %5d %8d %7.1f\n", flow.c_str(), r.points, r.runs, r.killed,
                r.applied, r.not_applied, r.held, r.lost, r.doubled, r.seconds);
    total.points += r.points;
    total.runs += r.runs;
    total.killed += r.killed;
    total.applied += r.applied;
    total.not_applied += r.not_applied;
    total.held += r.held;
    total.lost += r.lost;
    total.doubled += r.doubled;
    total.seconds += r.seconds;
  }
  std::printf("%-15s %7d %5d %7d %8d %12d %5d %5d %8d %7.1f\n", "total", total.points, total.runs, total.killed,
              total.applied, total.not_applied, total.held, total.lost, total.doubled, total.seconds);
  std::fflush(stdout);
}

class SummaryPrinter : public ::testing::Environment {
 public:
  void TearDown() override { print_summary(); }
};
[[maybe_unused]] const auto* const kPrinter = ::testing::AddGlobalTestEnvironment(new SummaryPrinter);

int stride() {
  const char* s = std::getenv("SSCARD_CHAOS_STRIDE");
  const int n = s != nullptr ? std::atoi(s) : 1;
  return n < 1 ? 1 : n;
}

// "48.00" -> 4800; -1 when it is not a yuan amount.
long long fen_of(const std::string& yuan) {
  const auto dot = yuan.find('.');
  if (dot == std::string::npos || yuan.size() != dot + 3) return -1;
  return std::atoll(yuan.substr(0, dot).c_str()) * 100 + std::atoll(yuan.substr(dot + 1).c_str());
}

// What one run left behind, judged after recovery.
struct Verdict {
  bool effect = false;
  bool held = false;
  std::vector<std::string> lost;     // why the request (or what it owed) went missing
  std::vector<std::string> doubled;  // why it took effect more than once
};

// Counts read before a run (from the snapshot) to compare with after it.
struct Before {
  Ledger sc, cq;
  long long issuer_ops = 0;     // the flow's rows at the Sichuan issuer
  long long issuer_reversals = 0;
  long long journal_done = 0;   // the flow's entries done in the kiosk's journal
  long long journal_reversals = 0;
  long long clearings = 0;
};

class CrashMatrix : public ChaosWorld, public ::testing::WithParamInterface<std::string> {
 protected:
  const std::string& flow() const { return GetParam(); }

  std::vector<std::string> kiosk_argv(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), sscard_binary());
    argv.insert(argv.begin() + 2, {"--config", config_path()});
    argv.insert(argv.end(), {"--timeout-ms", "1500", "--attempts", "2", "--format", "json"});
    return argv;
  }
  std::string validator() const { return (cards_dir() / "validators" / "cq-bus-0101.json").string(); }
  fs::path ride_log() const { return sscard_state() / "rides-500103020101.db"; }

  // The operation the flow changes at the issuer: its name there (requests.operation / payments.operation)
  // and its code in the kiosk's journal.
  std::string issuer_op() const {
    if (flow() == "pay" || flow() == "reversal") return "authorise";
    if (flow() == "transit-upload") return "ecash-clear";
    return flow();
  }
  int journal_op() const {
    static const std::map<std::string, int> codes = {{"activate", 2}, {"report-loss", 3}, {"cancel-loss", 4},
                                                      {"certify", 5},  {"pay", 6},         {"reversal", 6},
                                                      {"settle", 9},   {"ecash-load", 12}, {"transit-upload", 13}};
    return codes.at(flow());
  }
  bool is_money() const {
    return flow() == "pay" || flow() == "settle" || flow() == "reversal" || flow() == "ecash-load";
  }

  // The world before the snapshot: what the flow needs already done.
  void prepare() {
    if (flow() == "cancel-loss") {
      const ProcessOutput r = run(kiosk_argv({"report-loss", "--card", card("sc-chengdu-gen2")}));
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    } else if (flow() == "transit-upload") {
      const ProcessOutput r = run({sscard_binary(), "transit", "tap", "--config", validator(), "--card",
                                   card("sc-suining-gen3"), "--format", "json"});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      ASSERT_EQ(count(ride_log(), "SELECT COUNT(*) FROM rides WHERE state = 'pending'"), 1);
    } else if (flow() == "reversal") {
      // A payment whose answer is lost: the hub stalls it, is killed, and the kiosk is left owing the reversal.
      kill9(hub_);
      start_hub({"--stall-ms", "60000"});
      auto paying = start(kiosk_argv({"pay", "--card", card("sc-chengdu-gen2"), "--amount", "5.00", "--pinpad",
                                      "sim:246810"}));
      ASSERT_TRUE(wait_until([&] { return count(db("sc"), "SELECT COUNT(*) FROM payments") == 1; }, 30s))
          << paying->err();
      kill9(hub_);
      const auto code = paying->wait(60s);
      ASSERT_TRUE(code.has_value());
      ASSERT_EQ(*code, 3) << paying->out() << paying->err();
      ASSERT_EQ(count(journal(), "SELECT COUNT(*) FROM requests WHERE operation = 7 AND state = 'pending'"), 1);
      start_hub({});
    }
  }

  // The flow's own run.
  std::vector<std::string> flow_argv() const {
    const std::string f = flow();
    if (f == "activate") return kiosk_argv({"activate", "--card", card("sc-suining-gen3"), "--pinpad", "sim:123456,975318,975318"});
    if (f == "report-loss") return kiosk_argv({"report-loss", "--card", card("sc-chengdu-gen2")});
    if (f == "cancel-loss") return kiosk_argv({"cancel-loss", "--card", card("sc-chengdu-gen2"), "--pinpad", "sim:246810"});
    if (f == "certify") return kiosk_argv({"certify", "--card", card(kMianyangCard), "--pinpad", "sim:135790"});
    if (f == "pay") return kiosk_argv({"pay", "--card", card("sc-chengdu-gen2"), "--amount", "2.00", "--pinpad", "sim:246810"});
    if (f == "settle") {
      return kiosk_argv({"settle", "--card", card("sc-chengdu-gen2"), "--total", "14000", "--category", "inpatient",
                         "--pinpad", "sim:246810,246810"});
    }
    if (f == "reversal") return {sscard_binary(), "recover", "--config", config_path(), "--timeout-ms", "1500", "--attempts", "2"};
    if (f == "ecash-load") {
      return {sscard_binary(), "ecash", "load", "--config", config_path(), "--card", card("sc-suining-gen3"), "--amount",
              "100.00", "--pinpad", "sim:258369", "--timeout-ms", "1500", "--attempts", "2", "--format", "json"};
    }
    return {sscard_binary(), "transit", "upload", "--config", validator(), "--host", crash::at(cq_port()), "--timeout-ms",
            "1500", "--attempts", "2", "--format", "json"};
  }

  // What a kiosk (or validator) does once it is back: `sscard recover`; an e-cash load waits for the card's
  // balance (the next `sscard ecash` with the card); a validator uploads again.
  std::string ecash_card_balance;
  void recover_after() {
    ecash_card_balance.clear();
    if (flow() == "transit-upload") {
      const ProcessOutput u = run({sscard_binary(), "transit", "upload", "--config", validator(), "--host",
                                   crash::at(cq_port()), "--format", "json"});
      EXPECT_EQ(u.exit_code, 0) << u.out << u.err;
    }
    if (flow() == "ecash-load") {
      const ProcessOutput b = run({sscard_binary(), "ecash", "balance", "--config", config_path(), "--card",
                                   card("sc-suining-gen3"), "--format", "json"});
      EXPECT_EQ(b.exit_code, 0) << b.out << b.err;
      const json doc = json::parse(b.out, nullptr, false);
      if (!doc.is_discarded() && doc.contains("balance")) ecash_card_balance = doc["balance"].get<std::string>();
    }
    recovered = recover_kiosk();
  }
  ProcessOutput recovered;

  Before read_before() {
    Before b;
    b.sc = read_ledger(db("sc"));
    b.cq = read_ledger(db("cq"));
    b.issuer_ops = issuer_rows();
    b.issuer_reversals = count(db("sc"), "SELECT COUNT(*) FROM requests WHERE operation = 'reverse'");
    b.journal_done = journal_done(journal_op());
    b.journal_reversals = journal_done(7);
    b.clearings = count(db("sc"), "SELECT COUNT(*) FROM ecash_clearings");
    return b;
  }
  long long issuer_rows() const {
    if (flow() == "transit-upload") return count(db("sc"), "SELECT COUNT(*) FROM ecash_clearings");
    if (is_money()) return count(db("sc"), "SELECT COUNT(*) FROM payments WHERE operation = '" + issuer_op() + "'");
    return count(db("sc"), "SELECT COUNT(*) FROM requests WHERE operation = '" + issuer_op() + "'");
  }
  long long journal_done(int op) const {
    return count(journal(), "SELECT COUNT(*) FROM requests WHERE operation = " + std::to_string(op) + " AND state = 'done'");
  }

  Verdict judge(const Before& b) {
    Verdict v;
    // Ledgers keep their sums, both issuers.
    const Ledger sc = read_ledger(db("sc"));
    const Ledger cq = read_ledger(db("cq"));
    if (!sc.read || !(sc == b.sc)) v.lost.push_back("Sichuan ledger " + describe(b.sc) + " -> " + describe(sc));
    if (!cq.read || !(cq == b.cq)) v.lost.push_back("Chongqing ledger " + describe(b.cq) + " -> " + describe(cq));
    // Nothing owed after recovery, but an activation whose card step is unconfirmed (held by design).
    const long long at_card = count(journal(), "SELECT COUNT(*) FROM requests WHERE state = 'pending' AND step = 'card'");
    // A validator's upload keeps no kiosk journal: recovery makes the file.
    const long long owed = crash::sql_int(journal(), "SELECT (SELECT COUNT(*) FROM requests WHERE state = 'pending') + "
                                                     "(SELECT COUNT(*) FROM armed)").value_or(fs::exists(journal()) ? -1 : 0);
    v.held = at_card > 0;
    // Recovery finishes (exit 0), but for a held activation, which it reports apart, for an operator (exit 4),
    // never as unanswered.
    if (recovered.exit_code != (v.held ? 4 : 0)) {
      v.lost.push_back("sscard recover exit " + std::to_string(recovered.exit_code) + ": " + recovered.err);
    }
    if (v.held && (recovered.err.find("held at the card step") == std::string::npos ||
                   recovered.err.find("did not answer") != std::string::npos)) {
      v.lost.push_back("sscard recover does not report the held activation as held: " + recovered.err);
    }
    if (v.held && (issuer_rows() != b.issuer_ops || flow() != "activate")) {
      v.lost.push_back("an entry held at the card step, yet the issuer changed");
    }
    if (owed - at_card != 0) v.lost.push_back(std::to_string(owed - at_card) + " journal entries still owed");
    const std::string totals = totals_outcome();
    if (!v.held && totals != "balanced") v.lost.push_back("totals: " + totals);

    const long long ops = issuer_rows() - b.issuer_ops;
    const long long reversals = count(db("sc"), "SELECT COUNT(*) FROM requests WHERE operation = 'reverse'") - b.issuer_reversals;
    if (ops > 1) v.doubled.push_back(std::to_string(ops) + " " + issuer_op() + " rows at the issuer");
    if (reversals > 1) v.doubled.push_back(std::to_string(reversals) + " reversals at the issuer");
    const long long kiosk_reversals = journal_done(7) - b.journal_reversals;
    if (kiosk_reversals != reversals) {
      v.lost.push_back("reversals: kiosk " + std::to_string(kiosk_reversals) + ", issuer " + std::to_string(reversals));
    }

    const std::string f = flow();
    if (f == "activate" || f == "report-loss" || f == "cancel-loss" || f == "certify") {
      const long long done = journal_done(journal_op()) - b.journal_done;
      v.effect = ops == 1;
      if (!v.held && done != ops) {
        v.lost.push_back("kiosk done " + std::to_string(done) + ", issuer rows " + std::to_string(ops));
      }
      std::string want;
      std::string query;
      if (f == "activate") {
        query = std::string("SELECT card_state = 'active' FROM holders WHERE ssn = '") + kSuiningSsn + "'";
      } else if (f == "report-loss") {
        query = std::string("SELECT card_state = 'loss_reported' FROM holders WHERE ssn = '") + kChengduSsn + "'";
      } else if (f == "cancel-loss") {
        query = std::string("SELECT card_state = 'active' FROM holders WHERE ssn = '") + kChengduSsn + "'";
      } else {
        query = "SELECT COUNT(*) FROM holders WHERE last_certification = '" + crash::today_cst() + "'";
      }
      if ((count(db("sc"), query) > 0) != v.effect) v.lost.push_back("the holder's record disagrees with the requests");
    } else if (f == "reversal") {
      // The pending reversal is delivered exactly once and the payment is reversed.
      v.effect = reversals == 1;
      if (reversals == 0) v.lost.push_back("the reversal was not delivered");
      if (count(db("sc"), "SELECT COUNT(*) FROM payments WHERE approved = 1 AND reversed_by IS NULL") != 0) {
        v.lost.push_back("the payment is still taken");
      }
    } else if (f == "transit-upload") {
      v.effect = ops == 1;
      if (ops != 1) v.lost.push_back(std::to_string(ops) + " clearings of the ride");
      if (count(ride_log(), "SELECT COUNT(*) FROM rides WHERE state = 'pending'") != 0) {
        v.lost.push_back("rides still pending in the validator");
      }
    } else {
      v.effect = count(db("sc"), "SELECT COUNT(*) FROM payments WHERE approved = 1 AND reversed_by IS NULL AND "
                                 "operation = '" + issuer_op() + "'") > 0;
      if (f == "ecash-load") {
        const long long card_fen = fen_of(ecash_card_balance);
        const long long account = count(db("sc"), std::string("SELECT account_fen FROM ecash_accounts WHERE pan = '") +
                                                      kSuiningPan + "'");
        if (card_fen != account) {
          v.lost.push_back("card e-cash " + ecash_card_balance + ", issuer e-cash account " + std::to_string(account));
        }
      }
    }
    return v;
  }

  // The points every process passes in one clean run of the flow, and that run's verdict (the flow must work).
  std::vector<CrashPoint> list_points() {
    stop_servers();
    environment().set("SSCARD_TEST_CRASH_AT", "list");
    start_servers();
    const Before before = read_before();
    const ProcessOutput r = run(flow_argv());
    environment().unset("SSCARD_TEST_CRASH_AT");
    std::vector<CrashPoint> points;
    for (const std::string& p : listed_points(r.err)) points.push_back({Role::kKiosk, p});
    for (Role role : {Role::kCqHost, Role::kScHost, Role::kHub}) {
      for (const std::string& p : listed_points(process(role)->err())) points.push_back({role, p});
    }
    stop_servers();
    start_servers();
    EXPECT_TRUE(r.exit_code == 0) << "the flow's clean run: " << r.out << r.err;
    recover_after();
    const Verdict v = judge(before);
    EXPECT_TRUE(v.effect) << "the clean run took no effect";
    EXPECT_TRUE(v.lost.empty() && v.doubled.empty()) << ::testing::PrintToString(v.lost) << ::testing::PrintToString(v.doubled);
    return points;
  }
};

TEST_P(CrashMatrix, EveryPointKilledOnceTakesEffectOnceOrNotAtAll) {
  const auto started = std::chrono::steady_clock::now();
  start_world();
  ASSERT_FALSE(HasFatalFailure());
  prepare();
  ASSERT_FALSE(HasFatalFailure());
  snapshot("base");
  ASSERT_FALSE(HasFatalFailure());

  const std::vector<CrashPoint> points = list_points();
  ASSERT_FALSE(points.empty());
  std::string names;
  for (const CrashPoint& p : points) names += std::string(" ") + role_name(p.role) + ":" + p.name;
  std::printf("[%s] %zu points:%s\n", flow().c_str(), points.size(), names.c_str());

  Row row;
  row.points = static_cast<int>(points.size());
  const int every = stride();
  for (std::size_t i = 0; i < points.size(); i += static_cast<std::size_t>(every)) {
    const CrashPoint& point = points[i];
    SCOPED_TRACE(std::string(role_name(point.role)) + " " + point.name);
    restore("base");
    ASSERT_FALSE(HasFatalFailure());
    start_servers(point.role, point.name);
    const Before before = read_before();
    const ProcessOutput r = run_kiosk(flow_argv(), point.role == Role::kKiosk ? point.name : "");
    bool killed = false;
    if (point.role == Role::kKiosk) {
      killed = r.exit_code == -1;
    } else {
      auto& p = process(point.role);
      killed = p->wait(100ms).has_value();
      p.reset();  // killed, or still armed: started again clean either way
      start_role(point.role);
    }
    recover_after();
    const Verdict v = judge(before);
    ++row.runs;
    row.killed += killed ? 1 : 0;
    if (v.held) {
      ++row.held;
    } else if (v.effect) {
      ++row.applied;
    } else {
      ++row.not_applied;
    }
    row.lost += v.lost.empty() ? 0 : 1;
    row.doubled += v.doubled.empty() ? 0 : 1;
    EXPECT_TRUE(killed) << "the point was not reached: " << r.out << r.err;
    EXPECT_TRUE(v.lost.empty()) << ::testing::PrintToString(v.lost) << "\n" << r.out << r.err;
    EXPECT_TRUE(v.doubled.empty()) << ::testing::PrintToString(v.doubled);
  }
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary()[flow()] = row;
}

INSTANTIATE_TEST_SUITE_P(Flows, CrashMatrix,
                         ::testing::Values("activate", "report-loss", "cancel-loss", "certify", "pay", "settle",
                                           "reversal", "ecash-load", "transit-upload"),
                         [](const auto& p) {
                           std::string name = p.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace sscard::test::chaos

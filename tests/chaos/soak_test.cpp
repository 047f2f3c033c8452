// The soak (docs/RELIABILITY.md): for SSCARD_SOAK_SECONDS (60 by default), four kiosks (two in each province,
// each with its own terminal number, journal and card) run every flow in turn against `sscard-sim host` for
// both provinces and `sscard-sim hub` on loopback, every card served across the border, while a chaos thread
// kills a host or the hub with SIGKILL at random and starts it again, and now and then has a kiosk run kill
// itself at one of its points. Afterwards every kiosk recovers and the world is checked: nothing owed, every
// answer a kiosk stored is the issuer's only record of that key and every stored request is known to a kiosk,
// the issuers' ledgers keep their sums, each card's e-cash matches its account, and `sscard totals` agrees for
// every kiosk. The figures (requests served, faults injected, recovery times) are printed, never asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sqlite3.h>
#include <string>
#include <thread>
#include <vector>

#include "chaos_world.h"

namespace sscard::test::chaos {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

// SSCARD_SOAK_SEED fixes the chaos (which process, when, how long down); otherwise a new seed each run.
unsigned soak_seed() {
  const char* s = std::getenv("SSCARD_SOAK_SEED");
  return s != nullptr ? static_cast<unsigned>(std::strtoul(s, nullptr, 10)) : std::random_device{}();
}

int soak_seconds() {
  const char* s = std::getenv("SSCARD_SOAK_SECONDS");
  const int n = s != nullptr ? std::atoi(s) : 60;
  return n < 5 ? 5 : n;
}

// The hex of every blob of a one-column query (idempotency keys).
std::set<std::string> keys(const fs::path& db, const std::string& query) {
  std::set<std::string> out;
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, query.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, 0));
        const int n = sqlite3_column_bytes(stmt, 0);
        std::string hex;
        for (int i = 0; i < n; ++i) {
          char b[3];
          std::snprintf(b, sizeof b, "%02X", p[i]);
          hex += b;
        }
        out.insert(hex);
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return out;
}

long long fen_of(const std::string& yuan) {
  const auto dot = yuan.find('.');
  if (dot == std::string::npos || yuan.size() != dot + 3) return -1;
  return std::atoll(yuan.substr(0, dot).c_str()) * 100 + std::atoll(yuan.substr(dot + 1).c_str());
}

// One kiosk of the soak: its configuration, its card and what it does, in turn.
struct Kiosk {
  std::string terminal, region, province;  // province: "cq" or "sc" (the host it is provisioned against)
  std::string holder;                      // the card's profile (issued by the other province)
  std::string ss_pin, pay_pin;             // the social-security PIN and the payment PIN
  std::string validator;                   // the validator its card rides on ("" for none)
  std::string pan;                         // for the e-cash check ("" for a card without e-cash)
  std::vector<std::string> cycle;          // flows, in turn
  fs::path config;
};

struct Counters {
  std::mutex mutex;
  // Per flow: kiosk runs; done (exit 0); refused or declined (exit 1: the issuer's or the card's no, or a
  // local failure); left pending for recovery (exit 3: a host or the hub was down); killed at a point.
  std::map<std::string, int> runs, served, refused, pending, killed;
  std::map<std::string, std::string> why_refused;  // the last refusal's line, per flow
  std::vector<Clock::time_point> answers;   // when each answered run ended
  int kiosk_kills = 0;
  // Interrupted e-cash loads settled by a later `ecash load` or `ecash balance`, by what decided them.
  std::map<std::string, int> loads_decided_by;
  void count_resolutions(const std::string& out) {
    const json doc = json::parse(out, nullptr, false);
    if (doc.is_discarded() || !doc.contains("loads_resolved")) return;
    for (const json& r : doc["loads_resolved"]) {
      const std::string resolution = r.value("resolution", std::string());
      ++loads_decided_by[resolution == "confirmed" || resolution == "reversed" ? r.value("decided_by", std::string())
                                                                                : resolution];
    }
  }
};

class Soak : public ChaosWorld {
 protected:
  std::vector<std::string> argv_of(const Kiosk& k, const std::string& flow, int round) const {
    const std::vector<std::string> host = {"--timeout-ms", "1500", "--attempts", "2", "--format", "json"};
    std::vector<std::string> a;
    if (flow == "transit-tap") {
      return {sscard_binary(), "transit", "tap", "--config", validator(k), "--card", card(k.holder), "--format", "json"};
    }
    if (flow == "transit-upload") {
      a = {sscard_binary(), "transit", "upload", "--config", validator(k), "--host",
           crash::at(k.validator.rfind("cq", 0) == 0 ? cq_port() : sc_port())};
    } else if (flow == "ecash-load") {
      a = {sscard_binary(), "ecash", "load", "--config", k.config.string(), "--card", card(k.holder), "--amount", "5.00",
           "--pinpad", "sim:" + k.pay_pin};
    } else {
      a = {sscard_binary(), flow, "--config", k.config.string(), "--card", card(k.holder)};
      if (flow == "pay") a.insert(a.end(), {"--amount", "1." + std::to_string(10 + round % 90), "--pinpad", "sim:" + k.pay_pin});
      if (flow == "settle") a.insert(a.end(), {"--total", "3000", "--category", "outpatient", "--pinpad", "sim:" + k.pay_pin + "," + k.pay_pin});
      if (flow == "activate") a.insert(a.end(), {"--pinpad", "sim:" + k.ss_pin + ",975318,975318"});
      if (flow == "cancel-loss" || flow == "certify") a.insert(a.end(), {"--pinpad", "sim:" + active_pin(k)});
    }
    a.insert(a.end(), host.begin(), host.end());
    return a;
  }
  static std::string active_pin(const Kiosk& k) { return k.cycle.front() == "activate" ? "975318" : k.ss_pin; }
  static std::string validator(const Kiosk& k) { return (cards_dir() / "validators" / (k.validator + ".json")).string(); }

  void provision(Kiosk& k) {
    k.config = dir() / ("kiosk-" + k.terminal + ".json");
    const ProcessOutput p = run({sscard_sim_binary(), "provision", "--terminal", k.terminal, "--region", k.region,
                                 "--out", k.config.string(), "--host", crash::at(k.province == "cq" ? cq_port() : sc_port()),
                                 "--psam-out", (dir() / ("psam-" + k.terminal + ".json")).string()});
    ASSERT_EQ(p.exit_code, 0) << p.err;
  }
  fs::path journal_of(const Kiosk& k) const { return sscard_state() / ("journal-" + k.terminal + ".db"); }
};

TEST_F(Soak, MixedLoadWithRandomKillsLosesAndDoublesNothing) {
  start_world();
  ASSERT_FALSE(HasFatalFailure());
  std::vector<Kiosk> kiosks = {
      {"500152000301", "500152", "cq", "sc-chengdu-gen2", "246810", "246810", "", "",
       {"pay", "report-loss", "cancel-loss", "settle", "pay", "certify"}, {}},
      {"510900000301", "510900", "sc", "cq-tongnan-gen3", "123456", "147258", "sc-bus-0201", "6200505001521523017",
       {"activate", "pay", "ecash-load", "transit-tap", "transit-upload", "certify"}, {}},
      {"500152000302", "500152", "cq", "sc-suining-gen3", "123456", "258369", "cq-bus-0101", "6200515109004011018",
       {"activate", "ecash-load", "transit-tap", "transit-upload", "pay", "report-loss", "cancel-loss"}, {}},
      {"510900000302", "510900", "sc", "cq-yuzhong-gen2", "802416", "802416", "", "",
       {"report-loss", "cancel-loss", "pay", "certify"}, {}},
  };
  for (Kiosk& k : kiosks) {
    provision(k);
    ASSERT_FALSE(HasFatalFailure());
  }
  const Ledger cq_before = read_ledger(host_db("cq"));
  const Ledger sc_before = read_ledger(host_db("sc"));

  Counters counters;
  std::atomic<bool> stop{false};
  std::atomic<int> kill_token{0};  // kiosk runs the chaos thread asks to kill themselves
  // Points each kind of kiosk run passes when its hosts answer (the kill matrix lists them all).
  const auto kiosk_points = [](const std::string& flow) -> std::vector<std::string> {
    if (flow == "transit-tap") return {};  // offline
    if (flow == "transit-upload") return {"before-send#1", "client-send#1", "client-receive#1", "after-answer#1", "after-mark#1"};
    if (flow == "pay" || flow == "ecash-load" || flow == "settle") {
      return {"journal-arm#1", "client-send#1", "after-answer#1", "journal-approval#1", "after-gac2#1", "journal-disarm#1",
              "journal-complete#1"};
    }
    return {"journal-record#1", "journal-attempt#1", "client-send#1", "client-receive#1", "journal-complete#1"};
  };
  const int seconds = soak_seconds();
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  const auto soak_start = Clock::now();

  std::vector<std::thread> workers;
  for (std::size_t w = 0; w < kiosks.size(); ++w) {
    workers.emplace_back([&, w] {
      const Kiosk& k = kiosks[w];
      ChildEnvironment env(state_home());
      std::mt19937 rng(static_cast<unsigned>(1000 + w));
      std::size_t step = 0;
      int round = 0;
      while (!stop.load() && Clock::now() < deadline) {
        std::string flow = k.cycle[step % k.cycle.size()];
        ++step;
        if (flow == "activate" && step > 1) continue;  // a card is activated once
        const std::vector<std::string> points = kiosk_points(flow);
        int token = kill_token.load();
        bool crash = false;
        while (!points.empty() && token > 0 && !crash) crash = kill_token.compare_exchange_weak(token, token - 1);
        if (crash) env.set("SSCARD_TEST_CRASH_AT", points[rng() % points.size()]);
        const ProcessOutput r = run_process(argv_of(k, flow, round++), env);
        if (crash) env.unset("SSCARD_TEST_CRASH_AT");
        std::lock_guard lock(counters.mutex);
        ++counters.runs[flow];
        if (crash && r.exit_code == -1) ++counters.kiosk_kills;
        if (r.exit_code == 1) {
          ++counters.refused[flow];
          counters.why_refused[flow] = r.err.substr(0, r.err.find('\n'));
        }
        if (r.exit_code == 3) ++counters.pending[flow];
        if (r.exit_code == -1) ++counters.killed[flow];
        if (flow == "ecash-load") counters.count_resolutions(r.out);
        if (r.exit_code == 0) {
          ++counters.served[flow];
          counters.answers.push_back(Clock::now());
        }
      }
    });
  }

  // The chaos: every 0.5-2.5 s a host or the hub killed and down for 0.1-1 s, and every other time a kiosk run
  // told to kill itself at one of its points.
  struct Fault {
    Role role;
    Clock::time_point restarted;
  };
  std::vector<Fault> faults;
  const unsigned seed = soak_seed();
  std::mt19937 rng(seed);
  int tokens = 0;
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 2000));
    if (Clock::now() >= deadline) break;
    if (rng() % 2 == 0) {
      ++kill_token;  // the next kiosk run to take it kills itself at one of its points
      ++tokens;
    }
    const Role role = std::array{Role::kCqHost, Role::kScHost, Role::kHub}[rng() % 3];
    auto& p = process(role);
    ASSERT_TRUE(p->signal(SIGKILL));
    ASSERT_TRUE(p->wait(10s).has_value());
    p.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 900));
    start_role(role);
    faults.push_back({role, Clock::now()});
  }
  stop.store(true);
  for (std::thread& t : workers) t.join();
  const double soaked = std::chrono::duration<double>(Clock::now() - soak_start).count();

  // Recovery: every kiosk's journal, every load settled by the card's balance, every validator's rides.
  const auto recovery_start = Clock::now();
  for (const Kiosk& k : kiosks) {
    if (!k.validator.empty()) {
      const ProcessOutput u = run(argv_of(k, "transit-upload", 0));
      EXPECT_EQ(u.exit_code, 0) << k.terminal << ": " << u.out << u.err;
    }
    if (!k.pan.empty()) {
      const ProcessOutput b = run({sscard_binary(), "ecash", "balance", "--config", k.config.string(), "--card",
                                   card(k.holder), "--format", "json"});
      // Every interrupted load is decided by the card's load log (CONTACTLESS.md §4): exit 3 would be one left
      // undecided (or a follow-up unanswered, with every host up).
      EXPECT_EQ(b.exit_code, 0) << k.terminal << ": " << b.out << b.err;
      counters.count_resolutions(b.out);
    }
    // Exit 4: an activation held at the card step, for an operator (counted below); nothing else may be left.
    const ProcessOutput r = recover_kiosk(k.config.string());
    const bool held_here =
        count(journal_of(k), "SELECT COUNT(*) FROM requests WHERE state = 'pending' AND step = 'card'") > 0;
    EXPECT_EQ(r.exit_code, held_here ? 4 : 0) << k.terminal << ": " << r.out << r.err;
  }
  const double recovery_seconds = std::chrono::duration<double>(Clock::now() - recovery_start).count();

  // The checks.
  int lost = 0, doubled = 0, held = 0, undecided = 0;
  // A ride's clearing goes under a key of the validator's ride log, not of a kiosk's journal.
  constexpr char kIssuerKeys[] = "SELECT idem_key FROM requests WHERE operation != 'ecash-clear'";
  const std::set<std::string> sc_keys = keys(host_db("sc"), kIssuerKeys);
  const std::set<std::string> cq_keys = keys(host_db("cq"), kIssuerKeys);
  std::set<std::string> kiosk_keys;
  for (const Kiosk& k : kiosks) {
    SCOPED_TRACE(k.terminal);
    const fs::path j = journal_of(k);
    const long long at_card = count(j, "SELECT COUNT(*) FROM requests WHERE state = 'pending' AND step = 'card'");
    const long long owed = count(j, "SELECT (SELECT COUNT(*) FROM requests WHERE state = 'pending') + (SELECT COUNT(*) FROM armed)");
    // An e-cash load interrupted on the card, even one the card rode (spent offline) on before it was read
    // again, is decided by the card's load log: none may be left unresolved (docs/RELIABILITY.md, "Soak").
    const long long loads = count(j, "SELECT COUNT(*) FROM ecash_loads");
    undecided += static_cast<int>(loads);
    EXPECT_EQ(loads, 0) << "e-cash loads left undecided";
    held += static_cast<int>(at_card);
    EXPECT_EQ(owed - at_card, 0);
    lost += static_cast<int>(std::max(0LL, owed - at_card - loads));
    const std::string totals = totals_outcome(k.config.string());
    EXPECT_EQ(totals, "balanced");
    if (totals != "balanced" && loads == 0) ++lost;
    // Every answer the kiosk stored is at the card's home issuer, once, and at no other.
    const std::set<std::string>& home = k.province == "cq" ? sc_keys : cq_keys;
    const std::set<std::string>& other = k.province == "cq" ? cq_keys : sc_keys;
    for (const std::string& key : keys(j, "SELECT idem_key FROM requests WHERE state = 'done'")) {
      if (home.count(key) == 0) {
        ++lost;
        ADD_FAILURE() << "a done request " << key << " is not at the home issuer";
      }
      if (other.count(key) != 0) {
        ++doubled;
        ADD_FAILURE() << "request " << key << " applied at both issuers";
      }
    }
    // What the kiosk journaled: its requests and the originals of its payments.
    for (const char* query : {"SELECT idem_key FROM requests", "SELECT original_key FROM payments"}) {
      const auto all = keys(j, query);
      kiosk_keys.insert(all.begin(), all.end());
    }
    // The card's e-cash is what its account holds, once every ride is cleared and every load settled.
    if (!k.pan.empty()) {
      const ProcessOutput b = run({sscard_binary(), "ecash", "balance", "--config", k.config.string(), "--card",
                                   card(k.holder), "--format", "json"});
      const json doc = json::parse(b.out, nullptr, false);
      const long long card_fen = doc.is_discarded() ? -1 : fen_of(doc.value("balance", std::string()));
      const long long account = count(host_db(k.province == "cq" ? "sc" : "cq"),
                                      "SELECT account_fen FROM ecash_accounts WHERE pan = '" + k.pan + "'");
      const bool agrees = card_fen == account;
      EXPECT_TRUE(agrees) << "card " << card_fen << " fen, issuer e-cash account " << account << " fen\n"
                          << b.out << b.err;
      if (!agrees && loads == 0) ++lost;
    }
    if (!k.validator.empty()) {
      const fs::path rides = sscard_state() / ("rides-" + std::string(k.validator == "cq-bus-0101" ? "500103020101" : "510903020201") + ".db");
      EXPECT_EQ(count(rides, "SELECT COUNT(*) FROM rides WHERE state = 'pending'"), 0) << rides;
    }
  }
  for (const std::string& key : sc_keys) {
    if (kiosk_keys.count(key) == 0) {
      ++lost;
      ADD_FAILURE() << "Sichuan holds a request no kiosk journaled: " << key;
    }
  }
  for (const std::string& key : cq_keys) {
    if (kiosk_keys.count(key) == 0) {
      ++lost;
      ADD_FAILURE() << "Chongqing holds a request no kiosk journaled: " << key;
    }
  }
  const Ledger cq_after = read_ledger(host_db("cq"));
  const Ledger sc_after = read_ledger(host_db("sc"));
  EXPECT_TRUE(cq_after.read && cq_after == cq_before) << describe(cq_before) << " -> " << describe(cq_after);
  EXPECT_TRUE(sc_after.read && sc_after == sc_before) << describe(sc_before) << " -> " << describe(sc_after);
  if (!(cq_after == cq_before)) ++lost;
  if (!(sc_after == sc_before)) ++lost;

  // The figures.
  std::vector<double> recovery_ms;
  std::map<std::string, int> kills;
  for (const Fault& f : faults) {
    ++kills[role_name(f.role)];
    const auto first = std::find_if(counters.answers.begin(), counters.answers.end(),
                                    [&](Clock::time_point t) { return t > f.restarted; });
    if (first != counters.answers.end()) {
      recovery_ms.push_back(std::chrono::duration<double, std::milli>(*first - f.restarted).count());
    }
  }
  std::sort(counters.answers.begin(), counters.answers.end());
  std::sort(recovery_ms.begin(), recovery_ms.end());
  int runs = 0, served = 0;
  std::printf("\nsoak: %.1f s of load, 4 kiosks (2 per province), every card served across the border\n", soaked);
  std::printf("%-15s %6s %6s %8s %8s %7s\n", "flow", "runs", "done", "refused", "pending", "killed");
  int refused = 0, pending = 0, killed = 0;
  for (const auto& [flow, n] : counters.runs) {
    std::printf("%-15s %6d %6d %8d %8d %7d\n", flow.c_str(), n, counters.served[flow], counters.refused[flow],
                counters.pending[flow], counters.killed[flow]);
    runs += n;
    served += counters.served[flow];
    refused += counters.refused[flow];
    pending += counters.pending[flow];
    killed += counters.killed[flow];
  }
  std::printf("%-15s %6d %6d %8d %8d %7d\n", "total", runs, served, refused, pending, killed);
  for (const auto& [flow, line] : counters.why_refused) std::printf("  %s, last refusal: %s\n", flow.c_str(), line.c_str());
  std::printf("faults injected (seed %u): %zu host/hub kills (cq-host %d, sc-host %d, hub %d), %d kiosk runs told to "
              "die at a point, %d died there\n",
              seed, faults.size(), kills["cq-host"], kills["sc-host"], kills["hub"], tokens, counters.kiosk_kills);
  if (!recovery_ms.empty()) {
    std::printf("recovery (restart to the first answered kiosk run): min %.0f ms, median %.0f ms, max %.0f ms over %zu restarts\n",
                recovery_ms.front(), recovery_ms[recovery_ms.size() / 2], recovery_ms.back(), recovery_ms.size());
  }
  std::printf("final recovery of the 4 kiosks: %.1f s; lost %d, doubled %d, held at the card step %d, e-cash loads "
              "left undecided %d\n",
              recovery_seconds, lost, doubled, held, undecided);
  std::printf("interrupted e-cash loads settled later: %d by the card's load log, %d by its balance; %d closed "
              "(nothing armed any more), %d times left undecided for a later reading\n",
              counters.loads_decided_by["load_log"], counters.loads_decided_by["balance"],
              counters.loads_decided_by["closed"], counters.loads_decided_by["undecided"]);
  std::fflush(stdout);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(doubled, 0);
  EXPECT_EQ(undecided, 0);
}

}  // namespace
}  // namespace sscard::test::chaos

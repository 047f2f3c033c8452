// Benchmarks of the issuer path (docs/HOST-PROTOCOL.md) on real loopback TCP: kiosk -> Chongqing host -> hub ->
// Sichuan host and back, each hop its own TCP connection and its own SM4 link MAC. Results and how to read
// them: docs/PERFORMANCE-HOSTS.md.
//
// Every benchmark thread is one kiosk with its own terminal id, link key, crypto backend and HostClient. Each
// request's latency is recorded in the thread's own vector; thread 0 merges them after the loop (the loop's end
// is a barrier of all threads in Google Benchmark) and reports p50_us / p99_us. rps counts every thread's
// requests over the real time of the run.
#include <benchmark/benchmark.h>

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "sscard/crypto/default_crypto.h"
#include "sscard/crypto/openssl.h"
#include "sscard/host/client.h"
#include "sscard/host/journal.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/tcp.h"
#include "sscard/wire/wire.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/host/hub.h"
#include "sscard/sim/host/issuer_host.h"
#include "sscard/sim/host/link_keys.h"
#include "sscard/sim/host/population.h"
#include "sscard/sim/host/server.h"

#include "latency.h"

namespace sscard {
namespace {

using bench::LatencyBook;

namespace simhost = sscard::sim::host;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kSeed = 20261127;
constexpr std::string_view kDate = "20261127";
// Worker threads of each serve() pool. A cross-province request holds one worker of each of the three pools
// while it is under way; 16 keeps 64 kiosks from queueing behind the pools more than behind the 2 CPUs.
constexpr int kServeThreads = 16;
constexpr int kMaxKiosks = 64;
// Generated holders per province in the world of the query and state-change benchmarks.
constexpr std::size_t kWorldPopulation = 10'000;
// Random holders whose requests are prepared when a world is built: the loops pick among them, so building a
// request never costs a generated_holder() call inside the timed loop.
constexpr std::size_t kTargets = 16'384;
// Distinct holders per kiosk in the state-change benchmark (report-loss, then cancel-loss, on each in turn).
constexpr std::size_t kChangeHoldersPerKiosk = 16;
// One attempt per request: a retried request would hide a failure and average two exchanges into one latency.
// A benchmark whose request fails reports the error instead.
const host::RetryPolicy kNoRetry{std::chrono::milliseconds(10'000), 1, std::chrono::milliseconds(0)};

// ---- The served world ----

// A private temporary folder, removed with everything in it.
class TempDir {
 public:
  static std::unique_ptr<TempDir> create() {
    std::error_code ec;
    std::string pattern = (std::filesystem::temp_directory_path(ec) / "sscard-host-bench-XXXXXX").string();
    if (ec || ::mkdtemp(pattern.data()) == nullptr) return nullptr;
    return std::unique_ptr<TempDir>(new TempDir(pattern));
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TempDir(std::filesystem::path p) : path_(std::move(p)) {}
  std::filesystem::path path_;
};

// serve() on one listener in a background thread until stop() (or destruction) sets its flag and joins it.
class Served {
 public:
  Served(wire::Listener listener, simhost::MessageHandler handler) : listener_(std::move(listener)) {
    thread_ = std::thread(
        [this, h = std::move(handler)] { result_ = simhost::serve(listener_, h, stop_, kServeThreads); });
  }
  Served(const Served&) = delete;
  Served& operator=(const Served&) = delete;
  ~Served() { stop(); }

  void stop() {
    stop_.store(true);
    if (!thread_.joinable()) return;
    thread_.join();
    if (!result_.ok()) std::fprintf(stderr, "serve() ended with %s\n", std::string(result_.name()).c_str());
  }

 private:
  wire::Listener listener_;
  std::atomic<bool> stop_{false};
  Status result_ = Error::kInternal;
  std::thread thread_;
};

// What a request needs to name one holder's card.
struct Target {
  std::string region;
  std::string ssn;
  std::string card_number;
  Bytes card_id;
};

Target target_of(const simhost::HolderRecord& h) { return Target{h.region, h.ssn, h.card_number, h.card_id}; }

wire::Request request_for(const Target& t, wire::Operation op, const wire::IdempotencyKey& key,
                          const std::string& terminal, std::string_view serving_province) {
  wire::Request r;
  r.operation = op;
  r.key = key;
  r.terminal = terminal;
  r.serving_province = std::string(serving_province);
  r.card_region = t.region;
  r.ssn = t.ssn;
  r.card_number = t.card_number;
  r.card_id = t.card_id;
  r.date = std::string(kDate);
  return r;
}

struct WorldSpec {
  std::size_t cq_generated = 0;  // generated holders besides the bundled cards
  std::size_t sc_generated = 0;
  std::size_t change_holders = 0;  // active Sichuan holders set aside for the state-change benchmark

  friend bool operator==(const WorldSpec&, const WorldSpec&) = default;
};

// Both provinces' hosts and the hub, each served on 127.0.0.1:0; host -> hub and hub -> host are TcpChannels.
//
// The holder databases are SQLite files (WAL, synchronous=FULL) in a temporary folder, as production runs
// them: a state change pays the fsync of its commit at the home host. A query's transaction writes nothing,
// so its commit does not sync; the file only adds SQLite's file locking and reads through the OS page cache.
class World {
 public:
  static std::unique_ptr<World> create(const WorldSpec& spec, std::string& error) {
    auto world = std::unique_ptr<World>(new World());
    return world->build(spec, error) ? std::move(world) : nullptr;
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  // Stops the three servers (sets their stop flags, joins their threads) before the hosts, the hub and the
  // stores they use go away; the folder with the databases goes last.
  ~World() {
    for (auto& s : served_) s->stop();
  }

  const simhost::MasterKey& master() const { return master_; }
  std::uint16_t cq_port() const { return cq_port_; }
  const std::filesystem::path& dir() const { return dir_->path(); }
  simhost::IssuerHost& sc_host() { return *sc_host_; }
  std::size_t sc_holders() const { return sc_holders_; }

  const std::vector<Target>& cq_targets() const { return cq_targets_; }
  const std::vector<Target>& sc_targets() const { return sc_targets_; }

  // The state-change holders and their card states as the last answers said (every kiosk thread owns its own
  // slice, so a slot is only ever touched by one thread at a time).
  std::vector<Target>& change_targets() { return change_targets_; }
  std::vector<wire::CardState>& change_states() { return change_states_; }

 private:
  World() = default;

  static bool fail(std::string& error, std::string what) {
    error = std::move(what);
    return false;
  }

  bool open_store(std::string_view province, std::size_t generated, std::unique_ptr<simhost::HolderStore>& out,
                  std::size_t& holders, std::string& error) {
    const std::string file = (dir_->path() / (std::string(province) + "-holders.db")).string();
    // The bundled cards of the province, then the generated holders.
    auto store = simhost::open_seeded_store(file, SSCARD_CARDS_DIR, province, generated, kSeed);
    if (!store.ok()) return fail(error, store.error().message);
    auto count = (*store)->holder_count();
    if (!count.ok()) return fail(error, count.error().message);
    holders = *count;
    out = std::move(*store);
    return true;
  }

  static bool random_targets(std::string_view province, std::size_t population, std::vector<Target>& out,
                             std::string& error) {
    if (population == 0) return true;
    std::mt19937_64 rng(kSeed ^ population);
    std::uniform_int_distribution<std::size_t> pick(0, population - 1);
    out.reserve(kTargets);
    for (std::size_t i = 0; i < kTargets; ++i) {
      auto g = simhost::generated_holder(kSeed, province, pick(rng));
      if (!g.ok()) return fail(error, g.error().message);
      out.push_back(target_of(g->holder));
    }
    return true;
  }

  bool build(const WorldSpec& spec, std::string& error) {
    dir_ = TempDir::create();
    if (!dir_) return fail(error, "cannot create a temporary folder");
    const std::filesystem::path keys = std::filesystem::path(SSCARD_CARDS_DIR) / "keys/test-link-keys.json";
    auto master = simhost::load_link_master(keys);
    if (!master.ok()) return fail(error, master.error().message);
    master_ = *master;

    std::size_t cq_holders = 0;
    if (!open_store(wire::kChongqing, spec.cq_generated, cq_store_, cq_holders, error)) return false;
    if (!open_store(wire::kSichuan, spec.sc_generated, sc_store_, sc_holders_, error)) return false;
    if (!random_targets(wire::kChongqing, spec.cq_generated, cq_targets_, error)) return false;
    if (!random_targets(wire::kSichuan, spec.sc_generated, sc_targets_, error)) return false;
    // Holders whose card is active as generated: report-loss applies to them first.
    for (std::size_t i = 0; i < spec.sc_generated && change_targets_.size() < spec.change_holders; ++i) {
      auto g = simhost::generated_holder(kSeed, wire::kSichuan, i);
      if (!g.ok()) return fail(error, g.error().message);
      if (g->holder.card_state != wire::CardState::kActive) continue;
      change_targets_.push_back(target_of(g->holder));
      change_states_.push_back(wire::CardState::kActive);
    }
    if (change_targets_.size() < spec.change_holders) return fail(error, "too few active holders to change");

    const wire::Address loopback{"127.0.0.1", 0};
    auto cq_listener = wire::Listener::bind(loopback);
    auto sc_listener = wire::Listener::bind(loopback);
    auto hub_listener = wire::Listener::bind(loopback);
    if (!cq_listener.ok() || !sc_listener.ok() || !hub_listener.ok()) return fail(error, "cannot listen on 127.0.0.1");
    cq_port_ = cq_listener->port();
    auto to = [](const wire::Listener& l) {
      return std::make_shared<wire::TcpChannel>(wire::Address{"127.0.0.1", l.port()});
    };
    // Each component has its own backend object: each uses it under its own lock, from its own threads.
    cq_host_ = std::make_unique<simhost::IssuerHost>(std::string(wire::kChongqing), *cq_store_,
                                                     crypto::make_openssl_crypto(), master_, to(*hub_listener));
    sc_host_ = std::make_unique<simhost::IssuerHost>(std::string(wire::kSichuan), *sc_store_,
                                                     crypto::make_openssl_crypto(), master_, to(*hub_listener));
    hub_ = std::make_unique<simhost::Hub>(
        crypto::make_openssl_crypto(), master_,
        std::map<std::string, std::shared_ptr<wire::Channel>>{{std::string(wire::kChongqing), to(*cq_listener)},
                                                              {std::string(wire::kSichuan), to(*sc_listener)}});
    served_.push_back(std::make_unique<Served>(std::move(*hub_listener),
                                               [this](ByteSpan m) { return hub_->handle_message(m); }));
    served_.push_back(std::make_unique<Served>(std::move(*sc_listener),
                                               [this](ByteSpan m) { return sc_host_->handle_message(m); }));
    served_.push_back(std::make_unique<Served>(std::move(*cq_listener),
                                               [this](ByteSpan m) { return cq_host_->handle_message(m); }));
    return true;
  }

  // Destroyed bottom-up: servers (already stopped), hub, hosts, stores, then the folder.
  std::unique_ptr<TempDir> dir_;
  simhost::MasterKey master_{};
  std::unique_ptr<simhost::HolderStore> cq_store_, sc_store_;
  std::size_t sc_holders_ = 0;
  std::vector<Target> cq_targets_, sc_targets_, change_targets_;
  std::vector<wire::CardState> change_states_;
  std::uint16_t cq_port_ = 0;
  std::unique_ptr<simhost::IssuerHost> cq_host_, sc_host_;
  std::unique_ptr<simhost::Hub> hub_;
  std::vector<std::unique_ptr<Served>> served_;
};

// One world at a time, kept while the benchmarks that follow ask for the same spec: the query and
// state-change families share one, and each population size is built once for the two population families
// (which main() registers interleaved by size). Building is never timed: it happens before the loop, and the
// other threads of a run wait for it at the loop's start barrier.
std::mutex g_world_mutex;
std::unique_ptr<World> g_world;
WorldSpec g_world_spec;
std::string g_world_error;  // why the world of g_world_spec could not be built (the other threads skip too)

// The world of `spec`, or nullptr after SkipWithError. A thread that gets nullptr must still pass the loop's
// barriers (idle()), or the other threads of its run would wait for it forever.
World* acquire_world(const WorldSpec& spec, benchmark::State& state) {
  std::lock_guard lock(g_world_mutex);
  if (g_world_spec == spec && (g_world || !g_world_error.empty())) {
    if (!g_world) state.SkipWithError(g_world_error.c_str());
    return g_world.get();
  }
  g_world.reset();  // the previous family's servers, threads and files go before the next world is built
  g_world_spec = spec;
  std::string error;
  g_world = World::create(spec, error);
  g_world_error = g_world ? std::string() : "world setup failed: " + error;
  if (!g_world) state.SkipWithError(g_world_error.c_str());
  return g_world.get();
}

// The loop of a thread that has nothing to measure (the run is skipped): it only passes the barriers.
void idle(benchmark::State& state) {
  for (auto _ : state) {
  }
}

void release_world() {
  std::lock_guard lock(g_world_mutex);
  g_world.reset();
}

const WorldSpec kMainWorld{kWorldPopulation, kWorldPopulation, kMaxKiosks * kChangeHoldersPerKiosk};

WorldSpec population_world(std::size_t holders) {
  // Only the home (Sichuan) store grows: the serving Chongqing host never reads its own database for a
  // Sichuan card, so its size cannot change the measured path.
  return WorldSpec{0, holders, 0};
}

// ---- Latencies ----

LatencyBook<kMaxKiosks> g_latencies;

double micros(Clock::duration d) { return LatencyBook<kMaxKiosks>::micros(d); }
void report_percentiles(benchmark::State& state) { g_latencies.report(state); }
std::vector<double>& thread_latencies(benchmark::State& state) { return g_latencies.start(state); }

// The first failure of a run. A thread that fails keeps looping without sending (leaving the loop early would
// keep it from the end barrier the other threads wait at) and the run reports the error after the loop.
class RunError {
 public:
  void set(std::string message) {
    std::lock_guard lock(mutex_);
    if (!failed_.exchange(true)) message_ = std::move(message);
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  void report(benchmark::State& state) {
    std::lock_guard lock(mutex_);
    if (failed_) state.SkipWithError(message_.c_str());
  }
  void reset() {
    std::lock_guard lock(mutex_);
    failed_ = false;
    message_.clear();
  }

 private:
  std::mutex mutex_;
  std::atomic<bool> failed_{false};
  std::string message_;
};
RunError g_run_error;

// Resets the run's shared state. Thread 0 does it before the loop; the start barrier orders it before any
// other thread's first iteration. Before the loop, threads keep their setup errors to themselves.
void begin_run(benchmark::State& state) {
  if (state.thread_index() == 0) g_run_error.reset();
}

std::string answer_error(const wire::Response& r, std::string_view what) {
  return std::string(what) + " answered " + std::string(wire::result_name(r.result));
}

// ---- Kiosks ----

// A kiosk of the Chongqing host: terminal 5001520001NN (NN = thread + 1), its own link key, backend and client.
struct Kiosk {
  std::unique_ptr<crypto::Crypto> crypto;
  wire::TcpChannel channel;
  std::unique_ptr<host::HostClient> client;

  Kiosk(const World& world, int thread)
      : crypto(crypto::make_default_crypto()), channel(wire::Address{"127.0.0.1", world.cq_port()}) {
    if (!crypto) return;
    const int n = thread % 99 + 1;  // thread < kMaxKiosks
    const std::string terminal =
        "5001520001" + std::string{static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
    auto key = wire::derive_link_key(*crypto, world.master(), terminal);
    if (!key.ok()) return;
    client = std::make_unique<host::HostClient>(
        *crypto, host::KioskIdentity{terminal, std::string(wire::kChongqing), *key}, channel, kNoRetry);
    secure_wipe(*key);
  }
  const std::string& terminal() const { return client->identity().terminal; }
};

// Queries random holders of `targets` through the Chongqing host; `home` is the province that must answer.
void query_loop(benchmark::State& state, World& world, const std::vector<Target>& targets, std::string_view home) {
  begin_run(state);
  Kiosk kiosk(world, state.thread_index());
  const char* setup_error = !kiosk.client ? "kiosk setup failed" : targets.empty() ? "no holders to query" : nullptr;
  std::vector<double>& latencies = thread_latencies(state);
  std::mt19937_64 rng(kSeed + static_cast<std::uint64_t>(state.thread_index()));
  std::uniform_int_distribution<std::size_t> pick(0, targets.empty() ? 0 : targets.size() - 1);
  std::int64_t done = 0;
  for (auto _ : state) {
    if (setup_error != nullptr || g_run_error.failed()) continue;
    auto key = host::new_idempotency_key(*kiosk.crypto);
    if (!key.ok()) {
      g_run_error.set("no randomness for a key");
      continue;
    }
    const wire::Request request =
        request_for(targets[pick(rng)], wire::Operation::kQuery, *key, kiosk.terminal(), wire::kChongqing);
    const auto start = Clock::now();
    auto answer = kiosk.client->send(request);
    latencies.push_back(micros(Clock::now() - start));
    if (!answer.ok()) {
      g_run_error.set("query failed: " + host::describe(answer.error()));
    } else if (answer->result != wire::ResultCode::kOk || answer->home_issuer != home || !answer->name) {
      g_run_error.set(answer_error(*answer, "query"));
    }
    ++done;
  }
  if (setup_error != nullptr) g_run_error.set(setup_error);
  g_run_error.report(state);
  state.counters["rps"] = benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
  report_percentiles(state);
}

// ---- Benchmarks ----

// Kiosk -> CQ host -> hub -> SC host and back: a Sichuan card at a Chongqing kiosk.
void BM_CrossProvinceQuery(benchmark::State& state) {
  World* world = acquire_world(kMainWorld, state);
  if (world == nullptr) return idle(state);
  query_loop(state, *world, world->sc_targets(), wire::kSichuan);
}
BENCHMARK(BM_CrossProvinceQuery)->Threads(1)->Threads(8)->Threads(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Kiosk -> CQ host and back: a Chongqing card at a Chongqing kiosk, for comparison.
void BM_OwnProvinceQuery(benchmark::State& state) {
  World* world = acquire_world(kMainWorld, state);
  if (world == nullptr) return idle(state);
  query_loop(state, *world, world->cq_targets(), wire::kChongqing);
}
BENCHMARK(BM_OwnProvinceQuery)->Threads(1)->Threads(8)->Threads(64)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Report-loss, then cancel-loss, on each of the kiosk's own Sichuan holders in turn, through submit() with the
// kiosk's journal: the exactly-once path with every durable write of production (journal record, attempt
// and completion at the kiosk; the change and its stored answer in one transaction at the home host).
void BM_CrossProvinceStateChange(benchmark::State& state) {
  World* world = acquire_world(kMainWorld, state);
  if (world == nullptr) return idle(state);
  begin_run(state);
  static std::atomic<std::uint64_t> journals{0};
  const std::filesystem::path journal_path =
      world->dir() / ("journal-" + std::to_string(journals.fetch_add(1)) + ".db");
  {
    Kiosk kiosk(*world, state.thread_index());
    // The journal is a file in WAL mode with synchronous=FULL, as on a kiosk (Journal::open).
    auto journal = host::Journal::open(journal_path.string());
    const char* setup_error = !kiosk.client ? "kiosk setup failed" : !journal.ok() ? "journal open failed" : nullptr;
    std::vector<double>& latencies = thread_latencies(state);
    const std::size_t first = static_cast<std::size_t>(state.thread_index()) * kChangeHoldersPerKiosk;
    std::size_t step = 0;
    std::int64_t done = 0;
    for (auto _ : state) {
      if (setup_error != nullptr || g_run_error.failed()) continue;
      const std::size_t slot = first + (step++ / 2) % kChangeHoldersPerKiosk;
      wire::CardState& card = world->change_states()[slot];
      const wire::Operation op =
          card == wire::CardState::kActive ? wire::Operation::kReportLoss : wire::Operation::kCancelLoss;
      auto key = host::new_idempotency_key(*kiosk.crypto);
      if (!key.ok()) {
        g_run_error.set("no randomness for a key");
        continue;
      }
      const wire::Request request =
          request_for(world->change_targets()[slot], op, *key, kiosk.terminal(), wire::kChongqing);
      const auto start = Clock::now();
      auto submitted = host::submit(*kiosk.client, *journal, request);
      latencies.push_back(micros(Clock::now() - start));
      if (!submitted.ok()) {
        g_run_error.set(std::string(wire::operation_name(op)) + " failed: " + host::describe(submitted.error()));
      } else if (submitted->response.result != wire::ResultCode::kOk || !submitted->response.card_state ||
                 !submitted->journaled) {
        g_run_error.set(answer_error(submitted->response, wire::operation_name(op)));
      } else {
        card = *submitted->response.card_state;
      }
      ++done;
    }
    if (setup_error != nullptr) g_run_error.set(setup_error);
    g_run_error.report(state);
    state.counters["rps"] = benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
    report_percentiles(state);
  }
  // The journal is closed: drop its files so the runs do not fill the folder.
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(journal_path.string() + suffix, ec);
}
BENCHMARK(BM_CrossProvinceStateChange)->Threads(1)->Threads(8)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One kiosk, cross-province queries, the Sichuan store holding state.range(0) generated holders.
void BM_QueryVsPopulation(benchmark::State& state) {
  World* world = acquire_world(population_world(static_cast<std::size_t>(state.range(0))), state);
  if (world == nullptr) return idle(state);
  query_loop(state, *world, world->sc_targets(), wire::kSichuan);
  state.counters["holders"] = static_cast<double>(world->sc_holders());
}

// The home host alone, in process: IssuerHost::handle_message for a query of a Sichuan kiosk about a Sichuan
// holder (open and check the frame, the replay rule, the SQLite transaction, seal the answer). The latency is
// that call only; the kiosk's sealing and checking happen outside it.
void BM_HomeLookupVsPopulation(benchmark::State& state) {
  World* world = acquire_world(population_world(static_cast<std::size_t>(state.range(0))), state);
  if (world == nullptr) return idle(state);
  begin_run(state);
  const std::string terminal = "510900000201";
  auto crypto = crypto::make_default_crypto();
  std::optional<wire::LinkKey> key;
  if (crypto) {
    auto k = wire::derive_link_key(*crypto, world->master(), terminal);
    if (k.ok()) key = *k;
  }
  const std::vector<Target>& targets = world->sc_targets();
  const char* setup_error = !key ? "kiosk setup failed" : targets.empty() ? "no holders to query" : nullptr;
  std::vector<double>& latencies = thread_latencies(state);
  std::mt19937_64 rng(kSeed);
  std::uniform_int_distribution<std::size_t> pick(0, targets.empty() ? 0 : targets.size() - 1);
  std::int64_t done = 0;
  for (auto _ : state) {
    if (setup_error != nullptr || g_run_error.failed()) continue;
    auto idem = host::new_idempotency_key(*crypto);
    Bytes payload;
    if (!idem.ok() ||
        !wire::encode(request_for(targets[pick(rng)], wire::Operation::kQuery, *idem, terminal, wire::kSichuan),
                      payload)
             .ok()) {
      g_run_error.set("request does not encode");
      continue;
    }
    wire::FrameHeader h;
    h.kind = wire::FrameKind::kRequest;
    h.sender = terminal;
    h.nonce = wire::fresh_nonce(*crypto);
    h.timestamp_ms = wire::now_ms();
    auto message = wire::seal(*crypto, h, payload, *key);
    if (!message.ok()) {
      g_run_error.set("request does not seal");
      continue;
    }
    const auto start = Clock::now();
    const Bytes answer = world->sc_host().handle_message(*message);
    latencies.push_back(micros(Clock::now() - start));
    ++done;
    // Checked as a kiosk must: MAC under its key, the host as sender, the nonce just sent.
    auto opened = answer.size() > 4 ? wire::open(*crypto, ByteSpan(answer).subspan(4), *key)
                                    : Result<wire::OpenedFrame>(Error::kTruncated);
    if (!opened.ok() || opened->header.sender != wire::kSichuanHostId || opened->header.request_nonce != h.nonce) {
      g_run_error.set("home lookup: no valid answer");
      continue;
    }
    auto response = wire::decode_response(opened->payload);
    if (!response.ok() || response->result != wire::ResultCode::kOk || !response->name) {
      g_run_error.set("home lookup: not answered ok");
    }
  }
  if (key) secure_wipe(*key);
  if (setup_error != nullptr) g_run_error.set(setup_error);
  g_run_error.report(state);
  state.counters["rps"] = benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
  state.counters["holders"] = static_cast<double>(world->sc_holders());
  report_percentiles(state);
}

// ---- Parts of a hop, to tell where the time of the paths above goes ----

// One hop without a host: a TcpChannel exchange (connect, send, receive, close) with serve() answering a
// message of the size of a query request by echoing it.
void BM_LoopbackHop(benchmark::State& state) {
  auto listener = wire::Listener::bind(wire::Address{"127.0.0.1", 0});
  if (!listener.ok()) {
    state.SkipWithError("cannot listen on 127.0.0.1");
    return;
  }
  wire::TcpChannel channel(wire::Address{"127.0.0.1", listener->port()});
  Served echo(std::move(*listener), [](ByteSpan m) { return Bytes(m.begin(), m.end()); });
  Bytes message(4 + 200, 0x5A);  // LEN = 200, a query frame's size
  message[0] = 0;
  message[1] = 0;
  message[2] = 0;
  message[3] = 200;
  bool failed = false;
  for (auto _ : state) {
    auto answer = channel.exchange(message, std::chrono::milliseconds(10'000));
    if (!answer.ok() || answer->size() != message.size()) {
      failed = true;
      break;  // single-threaded: leaving the loop early is allowed
    }
  }
  if (failed) state.SkipWithError("loopback exchange failed");
  state.counters["rps"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LoopbackHop)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The crypto of one frame at both ends: seal (one SM4 CBC-MAC) and open (one more), plus the receiver's
// link-key derivation (one SM4 block operation of the diversification) that every host does per frame.
void BM_FrameSealOpen(benchmark::State& state) {
  auto crypto = crypto::make_default_crypto();
  auto master = simhost::load_link_master(std::filesystem::path(SSCARD_CARDS_DIR) / "keys/test-link-keys.json");
  auto g = simhost::generated_holder(kSeed, wire::kSichuan, 0);
  if (!crypto || !master.ok() || !g.ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  const std::string terminal = "500152000101";
  Bytes payload;
  if (!wire::encode(request_for(target_of(g->holder), wire::Operation::kQuery, wire::IdempotencyKey{}, terminal,
                                wire::kChongqing),
                    payload)
           .ok()) {
    state.SkipWithError("request does not encode");
    return;
  }
  for (auto _ : state) {
    auto key = wire::derive_link_key(*crypto, *master, terminal);
    if (!key.ok()) {
      state.SkipWithError("link key derivation failed");
      break;
    }
    wire::FrameHeader h;
    h.sender = terminal;
    h.nonce = wire::fresh_nonce(*crypto);
    h.timestamp_ms = wire::now_ms();
    auto sealed = wire::seal(*crypto, h, payload, *key);
    auto opened = sealed.ok() ? wire::open(*crypto, ByteSpan(*sealed).subspan(4), *key)
                              : Result<wire::OpenedFrame>(Error::kInternal);
    if (!opened.ok()) {
      state.SkipWithError("frame does not open");
      break;
    }
    benchmark::DoNotOptimize(opened);
  }
  state.counters["frame_bytes"] = static_cast<double>(wire::kMinFrameSize + payload.size());
}
BENCHMARK(BM_FrameSealOpen)->Unit(benchmark::kMicrosecond);

// Registered per size, the two families interleaved, so that each population is generated once for both.
void register_population_benchmarks() {
  for (const std::int64_t holders : {1'000, 10'000, 100'000, 1'000'000}) {
    benchmark::RegisterBenchmark("BM_QueryVsPopulation", BM_QueryVsPopulation)
        ->Arg(holders)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_HomeLookupVsPopulation", BM_HomeLookupVsPopulation)
        ->Arg(holders)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace sscard

// Own main(): the last world's servers are stopped and their threads joined before the program returns.
int main(int argc, char** argv) {
  sscard::register_population_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  sscard::release_world();
  benchmark::Shutdown();
  return 0;
}

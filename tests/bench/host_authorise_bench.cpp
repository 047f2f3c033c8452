// Online authorisations (docs/PAYMENT.md §9) per second through the hub over loopback TCP with kept-open
// connections: kiosk -> Chongqing host -> hub -> Sichuan host (the card's home issuer) and back, each hop its own
// SM4 link MAC; the Sichuan host verifies the ARQC, checks and moves the ATC, debits the account and stores the
// answer in one SQLite transaction, and answers with the ARPC.
//
// Every benchmark thread is one kiosk (its own terminal id, link key, HostClient and TcpChannel, whose connection
// stays open) paying with its own cards, so each card's ATC only goes up. The card's ARQC is computed in the
// thread before each request (the card's work, included in the time). rps counts every thread's approved
// authorisations over the run's real time.
//
//   build/<dir>/tests/bench/sscard_host_bench --benchmark_filter=Authorise --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/openssl.h"
#include "sscard/host/client.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/payment.h"
#include "sscard/wire/tcp.h"
#include "sscard/wire/wire.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/host/hub.h"
#include "sscard/sim/host/issuer_host.h"
#include "sscard/sim/host/link_keys.h"
#include "sscard/sim/host/payment_keys.h"
#include "sscard/sim/host/population.h"
#include "sscard/sim/host/server.h"

#include "latency.h"

namespace sscard {
namespace {

namespace simhost = sscard::sim::host;

constexpr int kServeThreads = 4;
constexpr int kMaxKiosks = 32;
constexpr int kCardsPerKiosk = 16;  // 16 x 65534 ATCs per kiosk before a card runs out
const host::RetryPolicy kNoRetry{std::chrono::milliseconds(10'000), 1, std::chrono::milliseconds(0)};

char luhn(const std::string& digits) {
  unsigned sum = 0;
  bool twice = true;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    unsigned d = static_cast<unsigned>(*it - '0');
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

// Card n of the bench: region 510107, a Luhn-valid PAN.
std::string bench_pan(int n) {
  std::string s = std::to_string(n);
  std::string pan = "620051510107" + std::string(6 - s.size(), '0') + s;
  pan.push_back(luhn(pan));
  return pan;
}

class Served {
 public:
  Served(wire::Listener listener, simhost::MessageHandler handler) : listener_(std::move(listener)) {
    thread_ = std::thread([this, h = std::move(handler)] { (void)simhost::serve(listener_, h, stop_, kServeThreads); });
  }
  ~Served() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  wire::Listener listener_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Both hosts (in-memory holder databases: the commit costs no fsync) and the hub on 127.0.0.1.
struct World {
  simhost::MasterKey master{};
  std::shared_ptr<const simhost::PaymentKeys> sc_keys;
  std::unique_ptr<simhost::HolderStore> cq_store, sc_store;
  std::unique_ptr<simhost::IssuerHost> cq, sc;
  std::unique_ptr<simhost::Hub> hub;
  std::vector<std::unique_ptr<Served>> served;
  std::uint16_t cq_port = 0;
  std::string error;

  World() {
    const std::filesystem::path cards = SSCARD_CARDS_DIR;
    auto m = simhost::load_link_master(cards / "keys/test-link-keys.json");
    auto cq_keys = simhost::load_payment_keys(cards / "keys/test-payment-keys.json", wire::kChongqing);
    auto sc_loaded = simhost::load_payment_keys(cards / "keys/test-payment-keys.json", wire::kSichuan);
    if (!m.ok() || !cq_keys.ok() || !sc_loaded.ok()) {
      error = "keys do not load";
      return;
    }
    master = *m;
    sc_keys = std::make_shared<const simhost::PaymentKeys>(*sc_loaded);
    auto cqs = simhost::open_seeded_store(":memory:", cards, wire::kChongqing);
    auto scs = simhost::open_seeded_store(":memory:", cards, wire::kSichuan);
    if (!cqs.ok() || !scs.ok()) {
      error = "stores do not open";
      return;
    }
    cq_store = std::move(*cqs);
    sc_store = std::move(*scs);
    for (int n = 0; n < kMaxKiosks * kCardsPerKiosk; ++n) {
      simhost::PaymentAccount a;
      a.pan = bench_pan(n);
      a.ssn = "51010719900611" + std::to_string(1000 + n).substr(0, 4);
      a.expiry = "491231";
      a.balance_fen = 1'000'000'000'000;
      a.pin = "123456";
      if (!sc_store->add_account(a).ok()) {
        error = "accounts do not insert";
        return;
      }
    }
    const wire::Address loopback{"127.0.0.1", 0};
    auto cq_l = wire::Listener::bind(loopback);
    auto sc_l = wire::Listener::bind(loopback);
    auto hub_l = wire::Listener::bind(loopback);
    if (!cq_l.ok() || !sc_l.ok() || !hub_l.ok()) {
      error = "cannot listen";
      return;
    }
    cq_port = cq_l->port();
    auto to = [](const wire::Listener& l) {
      return std::make_shared<wire::TcpChannel>(wire::Address{"127.0.0.1", l.port()});
    };
    simhost::IssuerHostOptions cq_options, sc_options;
    cq_options.payment_keys = std::make_shared<const simhost::PaymentKeys>(*cq_keys);
    sc_options.payment_keys = sc_keys;
    cq = std::make_unique<simhost::IssuerHost>(std::string(wire::kChongqing), *cq_store,
                                               crypto::make_openssl_crypto(), master, to(*hub_l), cq_options);
    sc = std::make_unique<simhost::IssuerHost>(std::string(wire::kSichuan), *sc_store,
                                                     crypto::make_openssl_crypto(), master, to(*hub_l), sc_options);
    hub = std::make_unique<simhost::Hub>(
        crypto::make_openssl_crypto(), master,
        std::map<std::string, std::shared_ptr<wire::Channel>>{{std::string(wire::kChongqing), to(*cq_l)},
                                                              {std::string(wire::kSichuan), to(*sc_l)}});
    served.push_back(std::make_unique<Served>(std::move(*hub_l), [this](ByteSpan b) { return hub->handle_message(b); }));
    served.push_back(
        std::make_unique<Served>(std::move(*sc_l), [this](ByteSpan b) { return sc->handle_message(b); }));
    served.push_back(std::make_unique<Served>(std::move(*cq_l), [this](ByteSpan b) { return cq->handle_message(b); }));
  }
  ~World() { served.clear(); }
};

std::mutex g_mutex;
std::unique_ptr<World> g_world;

World& world() {
  std::lock_guard lock(g_mutex);
  if (!g_world) g_world = std::make_unique<World>();
  return *g_world;
}

// One kiosk thread's cards and their ATCs.
struct Kiosk {
  std::unique_ptr<crypto::Crypto> crypto = crypto::make_openssl_crypto();
  std::unique_ptr<wire::TcpChannel> channel;
  std::unique_ptr<host::HostClient> client;
  std::string terminal;
  std::array<std::uint16_t, kCardsPerKiosk> atc{};
  int first_card = 0;
};

wire::Request authorise_request(World& w, Kiosk& k, int slot, const wire::IdempotencyKey& key, bool& ok) {
  const std::string pan = bench_pan(k.first_card + slot);
  const std::uint16_t atc = ++k.atc[static_cast<std::size_t>(slot)];
  const Bytes fixed_data = *from_hex("000000000001" "000000000000" "0156" "0000008000" "0156" "261204" "00" "1A2B3C4D"
                                     "7D00");
  Bytes data = fixed_data;
  data.push_back(static_cast<std::uint8_t>(atc >> 8));
  data.push_back(static_cast<std::uint8_t>(atc));
  const Bytes cvr = {0x03, 0xA0, 0x00, 0x00};
  data.insert(data.end(), cvr.begin(), cvr.end());
  std::array<std::uint8_t, 8> y{}, ac{};
  std::array<std::uint8_t, 16> udk{}, sk{};
  ok = crypto::udk_factor(pan, 1, y).ok() &&
       crypto::diversify(*k.crypto, crypto::Cipher::kTdes, w.sc_keys->tdes.ac, y, udk).ok() &&
       crypto::session_key(*k.crypto, crypto::Cipher::kTdes, udk, atc, sk).ok() &&
       crypto::application_cryptogram(*k.crypto, crypto::Cipher::kTdes, sk, data, ac).ok();
  std::string padded = pan + "F";
  const std::vector<wire::IccItem> items = {
      {0x5A, *from_hex(padded)},           {0x5F34, {0x01}},
      {0x5F24, *from_hex("491231")},       {0x82, {0x7D, 0x00}},
      {0x84, *from_hex("A000000333010101")},
      {0x9F36, {static_cast<std::uint8_t>(atc >> 8), static_cast<std::uint8_t>(atc)}},
      {0x9F26, Bytes(ac.begin(), ac.end())}, {0x9F27, {0x80}},
      {0x9F10, *from_hex("07010103A0000001")}, {0x9F37, *from_hex("1A2B3C4D")},
      {0x95, *from_hex("0000008000")},     {0x9A, *from_hex("261204")},
      {0x9F21, *from_hex("101500")},       {0x9C, {0x00}},
      {0x9F02, *from_hex("000000000001")}, {0x9F03, *from_hex("000000000000")},
      {0x5F2A, *from_hex("0156")},         {0x9F1A, *from_hex("0156")},
      {0x9F33, *from_hex("20D8C8")},       {0x9F34, *from_hex("420300")},
      {0x9F35, {0x14}},                    {0x9F09, *from_hex("0030")},
  };
  wire::Request r;
  r.operation = wire::Operation::kAuthorise;
  r.key = key;
  r.terminal = k.terminal;
  r.serving_province = std::string(wire::kChongqing);
  r.card_region = "510107";
  r.date = "20261204";
  auto icc = wire::build_icc_data(items);
  ok = ok && icc.ok();
  if (icc.ok()) r.icc_data = std::move(*icc);
  return r;
}

constexpr std::size_t kMaxAuthoriseThreads = 32;  // the largest Threads() below
bench::LatencyBook<kMaxAuthoriseThreads> g_authorise_latencies;

void BM_AuthoriseThroughTheHub(benchmark::State& state) {
  World& w = world();
  if (!w.error.empty()) {
    state.SkipWithError(w.error.c_str());
    for (auto _ : state) {
    }
    return;
  }
  Kiosk k;
  const int n = state.thread_index() % 99 + 1;
  k.terminal = "5001520002" + std::string{static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
  k.first_card = state.thread_index() * kCardsPerKiosk;
  // Each run goes on with the ATCs the previous runs left (the cards remember).
  static std::mutex atc_mutex;
  static std::map<int, std::array<std::uint16_t, kCardsPerKiosk>> atcs;
  {
    std::lock_guard lock(atc_mutex);
    k.atc = atcs[state.thread_index()];
  }
  k.channel = std::make_unique<wire::TcpChannel>(wire::Address{"127.0.0.1", w.cq_port});
  auto key = wire::derive_link_key(*k.crypto, w.master, k.terminal);
  if (key.ok()) {
    k.client = std::make_unique<host::HostClient>(
        *k.crypto, host::KioskIdentity{k.terminal, std::string(wire::kChongqing), *key}, *k.channel, kNoRetry);
  }
  std::int64_t approved = 0;
  std::string failure;
  int slot = 0;
  std::vector<double>& latencies = g_authorise_latencies.start(state);
  for (auto _ : state) {
    if (!k.client || !failure.empty()) continue;
    auto idem = host::new_idempotency_key(*k.crypto);
    bool ok = idem.ok();
    const wire::Request r = authorise_request(w, k, slot, idem.ok() ? *idem : wire::IdempotencyKey{}, ok);
    slot = (slot + 1) % kCardsPerKiosk;
    const auto sent = std::chrono::steady_clock::now();
    auto answer = k.client->send(r);
    latencies.push_back(bench::LatencyBook<kMaxAuthoriseThreads>::micros(std::chrono::steady_clock::now() - sent));
    if (!ok || !answer.ok()) {
      failure = answer.ok() ? "request not built" : host::describe(answer.error());
    } else if (answer->response_code != "00" || !answer->issuer_authentication) {
      failure = "answered DF21 " + std::string(wire::result_name(answer->result)) + " DF50 " + answer->response_code;
    } else {
      ++approved;
    }
  }
  {
    std::lock_guard lock(atc_mutex);
    atcs[state.thread_index()] = k.atc;
  }
  if (!k.client) failure = "kiosk setup failed";
  if (!failure.empty()) state.SkipWithError(failure.c_str());
  state.counters["rps"] = benchmark::Counter(static_cast<double>(approved), benchmark::Counter::kIsRate);
  state.counters["connections"] = static_cast<double>(k.channel->connections_opened());
  g_authorise_latencies.report(state);
}
BENCHMARK(BM_AuthoriseThroughTheHub)->Threads(1)->Threads(8)->Threads(32)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sscard

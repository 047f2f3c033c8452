// The whole world over loopback TCP: kiosk -> host -> hub -> host, each served by serve() on 127.0.0.1:0.
#include "sscard/sim/host/server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "sscard/wire/tcp.h"
#include "world.h"

namespace sscard::sim::host {
namespace {

using testing::key_of;
using testing::Kiosk;
using testing::request_for;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

wire::Listener listen_loopback() {
  auto l = wire::Listener::bind(wire::Address{"127.0.0.1", 0});
  EXPECT_TRUE(l.ok());
  return std::move(*l);
}

std::shared_ptr<wire::Channel> to(const wire::Listener& l) {
  return std::make_shared<wire::TcpChannel>(wire::Address{"127.0.0.1", l.port()});
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

// One served endpoint: a listener and the thread running serve() on it.
class Served {
 public:
  Served(wire::Listener listener, MessageHandler handler) : listener_(std::move(listener)) {
    thread_ = std::thread([this, h = std::move(handler)] { result_ = serve(listener_, h, stop_, 2); });
  }
  ~Served() { EXPECT_TRUE(shut_down().ok()); }
  Status shut_down() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return result_;
  }

 private:
  wire::Listener listener_;
  std::atomic<bool> stop_{false};
  Status result_ = Error::kInternal;
  std::thread thread_;
};

TEST(TcpWorld, KiosksOfBothProvincesReachEveryCardOverLoopback) {
  const MasterKey master = testing::test_master();
  auto cq_store = testing::seeded_store(wire::kChongqing);
  auto sc_store = testing::seeded_store(wire::kSichuan);
  wire::Listener cq_listener = listen_loopback();
  wire::Listener sc_listener = listen_loopback();
  wire::Listener hub_listener = listen_loopback();
  const std::uint16_t cq_port = cq_listener.port();
  const std::uint16_t sc_port = sc_listener.port();

  // Each component has its own crypto backend: they run on their own threads.
  IssuerHost cq(std::string(wire::kChongqing), *cq_store, crypto::make_openssl_crypto(), master, to(hub_listener));
  IssuerHost sc(std::string(wire::kSichuan), *sc_store, crypto::make_openssl_crypto(), master, to(hub_listener));
  Hub hub(crypto::make_openssl_crypto(), master,
          {{std::string(wire::kChongqing), to(cq_listener)}, {std::string(wire::kSichuan), to(sc_listener)}});
  Served hub_server(std::move(hub_listener), [&](ByteSpan m) { return hub.handle_message(m); });
  Served cq_server(std::move(cq_listener), [&](ByteSpan m) { return cq.handle_message(m); });
  Served sc_server(std::move(sc_listener), [&](ByteSpan m) { return sc.handle_message(m); });

  std::shared_ptr<crypto::Crypto> kiosk_crypto = crypto::make_openssl_crypto();
  Kiosk cq_kiosk("500152000101", master, kiosk_crypto);
  Kiosk sc_kiosk("510900000101", master, kiosk_crypto);
  wire::TcpChannel cq_host({"127.0.0.1", cq_port});
  wire::TcpChannel sc_host({"127.0.0.1", sc_port});

  // A Sichuan card at a Chongqing kiosk.
  auto answer = cq_host.exchange(cq_kiosk.seal(request_for("sc-mianyang-gen1", wire::Operation::kQuery, key_of(1),
                                                           cq_kiosk.id())),
                                 10s);
  ASSERT_TRUE(answer.ok()) << answer.status().name();
  auto q = cq_kiosk.open(*answer, wire::kChongqingHostId);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->result, wire::ResultCode::kOk);
  EXPECT_EQ(q->home_issuer, "510000");
  EXPECT_EQ(q->served_by, "500000");
  EXPECT_EQ(q->name, "刘建国");
  EXPECT_EQ(q->pension_monthly_fen, 365'200u);
  EXPECT_EQ(q->medical_balance_fen, 735'620u);

  // A Chongqing card activated at a Sichuan kiosk, then the retry of the same key.
  const wire::Request activate = request_for("cq-tongnan-gen3", wire::Operation::kActivate, key_of(2), sc_kiosk.id());
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto a = sc_host.exchange(sc_kiosk.seal(activate), 10s);
    ASSERT_TRUE(a.ok()) << a.status().name();
    auto r = sc_kiosk.open(*a, wire::kSichuanHostId);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->result, wire::ResultCode::kOk);
    EXPECT_EQ(r->home_issuer, "500000");
    EXPECT_EQ(r->served_by, "510000");
    EXPECT_EQ(r->card_state, wire::CardState::kActive);
    EXPECT_EQ(r->duplicate, attempt == 1);
  }
  EXPECT_EQ((*cq_store->find_holder("500223198807150019"))->card_state, wire::CardState::kActive);
  EXPECT_EQ(*cq_store->request_count(), 1u);
  EXPECT_EQ(*sc_store->request_count(), 0u);

  // One kept-open connection carries several exchanges, one at a time.
  const int fd = connect_to(cq_port);
  for (std::uint8_t k = 3; k < 6; ++k) {
    const Bytes m = cq_kiosk.seal(request_for("cq-yuzhong-gen2", wire::Operation::kQuery, key_of(k), cq_kiosk.id()));
    ASSERT_TRUE(wire::write_message(fd, m, Clock::now() + 10s).ok());
    auto a = wire::read_message(fd, Clock::now() + 10s);
    ASSERT_TRUE(a.ok()) << a.status().name();
    auto r = cq_kiosk.open(*a, wire::kChongqingHostId);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->name, "李秀英");
  }
  // A LEN out of range closes the connection without an answer.
  const Bytes bad_len = {0x00, 0x00, 0x00, 0x10};
  ASSERT_TRUE(wire::write_message(fd, bad_len, Clock::now() + 10s).ok());
  EXPECT_EQ(wire::read_message(fd, Clock::now() + 10s).status(), Error::kIo);
  ::close(fd);

  EXPECT_TRUE(cq_server.shut_down().ok());
  EXPECT_TRUE(sc_server.shut_down().ok());
  EXPECT_TRUE(hub_server.shut_down().ok());
}

TEST(TcpWorld, ConcurrentKiosksAndRacingRetriesApplyOnce) {
  const MasterKey master = testing::test_master();
  auto cq_store = testing::seeded_store(wire::kChongqing);
  auto sc_store = testing::seeded_store(wire::kSichuan);
  wire::Listener cq_listener = listen_loopback();
  wire::Listener sc_listener = listen_loopback();
  wire::Listener hub_listener = listen_loopback();
  const std::uint16_t cq_port = cq_listener.port();
  IssuerHost cq(std::string(wire::kChongqing), *cq_store, crypto::make_openssl_crypto(), master, to(hub_listener));
  IssuerHost sc(std::string(wire::kSichuan), *sc_store, crypto::make_openssl_crypto(), master, to(hub_listener));
  Hub hub(crypto::make_openssl_crypto(), master,
          {{std::string(wire::kChongqing), to(cq_listener)}, {std::string(wire::kSichuan), to(sc_listener)}});
  Served hub_server(std::move(hub_listener), [&](ByteSpan m) { return hub.handle_message(m); });
  Served cq_server(std::move(cq_listener), [&](ByteSpan m) { return cq.handle_message(m); });
  Served sc_server(std::move(sc_listener), [&](ByteSpan m) { return sc.handle_message(m); });

  // Four kiosks' worth of threads at once; each also sends the one shared report-loss (same key), as
  // retries racing each other would.
  constexpr int kThreads = 4;
  std::atomic<int> fresh{0}, duplicates{0}, failures{0};
  std::vector<std::thread> kiosks;
  for (int t = 0; t < kThreads; ++t) {
    kiosks.emplace_back([&, t] {
      Kiosk kiosk("500152000101", master, crypto::make_openssl_crypto());
      wire::TcpChannel host({"127.0.0.1", cq_port});
      for (int i = 0; i < 6; ++i) {
        const char* card = i % 2 == 0 ? "sc-suining-gen3" : "cq-yuzhong-gen2";
        auto a = host.exchange(kiosk.seal(request_for(card, wire::Operation::kQuery,
                                                      key_of(static_cast<std::uint8_t>(10 * t + i)), kiosk.id())),
                               20s);
        auto r = a.ok() ? kiosk.open(*a, wire::kChongqingHostId) : std::nullopt;
        if (!r || r->result != wire::ResultCode::kOk) ++failures;
      }
      auto a = host.exchange(
          kiosk.seal(request_for("sc-suining-gen3", wire::Operation::kReportLoss, key_of(99), kiosk.id())), 20s);
      auto r = a.ok() ? kiosk.open(*a, wire::kChongqingHostId) : std::nullopt;
      if (!r || r->result != wire::ResultCode::kOk || r->card_state != wire::CardState::kLossReported) ++failures;
      else ++(r->duplicate ? duplicates : fresh);
    });
  }
  for (std::thread& k : kiosks) k.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(fresh.load(), 1);
  EXPECT_EQ(duplicates.load(), kThreads - 1);
  EXPECT_EQ(*sc_store->request_count(), 1u);
  EXPECT_EQ((*sc_store->find_holder("510902195503020033"))->card_state, wire::CardState::kLossReported);
}

TEST(TcpWorld, AStoppedHubIsIssuerUnavailable) {
  const MasterKey master = testing::test_master();
  auto cq_store = testing::seeded_store(wire::kChongqing);
  auto sc_store = testing::seeded_store(wire::kSichuan);
  wire::Listener cq_listener = listen_loopback();
  const std::uint16_t cq_port = cq_listener.port();
  // A hub port that nobody serves any more.
  std::uint16_t hub_port = 0;
  {
    wire::Listener gone = listen_loopback();
    hub_port = gone.port();
  }
  IssuerHost cq(std::string(wire::kChongqing), *cq_store, crypto::make_openssl_crypto(), master,
                std::make_shared<wire::TcpChannel>(wire::Address{"127.0.0.1", hub_port}), IssuerHostOptions{2s});
  Served cq_server(std::move(cq_listener), [&](ByteSpan m) { return cq.handle_message(m); });
  Kiosk kiosk("500152000101", master, crypto::make_openssl_crypto());
  wire::TcpChannel host({"127.0.0.1", cq_port});
  auto a = host.exchange(
      kiosk.seal(request_for("sc-chengdu-gen2", wire::Operation::kReportLoss, key_of(1), kiosk.id())), 10s);
  ASSERT_TRUE(a.ok()) << a.status().name();
  auto r = kiosk.open(*a, wire::kChongqingHostId);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->result, wire::ResultCode::kIssuerUnavailable);
  EXPECT_EQ(r->home_issuer, "510000");
  EXPECT_EQ((*sc_store->find_holder("510107199006110026"))->card_state, wire::CardState::kActive);
}

TEST(Serve, KeptOpenConnectionsDoNotHoldWorkers) {
  // One worker, three clients each keeping its connection open: every exchange is still answered at once.
  std::atomic<bool> stop{false};
  wire::Listener l = listen_loopback();
  const std::uint16_t port = l.port();
  std::atomic<int> handled{0};
  std::thread t([&] {
    EXPECT_EQ(serve(l, [&](ByteSpan m) { ++handled; return Bytes(m.begin(), m.end()); }, stop, 1), kOk);
  });
  std::vector<std::unique_ptr<wire::TcpChannel>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(std::make_unique<wire::TcpChannel>(wire::Address{"127.0.0.1", port}));
  Bytes message = {0, 0, 0, 20};
  message.resize(24, 0xAB);
  const auto start = Clock::now();
  for (int round = 0; round < 3; ++round) {
    for (auto& c : clients) {
      auto answer = c->exchange(message, 5s);
      ASSERT_TRUE(answer.ok()) << answer.status().name();
      EXPECT_EQ(*answer, message);
    }
  }
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(handled.load(), 9);
  for (auto& c : clients) EXPECT_EQ(c->connections_opened(), 1u);
  stop.store(true);
  t.join();
}

TEST(Serve, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  std::atomic<bool> stop{false};
  wire::Listener l = listen_loopback();
  const std::uint16_t port = l.port();
  ServeOptions options;
  options.idle_timeout = 100ms;
  options.poll_interval = 10ms;
  std::thread t([&] {
    EXPECT_EQ(serve(l, [](ByteSpan m) { return Bytes(m.begin(), m.end()); }, stop, 1, options), kOk);
  });
  wire::TcpChannel c(wire::Address{"127.0.0.1", port});
  Bytes message = {0, 0, 0, 20};
  message.resize(24, 0xCD);
  ASSERT_TRUE(c.exchange(message, 5s).ok());
  std::this_thread::sleep_for(300ms);  // the server closes the kept connection
  auto again = c.exchange(message, 5s);  // noticed, reopened once
  ASSERT_TRUE(again.ok()) << again.status().name();
  EXPECT_EQ(c.connections_opened(), 2u);
  stop.store(true);
  t.join();
}

TEST(Serve, RejectsNoThreadsOrNoHandler) {
  wire::Listener l = listen_loopback();
  std::atomic<bool> stop{false};
  EXPECT_EQ(serve(l, [](ByteSpan) { return Bytes{}; }, stop, 0), Error::kInvalidArgument);
  EXPECT_EQ(serve(l, MessageHandler{}, stop, 1), Error::kInvalidArgument);
}

}  // namespace
}  // namespace sscard::sim::host

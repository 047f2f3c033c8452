// The TCP transport over loopback and socket pairs: framing limits, timeouts, refused connections.
#include <gtest/gtest.h>

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "samples.h"
#include "sscard/wire/tcp.h"

namespace sscard::wire {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Bytes message_with_len(std::uint32_t len, std::size_t body) {
  Bytes m = {static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
             static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  m.resize(4 + body, 0x5A);
  return m;
}

Bytes sample_message() {
  FrameHeader h;
  h.sender = "500152000101";
  h.nonce = fresh_nonce(test::test_crypto());
  h.timestamp_ms = now_ms();
  auto m = seal(test::test_crypto(), h, test::encoded(test::sample_request()), LinkKey{});
  EXPECT_TRUE(m.ok());
  return m.ok() ? *m : Bytes{};
}

Listener loopback_listener() {
  auto l = Listener::bind(Address{"127.0.0.1", 0});
  EXPECT_TRUE(l.ok()) << l.error().reason();
  if (!l.ok()) std::abort();
  EXPECT_NE(l->port(), 0);
  return std::move(l).value();
}

class SocketPair : public testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0); }
  void TearDown() override {
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }
  void send_all(const Bytes& b) { ASSERT_EQ(::write(fds_[1], b.data(), b.size()), static_cast<ssize_t>(b.size())); }
  void close_peer() {
    ::close(fds_[1]);
    fds_[1] = -1;
  }
  int fds_[2] = {-1, -1};
};

TEST_F(SocketPair, ReadsOneWholeMessage) {
  const Bytes m = sample_message();
  Bytes two = m;
  two.insert(two.end(), m.begin(), m.end());
  send_all(two);
  for (int i = 0; i < 2; ++i) {
    auto got = read_message(fds_[0], Clock::now() + 5s);
    ASSERT_TRUE(got.ok()) << got.status().name();
    EXPECT_EQ(*got, m);
  }
}

TEST_F(SocketPair, SmallestAndLargestLengths) {
  send_all(message_with_len(20, 20));
  auto small = read_message(fds_[0], Clock::now() + 5s);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->size(), 24u);
  std::thread writer([this] { send_all(message_with_len(65536, 65536)); });
  auto large = read_message(fds_[0], Clock::now() + 5s);
  writer.join();
  ASSERT_TRUE(large.ok()) << large.status().name();
  EXPECT_EQ(large->size(), 4u + 65536u);
}

TEST_F(SocketPair, LengthsOutsideTheLimitsAreMalformed) {
  for (std::uint32_t len : {0u, 10u, 19u, 65537u, 70000u, 0xFFFFFFFFu}) {
    send_all(message_with_len(len, 0));
    EXPECT_EQ(read_message(fds_[0], Clock::now() + 5s).status(), Error::kMalformed) << len;
  }
}

TEST_F(SocketPair, ClosedMidMessageIsIo) {
  Bytes m = sample_message();
  m.resize(m.size() - 1);
  send_all(m);
  close_peer();
  EXPECT_EQ(read_message(fds_[0], Clock::now() + 5s).status(), Error::kIo);
}

TEST_F(SocketPair, SilenceIsATimeout) {
  send_all(message_with_len(64, 10));  // the frame never completes
  EXPECT_EQ(read_message(fds_[0], Clock::now() + 50ms).status(), Error::kTimeout);
  EXPECT_EQ(read_message(fds_[1], Clock::now() - 1ms).status(), Error::kTimeout);  // deadline already passed
}

TEST_F(SocketPair, WritingToAClosedPeerIsIoNotSigpipe) {
  close_peer();
  EXPECT_EQ(write_message(fds_[0], sample_message(), Clock::now() + 5s), Error::kIo);
}

TEST(HostAddress, Parse) {
  auto a = Address::parse("127.0.0.1:7001");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 7001);
  EXPECT_EQ(a->to_string(), "127.0.0.1:7001");
  auto name = Address::parse("localhost:0");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->port, 0);
  for (std::string_view bad : {"", "127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:8o",
                               "127.0.0.1:-1", "::1:80", "host:123456"}) {
    EXPECT_EQ(Address::parse(bad).status(), Error::kInvalidArgument) << bad;
  }
}

TEST(HostTcp, ExchangeGetsTheEcho) {
  Listener listener = loopback_listener();
  constexpr int kExchanges = 3;
  std::thread server([&] {
    for (int i = 0; i < kExchanges; ++i) {
      auto fd = listener.accept(10s);
      ASSERT_TRUE(fd.ok()) << fd.status().name();
      auto m = read_message(*fd, Clock::now() + 10s);
      ASSERT_TRUE(m.ok());
      EXPECT_EQ(write_message(*fd, *m, Clock::now() + 10s), kOk);
      ::close(*fd);
    }
  });
  TcpChannel channel(Address{"127.0.0.1", listener.port()});
  for (int i = 0; i < kExchanges; ++i) {
    const Bytes m = sample_message();
    auto answer = channel.exchange(m, 10s);
    ASSERT_TRUE(answer.ok()) << answer.status().name();
    EXPECT_EQ(*answer, m);
  }
  server.join();
}

TEST(HostTcp, ByName) {
  Listener listener = loopback_listener();
  std::thread server([&] {
    auto fd = listener.accept(10s);
    ASSERT_TRUE(fd.ok());
    auto m = read_message(*fd, Clock::now() + 10s);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(write_message(*fd, *m, Clock::now() + 10s), kOk);
    ::close(*fd);
  });
  auto to = Address::parse("localhost:" + std::to_string(listener.port()));
  ASSERT_TRUE(to.ok());
  TcpChannel channel(*to);
  const Bytes m = sample_message();
  auto answer = channel.exchange(m, 10s);
  server.join();
  ASSERT_TRUE(answer.ok()) << answer.status().name();
  EXPECT_EQ(*answer, m);
}

// The kernel completes the handshake into the backlog, so the request is sent and nobody answers.
TEST(HostTcp, ServerThatNeverAnswersTimesOut) {
  Listener listener = loopback_listener();
  TcpChannel channel(Address{"127.0.0.1", listener.port()});
  EXPECT_EQ(channel.exchange(sample_message(), 100ms).status(), Error::kTimeout);
}

class BadLengthServer : public testing::TestWithParam<std::uint32_t> {};
TEST_P(BadLengthServer, AnswerIsMalformed) {
  Listener listener = loopback_listener();
  const std::uint32_t len = GetParam();
  std::thread server([&] {
    auto fd = listener.accept(10s);
    ASSERT_TRUE(fd.ok());
    // Read the request first, and close only after the client has: a close with unread data would reset
    // the connection under the client's feet.
    EXPECT_TRUE(read_message(*fd, Clock::now() + 10s).ok());
    EXPECT_EQ(write_message(*fd, message_with_len(len, 16), Clock::now() + 10s), kOk);
    EXPECT_EQ(read_message(*fd, Clock::now() + 10s).status(), Error::kIo);
    ::close(*fd);
  });
  TcpChannel channel(Address{"127.0.0.1", listener.port()});
  EXPECT_EQ(channel.exchange(sample_message(), 10s).status(), Error::kMalformed);
  server.join();
}
INSTANTIATE_TEST_SUITE_P(HostTcp, BadLengthServer, testing::Values(10u, 70000u));

TEST(HostTcp, ClosedPortIsIo) {
  std::uint16_t port = 0;
  {
    Listener listener = loopback_listener();
    port = listener.port();
  }
  TcpChannel channel(Address{"127.0.0.1", port});
  EXPECT_EQ(channel.exchange(sample_message(), 5s).status(), Error::kIo);
}

TEST(HostTcp, AKeptOpenConnectionCarriesSeveralExchanges) {
  Listener listener = loopback_listener();
  constexpr int kExchanges = 4;
  std::thread server([&] {
    auto fd = listener.accept(10s);  // one connection only
    ASSERT_TRUE(fd.ok());
    for (int i = 0; i < kExchanges; ++i) {
      auto m = read_message(*fd, Clock::now() + 10s);
      ASSERT_TRUE(m.ok());
      EXPECT_EQ(write_message(*fd, *m, Clock::now() + 10s), kOk);
    }
    ::close(*fd);
  });
  TcpChannel channel(Address{"127.0.0.1", listener.port()});
  for (int i = 0; i < kExchanges; ++i) {
    const Bytes m = sample_message();
    auto answer = channel.exchange(m, 10s);
    ASSERT_TRUE(answer.ok()) << answer.status().name();
    EXPECT_EQ(*answer, m);
  }
  EXPECT_EQ(channel.connections_opened(), 1u);
  EXPECT_EQ(channel.idle_connections(), 1u);
  server.join();
}

TEST(HostTcp, AKeptConnectionThePeerClosedIsReopenedOnce) {
  Listener listener = loopback_listener();
  std::atomic<int> accepted{0};
  std::thread server([&] {
    for (int i = 0; i < 2; ++i) {
      auto fd = listener.accept(10s);
      ASSERT_TRUE(fd.ok());
      ++accepted;
      auto m = read_message(*fd, Clock::now() + 10s);
      ASSERT_TRUE(m.ok());
      EXPECT_EQ(write_message(*fd, *m, Clock::now() + 10s), kOk);
      ::close(*fd);  // the peer's idle timeout, at once
    }
  });
  TcpChannel channel(Address{"127.0.0.1", listener.port()});
  for (int i = 0; i < 2; ++i) {
    const Bytes m = sample_message();
    auto answer = channel.exchange(m, 10s);
    ASSERT_TRUE(answer.ok()) << i << " " << answer.status().name();
    EXPECT_EQ(*answer, m);
  }
  server.join();
  EXPECT_EQ(accepted.load(), 2);
  EXPECT_EQ(channel.connections_opened(), 2u);
  // Nobody listens any more: the kept connection is dead and the one new attempt is refused.
  listener.close();
  EXPECT_EQ(channel.exchange(sample_message(), 5s).status(), Error::kIo);
}

TEST(HostTcp, ServerClosingWithoutAnswerIsIo) {
  Listener listener = loopback_listener();
  std::thread server([&] {
    auto fd = listener.accept(10s);
    ASSERT_TRUE(fd.ok());
    EXPECT_TRUE(read_message(*fd, Clock::now() + 10s).ok());
    ::close(*fd);
  });
  TcpChannel channel(Address{"127.0.0.1", listener.port()});
  EXPECT_EQ(channel.exchange(sample_message(), 10s).status(), Error::kIo);
  server.join();
}

TEST(HostTcp, ListenerAcceptTimesOutAndMoves) {
  Listener listener = loopback_listener();
  EXPECT_EQ(listener.accept(20ms).status(), Error::kTimeout);
  const std::uint16_t port = listener.port();
  Listener moved(std::move(listener));
  EXPECT_EQ(moved.port(), port);
  EXPECT_EQ(listener.fd(), -1);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_EQ(listener.accept(1ms).status(), Error::kIo);
  moved.close();
  EXPECT_EQ(moved.fd(), -1);
  EXPECT_EQ(Listener::bind(Address{"256.1.1.1", 0}).error().code, Error::kInvalidArgument);
}

TEST(HostTcp, SecondBindOnTheSamePortFails) {
  Listener listener = loopback_listener();
  const auto taken = Listener::bind(Address{"127.0.0.1", listener.port()});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, Error::kIo);
  EXPECT_EQ(taken.error().os_error, EADDRINUSE);
  EXPECT_EQ(taken.error().reason(), "the address is already in use (another program listens on that port)");
}

}  // namespace
}  // namespace sscard::wire

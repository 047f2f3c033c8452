// The vicc bridge against a fake vpcd (the test plays vpcd's side of the TCP protocol): no pcscd needed.
#include "sscard/sim/vicc.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "echo_card.h"
#include "fake_vpcd.h"

namespace sscard::testing {
namespace {

using namespace std::chrono_literals;

const Bytes kGetAtr{0x04};

// Runs a bridge on its own thread; stops and joins it at the end of the test.
class BridgeRunner {
 public:
  BridgeRunner(std::shared_ptr<sim::Card> card, sim::ViccOptions options)
      : bridge_(std::move(card), std::move(options)), thread_([this] { status_ = bridge_.run(); }) {}
  ~BridgeRunner() { (void)finish(); }
  Status finish() {
    bridge_.stop();
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  sim::ViccBridge& bridge() { return bridge_; }

 private:
  sim::ViccBridge bridge_;
  Status status_;
  std::thread thread_;
};

sim::ViccOptions options_for(const FakeVpcd& vpcd) {
  sim::ViccOptions options;
  options.port = vpcd.port();
  options.reconnect_initial = 5ms;
  options.reconnect_max = 50ms;
  return options;
}

TEST(ViccBridge, AnswersGetAtrWhilePoweredOff) {
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  BridgeRunner runner(card, options_for(vpcd));
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  const auto atr = vpcd.receive_frame();
  ASSERT_TRUE(atr.has_value());
  EXPECT_EQ(to_hex(*atr), to_hex(EchoCard::default_atr()));
  EXPECT_FALSE(card->powered());
}

TEST(ViccBridge, FollowsTheWireSequenceOfAConnect) {
  // As seen from vpcd on SCardConnect: 04, 01, 04 (docs/PCSC.md "The vpcd protocol"), then an APDU and power off.
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  BridgeRunner runner(card, options_for(vpcd));
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  ASSERT_TRUE(vpcd.receive_frame().has_value());
  ASSERT_TRUE(vpcd.send_frame(Bytes{0x01}));
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  const auto atr = vpcd.receive_frame();
  ASSERT_TRUE(atr.has_value());
  EXPECT_EQ(to_hex(*atr), "3B6D000000814E432386971599" "00BF7C7A");
  EXPECT_TRUE(card->powered());
  EXPECT_EQ(card->power_ons(), 2);  // once to learn the ATR, once for vpcd's power on

  const Bytes command = *from_hex("00 EE 00 00 03 A1 B2 C3 00");
  ASSERT_TRUE(vpcd.send_frame(command));
  const auto response = vpcd.receive_frame();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(to_hex(*response), "A1B2C39000");
  EXPECT_EQ(to_hex(card->last_command()), to_hex(command));

  ASSERT_TRUE(vpcd.send_frame(Bytes{0x00}));
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));  // the reply proves the power off was handled first
  ASSERT_TRUE(vpcd.receive_frame().has_value());
  EXPECT_FALSE(card->powered());
  EXPECT_EQ(runner.bridge().apdus_served(), 1u);
}

TEST(ViccBridge, ResetIsAColdReset) {
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  BridgeRunner runner(card, options_for(vpcd));
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(Bytes{0x01}));
  ASSERT_TRUE(vpcd.send_frame(Bytes{0x02}));
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  ASSERT_TRUE(vpcd.receive_frame().has_value());
  EXPECT_EQ(card->power_ons(), 3);
  EXPECT_TRUE(card->powered());
}

TEST(ViccBridge, SendsNothingForUnknownControlsAndPowerMessages) {
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  BridgeRunner runner(card, options_for(vpcd));
  ASSERT_TRUE(vpcd.accept());
  for (const int control : {0x00, 0x01, 0x02, 0x03, 0x05, 0xFF}) ASSERT_TRUE(vpcd.send_frame(Bytes{static_cast<std::uint8_t>(control)}));
  ASSERT_TRUE(vpcd.send_frame(Bytes{}));
  EXPECT_EQ(vpcd.unsolicited_bytes(100ms), 0u);
}

TEST(ViccBridge, EchoesEveryDataLengthExactly) {
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  BridgeRunner runner(card, options_for(vpcd));
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(Bytes{0x01}));
  for (std::size_t lc = 1; lc <= 255; ++lc) {
    Bytes command{0x00, 0xEE, 0x00, 0x00, static_cast<std::uint8_t>(lc)};
    for (std::size_t i = 0; i < lc; ++i) command.push_back(static_cast<std::uint8_t>(lc + i));
    ASSERT_TRUE(vpcd.send_frame(command));
    const auto response = vpcd.receive_frame();
    ASSERT_TRUE(response.has_value()) << lc;
    Bytes expected(command.begin() + 5, command.end());
    expected.push_back(0x90);
    expected.push_back(0x00);
    ASSERT_EQ(to_hex(*response), to_hex(expected)) << lc;
  }
  EXPECT_EQ(runner.bridge().apdus_served(), 255u);
}

TEST(ViccBridge, UnpoweredCardGivesAnEmptyResponseFrame) {
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  BridgeRunner runner(card, options_for(vpcd));
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(*from_hex("00A4040000")));
  const auto response = vpcd.receive_frame();
  ASSERT_TRUE(response.has_value());
  EXPECT_TRUE(response->empty());
}

TEST(ViccBridge, ReconnectsWhenVpcdDropsTheConnection) {
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  BridgeRunner runner(card, options_for(vpcd));
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(Bytes{0x01}));
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  ASSERT_TRUE(vpcd.receive_frame().has_value());
  vpcd.close_connection();
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  ASSERT_TRUE(vpcd.receive_frame().has_value());
  EXPECT_EQ(runner.bridge().connections(), 2u);
  EXPECT_FALSE(card->powered());  // leaving the reader cut the power
}

TEST(ViccBridge, RetriesUntilVpcdListens) {
  auto vpcd = std::make_unique<FakeVpcd>();
  const std::uint16_t port = vpcd->port();
  vpcd.reset();  // nobody listens on the port now
  auto card = std::make_shared<EchoCard>();
  sim::ViccOptions options;
  options.port = port;
  options.reconnect_initial = 5ms;
  options.reconnect_max = 20ms;
  BridgeRunner runner(card, options);
  std::this_thread::sleep_for(60ms);  // let a few attempts fail
  EXPECT_FALSE(runner.bridge().connected());
  EXPECT_EQ(runner.bridge().connections(), 0u);
  EXPECT_TRUE(runner.finish().ok());
}

TEST(ViccBridge, PullClosesAndInsertReconnects) {
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  BridgeRunner runner(card, options_for(vpcd));
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(Bytes{0x01}));
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  ASSERT_TRUE(vpcd.receive_frame().has_value());
  runner.bridge().pull_card();
  EXPECT_TRUE(vpcd.peer_closed());
  // A pulled card stays out: no new connection until insert_card().
  EXPECT_FALSE(vpcd.accept(150ms));
  runner.bridge().insert_card();
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  EXPECT_TRUE(vpcd.receive_frame().has_value());
  EXPECT_EQ(runner.bridge().connections(), 2u);
}

TEST(ViccBridge, StopEndsRunWhileWaitingForVpcd) {
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  BridgeRunner runner(card, options_for(vpcd));
  ASSERT_TRUE(vpcd.accept());
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(runner.finish().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
  EXPECT_TRUE(vpcd.peer_closed());
}

TEST(ViccBridge, UnresolvableHostIsAnInvalidArgument) {
  auto card = std::make_shared<EchoCard>();
  sim::ViccOptions options;
  options.host = "no-such-host.invalid";
  sim::ViccBridge bridge(card, options);
  EXPECT_EQ(bridge.run(), Error::kInvalidArgument);
}

TEST(ViccCommand, SignalsPullInsertAndStop) {
  FakeVpcd vpcd;
  auto card = std::make_shared<EchoCard>();
  sim::ViccOptions options = options_for(vpcd);
  options.log = [](std::string_view) {};
  int exit_code = -1;
  std::thread command([&] { exit_code = sim::run_vicc_command(options, card); });
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  ASSERT_TRUE(vpcd.receive_frame().has_value());

  ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
  EXPECT_TRUE(vpcd.peer_closed());
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  ASSERT_TRUE(vpcd.accept());
  ASSERT_TRUE(vpcd.send_frame(kGetAtr));
  EXPECT_TRUE(vpcd.receive_frame().has_value());

  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  command.join();
  EXPECT_EQ(exit_code, 0);
  // The previous (default) handlers are back.
  struct sigaction current {};
  sigaction(SIGUSR1, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_DFL);
}

}  // namespace
}  // namespace sscard::testing

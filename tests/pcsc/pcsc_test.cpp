// The PC/SC backend against a real pcscd with the vpcd virtual reader, fed by the vicc bridge.
// Each test suite starts its own pcscd (PcscdDaemon); without pcscd or vpcd it skips, or fails when
// SSCARD_REQUIRE_PCSCD=1 (tests/support/pcsc/pcscd_required.h).
#include "sscard/hal/pcsc_reader.h"

#include <gtest/gtest.h>
#include <winscard.h>

#include <array>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "echo_card.h"
#include "pcscd_daemon.h"
#include "pcsc/pcscd_required.h"
#include "sscard/sim/vicc.h"

namespace sscard::testing {
namespace {

using namespace std::chrono_literals;
using hal::CardChange;
using hal::PcscReader;

constexpr const char* kReader0 = "Virtual PCD 00 00";
constexpr const char* kReader1 = "Virtual PCD 00 01";

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Runs a command through the shell and returns what it printed (stdout and stderr).
std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 512> chunk{};
  while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr) output += chunk.data();
  pclose(pipe);
  return output;
}

// A card in a vpcd slot: the bridge on its own thread.
class VirtualCard {
 public:
  explicit VirtualCard(std::uint16_t port = sim::kVpcdDefaultPort, Bytes atr = EchoCard::default_atr())
      : card_(std::make_shared<EchoCard>(std::move(atr))), bridge_(card_, options(port)),
        thread_([this] { (void)bridge_.run(); }) {}
  ~VirtualCard() {
    bridge_.stop();
    thread_.join();
  }
  EchoCard& card() { return *card_; }
  sim::ViccBridge& bridge() { return bridge_; }

 private:
  static sim::ViccOptions options(std::uint16_t port) {
    sim::ViccOptions o;
    o.port = port;
    o.reconnect_initial = 10ms;
    o.reconnect_max = 100ms;
    return o;
  }
  std::shared_ptr<EchoCard> card_;
  sim::ViccBridge bridge_;
  std::thread thread_;
};

class PcscTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (PcscdDaemon::find_pcscd().empty()) return;
    daemon_ = new PcscdDaemon();
    start_error_ = daemon_->start();
  }
  static void TearDownTestSuite() {
    delete daemon_;  // stops pcscd, releases the lock
    daemon_ = nullptr;
  }

  void SetUp() override {
    SSCARD_SKIP_OR_FAIL_WITHOUT_PCSCD();  // pcscd and vpcd installed: daemon_ exists
    ASSERT_EQ(start_error_, "");
    if (daemon_->pid() <= 0) {
      ASSERT_EQ(daemon_->start(), "");  // a previous test stopped it
    }
  }

  void TearDown() override {
    card_.reset();
    // pcscd polls vpcd every 400 ms. Until one poll has found the slot empty, its event thread still
    // believes in the old card and would take the next test's card for it (no power-up, no insertion
    // event): wait for the empty state and for one full poll period.
    if (daemon_ != nullptr && daemon_->pid() > 0) {
      const auto poll_done = std::chrono::steady_clock::now() + sim::kVpcdPollPeriod + 100ms;
      EXPECT_TRUE(wait_until([poll_done] {
        return std::chrono::steady_clock::now() > poll_done && !card_present(kReader0) && !card_present(kReader1);
      }));
    }
  }

  // Inserts the echo card into reader 0 and waits until pcscd reports it.
  void insert_card() {
    card_ = std::make_unique<VirtualCard>();
    ASSERT_TRUE(wait_until([] { return card_present(kReader0); })) << "vpcd never saw the card";
  }

  static bool card_present(const char* reader) {
    auto context = hal::PcscContext::establish();
    if (!context.ok()) return false;
    const Result<bool> present = context->card_present(reader);
    return present.ok() && *present;
  }

  static std::unique_ptr<PcscReader> open_reader(PcscReader::Options options = {kReader0, ""}) {
    auto reader = PcscReader::open(options);
    EXPECT_TRUE(reader.ok()) << reader.status().name();
    return reader.ok() ? std::move(*reader) : nullptr;
  }

  static Bytes power_up(hal::Slot& slot) {
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    const Result<std::size_t> length = slot.power_up(atr);
    EXPECT_TRUE(length.ok()) << length.status().name();
    if (!length.ok()) return {};
    return Bytes(atr.begin(), atr.begin() + static_cast<std::ptrdiff_t>(*length));
  }

  static Result<Bytes> transmit(hal::Slot& slot, std::string_view command_hex) {
    const Bytes command = *from_hex(command_hex);
    std::array<std::uint8_t, 300> response{};
    SSCARD_TRY_ASSIGN(const std::size_t length, slot.transmit(command, response));
    return Bytes(response.begin(), response.begin() + static_cast<std::ptrdiff_t>(length));
  }

  static inline PcscdDaemon* daemon_ = nullptr;
  static inline std::string start_error_;
  std::unique_ptr<VirtualCard> card_;
};

TEST_F(PcscTest, SlotSeesTheViccCardsAtr) {
  insert_card();
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->name(), kReader0);
  EXPECT_EQ(reader->slot_count(), 1u);
  hal::Slot& slot = reader->contact();
  EXPECT_EQ(slot.kind(), hal::SlotKind::kContact);
  ASSERT_TRUE(slot.card_present().ok());
  EXPECT_TRUE(*slot.card_present());
  EXPECT_EQ(to_hex(power_up(slot)), "3B6D000000814E43238697159900BF7C7A");
  // No TD1 in the ATR: T=0 only (ISO/IEC 7816-3 8.2.3).
  EXPECT_EQ(slot.protocol(), hal::Protocol::kT0);
  EXPECT_TRUE(slot.power_down().ok());
  EXPECT_TRUE(slot.power_down().ok());  // harmless twice
}

TEST_F(PcscTest, TransmitRoundTripsExactBytes) {
  insert_card();
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  hal::Slot& slot = reader->contact();
  power_up(slot);

  const auto select = transmit(slot, "00A404000F7378312E73682EC9E7BBE1B1A3D5CF");
  ASSERT_TRUE(select.ok());
  EXPECT_EQ(to_hex(*select), "9000");
  EXPECT_EQ(to_hex(card_->card().last_command()), "00A404000F7378312E73682EC9E7BBE1B1A3D5CF");

  for (std::size_t lc = 1; lc <= 255; lc += 17) {
    Bytes command{0x00, 0xEE, 0x00, 0x00, static_cast<std::uint8_t>(lc)};
    for (std::size_t i = 0; i < lc; ++i) command.push_back(static_cast<std::uint8_t>(0xFF - i));
    std::array<std::uint8_t, 300> response{};
    const Result<std::size_t> length = slot.transmit(command, response);
    ASSERT_TRUE(length.ok()) << lc << " " << length.status().name();
    ASSERT_EQ(*length, lc + 2);
    EXPECT_EQ(to_hex(ByteSpan(response).first(lc)), to_hex(ByteSpan(command).subspan(5)));
    EXPECT_EQ(response[lc], 0x90);
    EXPECT_EQ(response[lc + 1], 0x00);
    EXPECT_EQ(to_hex(card_->card().last_command()), to_hex(command));
  }

  // Case 2 with Le = 00: 256 data bytes + SW.
  const auto long_answer = transmit(slot, "00B0000000");
  ASSERT_TRUE(long_answer.ok());
  ASSERT_EQ(long_answer->size(), 258u);
  EXPECT_EQ((*long_answer)[0], 0x00);
  EXPECT_EQ((*long_answer)[255], 0xFF);
  EXPECT_EQ(to_hex(ByteSpan(*long_answer).last(2)), "9000");

  // A response larger than the caller's buffer: kBufferTooSmall, nothing written past it.
  std::array<std::uint8_t, 10> small{};
  EXPECT_EQ(slot.transmit(*from_hex("00B0000020"), small).status(), Error::kBufferTooSmall);
  // Too short a command: nothing is sent.
  const int before = card_->card().commands();
  EXPECT_EQ(slot.transmit(*from_hex("00A404"), small).status(), Error::kInvalidArgument);
  EXPECT_EQ(card_->card().commands(), before);
}

TEST_F(PcscTest, TransmitWithoutPowerUpIsNoCard) {
  insert_card();
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  std::array<std::uint8_t, 16> response{};
  EXPECT_EQ(reader->contact().transmit(*from_hex("00A4040000"), response).status(), Error::kNoCard);
  EXPECT_EQ(card_->card().commands(), 0);
}

TEST_F(PcscTest, ReaderSelection) {
  insert_card();
  auto context = hal::PcscContext::establish();
  ASSERT_TRUE(context.ok());
  const auto readers = context->list_readers();
  ASSERT_TRUE(readers.ok());
  ASSERT_EQ(readers->size(), 2u);
  EXPECT_EQ((*readers)[0], kReader0);
  EXPECT_EQ((*readers)[1], kReader1);
  EXPECT_EQ(*context->select_reader(""), kReader0);  // the one with a card
  EXPECT_EQ(*context->select_reader("PCD 00 01"), kReader1);
  EXPECT_EQ(context->select_reader("No Such Reader").status(), Error::kNotFound);
  EXPECT_EQ(context->card_present("No Such Reader").status(), Error::kNotFound);
  EXPECT_EQ(PcscReader::open({"No Such Reader", ""}).status(), Error::kNotFound);
  EXPECT_EQ(PcscReader::open({kReader0, kReader0}).status(), Error::kInvalidArgument);
}

TEST_F(PcscTest, SamSlotOnTheSecondReader) {
  insert_card();
  const Bytes sam_atr = *from_hex("3B 68 00 00 11 22 33 44 55 66 77 88");
  VirtualCard sam(static_cast<std::uint16_t>(sim::kVpcdDefaultPort + 1), sam_atr);
  ASSERT_TRUE(wait_until([] { return card_present(kReader1); }));
  auto reader = open_reader({kReader0, kReader1});
  ASSERT_NE(reader, nullptr);
  ASSERT_EQ(reader->slot_count(), 2u);
  hal::Slot* sam_slot = reader->find_slot(hal::SlotKind::kSam);
  ASSERT_NE(sam_slot, nullptr);
  EXPECT_EQ(sam_slot->name(), kReader1);
  EXPECT_EQ(to_hex(power_up(*sam_slot)), to_hex(sam_atr));
  EXPECT_EQ(to_hex(power_up(reader->contact())), to_hex(EchoCard::default_atr()));
  const auto answer = transmit(*sam_slot, "00B0960006");
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(to_hex(*answer), "0001020304059000");
  EXPECT_EQ(sam.card().commands(), 1);
  EXPECT_EQ(card_->card().commands(), 0);
}

TEST_F(PcscTest, PcscScanShowsTheAtr) {
  insert_card();
  const std::string readers = run("timeout 10 pcsc_scan -r");
  EXPECT_NE(readers.find(kReader0), std::string::npos) << readers;
  const std::string scan = run("timeout 10 pcsc_scan -c -n");
  EXPECT_NE(scan.find("3B 6D 00 00 00 81 4E 43 23 86 97 15 99 00 BF 7C 7A"), std::string::npos) << scan;
}

TEST_F(PcscTest, OpenscToolSendsApdus) {
  insert_card();
  const std::string out = run(
      "timeout 20 opensc-tool --reader 0 --send-apdu 00A404000F7378312E73682EC9E7BBE1B1A3D5CF "
      "--send-apdu 00EE000003A1B2C3");
  EXPECT_NE(out.find("Received (SW1=0x90, SW2=0x00)"), std::string::npos) << out;
  EXPECT_NE(out.find("A1 B2 C3"), std::string::npos) << out;
  EXPECT_EQ(to_hex(card_->card().last_command()), "00EE000003A1B2C3");
}

TEST_F(PcscTest, PulledCardGivesTypedErrorAndReinsertWorks) {
  insert_card();
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  hal::Slot& slot = reader->contact();
  power_up(slot);
  ASSERT_TRUE(transmit(slot, "00A4040000").ok());

  card_->bridge().pull_card();
  ASSERT_TRUE(wait_until([] { return !card_present(kReader0); }));
  const Status pulled = transmit(slot, "00B2012C12").status();
  EXPECT_TRUE(pulled == Error::kCardRemoved || pulled == Error::kNoCard) << pulled.name();
  EXPECT_EQ(hal::pcsc_error_name(reader->contact().last_pcsc_error()), "SCARD_W_REMOVED_CARD");
  // The handle is gone: further exchanges say kNoCard without touching PC/SC.
  EXPECT_EQ(transmit(slot, "00B2012C12").status(), Error::kNoCard);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  EXPECT_EQ(slot.power_up(atr).status(), Error::kNoCard);
  ASSERT_TRUE(slot.card_present().ok());
  EXPECT_FALSE(*slot.card_present());

  card_->bridge().insert_card();
  ASSERT_TRUE(wait_until([] { return card_present(kReader0); }));
  EXPECT_EQ(to_hex(power_up(slot)), to_hex(EchoCard::default_atr()));
  const auto read = transmit(slot, "00EE00000211229000");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(to_hex(*read), "11229000");
}

TEST_F(PcscTest, CardPulledDuringAnExchange) {
  insert_card();
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  hal::Slot& slot = reader->contact();
  power_up(slot);
  card_->card().set_delay(300ms);
  std::thread puller([this] {
    ASSERT_TRUE(wait_until([this] { return card_->card().commands() == 1; }));
    card_->bridge().pull_card();
  });
  const auto begin = std::chrono::steady_clock::now();
  const Status status = transmit(slot, "00EE000001AA").status();
  puller.join();
  EXPECT_EQ(status, Error::kCardRemoved) << status.name() << " "
                                         << hal::pcsc_error_name(reader->contact().last_pcsc_error());
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  EXPECT_EQ(transmit(slot, "00A4040000").status(), Error::kNoCard);
}

TEST_F(PcscTest, WaitForCardChange) {
  insert_card();
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->wait_for_card_change(100ms).status(), Error::kTimeout);

  std::thread puller([this] {
    std::this_thread::sleep_for(100ms);
    card_->bridge().pull_card();
  });
  const auto removed = reader->wait_for_card_change(5s);
  puller.join();
  ASSERT_TRUE(removed.ok()) << removed.status().name();
  EXPECT_EQ(*removed, CardChange::kRemoved);

  std::thread inserter([this] {
    std::this_thread::sleep_for(100ms);
    card_->bridge().insert_card();
  });
  const auto inserted = reader->wait_for_card_change(5s);
  inserter.join();
  ASSERT_TRUE(inserted.ok()) << inserted.status().name();
  EXPECT_EQ(*inserted, CardChange::kInserted);
}

TEST_F(PcscTest, CancelEndsAWait) {
  insert_card();
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  std::thread canceller([&reader] {
    std::this_thread::sleep_for(100ms);
    reader->cancel_wait();
  });
  const auto begin = std::chrono::steady_clock::now();
  const auto change = reader->wait_for_card_change(30s);
  canceller.join();
  ASSERT_TRUE(change.ok()) << change.status().name();
  EXPECT_EQ(*change, CardChange::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
}

TEST_F(PcscTest, SharingViolationIsItsOwnError) {
  insert_card();
  auto other = hal::PcscContext::establish();
  ASSERT_TRUE(other.ok());
  SCARDHANDLE exclusive = 0;
  DWORD protocol = 0;
  ASSERT_EQ(SCardConnect(other->handle(), kReader0, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                         &exclusive, &protocol),
            SCARD_S_SUCCESS);
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  EXPECT_EQ(reader->contact().power_up(atr).status(), Error::kIo);
  EXPECT_EQ(hal::pcsc_error_name(reader->contact().last_pcsc_error()), "SCARD_E_SHARING_VIOLATION");
  SCardDisconnect(exclusive, SCARD_LEAVE_CARD);
  EXPECT_EQ(to_hex(power_up(reader->contact())), to_hex(EchoCard::default_atr()));
}

TEST_F(PcscTest, ResetByAnotherApplicationReconnectsOnce) {
  insert_card();
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  hal::Slot& slot = reader->contact();
  power_up(slot);
  const int power_ons = card_->card().power_ons();

  auto other = hal::PcscContext::establish();
  ASSERT_TRUE(other.ok());
  SCARDHANDLE handle = 0;
  DWORD protocol = 0;
  ASSERT_EQ(SCardConnect(other->handle(), kReader0, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                         &handle, &protocol),
            SCARD_S_SUCCESS);
  ASSERT_EQ(SCardReconnect(handle, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD,
                           &protocol),
            SCARD_S_SUCCESS);
  EXPECT_GT(card_->card().power_ons(), power_ons);

  const auto answer = transmit(slot, "00EE00000105");
  ASSERT_TRUE(answer.ok()) << answer.status().name();
  EXPECT_EQ(to_hex(*answer), "059000");
  SCardDisconnect(handle, SCARD_LEAVE_CARD);
}

TEST_F(PcscTest, PcscdRestartIsSurvived) {
  insert_card();
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  hal::Slot& slot = reader->contact();
  power_up(slot);
  ASSERT_TRUE(transmit(slot, "00A4040000").ok());
  EXPECT_EQ(card_->bridge().connections(), 1u);

  daemon_->stop();
  // The service is gone: typed errors, no crash, no hang.
  EXPECT_EQ(transmit(slot, "00A4040000").status(), Error::kReaderUnavailable);
  EXPECT_EQ(slot.card_present().status(), Error::kReaderUnavailable);
  EXPECT_EQ(hal::PcscContext::establish().status(), Error::kReaderUnavailable);
  EXPECT_EQ(reader->wait_for_card_change(100ms).status(), Error::kReaderUnavailable);
  ASSERT_TRUE(wait_until([this] { return !card_->bridge().connected(); }));

  ASSERT_EQ(daemon_->start(), "");
  ASSERT_TRUE(wait_until([this] { return card_->bridge().connections() >= 2 && card_->bridge().connected(); }))
      << "the bridge did not reconnect: " << card_->bridge().connections() << " connections";
  ASSERT_TRUE(wait_until([] { return card_present(kReader0); }));
  // The same slot object finds the new daemon (its context is re-established).
  EXPECT_EQ(to_hex(power_up(slot)), to_hex(EchoCard::default_atr()));
  const auto answer = transmit(slot, "00EE00000177");
  ASSERT_TRUE(answer.ok()) << answer.status().name();
  EXPECT_EQ(to_hex(*answer), "779000");
}

}  // namespace
}  // namespace sscard::testing

// A 3rd-generation card's contactless side behind a real pcscd (docs/CONTACTLESS.md §1.1): the vicc bridge
// presents it in "Virtual PCD 00 00" (port 35963) as a card in a field, the kiosk's PSAM sits in
// "Virtual PCD 00 01" (port 35964) as in every other pcscd test. vpcd's reader names carry no contactless
// hint, so the field is named, as a kiosk configuration's readers.contactless would name it.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <thread>

#include "pcsc/pcscd_required.h"
#include "pcscd_daemon.h"
#include "sscard/crypto/openssl.h"
#include "sscard/hal/pcsc_reader.h"
#include "sscard/psam/psam.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/psam_profile.h"
#include "sscard/sim/vicc.h"
#include "sscard/ssc/interface_code.h"
#include "sscard/ssc/security.h"
#include "sscard/transport/transport.h"

namespace sscard::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kField = "Virtual PCD 00 00";
constexpr const char* kPsamReader = "Virtual PCD 00 01";
constexpr std::uint16_t kPsamPort = 35964;
constexpr const char* kSelectSsse = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";

bool present(const char* reader) {
  auto context = hal::PcscContext::establish();
  if (!context.ok()) return false;
  const Result<bool> p = context->card_present(reader);
  return p.ok() && *p;
}

bool wait_until(const char* reader, bool want) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (present(reader) != want) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::shared_ptr<sim::Card> holder(const std::string& file) {
  auto loaded = sim::load_profile(std::filesystem::path(SSCARD_CARDS_DIR) / file);
  EXPECT_TRUE(loaded.ok());
  return loaded.ok() ? std::shared_ptr<sim::Card>(sim::make_card(*loaded, crypto::make_openssl_crypto())) : nullptr;
}

// A bridge running on its own thread until the object goes.
struct Served {
  Served(std::shared_ptr<sim::Card> card, sim::ViccOptions options)
      : bridge(std::make_unique<sim::ViccBridge>(std::move(card), std::move(options))),
        thread([this] { (void)bridge->run(); }) {}
  ~Served() {
    bridge->stop();
    thread.join();
  }
  std::unique_ptr<sim::ViccBridge> bridge;
  std::thread thread;
};

class PcscContactlessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (PcscdDaemon::find_pcscd().empty()) return;
    daemon_ = new PcscdDaemon();
    start_error_ = daemon_->start();
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }

  void SetUp() override {
    SSCARD_SKIP_OR_FAIL_WITHOUT_PCSCD();
    ASSERT_EQ(start_error_, "");
    card_ = holder("cq-tongnan-gen3.json");
    ASSERT_NE(card_, nullptr);
    sim::ViccOptions field;
    field.contactless = true;
    served_card_ = std::make_unique<Served>(card_, field);
    auto psam_profile = sim::load_psam_profile(std::filesystem::path(SSCARD_CARDS_DIR) / "psam" / "cq-kiosk.json");
    ASSERT_TRUE(psam_profile.ok());
    sim::ViccOptions sam;
    sam.port = kPsamPort;
    served_psam_ = std::make_unique<Served>(
        std::shared_ptr<sim::Card>(sim::make_psam_card(*psam_profile, crypto::make_openssl_crypto())), sam);
    ASSERT_TRUE(wait_until(kField, true)) << "vpcd never saw the card";
    ASSERT_TRUE(wait_until(kPsamReader, true)) << "vpcd never saw the PSAM";
  }

  void TearDown() override {
    served_card_.reset();
    served_psam_.reset();
    // One pcscd poll period with the slots empty, so the next test's cards are new cards.
    std::this_thread::sleep_for(sim::kVpcdPollPeriod + 100ms);
    EXPECT_TRUE(wait_until(kField, false));
  }

  // The dual reader as the kiosk opens it: the field named, the contact reader the first other one.
  static std::unique_ptr<hal::PcscReader> open_reader() {
    hal::PcscReader::Options options;
    options.contactless_reader = kField;
    options.with_contactless = true;
    auto reader = hal::PcscReader::open(options);
    EXPECT_TRUE(reader.ok()) << reader.status().name();
    return reader.ok() ? std::move(reader).value() : nullptr;
  }

  static inline PcscdDaemon* daemon_ = nullptr;
  static inline std::string start_error_;
  std::shared_ptr<sim::Card> card_;
  std::unique_ptr<Served> served_card_;
  std::unique_ptr<Served> served_psam_;
};

std::string select_ssse(hal::Slot& slot) {
  std::array<std::uint8_t, 258> response{};
  auto n = slot.transmit(*from_hex(kSelectSsse), response);
  if (!n.ok()) return std::string(n.status().name());
  return to_hex(ByteSpan(response).subspan(*n - 2, 2));
}

TEST_F(PcscContactlessTest, TheFieldShowsTheAtrBuiltFromTheAts) {
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  ASSERT_NE(reader->contactless(), nullptr);
  EXPECT_EQ(reader->contactless()->name(), kField);
  EXPECT_EQ(reader->contactless()->kind(), hal::SlotKind::kContactless);
  ASSERT_TRUE(reader->has_contact());
  EXPECT_NE(reader->contact().name(), kField);
  EXPECT_EQ(reader->find_slot(hal::SlotKind::kContactless), reader->contactless());

  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto n = reader->contactless()->power_up(atr);
  ASSERT_TRUE(n.ok()) << n.status().name();
  // §1: 3B 8D 80 01 ‖ the 13 historical bytes of the contact ATR ‖ TCK (XOR worked out by hand: CA).
  EXPECT_EQ(to_hex(ByteSpan(atr).first(*n)), "3B8D8001008C544CB386844150015200A1CA");
  EXPECT_EQ(reader->contactless()->protocol(), hal::Protocol::kT1);
  EXPECT_EQ(card_->interface(), sim::CardInterface::kContactless);
}

TEST_F(PcscContactlessTest, ThePsamModeIdentityReadInTheField) {
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  auto psam_reader = hal::PcscReader::open({kPsamReader, ""});
  ASSERT_TRUE(psam_reader.ok());
  hal::Slot& field = *reader->contactless();
  hal::Slot& sam = (*psam_reader)->contact();

  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto n = field.power_up(atr);
  ASSERT_TRUE(n.ok()) << n.status().name();
  std::array<std::uint8_t, hal::kMaxAtrSize> sam_atr{};
  ASSERT_TRUE(sam.power_up(sam_atr).ok());
  transport::Transport card_link(field);
  transport::Transport sam_link(sam);
  psam::Psam psam(sam_link);
  auto crypto = crypto::make_openssl_crypto();
  auto read = ssc::read_identity_with_psam(card_link, ByteSpan(atr).first(*n), psam, *crypto);
  ASSERT_TRUE(read.ok()) << ssc::describe(read.error());
  // tests/data/e2e/psam/iface.txt: the line of the contact read, field 6 included.
  EXPECT_EQ(ssc::format_iface_line(read->identity, read->terminal_number, read->device_number),
            "500152|500223198807150019|CQ0152301|500152D1560000055200A1C3D4E5F601|张明远|008C544CB386844150015200A1|"
            "3.00|20230315|20330315|500152000101|50015200010100000001|");
  (void)field.power_down();
  (void)sam.power_down();
}

TEST_F(PcscContactlessTest, ACardLeavingTheFieldMakesTheNextExchangeCardRemoved) {
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  hal::Slot& field = *reader->contactless();
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  ASSERT_TRUE(field.power_up(atr).ok());
  EXPECT_EQ(select_ssse(field).substr(0, 2), "61");

  served_card_->bridge->pull_card();
  ASSERT_TRUE(wait_until(kField, false)) << "pcscd never saw the card leave";
  EXPECT_EQ(select_ssse(field), "card_removed");
  EXPECT_EQ(select_ssse(field), "no_card");  // nothing is powered any more
}

TEST_F(PcscContactlessTest, ANewTapIsANewCardForTheOldSession) {
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  hal::Slot& field = *reader->contactless();
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  ASSERT_TRUE(field.power_up(atr).ok());
  served_card_->bridge->pull_card();
  ASSERT_TRUE(wait_until(kField, false));
  served_card_->bridge->insert_card();
  ASSERT_TRUE(wait_until(kField, true));
  // The card is back, but it is not the session that was powered: its volatile state is gone.
  EXPECT_EQ(select_ssse(field), "card_removed");
  ASSERT_TRUE(field.power_up(atr).ok());
  EXPECT_EQ(select_ssse(field).substr(0, 2), "61");
}

TEST_F(PcscContactlessTest, WaitingForTheFieldSeesTheCardLeave) {
  auto reader = open_reader();
  ASSERT_NE(reader, nullptr);
  served_card_->bridge->pull_card();
  auto change = reader->wait_for_card_change(5s, hal::SlotKind::kContactless);
  ASSERT_TRUE(change.ok()) << change.status().name();
  EXPECT_EQ(*change, hal::CardChange::kRemoved);
}

// No pcscd needed: the bridge refuses before it connects.
TEST(ViccContactless, ASecondGenerationCardHasNoContactlessSideToPresent) {
  auto card = holder("cq-yuzhong-gen2.json");
  ASSERT_NE(card, nullptr);
  sim::ViccOptions options;
  options.contactless = true;
  options.port = 1;  // never reached
  sim::ViccBridge bridge(card, options);
  EXPECT_EQ(bridge.run(), Error::kUnsupported);
  EXPECT_FALSE(card->powered());
}

}  // namespace
}  // namespace sscard::testing

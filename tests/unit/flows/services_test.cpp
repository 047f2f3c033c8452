// The kiosk's card services on simulated cards (cards/*.json) in a simulated reader, with the kiosk PSAM
// (cards/psam/cq-kiosk.json) where a 3rd-generation card needs it, against the fake Chongqing host of
// tests/unit/host, which opens and seals real frames.
#include "sscard/flows/services.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "fake_host.h"
#include "host_test_util.h"
#include "sscard/hal/sim_pinpad.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/psam_profile.h"
#include "sscard/ssc/pin.h"

namespace sscard::flows {
namespace {

using host::testing::Action;
using host::testing::FakeHost;
using host::testing::TempDir;
using host::testing::test_crypto;
using Kind = ServiceOutcome::Kind;

const std::filesystem::path kCards = SSCARD_CARDS_DIR;
constexpr char kTongnan[] = "cq-tongnan-gen3";  // 3rd generation, initial PIN 123456
constexpr char kYuzhong[] = "cq-yuzhong-gen2";  // 2nd generation, PIN 802416
constexpr char kKioskRegion[] = "500152";

// 2025-01-15 10:00 in Chongqing (02:00 UTC).
std::chrono::system_clock::time_point fixed_now() {
  using namespace std::chrono;
  return sys_days{year{2025} / January / 15} + hours(2);
}

// A kiosk's reader with one holder card (powered) and, optionally, the kiosk PSAM (powered).
class Station {
 public:
  explicit Station(const std::string& card, bool with_psam) {
    auto profile = sim::load_profile(kCards / (card + ".json"));
    if (!profile.ok()) throw std::runtime_error(profile.error().to_string());
    profile_ = profile.value();
    reader_.contact().insert(sim::make_card(profile_));
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    auto n = reader_.contact().power_up(atr);
    if (!n.ok()) throw std::runtime_error("card power-up failed");
    atr_.assign(atr.begin(), atr.begin() + static_cast<std::ptrdiff_t>(*n));
    card_ = std::make_unique<transport::Transport>(reader_.contact());
    if (with_psam) {
      auto psam_profile = sim::load_psam_profile(kCards / "psam" / "cq-kiosk.json");
      if (!psam_profile.ok()) throw std::runtime_error(psam_profile.error().to_string());
      reader_.sam().insert(sim::make_psam_card(psam_profile.value()));
      std::array<std::uint8_t, hal::kMaxAtrSize> psam_atr{};
      if (!reader_.sam().power_up(psam_atr).ok()) throw std::runtime_error("PSAM power-up failed");
      psam_transport_ = std::make_unique<transport::Transport>(reader_.sam());
      psam_ = std::make_unique<psam::Psam>(*psam_transport_);
    }
  }

  CardAccess access(hal::PinPad* pinpad = nullptr) { return CardAccess{*card_, atr_, psam_.get(), pinpad}; }
  transport::Transport& card() { return *card_; }
  hal::SimSlot& slot() { return reader_.contact(); }
  const sim::HolderProfile& profile() const { return profile_; }

 private:
  hal::SimReader reader_;
  sim::HolderProfile profile_;
  Bytes atr_;
  std::unique_ptr<transport::Transport> card_;
  std::unique_ptr<transport::Transport> psam_transport_;
  std::unique_ptr<psam::Psam> psam_;
};

class ServicesTest : public ::testing::Test {
 protected:
  Kiosk kiosk() { return Kiosk{kKioskRegion, client_, journal_, test_crypto(), fixed_now}; }

  static host::Journal open_journal(const std::string& path) {
    auto j = host::Journal::open(path);
    if (!j.ok()) throw std::runtime_error("journal");
    return std::move(j).value();
  }

  FakeHost host_{test_crypto(), std::string(wire::kChongqing), host::testing::kKioskTerminal,
                 host::testing::test_link_key()};
  wire::FunctionChannel channel_ = host_.channel();
  host::HostClient client_{test_crypto(), host::testing::kiosk_identity(), channel_, host::testing::no_wait()};
  host::Journal journal_ = open_journal(":memory:");
};

TEST_F(ServicesTest, QueryReadsTheCardWithThePsamAndSendsItsIdentity) {
  Station station(kTongnan, true);
  const ServiceOutcome o = query(kiosk(), station.access());
  ASSERT_EQ(o.kind, Kind::kDone) << o.message;
  EXPECT_EQ(o.message, "answered");
  EXPECT_FALSE(o.journaled);
  EXPECT_EQ(o.identity.ssn, "500223198807150019");
  ASSERT_TRUE(o.response.has_value());
  EXPECT_EQ(o.response->card_state, wire::CardState::kActive);

  ASSERT_EQ(host_.seen.size(), 1u);
  const wire::Request& sent = host_.seen[0];
  EXPECT_EQ(sent.operation, wire::Operation::kQuery);
  EXPECT_EQ(sent.key, *o.key);
  EXPECT_EQ(sent.terminal, "500152000101");
  EXPECT_EQ(sent.serving_province, "500000");
  EXPECT_EQ(sent.card_region, "500152");
  EXPECT_EQ(sent.ssn, "500223198807150019");
  EXPECT_EQ(sent.card_number, "CQ0152301");
  EXPECT_EQ(sent.card_id, station.profile().card_identification_code());
  EXPECT_EQ(sent.date, "20250115");
  EXPECT_EQ(sent.residence, "");
  auto pending = journal_.pending();
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
}

TEST_F(ServicesTest, AThirdGenerationCardWithoutPsamIsACardFaultAndNothingIsSent) {
  Station station(kTongnan, false);
  const ServiceOutcome o = query(kiosk(), station.access());
  EXPECT_EQ(o.kind, Kind::kCardFault);
  EXPECT_EQ(o.fault.failure, ssc::Failure::kNoPsam);
  EXPECT_EQ(ssc::interface_code(o.fault), -2201);
  EXPECT_EQ(host_.frames, 0);
}

TEST_F(ServicesTest, AQueryAnsweredLossReportedSaysSo) {
  host_.card_states["CQ1506011"] = wire::CardState::kLossReported;
  Station station(kYuzhong, false);
  const ServiceOutcome o = query(kiosk(), station.access());
  ASSERT_EQ(o.kind, Kind::kDone) << o.message;
  EXPECT_TRUE(o.card_reported_lost());
  EXPECT_EQ(o.message, "answered; the card is reported lost");
}

TEST_F(ServicesTest, ActivateChangesThePinOnTheCardThenSendsOneActivateRequest) {
  host_.card_states["CQ0152301"] = wire::CardState::kNotActivated;
  Station station(kTongnan, true);
  hal::SimPinPad pad({"123456", "482915", "482915"});
  const ServiceOutcome o = activate(kiosk(), station.access(&pad));
  ASSERT_EQ(o.kind, Kind::kDone) << o.message;
  EXPECT_TRUE(o.journaled);
  EXPECT_EQ(o.response->card_state, wire::CardState::kActive);
  EXPECT_EQ(pad.remaining(), 0u);

  // The query that found the card waiting for activation (H4), then the activation.
  ASSERT_EQ(host_.seen.size(), 2u);
  EXPECT_EQ(host_.seen[0].operation, wire::Operation::kQuery);
  EXPECT_EQ(host_.seen[1].operation, wire::Operation::kActivate);
  EXPECT_EQ(host_.seen[1].key, *o.key);
  EXPECT_EQ(host_.applied[*o.key], 1);
  auto entry = journal_.find(*o.key);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->state, host::EntryState::kDone);
  EXPECT_EQ(entry->step, host::Step::kIssuer);

  // The card now holds the new PIN and refuses the initial one.
  hal::SimPinPad new_pin({"482915"});
  EXPECT_TRUE(ssc::verify_pin(station.card(), new_pin).ok());
  hal::SimPinPad old_pin({"123456"});
  EXPECT_EQ(ssc::verify_pin(station.card(), old_pin).failure, ssc::Failure::kWrongPin);
}

TEST_F(ServicesTest, ActivateRefusesTheInitialPinAsNewPinAndSendsNothing) {
  host_.card_states["CQ0152301"] = wire::CardState::kNotActivated;
  Station station(kTongnan, true);
  hal::SimPinPad pad({"123456", "123456", "123456"});
  const ServiceOutcome o = activate(kiosk(), station.access(&pad));
  EXPECT_EQ(o.kind, Kind::kCardFault);
  EXPECT_EQ(o.fault.failure, ssc::Failure::kNewPinIsInitial);
  ASSERT_EQ(host_.seen.size(), 1u);  // the state query only
  EXPECT_EQ(host_.seen[0].operation, wire::Operation::kQuery);
  ASSERT_TRUE(o.key.has_value());
  auto entry = journal_.find(*o.key);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->state, host::EntryState::kFailed);
}

TEST_F(ServicesTest, ActivateWithAWrongCurrentPinSendsNothing) {
  host_.card_states["CQ1506011"] = wire::CardState::kNotActivated;
  Station station(kYuzhong, false);
  hal::SimPinPad pad({"111111", "482915", "482915"});
  const ServiceOutcome o = activate(kiosk(), station.access(&pad));
  EXPECT_EQ(o.kind, Kind::kCardFault);
  EXPECT_EQ(o.fault.failure, ssc::Failure::kWrongPin);
  ASSERT_EQ(host_.seen.size(), 1u);  // the state query only
  EXPECT_EQ(host_.seen[0].operation, wire::Operation::kQuery);
  EXPECT_EQ(journal_.find(*o.key)->state, host::EntryState::kFailed);
}

// H4: the issuer is asked before the card is touched. An active card keeps its PIN; nothing is journaled.
TEST_F(ServicesTest, ActivatingACardTheIssuerHoldsActiveLeavesItsPinAlone) {
  Station station(kTongnan, true);  // the fake issuer holds it active
  hal::SimPinPad pad({"123456", "482915", "482915"});
  const ServiceOutcome o = activate(kiosk(), station.access(&pad));
  ASSERT_EQ(o.kind, Kind::kRefusedByIssuer) << o.message;
  EXPECT_EQ(o.response->card_state, wire::CardState::kActive);
  EXPECT_FALSE(o.journaled);
  EXPECT_FALSE(o.key.has_value());
  EXPECT_EQ(o.message, "the issuer refused the activation: the card is active, not waiting for activation; its PIN was left "
                       "as it is");
  EXPECT_EQ(pad.remaining(), 3u);  // no PIN was asked for
  ASSERT_EQ(host_.seen.size(), 1u);
  EXPECT_EQ(host_.seen[0].operation, wire::Operation::kQuery);
  auto pending = journal_.pending();
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
  // The card still holds the initial PIN: it accepts it, and the terminal then refuses to go on (I5).
  hal::SimPinPad initial({"123456"});
  EXPECT_EQ(ssc::verify_pin(station.card(), initial).failure, ssc::Failure::kInitialPin);
}

TEST_F(ServicesTest, AnActivationWhoseIssuerCannotBeAskedChangesNothing) {
  host_.card_states["CQ0152301"] = wire::CardState::kNotActivated;
  host_.script({Action::kTimeout, Action::kTimeout, Action::kTimeout});
  Station station(kTongnan, true);
  hal::SimPinPad pad({"123456", "482915", "482915"});
  const ServiceOutcome o = activate(kiosk(), station.access(&pad));
  EXPECT_EQ(o.kind, Kind::kHostUnreachable) << o.message;
  EXPECT_EQ(o.operation, wire::Operation::kActivate);
  EXPECT_FALSE(o.journaled);
  EXPECT_EQ(pad.remaining(), 3u);
  // The card still holds the initial PIN: it accepts it, and the terminal then refuses to go on (I5).
  hal::SimPinPad initial({"123456"});
  EXPECT_EQ(ssc::verify_pin(station.card(), initial).failure, ssc::Failure::kInitialPin);
}

TEST_F(ServicesTest, AnActivationTheHostDidNotAnswerIsCompletedByRecoveryAfterARestart) {
  TempDir dir;
  const std::string path = dir.file("journal.db").string();
  host_.card_states["CQ0152301"] = wire::CardState::kNotActivated;
  Station station(kTongnan, true);
  wire::IdempotencyKey key{};
  {
    host::Journal journal = open_journal(path);
    Kiosk k{kKioskRegion, client_, journal, test_crypto(), fixed_now};
    // The state query is answered; every frame of the activation after the PIN change is lost.
    host_.script({Action::kAnswer, Action::kTimeout, Action::kTimeout, Action::kTimeout});
    hal::SimPinPad pad({"123456", "482915", "482915"});
    const ServiceOutcome o = activate(k, station.access(&pad));
    ASSERT_EQ(o.kind, Kind::kHostUnreachable) << o.message;
    key = *o.key;
    EXPECT_EQ(journal.find(key)->step, host::Step::kIssuer);
    // The kiosk dies here.
  }
  hal::SimPinPad new_pin({"482915"});
  EXPECT_TRUE(ssc::verify_pin(station.card(), new_pin).ok());

  host::Journal journal = open_journal(path);
  auto recovered = host::recover(client_, journal);
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->size(), 1u);
  EXPECT_EQ((*recovered)[0].kind, host::Recovery::Kind::kDone);
  EXPECT_EQ((*recovered)[0].key, key);
  EXPECT_EQ((*recovered)[0].response->card_state, wire::CardState::kActive);
  EXPECT_EQ(host_.applied[key], 1);
  EXPECT_EQ(journal.find(key)->state, host::EntryState::kDone);
}

TEST_F(ServicesTest, ACardPulledDuringChangePinLeavesTheActivationAtTheCardStep) {
  // Count the transmits of a whole activation; its last one is CHANGE PIN.
  std::size_t transmits = 0;
  {
    host_.card_states["CQ0152301"] = wire::CardState::kNotActivated;
    Station dry(kTongnan, true);
    hal::SimPinPad pad({"123456", "482915", "482915"});
    dry.card().reset_counters();
    ASSERT_EQ(activate(kiosk(), dry.access(&pad)).kind, Kind::kDone);
    transmits = dry.card().apdu_count();
  }
  host_.card_states["CQ0152301"] = wire::CardState::kNotActivated;  // the dry run activated it
  const int frames_before = host_.frames;
  Station station(kTongnan, true);
  station.slot().remove_after(transmits - 1);
  hal::SimPinPad pad({"123456", "482915", "482915"});
  const ServiceOutcome o = activate(kiosk(), station.access(&pad));
  ASSERT_EQ(o.kind, Kind::kCardFault) << o.message;
  EXPECT_EQ(o.fault.status, Error::kCardRemoved);
  EXPECT_EQ(host_.frames, frames_before + 1);  // the state query, and nothing after the card went away
  const int frames_after = host_.frames;
  EXPECT_EQ(journal_.find(*o.key)->step, host::Step::kCard);
  EXPECT_EQ(journal_.find(*o.key)->state, host::EntryState::kPending);

  auto recovered = host::recover(client_, journal_);
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->size(), 1u);
  EXPECT_EQ((*recovered)[0].kind, host::Recovery::Kind::kAwaitingCard);
  EXPECT_EQ(host_.frames, frames_after);
}

TEST_F(ServicesTest, CancelLossWithAWrongPinSendsNothing) {
  host_.card_states["CQ1506011"] = wire::CardState::kLossReported;
  Station station(kYuzhong, false);
  hal::SimPinPad pad({"111111"});
  const ServiceOutcome o = cancel_loss(kiosk(), station.access(&pad));
  EXPECT_EQ(o.kind, Kind::kCardFault);
  EXPECT_EQ(o.fault.failure, ssc::Failure::kWrongPin);
  EXPECT_EQ(o.fault.tries_left, 5);
  EXPECT_EQ(host_.frames, 0);
  EXPECT_FALSE(o.journaled);
  auto pending = journal_.pending();
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
}

TEST_F(ServicesTest, CancelLossWithTheRightPin) {
  host_.card_states["CQ1506011"] = wire::CardState::kLossReported;
  Station station(kYuzhong, false);
  hal::SimPinPad pad({"802416"});
  const ServiceOutcome o = cancel_loss(kiosk(), station.access(&pad));
  ASSERT_EQ(o.kind, Kind::kDone) << o.message;
  EXPECT_EQ(o.response->card_state, wire::CardState::kActive);
  ASSERT_EQ(host_.seen.size(), 1u);
  EXPECT_EQ(host_.seen[0].operation, wire::Operation::kCancelLoss);
  EXPECT_EQ(journal_.find(*o.key)->state, host::EntryState::kDone);
}

TEST_F(ServicesTest, ServicesThatNeedAPinRefuseToRunWithoutAKeypad) {
  Station station(kYuzhong, false);
  for (auto service : {&activate, &cancel_loss, &certify}) {
    const ServiceOutcome o = service(kiosk(), station.access(nullptr));
    EXPECT_EQ(o.kind, Kind::kCardFault);
    EXPECT_EQ(o.fault.failure, ssc::Failure::kPinPadNotConnected);
    EXPECT_EQ(ssc::interface_code(o.fault), -11);  // DECISIONS.md I1: the keypad belongs to the reader
    EXPECT_EQ(o.message, "the PIN pad is not connected");
  }
  EXPECT_EQ(host_.frames, 0);
}

TEST_F(ServicesTest, CertifySendsTheKioskRegionAsResidence) {
  Station station(kYuzhong, false);
  hal::SimPinPad pad({"802416"});
  const ServiceOutcome o = certify(kiosk(), station.access(&pad));
  ASSERT_EQ(o.kind, Kind::kDone) << o.message;
  ASSERT_EQ(host_.seen.size(), 1u);
  EXPECT_EQ(host_.seen[0].operation, wire::Operation::kCertify);
  EXPECT_EQ(host_.seen[0].residence, "500152");
  EXPECT_EQ(host_.seen[0].card_region, "500103");
  EXPECT_EQ(host_.seen[0].date, "20250115");
  EXPECT_EQ(o.response->last_certification, "20250115");
}

TEST_F(ServicesTest, ReportLossNeedsTheCardOnly) {
  Station station(kYuzhong, false);
  const ServiceOutcome o = report_loss(kiosk(), station.access(nullptr));
  ASSERT_EQ(o.kind, Kind::kDone) << o.message;
  EXPECT_EQ(o.response->card_state, wire::CardState::kLossReported);
  EXPECT_EQ(host_.seen.at(0).operation, wire::Operation::kReportLoss);
  EXPECT_EQ(journal_.find(*o.key)->state, host::EntryState::kDone);
}

TEST_F(ServicesTest, AnUnreachableHostLeavesTheRequestPending) {
  host_.script({Action::kIo, Action::kIo, Action::kIo});
  Station station(kYuzhong, false);
  const ServiceOutcome o = report_loss(kiosk(), station.access(nullptr));
  EXPECT_EQ(o.kind, Kind::kHostUnreachable);
  EXPECT_TRUE(o.journaled);
  EXPECT_EQ(o.host_error->status, Error::kIo);
  EXPECT_EQ(journal_.find(*o.key)->state, host::EntryState::kPending);
}

TEST_F(ServicesTest, HostRefusalsAndBadAnswersAreTyped) {
  Station station(kYuzhong, false);
  host_.script({Action::kRefuseStale});
  ServiceOutcome o = query(kiosk(), station.access());
  EXPECT_EQ(o.kind, Kind::kHostRefused);
  EXPECT_EQ(o.host_error->refusal, wire::RefusalReason::kStale);
  host_.script({Action::kForgeMac});
  o = query(kiosk(), station.access());
  EXPECT_EQ(o.kind, Kind::kBadAnswer);
}

TEST_F(ServicesTest, AnIssuerRefusalIsTyped) {
  Station station(kYuzhong, false);
  hal::SimPinPad pad({"802416"});
  const ServiceOutcome o = cancel_loss(kiosk(), station.access(&pad));  // the card was never reported lost
  EXPECT_EQ(o.kind, Kind::kRefusedByIssuer);
  EXPECT_EQ(o.response->result, wire::ResultCode::kInvalidState);
  EXPECT_EQ(o.message, "the issuer refused: invalid_state");
}

TEST_F(ServicesTest, ASichuanCardAtAChongqingKioskIsServedByTheKioskProvince) {
  Station station("sc-suining-gen3", true);
  const ServiceOutcome o = query(kiosk(), station.access());
  ASSERT_EQ(o.kind, Kind::kDone) << o.message;
  EXPECT_EQ(host_.seen.at(0).card_region, "510900");
  EXPECT_EQ(host_.seen.at(0).serving_province, "500000");
  EXPECT_EQ(o.response->home_issuer, "510000");
}

TEST(KioskDateTest, TheDateIsChinaStandardTime) {
  using namespace std::chrono;
  const sys_days jan14{year{2025} / January / 14};
  EXPECT_EQ(kiosk_date(jan14 + hours(15) + minutes(59) + seconds(59)), "20250114");
  EXPECT_EQ(kiosk_date(jan14 + hours(16)), "20250115");
  EXPECT_EQ(kiosk_date(sys_days{year{2024} / February / 28} + hours(16)), "20240229");
  EXPECT_EQ(kiosk_date(sys_days{year{2024} / December / 31} + hours(16)), "20250101");
}

TEST(OutcomeKindTest, Names) {
  EXPECT_EQ(outcome_kind_name(Kind::kDone), "done");
  EXPECT_EQ(outcome_kind_name(Kind::kRefusedByIssuer), "refused_by_issuer");
  EXPECT_EQ(outcome_kind_name(Kind::kHostUnreachable), "host_unreachable");
}

}  // namespace
}  // namespace sscard::flows

// The payment flow (docs/PAYMENT.md §8-§10) on a simulated payment card (cards/sc-chengdu-gen2.json) in a
// simulated reader, against the fake Chongqing host of tests/unit/host, which opens and seals real frames but
// does not decide payments (it answers them invalid_state): what is sent, when a reversal is owed, and what
// the flow does when the host stays silent. The approving path with the simulated issuers is in
// tests/e2e/cli_pay_test.cpp.
#include "sscard/flows/payment.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_host.h"
#include "host_test_util.h"
#include "sscard/hal/sim_pinpad.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"

namespace sscard::flows {
namespace {

using host::testing::Action;
using host::testing::FakeHost;
using host::testing::test_crypto;

const std::filesystem::path kCards = SSCARD_CARDS_DIR;

// 2026-12-05 16:30:45 UTC = 2026-12-06 00:30:45 in Chongqing: the date turns at 16:00 UTC.
std::chrono::system_clock::time_point late_evening_utc() {
  using namespace std::chrono;
  return sys_days{year{2026} / December / 5} + hours(16) + minutes(30) + seconds(45);
}

TEST(PaymentClock, DateAndTimeAreChinaStandardTimeInBcd) {
  const CstDateTime t = cst_date_time(late_evening_utc());
  EXPECT_EQ(t.date, (std::array<std::uint8_t, 3>{0x26, 0x12, 0x06}));
  EXPECT_EQ(t.time, (std::array<std::uint8_t, 3>{0x00, 0x30, 0x45}));
  EXPECT_EQ(kiosk_date(late_evening_utc()), "20261206");
}

TEST(PaymentRouting, TheCardRegionIsPanDigitsSevenToTwelve) {
  EXPECT_EQ(card_region_of_pan("6200515101008092011"), "510100");  // sc-chengdu-gen2 (PAYMENT.md §2)
  EXPECT_EQ(card_region_of_pan("6200505001521523017"), "500152");  // cq-tongnan-gen3
  EXPECT_EQ(card_region_of_pan("62005050015"), "");
}

class PaymentFlowTest : public ::testing::Test {
 protected:
  PaymentFlowTest() {
    auto profile = sim::load_profile(kCards / "sc-chengdu-gen2.json");
    if (!profile.ok()) throw std::runtime_error(profile.error().to_string());
    reader_.contact().insert(sim::make_card(profile.value()));
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    if (!reader_.contact().power_up(atr).ok()) throw std::runtime_error("card power-up failed");
    card_ = std::make_unique<transport::Transport>(reader_.contact());
    terminal_.merchant_name = "TONGNAN SSC HALL KIOSK 1";
  }

  PaymentKiosk kiosk() {
    return PaymentKiosk{client_, journal_, test_crypto(), terminal_, ca_keys_, late_evening_utc};
  }

  static host::Journal open_journal() {
    auto j = host::Journal::open(":memory:");
    if (!j.ok()) throw std::runtime_error("journal");
    return std::move(j).value();
  }

  hal::SimReader reader_;
  std::unique_ptr<transport::Transport> card_;
  pboc::TerminalConfig terminal_;  // the bundled kiosks' values (PAYMENT.md §8.1) are its defaults
  pboc::CaKeyTable ca_keys_;       // none: no ODA, the enciphered PIN rule fails and plaintext PIN follows
  FakeHost host_{test_crypto(), std::string(wire::kChongqing), host::testing::kKioskTerminal,
                 host::testing::test_link_key()};
  wire::FunctionChannel channel_ = host_.channel();
  host::HostClient client_{test_crypto(), host::testing::kiosk_identity(), channel_, host::testing::no_wait()};
  host::Journal journal_ = open_journal();
};

std::optional<Bytes> icc_tag(const wire::Request& r, tlv::Tag tag) {
  if (!r.icc_data) return std::nullopt;
  auto parsed = wire::IccData::parse(*r.icc_data);
  if (!parsed.ok()) return std::nullopt;
  auto value = parsed->get(tag);
  if (!value) return std::nullopt;
  return Bytes(value->begin(), value->end());
}

TEST_F(PaymentFlowTest, TheAuthoriseRequestCarriesTheKioskTheRegionTheDateAndTheIccData) {
  hal::SimPinPad pad({"246810"});
  const PaymentOutcome o = pay(kiosk(), *card_, &pad, 1234);
  ASSERT_EQ(host_.seen.size(), 1u);
  const wire::Request& sent = host_.seen[0];
  EXPECT_EQ(sent.operation, wire::Operation::kAuthorise);
  ASSERT_TRUE(o.authorise_key.has_value());
  EXPECT_EQ(sent.key, *o.authorise_key);
  EXPECT_EQ(sent.terminal, "500152000101");
  EXPECT_EQ(sent.serving_province, "500000");
  EXPECT_EQ(sent.card_region, "510100");
  EXPECT_EQ(sent.date, "20261206");
  EXPECT_FALSE(sent.pin_block.has_value());  // offline PIN: no DF41
  EXPECT_EQ(icc_tag(sent, 0x5A), (Bytes{0x62, 0x00, 0x51, 0x51, 0x01, 0x00, 0x80, 0x92, 0x01, 0x1F}));
  EXPECT_EQ(icc_tag(sent, 0x9F02), (Bytes{0x00, 0x00, 0x00, 0x00, 0x12, 0x34}));
  EXPECT_EQ(icc_tag(sent, 0x9A), (Bytes{0x26, 0x12, 0x06}));
  EXPECT_EQ(icc_tag(sent, 0x9F21), (Bytes{0x00, 0x30, 0x45}));
  EXPECT_EQ(icc_tag(sent, 0x9F35), (Bytes{0x14}));
  EXPECT_EQ(icc_tag(sent, 0x9F33), (Bytes{0x20, 0xD8, 0xC8}));

  // The fake issuer does not decide payments (DF21 invalid_state): nothing was applied, so no reversal; the
  // online-only kiosk declines.
  EXPECT_EQ(o.host_result, wire::ResultCode::kInvalidState);
  EXPECT_EQ(o.record.outcome, pboc::Outcome::kDeclined);
  EXPECT_EQ(o.record.final_cryptogram, pboc::Cryptogram::kAac);
  EXPECT_FALSE(o.record.online);
  EXPECT_EQ(o.reversal, FollowUp::kNone);
  EXPECT_EQ(o.confirmation, FollowUp::kNone);
  EXPECT_FALSE(o.follow_up_pending());
  EXPECT_EQ(o.message, "the issuer did not decide: invalid_state");
  auto pending = journal_.pending();
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
  EXPECT_EQ(journal_.armed_count().value(), 0);  // armed before the send, disarmed by the answer (§10)
}

// The steps of the exactly-once sequence, in order, for an answer under which nothing was applied.
TEST_F(PaymentFlowTest, TheCheckpointsComeInTheOrderOfTheSequence) {
  std::vector<std::string> steps;
  PaymentKiosk k = kiosk();
  k.checkpoint = [&](std::string_view step) {
    steps.emplace_back(step);
    if (step == "after-arm") {
      // Armed before the first frame: nothing has reached the host yet.
      EXPECT_EQ(journal_.armed_count().value(), 1);
      EXPECT_EQ(host_.frames, 0);
    }
  };
  hal::SimPinPad pad({"246810"});
  (void)pay(k, *card_, &pad, 1234);
  EXPECT_EQ(steps, (std::vector<std::string>{"after-arm", "after-answer", "after-approval", "after-gac2"}));
}

// A journal that cannot arm the reversal: the authorise is not sent at all.
TEST_F(PaymentFlowTest, NothingIsSentWhenTheReversalCannotBeArmed) {
  host::Journal taken = std::move(journal_);  // journal_ is left without a database
  hal::SimPinPad pad({"246810"});
  const PaymentOutcome o = pay(kiosk(), *card_, &pad, 1234);
  EXPECT_EQ(host_.frames, 0);
  EXPECT_EQ(o.record.outcome, pboc::Outcome::kDeclined);
  EXPECT_EQ(o.record.final_cryptogram, pboc::Cryptogram::kAac);
  EXPECT_EQ(o.reversal, FollowUp::kNone);
  ASSERT_TRUE(o.host_error.has_value());
  EXPECT_EQ(o.host_error->kind, host::HostError::Kind::kLocal);
}

TEST_F(PaymentFlowTest, AnAuthoriseWithoutAnAnswerIsReversedWithReason01) {
  // The authorise is applied but its answers are lost (three frames); the reversal is then answered.
  host_.script({Action::kApplyThenTimeout, Action::kTimeout, Action::kTimeout});
  hal::SimPinPad pad({"246810"});
  const PaymentOutcome o = pay(kiosk(), *card_, &pad, 1234);
  EXPECT_EQ(o.record.outcome, pboc::Outcome::kDeclined);
  EXPECT_EQ(o.record.final_cryptogram, pboc::Cryptogram::kAac);
  ASSERT_TRUE(o.host_error.has_value());
  EXPECT_EQ(o.host_error->kind, host::HostError::Kind::kUnreachable);
  EXPECT_EQ(o.record.online_failure, pboc::OnlineFailure::kTimeout);

  ASSERT_EQ(host_.seen.size(), 4u);  // three authorise frames, one reversal
  const wire::Request& authorise = host_.seen[0];
  const wire::Request& reversal = host_.seen[3];
  EXPECT_EQ(reversal.operation, wire::Operation::kReverse);
  EXPECT_NE(reversal.key, authorise.key);
  EXPECT_EQ(reversal.original_key, authorise.key);
  EXPECT_EQ(reversal.reversal_reason, wire::ReversalReason::kNoAnswer);
  EXPECT_EQ(reversal.card_region, "510100");
  EXPECT_EQ(reversal.terminal, "500152000101");
  EXPECT_FALSE(reversal.pin_block.has_value());
  // FF40 of a reversal: 5A 5F34 9F36 9F02 (PAYMENT.md §9.1), the values of the original.
  ASSERT_TRUE(reversal.icc_data.has_value());
  auto items = wire::IccData::parse(*reversal.icc_data);
  ASSERT_TRUE(items.ok());
  EXPECT_TRUE(items->has_all(wire::kReversalIccTags));
  EXPECT_FALSE(items->get(0x9F26).has_value());
  for (tlv::Tag tag : wire::kReversalIccTags) EXPECT_EQ(icc_tag(reversal, tag), icc_tag(authorise, tag)) << tag;

  EXPECT_EQ(o.reversal, FollowUp::kSent);
  EXPECT_EQ(o.reversal_reason, wire::ReversalReason::kNoAnswer);
  EXPECT_FALSE(o.follow_up_pending());
  EXPECT_EQ(host_.applied[reversal.key], 1);
  EXPECT_EQ(journal_.armed_count().value(), 0);  // the armed reversal was the one sent
  auto pending = journal_.pending();  // the reversal was journaled and completed with its answer
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
  EXPECT_TRUE(journal_.find(reversal.key).ok());
}

TEST_F(PaymentFlowTest, AnUnansweredReversalStaysPendingInTheJournal) {
  host_.script({Action::kApplyThenTimeout, Action::kTimeout, Action::kTimeout, Action::kTimeout, Action::kTimeout,
                Action::kTimeout});
  hal::SimPinPad pad({"246810"});
  const PaymentOutcome o = pay(kiosk(), *card_, &pad, 500);
  EXPECT_EQ(o.reversal, FollowUp::kPending);
  EXPECT_TRUE(o.follow_up_pending());
  ASSERT_EQ(host_.seen.size(), 6u);
  const wire::Request& reversal = host_.seen[5];
  EXPECT_EQ(reversal.operation, wire::Operation::kReverse);
  EXPECT_TRUE(journal_.find(reversal.key).ok());
  auto pending = journal_.pending();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 1u);
}

TEST_F(PaymentFlowTest, AWrongPinDeclinesWithoutGoingOnline) {
  hal::SimPinPad pad({"000000"});
  const PaymentOutcome o = pay(kiosk(), *card_, &pad, 1234);
  EXPECT_EQ(o.record.outcome, pboc::Outcome::kDeclined);
  EXPECT_TRUE(o.record.tvr.has(pboc::TvrBit::kCardholderVerificationFailed));
  EXPECT_EQ(host_.frames, 0);
  EXPECT_FALSE(o.authorise_key.has_value());
  EXPECT_EQ(o.reversal, FollowUp::kNone);
}

}  // namespace
}  // namespace sscard::flows

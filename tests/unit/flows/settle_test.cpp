// The settlement flow (docs/PAYMENT.md §11) on a simulated card (cards/sc-chengdu-gen2.json, whose SSSE PIN
// and PBOC PIN are both 246810) against a scripted Chongqing host that opens and seals real frames and answers
// each request as the test says: what is sent in which order (identity and PIN first, settle_quote, then
// settle with the quote's shares, with FF40 exactly when the card pays), what is armed in the journal, and
// the reversal when no answer comes; settle_code the same with an electronic card's medical code (by its
// reference, no card part). The deciding issuer is tested in tests/unit/sim_host/settle_test.cpp and
// end to end in tests/e2e/cli_settle_test.cpp.
#include "sscard/flows/settle.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_host.h"
#include "host_test_util.h"
#include "sscard/hal/sim_pinpad.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"
#include "sscard/wire/wire.h"

namespace sscard::flows {
namespace {

using host::testing::test_crypto;
using host::testing::test_link_key;
using wire::Operation;

const std::filesystem::path kCards = SSCARD_CARDS_DIR;

// 2026-12-05 10:00 UTC: 18:00 in Chongqing, business date 20261205.
std::chrono::system_clock::time_point afternoon() {
  using namespace std::chrono;
  return sys_days{year{2026} / December / 5} + hours(10);
}

// The Chongqing host as a script: `decide` answers each request (nullopt: the answer is lost, kTimeout).
class ScriptedHost {
 public:
  std::function<std::optional<wire::Response>(const wire::Request&)> decide;
  std::vector<wire::Request> seen;

  wire::FunctionChannel channel() {
    return wire::FunctionChannel([this](ByteSpan message) -> Result<Bytes> {
      if (message.size() < 4) return Error::kIo;
      auto opened = wire::open(test_crypto(), message.subspan(4), test_link_key());
      if (!opened.ok()) return Error::kIo;
      auto request = wire::decode_request(opened->payload);
      if (!request.ok()) return Error::kIo;
      seen.push_back(*request);
      const std::optional<wire::Response> r = decide(*request);
      if (!r) return Error::kTimeout;
      Bytes payload;
      if (!wire::encode(*r, payload).ok()) return Error::kInternal;
      wire::FrameHeader h;
      h.kind = wire::FrameKind::kResponse;
      h.sender = std::string(wire::kChongqingHostId);
      h.nonce = wire::fresh_nonce(test_crypto());
      h.timestamp_ms = wire::now_ms();
      h.request_nonce = opened->header.nonce;
      return wire::seal(test_crypto(), h, payload, test_link_key());
    });
  }
};

wire::Response answer_for(const wire::Request& q) {
  wire::Response r;
  r.home_issuer = std::string(wire::kSichuan);
  r.served_by = q.serving_province;
  return r;
}

// Sichuan's inpatient rule on a bill of 14000.00 yuan with Chengdu's balance of 3524.18 (PAYMENT.md §11).
wire::Response chengdu_quote(const wire::Request& q) {
  wire::Response r = answer_for(q);
  r.insured_fen = 1040000;
  r.medical_share_fen = 352418;
  r.card_share_fen = 7582;
  r.medical_balance_fen = 352418;
  return r;
}

class SettleFlowTest : public ::testing::Test {
 protected:
  SettleFlowTest() {
    auto profile = sim::load_profile(kCards / "sc-chengdu-gen2.json");
    if (!profile.ok()) throw std::runtime_error(profile.error().to_string());
    reader_.contact().insert(sim::make_card(profile.value()));
    auto n = reader_.contact().power_up(atr_);
    if (!n.ok()) throw std::runtime_error("card power-up failed");
    atr_len_ = *n;
    card_ = std::make_unique<transport::Transport>(reader_.contact());
  }

  SettleOutcome run(hal::PinPad& pad, std::uint64_t total, wire::SettleCategory category) {
    const Kiosk kiosk{"500152", client_, journal_, test_crypto(), afternoon};
    const PaymentKiosk payment{client_, journal_, test_crypto(), terminal_, ca_keys_, afternoon, {}};
    const CardAccess access{*card_, ByteSpan(atr_.data(), atr_len_), nullptr, &pad};
    return settle(kiosk, payment, access, total, category);
  }

  static host::Journal open_journal() {
    auto j = host::Journal::open(":memory:");
    if (!j.ok()) throw std::runtime_error("journal");
    return std::move(j).value();
  }

  hal::SimReader reader_;
  std::array<std::uint8_t, hal::kMaxAtrSize> atr_{};
  std::size_t atr_len_ = 0;
  std::unique_ptr<transport::Transport> card_;
  pboc::TerminalConfig terminal_;
  pboc::CaKeyTable ca_keys_;
  ScriptedHost host_;
  wire::FunctionChannel channel_ = host_.channel();
  host::HostClient client_{test_crypto(), host::testing::kiosk_identity(), channel_, host::testing::no_wait()};
  host::Journal journal_ = open_journal();
};

TEST_F(SettleFlowTest, WithoutACardPartTheQuoteIsSettledAsQuoted) {
  host_.decide = [](const wire::Request& q) -> std::optional<wire::Response> {
    wire::Response r = answer_for(q);
    r.insured_fen = 6000;  // Sichuan outpatient 250.00: (25000 - 15000) x 60 %
    r.medical_share_fen = 19000;
    r.card_share_fen = 0;
    r.medical_balance_fen = q.operation == Operation::kSettle ? 352418 - 19000 : 352418;
    if (q.operation == Operation::kSettle) r.response_code = "00";
    return r;
  };
  hal::SimPinPad pad({"246810"});
  const SettleOutcome o = run(pad, 25000, wire::SettleCategory::kOutpatient);
  EXPECT_EQ(o.result, SettleOutcome::Result::kApproved) << o.message;
  ASSERT_EQ(host_.seen.size(), 2u);
  const wire::Request& quote = host_.seen[0];
  const wire::Request& settle = host_.seen[1];
  EXPECT_EQ(quote.operation, Operation::kSettleQuote);
  EXPECT_EQ(quote.card_region, "510100");
  EXPECT_EQ(quote.ssn, "510107199006110026");
  EXPECT_EQ(quote.card_number, "CD1809201");
  EXPECT_EQ(quote.card_id.size(), 16u);
  EXPECT_EQ(quote.date, "20261205");
  EXPECT_EQ(quote.bill_total_fen, 25000u);
  EXPECT_EQ(quote.category, wire::SettleCategory::kOutpatient);
  EXPECT_EQ(settle.operation, Operation::kSettle);
  EXPECT_NE(settle.key, quote.key);
  EXPECT_EQ(settle.ssn, quote.ssn);
  EXPECT_EQ(settle.card_id, quote.card_id);
  EXPECT_EQ(settle.bill_total_fen, 25000u);
  EXPECT_EQ(settle.insured_fen, 6000u);
  EXPECT_EQ(settle.medical_fen, 19000u);
  EXPECT_EQ(settle.card_fen, 0u);
  EXPECT_FALSE(settle.icc_data.has_value());
  EXPECT_EQ(o.medical_balance_after, 333418u);
  EXPECT_FALSE(o.card.has_value());
  EXPECT_EQ(o.reversal, FollowUp::kNone);
  EXPECT_EQ(*journal_.armed_count(), 0);  // answered: disarmed
}

TEST_F(SettleFlowTest, AWrongSsssePinSendsNothing) {
  host_.decide = [](const wire::Request& q) -> std::optional<wire::Response> { return answer_for(q); };
  hal::SimPinPad pad({"111111"});
  const SettleOutcome o = run(pad, 25000, wire::SettleCategory::kOutpatient);
  EXPECT_EQ(o.result, SettleOutcome::Result::kFailed);
  ASSERT_TRUE(o.card_fault.has_value());
  EXPECT_EQ(o.card_fault->failure, ssc::Failure::kWrongPin);
  EXPECT_TRUE(host_.seen.empty());
}

TEST_F(SettleFlowTest, TheCardPartGoesAsASettleWithTheIccDataOfTheCardsShare) {
  // The issuer finds another quote now: nothing applied, so nothing to reverse.
  host_.decide = [](const wire::Request& q) -> std::optional<wire::Response> {
    wire::Response r = chengdu_quote(q);
    if (q.operation == Operation::kSettle) r.result = wire::ResultCode::kQuoteChanged;
    return r;
  };
  hal::SimPinPad pad({"246810", "246810"});
  const SettleOutcome o = run(pad, 1400000, wire::SettleCategory::kInpatient);
  ASSERT_EQ(host_.seen.size(), 2u) << o.message;
  const wire::Request& settle = host_.seen[1];
  EXPECT_EQ(settle.operation, Operation::kSettle);
  EXPECT_EQ(settle.card_region, "510100");  // the region of 卡识别码, equal to PAN digits 7-12
  EXPECT_EQ(settle.insured_fen, 1040000u);
  EXPECT_EQ(settle.medical_fen, 352418u);
  EXPECT_EQ(settle.card_fen, 7582u);
  ASSERT_TRUE(settle.icc_data.has_value());
  auto icc = wire::IccData::parse(*settle.icc_data);
  ASSERT_TRUE(icc.ok());
  ASSERT_TRUE(icc->get(0x9F02).has_value());
  EXPECT_EQ(to_hex(*icc->get(0x9F02)), "000000007582");
  EXPECT_EQ(to_hex(*icc->get(0x5A)), "6200515101008092011F");
  EXPECT_TRUE(icc->has_all(wire::kAuthoriseIccTags));
  EXPECT_EQ(o.result, SettleOutcome::Result::kFailed);
  EXPECT_EQ(o.message, "the issuer's quote changed: nothing was paid");
  ASSERT_TRUE(o.card.has_value());
  EXPECT_EQ(o.card->record.final_cryptogram, pboc::Cryptogram::kAac);
  EXPECT_EQ(o.card->reversal, FollowUp::kNone);
  EXPECT_EQ(*journal_.armed_count(), 0);
}

TEST_F(SettleFlowTest, ASettlementWithoutAnAnswerIsReversedUnderItsKey) {
  host_.decide = [](const wire::Request& q) -> std::optional<wire::Response> {
    if (q.operation == Operation::kSettle) return std::nullopt;  // lost, every try
    wire::Response r = answer_for(q);
    if (q.operation == Operation::kReverse) {
      r.reversal_status = wire::ReversalStatus::kReversed;
      return r;
    }
    r.insured_fen = 0;
    r.medical_share_fen = 4321;
    r.card_share_fen = 0;
    return r;
  };
  hal::SimPinPad pad({"246810"});
  const SettleOutcome o = run(pad, 4321, wire::SettleCategory::kPharmacy);
  EXPECT_EQ(o.result, SettleOutcome::Result::kFailed);
  EXPECT_EQ(o.reversal, FollowUp::kSent);
  EXPECT_EQ(o.reversal_status, wire::ReversalStatus::kReversed);
  ASSERT_GE(host_.seen.size(), 3u);
  const wire::Request& settle = host_.seen[1];
  const wire::Request& reversal = host_.seen.back();
  EXPECT_EQ(settle.operation, Operation::kSettle);
  EXPECT_EQ(reversal.operation, Operation::kReverse);
  EXPECT_EQ(reversal.original_key, settle.key);
  EXPECT_EQ(reversal.reversal_reason, wire::ReversalReason::kNoAnswer);
  EXPECT_FALSE(reversal.icc_data.has_value());
  EXPECT_FALSE(o.follow_up_pending());
  EXPECT_EQ(*journal_.armed_count(), 0);
}

TEST_F(SettleFlowTest, AQuoteWhoseSharesDoNotAddUpIsRefused) {
  host_.decide = [](const wire::Request& q) -> std::optional<wire::Response> {
    wire::Response r = answer_for(q);
    r.insured_fen = 100;
    r.medical_share_fen = 100;
    r.card_share_fen = 100;
    return r;
  };
  hal::SimPinPad pad({"246810"});
  const SettleOutcome o = run(pad, 25000, wire::SettleCategory::kOutpatient);
  EXPECT_EQ(o.result, SettleOutcome::Result::kFailed);
  EXPECT_EQ(o.message, "the quote's shares do not add up to the bill");
  ASSERT_EQ(host_.seen.size(), 1u);  // no settle
}

// ---- settle_code: the holder's medical code instead of the card (docs/ESSC.md "At the kiosk") ----

// A code as the kiosk has taken it (its signature and times were checked before the flow).
essc::Code medical_code() {
  essc::Code c;
  c.purpose = essc::Purpose::kMedical;
  c.platform = "000000";
  c.key_index = 1;
  c.region = "510100";
  for (std::size_t i = 0; i < c.reference.size(); ++i) c.reference[i] = static_cast<std::uint8_t>(0xA0 + i);
  for (std::size_t i = 0; i < c.nonce.size(); ++i) c.nonce[i] = static_cast<std::uint8_t>(0x50 + i);
  return c;
}

class CodeSettleFlowTest : public SettleFlowTest {
 protected:
  SettleOutcome run_code(std::uint64_t total, wire::SettleCategory category) {
    const Kiosk kiosk{"500152", client_, journal_, test_crypto(), afternoon};
    return settle_code(kiosk, medical_code(), total, category);
  }
};

TEST_F(CodeSettleFlowTest, TheQuoteAndTheSettlementNameTheHolderByTheCodeAndCarryNoCardPart) {
  host_.decide = [](const wire::Request& q) -> std::optional<wire::Response> {
    wire::Response r = chengdu_quote(q);
    if (q.operation == Operation::kSettle) {
      r.response_code = "00";
      r.medical_balance_fen = 0;
    }
    return r;
  };
  const SettleOutcome o = run_code(1400000, wire::SettleCategory::kInpatient);
  EXPECT_EQ(o.result, SettleOutcome::Result::kApproved) << o.message;
  ASSERT_EQ(host_.seen.size(), 2u);
  const essc::Code code = medical_code();
  for (const wire::Request& r : host_.seen) {
    SCOPED_TRACE(wire::operation_name(r.operation));
    EXPECT_EQ(r.card_region, "510100");
    EXPECT_EQ(r.essc_reference, code.reference);
    EXPECT_EQ(r.essc_nonce, code.nonce);
    EXPECT_EQ(r.ssn, "");
    EXPECT_EQ(r.card_number, "");
    EXPECT_TRUE(r.card_id.empty());
    EXPECT_EQ(r.date, "20261205");
    EXPECT_EQ(r.bill_total_fen, 1400000u);
  }
  const wire::Request& settle = host_.seen[1];
  EXPECT_EQ(host_.seen[0].operation, Operation::kSettleQuote);
  EXPECT_EQ(settle.operation, Operation::kSettle);
  EXPECT_EQ(settle.insured_fen, 1040000u);
  EXPECT_EQ(settle.medical_fen, 352418u);
  EXPECT_EQ(settle.card_fen, 7582u);  // the holder's account pays it at the home issuer
  EXPECT_FALSE(settle.icc_data.has_value());
  EXPECT_FALSE(settle.pin_block.has_value());
  EXPECT_FALSE(o.card.has_value());
  EXPECT_EQ(o.card_fen, 7582u);
  EXPECT_EQ(o.medical_balance_after, 0u);
  EXPECT_EQ(o.identity.region->to_string(), "510100");
  EXPECT_EQ(o.reversal, FollowUp::kNone);
  EXPECT_EQ(*journal_.armed_count(), 0);  // answered: disarmed
}

TEST_F(CodeSettleFlowTest, ASettlementWithoutAnAnswerIsReversedWithoutTheCode) {
  host_.decide = [](const wire::Request& q) -> std::optional<wire::Response> {
    if (q.operation == Operation::kSettle) return std::nullopt;
    wire::Response r = chengdu_quote(q);
    if (q.operation == Operation::kReverse) r.reversal_status = wire::ReversalStatus::kReversed;
    return r;
  };
  const SettleOutcome o = run_code(1400000, wire::SettleCategory::kInpatient);
  EXPECT_EQ(o.result, SettleOutcome::Result::kFailed);
  EXPECT_EQ(o.reversal, FollowUp::kSent);
  EXPECT_EQ(o.reversal_status, wire::ReversalStatus::kReversed);
  ASSERT_GE(host_.seen.size(), 3u);
  const wire::Request& settle = host_.seen[1];
  const wire::Request& reversal = host_.seen.back();
  EXPECT_EQ(reversal.operation, Operation::kReverse);
  EXPECT_EQ(reversal.original_key, settle.key);
  EXPECT_EQ(reversal.reversal_reason, wire::ReversalReason::kNoAnswer);
  EXPECT_FALSE(reversal.essc_reference.has_value());  // the key names the settlement; the code is spent
  EXPECT_EQ(reversal.ssn, "");
  EXPECT_FALSE(o.follow_up_pending());
  EXPECT_EQ(*journal_.armed_count(), 0);
}

TEST_F(CodeSettleFlowTest, ALostCardsCodeStopsAtTheQuoteWithNothingArmed) {
  host_.decide = [](const wire::Request& q) -> std::optional<wire::Response> {
    wire::Response r = answer_for(q);
    r.result = wire::ResultCode::kInvalidState;
    r.card_state = wire::CardState::kLossReported;
    return r;
  };
  const SettleOutcome o = run_code(1400000, wire::SettleCategory::kInpatient);
  EXPECT_EQ(o.result, SettleOutcome::Result::kFailed);
  EXPECT_EQ(o.message,
            "the card is loss_reported: its electronic card's codes are refused until it is active; nothing was paid");
  ASSERT_EQ(host_.seen.size(), 1u);  // no settle
  EXPECT_EQ(*journal_.armed_count(), 0);
}

}  // namespace
}  // namespace sscard::flows

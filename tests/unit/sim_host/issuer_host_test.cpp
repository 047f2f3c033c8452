#include "sscard/sim/host/issuer_host.h"

#include <gtest/gtest.h>

#include "sscard/sim/host/hub.h"
#include "world.h"

namespace sscard::sim::host {
namespace {

using testing::Hop;
using testing::key_of;
using testing::Kiosk;
using testing::refusal_of;
using testing::request_for;
using testing::World;
using wire::CardState;
using wire::Operation;
using wire::PensionStatus;
using wire::RefusalReason;
using wire::ResultCode;

const std::string kCqKiosk = "500152000101";
const std::string kScKiosk = "510900000101";

wire::Response ask(Kiosk& kiosk, IssuerHost& host, const wire::Request& r) {
  auto answer = kiosk.open(host.handle_message(kiosk.seal(r)), host.id());
  EXPECT_TRUE(answer.has_value());
  return answer.value_or(wire::Response{});
}

// A Chongqing kiosk's request to the Chongqing host (or a Sichuan kiosk's to the Sichuan host).
wire::Response at_cq(World& w, const std::string& card, Operation op, std::uint8_t key) {
  return ask(w.cq_kiosk, *w.cq, request_for(card, op, key_of(key), kCqKiosk));
}
wire::Response at_sc(World& w, const std::string& card, Operation op, std::uint8_t key) {
  return ask(w.sc_kiosk, *w.sc, request_for(card, op, key_of(key), kScKiosk));
}

// ---- Routing ----

TEST(IssuerHost, AHomeCardIsAnsweredFromTheHostsOwnDatabase) {
  World w;
  const wire::Response r = at_cq(w, "cq-yuzhong-gen2", Operation::kQuery, 1);
  EXPECT_EQ(r.result, ResultCode::kOk);
  EXPECT_EQ(r.home_issuer, "500000");
  EXPECT_EQ(r.served_by, "500000");
  EXPECT_EQ(r.name, "李秀英");
  EXPECT_EQ(r.card_state, CardState::kActive);
  EXPECT_EQ(r.pension_status, PensionStatus::kSuspended);
  EXPECT_EQ(r.pension_monthly_fen, 318'840u);
  EXPECT_EQ(r.medical_balance_fen, 1'284'050u);
  EXPECT_TRUE(r.contributions.empty());
  EXPECT_EQ(r.last_certification, "20250318");
  EXPECT_FALSE(r.duplicate);
  EXPECT_EQ(w.hub_hop.messages, 0);
  EXPECT_EQ(*w.cq_store->request_count(), 0u);  // queries are not stored
}

TEST(IssuerHost, ASichuanCardAtAChongqingKioskTravelsThroughTheHubToSichuan) {
  World w;
  const wire::Response r = at_cq(w, "sc-chengdu-gen2", Operation::kQuery, 1);
  EXPECT_EQ(r.result, ResultCode::kOk);
  EXPECT_EQ(r.home_issuer, "510000");
  EXPECT_EQ(r.served_by, "500000");
  EXPECT_EQ(r.name, "陈静");
  EXPECT_EQ(r.card_state, CardState::kActive);
  EXPECT_EQ(r.pension_status, PensionStatus::kNotRetired);
  EXPECT_EQ(r.pension_monthly_fen, 0u);
  EXPECT_EQ(r.medical_balance_fen, 352'418u);
  ASSERT_EQ(r.contributions.size(), 12u);
  EXPECT_EQ(r.contributions.front(), (wire::Contribution{"202610", wire::ContributionKind::kPension, 68'800}));
  EXPECT_EQ(r.contributions.back(), (wire::Contribution{"202605", wire::ContributionKind::kMedical, 16'400}));
  EXPECT_FALSE(r.last_certification.has_value());
  EXPECT_EQ(w.hub_hop.messages, 1);
  EXPECT_EQ(w.sc_hop.messages, 1);
  EXPECT_EQ(w.cq_hop.messages, 0);
}

TEST(IssuerHost, AChongqingCardAtASichuanKioskIsCertifiedInChongqing) {
  World w;
  const wire::Response q = at_sc(w, "cq-yuzhong-gen2", Operation::kQuery, 1);
  EXPECT_EQ(q.result, ResultCode::kOk);
  EXPECT_EQ(q.home_issuer, "500000");
  EXPECT_EQ(q.served_by, "510000");
  EXPECT_EQ(q.pension_status, PensionStatus::kSuspended);

  const wire::Response c = at_sc(w, "cq-yuzhong-gen2", Operation::kCertify, 2);
  EXPECT_EQ(c.result, ResultCode::kOk);
  EXPECT_EQ(c.home_issuer, "500000");
  EXPECT_EQ(c.served_by, "510000");
  EXPECT_EQ(c.card_state, CardState::kActive);
  EXPECT_EQ(c.pension_status, PensionStatus::kReceiving);
  EXPECT_EQ(c.last_certification, "20261127");
  EXPECT_EQ(w.cq_hop.messages, 2);
  EXPECT_EQ(w.sc_hop.messages, 0);

  // Only the home issuer's database changed.
  const HolderRecord h = w.holder(*w.cq_store, "cq-yuzhong-gen2");
  EXPECT_EQ(h.pension_status, PensionStatus::kReceiving);
  EXPECT_EQ(h.last_certification, "20261127");
  EXPECT_EQ(*w.cq_store->request_count(), 1u);
  EXPECT_EQ(*w.sc_store->request_count(), 0u);
  auto stored = w.cq_store->find_request(key_of(2));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->operation, Operation::kCertify);
  EXPECT_EQ((*stored)->ssn, "50010319620315422X");
  EXPECT_EQ((*stored)->card_number, "CQ1506011");
}

TEST(IssuerHost, UnknownRegionIsAnsweredByTheFirstHostAndNeverForwarded) {
  World w;
  wire::Request r = request_for("cq-tongnan-gen3", Operation::kActivate, key_of(1), kCqKiosk);
  r.card_region = "110105";
  const wire::Response a = ask(w.cq_kiosk, *w.cq, r);
  EXPECT_EQ(a.result, ResultCode::kUnknownRegion);
  EXPECT_EQ(a.home_issuer, "");
  EXPECT_EQ(a.served_by, "500000");
  EXPECT_FALSE(a.card_state.has_value());
  r.serving_province = "510000";
  r.terminal = kScKiosk;
  const wire::Response b = ask(w.sc_kiosk, *w.sc, r);
  EXPECT_EQ(b.result, ResultCode::kUnknownRegion);
  EXPECT_EQ(b.served_by, "510000");
  EXPECT_EQ(w.hub_hop.messages, 0);
  EXPECT_EQ(w.holder(*w.cq_store, "cq-tongnan-gen3").card_state, CardState::kNotActivated);
  EXPECT_EQ(*w.cq_store->request_count(), 0u);
}

// ---- State transitions at the home host ----

TEST(IssuerHost, ActivateANotActivatedCardOnce) {
  World w;
  const wire::Response a = at_cq(w, "cq-tongnan-gen3", Operation::kActivate, 1);
  EXPECT_EQ(a.result, ResultCode::kOk);
  EXPECT_EQ(a.home_issuer, "500000");
  EXPECT_EQ(a.card_state, CardState::kActive);
  EXPECT_FALSE(a.name.has_value());  // a state change answers with the state only
  EXPECT_EQ(w.holder(*w.cq_store, "cq-tongnan-gen3").card_state, CardState::kActive);

  const wire::Response again = at_cq(w, "cq-tongnan-gen3", Operation::kActivate, 2);
  EXPECT_EQ(again.result, ResultCode::kInvalidState);
  EXPECT_EQ(again.card_state, CardState::kActive);
  EXPECT_EQ(*w.cq_store->request_count(), 2u);  // refused changes are stored under their keys too
}

TEST(IssuerHost, ReportAndCancelLoss) {
  World w;
  EXPECT_EQ(at_cq(w, "cq-yuzhong-gen2", Operation::kCancelLoss, 1).result, ResultCode::kInvalidState);

  const wire::Response lost = at_cq(w, "cq-yuzhong-gen2", Operation::kReportLoss, 2);
  EXPECT_EQ(lost.result, ResultCode::kOk);
  EXPECT_EQ(lost.card_state, CardState::kLossReported);
  EXPECT_EQ(w.holder(*w.cq_store, "cq-yuzhong-gen2").card_state, CardState::kLossReported);

  const wire::Response twice = at_cq(w, "cq-yuzhong-gen2", Operation::kReportLoss, 3);
  EXPECT_EQ(twice.result, ResultCode::kInvalidState);
  EXPECT_EQ(twice.card_state, CardState::kLossReported);

  const wire::Response back = at_cq(w, "cq-yuzhong-gen2", Operation::kCancelLoss, 4);
  EXPECT_EQ(back.result, ResultCode::kOk);
  EXPECT_EQ(back.card_state, CardState::kActive);
  EXPECT_EQ(w.holder(*w.cq_store, "cq-yuzhong-gen2").card_state, CardState::kActive);
  EXPECT_EQ(at_cq(w, "cq-yuzhong-gen2", Operation::kCancelLoss, 5).result, ResultCode::kInvalidState);
}

TEST(IssuerHost, ANotActivatedCardCanBeReportedLost) {
  World w;
  const wire::Response r = at_cq(w, "cq-tongnan-gen3", Operation::kReportLoss, 1);
  EXPECT_EQ(r.result, ResultCode::kOk);
  EXPECT_EQ(r.card_state, CardState::kLossReported);
  EXPECT_EQ(w.holder(*w.cq_store, "cq-tongnan-gen3").card_state, CardState::kLossReported);
}

TEST(IssuerHost, ACardUnderLossReportAllowsOnlyCancelLoss) {
  World w;
  ASSERT_EQ(at_sc(w, "sc-suining-gen3", Operation::kReportLoss, 1).result, ResultCode::kOk);
  const HolderRecord before = w.holder(*w.sc_store, "sc-suining-gen3");

  const wire::Response activate = at_sc(w, "sc-suining-gen3", Operation::kActivate, 2);
  EXPECT_EQ(activate.result, ResultCode::kCardNotActiveForChange);
  EXPECT_EQ(activate.card_state, CardState::kLossReported);
  const wire::Response certify = at_sc(w, "sc-suining-gen3", Operation::kCertify, 3);
  EXPECT_EQ(certify.result, ResultCode::kCardNotActiveForChange);
  EXPECT_FALSE(certify.last_certification.has_value());
  EXPECT_EQ(w.holder(*w.sc_store, "sc-suining-gen3"), before);  // nothing changed, certification date included

  const wire::Response query = at_sc(w, "sc-suining-gen3", Operation::kQuery, 4);
  EXPECT_EQ(query.result, ResultCode::kOk);
  EXPECT_EQ(query.card_state, CardState::kLossReported);

  EXPECT_EQ(at_sc(w, "sc-suining-gen3", Operation::kCancelLoss, 5).result, ResultCode::kOk);
  const wire::Response certified = at_sc(w, "sc-suining-gen3", Operation::kCertify, 6);
  EXPECT_EQ(certified.result, ResultCode::kOk);
  EXPECT_EQ(certified.last_certification, "20261127");
  EXPECT_EQ(w.holder(*w.sc_store, "sc-suining-gen3").last_certification, "20261127");
}

TEST(IssuerHost, CertifyNeedsAPensionerWithAnActiveCard) {
  World w;
  // Receiving: the date moves on.
  const wire::Response m = at_sc(w, "sc-mianyang-gen1", Operation::kCertify, 1);
  EXPECT_EQ(m.result, ResultCode::kOk);
  EXPECT_EQ(m.pension_status, PensionStatus::kReceiving);
  EXPECT_EQ(m.last_certification, "20261127");
  EXPECT_EQ(w.holder(*w.sc_store, "sc-mianyang-gen1").last_certification, "20261127");

  // Not retired.
  const wire::Response c = at_sc(w, "sc-chengdu-gen2", Operation::kCertify, 2);
  EXPECT_EQ(c.result, ResultCode::kNotEligible);
  EXPECT_EQ(c.card_state, CardState::kActive);
  EXPECT_FALSE(w.holder(*w.sc_store, "sc-chengdu-gen2").last_certification.has_value());

  // Not activated (and not retired): the card is checked first.
  const wire::Response t = at_cq(w, "cq-tongnan-gen3", Operation::kCertify, 3);
  EXPECT_EQ(t.result, ResultCode::kCardNotActiveForChange);
  EXPECT_EQ(t.card_state, CardState::kNotActivated);

  // Suspended at home: back to receiving.
  const wire::Response y = at_cq(w, "cq-yuzhong-gen2", Operation::kCertify, 4);
  EXPECT_EQ(y.result, ResultCode::kOk);
  EXPECT_EQ(y.pension_status, PensionStatus::kReceiving);
  const HolderRecord h = w.holder(*w.cq_store, "cq-yuzhong-gen2");
  EXPECT_EQ(h.pension_status, PensionStatus::kReceiving);
  EXPECT_EQ(h.pension_monthly_fen, 318'840u);
  EXPECT_EQ(h.last_certification, "20261127");
}

TEST(IssuerHost, ABlockedCardRefusesEveryChange) {
  World w;
  HolderRecord h = w.holder(*w.sc_store, "sc-chengdu-gen2");
  h.card_state = CardState::kBlocked;
  ASSERT_TRUE(w.sc_store->update_holder(h).ok());
  EXPECT_EQ(at_sc(w, "sc-chengdu-gen2", Operation::kActivate, 1).result, ResultCode::kCardNotActiveForChange);
  EXPECT_EQ(at_sc(w, "sc-chengdu-gen2", Operation::kReportLoss, 2).result, ResultCode::kCardNotActiveForChange);
  EXPECT_EQ(at_sc(w, "sc-chengdu-gen2", Operation::kCancelLoss, 3).result, ResultCode::kInvalidState);
  EXPECT_EQ(at_sc(w, "sc-chengdu-gen2", Operation::kCertify, 4).result, ResultCode::kCardNotActiveForChange);
  const wire::Response q = at_sc(w, "sc-chengdu-gen2", Operation::kQuery, 5);
  EXPECT_EQ(q.result, ResultCode::kOk);
  EXPECT_EQ(q.card_state, CardState::kBlocked);
  EXPECT_EQ(w.holder(*w.sc_store, "sc-chengdu-gen2"), h);
}

TEST(IssuerHost, UnknownSsnOrCardNumberIsUnknownCard) {
  World w;
  wire::Request wrong_number = request_for("cq-tongnan-gen3", Operation::kActivate, key_of(1), kCqKiosk);
  wrong_number.card_number = "CQ0152302";
  const wire::Response a = ask(w.cq_kiosk, *w.cq, wrong_number);
  EXPECT_EQ(a.result, ResultCode::kUnknownCard);
  EXPECT_EQ(a.home_issuer, "500000");
  EXPECT_FALSE(a.card_state.has_value());

  wire::Request unknown = request_for("cq-tongnan-gen3", Operation::kQuery, key_of(2), kCqKiosk);
  unknown.ssn = "500223198807150027";
  const wire::Response b = ask(w.cq_kiosk, *w.cq, unknown);
  EXPECT_EQ(b.result, ResultCode::kUnknownCard);
  EXPECT_FALSE(b.name.has_value());

  EXPECT_EQ(w.holder(*w.cq_store, "cq-tongnan-gen3").card_state, CardState::kNotActivated);
  EXPECT_EQ(*w.cq_store->request_count(), 1u);  // the activate's answer; the query is not stored
}

// ---- Exactly once ----

TEST(IssuerHost, ARetryWithTheSameKeyGetsTheStoredAnswerAndChangesNothing) {
  World w;
  const wire::Response first = at_sc(w, "sc-liangshan-longname-gen2", Operation::kReportLoss, 9);
  ASSERT_EQ(first.result, ResultCode::kOk);
  ASSERT_EQ(at_sc(w, "sc-liangshan-longname-gen2", Operation::kCancelLoss, 10).result, ResultCode::kOk);

  // The retry of the report is answered from the store: the card is not reported lost a second time.
  const wire::Response retry = at_sc(w, "sc-liangshan-longname-gen2", Operation::kReportLoss, 9);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_FALSE(first.duplicate);
  wire::Response without_flag = retry;
  without_flag.duplicate = false;
  EXPECT_EQ(without_flag, first);
  EXPECT_EQ(retry.card_state, CardState::kLossReported);  // the stored answer, whatever the state is now
  EXPECT_EQ(w.holder(*w.sc_store, "sc-liangshan-longname-gen2").card_state, CardState::kActive);
  EXPECT_EQ(*w.sc_store->request_count(), 2u);
  auto stored = w.sc_store->find_request(key_of(9));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  Bytes first_payload;
  ASSERT_TRUE(wire::encode(first, first_payload).ok());
  EXPECT_EQ((*stored)->response, first_payload);
}

TEST(IssuerHost, TheSameKeyForAnotherRequestIsAKeyConflict) {
  World w;
  ASSERT_EQ(at_cq(w, "cq-tongnan-gen3", Operation::kActivate, 1).result, ResultCode::kOk);
  const HolderRecord tongnan = w.holder(*w.cq_store, "cq-tongnan-gen3");
  const HolderRecord yuzhong = w.holder(*w.cq_store, "cq-yuzhong-gen2");

  const wire::Response other_op = at_cq(w, "cq-tongnan-gen3", Operation::kReportLoss, 1);
  EXPECT_EQ(other_op.result, ResultCode::kKeyConflict);
  EXPECT_EQ(other_op.home_issuer, "500000");
  EXPECT_FALSE(other_op.card_state.has_value());
  const wire::Response other_card = at_cq(w, "cq-yuzhong-gen2", Operation::kActivate, 1);
  EXPECT_EQ(other_card.result, ResultCode::kKeyConflict);
  EXPECT_EQ(at_cq(w, "cq-tongnan-gen3", Operation::kQuery, 1).result, ResultCode::kKeyConflict);

  EXPECT_EQ(w.holder(*w.cq_store, "cq-tongnan-gen3"), tongnan);
  EXPECT_EQ(w.holder(*w.cq_store, "cq-yuzhong-gen2"), yuzhong);
  EXPECT_EQ(*w.cq_store->request_count(), 1u);
  EXPECT_EQ((*w.cq_store->find_request(key_of(1)))->operation, Operation::kActivate);
}

TEST(IssuerHost, HubDownIsIssuerUnavailableAndTheRetryAppliesOnce) {
  World w;
  w.hub_hop.mode = Hop::kDown;
  const wire::Response down = at_cq(w, "sc-chengdu-gen2", Operation::kReportLoss, 7);
  EXPECT_EQ(down.result, ResultCode::kIssuerUnavailable);
  EXPECT_EQ(down.home_issuer, "510000");
  EXPECT_EQ(down.served_by, "500000");
  EXPECT_EQ(w.sc_hop.messages, 0);
  EXPECT_EQ(w.holder(*w.sc_store, "sc-chengdu-gen2").card_state, CardState::kActive);

  w.hub_hop.mode = Hop::kUp;
  const wire::Response retry = at_cq(w, "sc-chengdu-gen2", Operation::kReportLoss, 7);
  EXPECT_EQ(retry.result, ResultCode::kOk);
  EXPECT_FALSE(retry.duplicate);
  EXPECT_EQ(retry.card_state, CardState::kLossReported);
  const wire::Response again = at_cq(w, "sc-chengdu-gen2", Operation::kReportLoss, 7);
  EXPECT_EQ(again.result, ResultCode::kOk);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(w.holder(*w.sc_store, "sc-chengdu-gen2").card_state, CardState::kLossReported);
  EXPECT_EQ(*w.sc_store->request_count(), 1u);
}

TEST(IssuerHost, AnAnswerLostOnTheWayBackIsRecoveredByTheRetry) {
  World w;
  // The Sichuan host applies the change, but its answer never reaches the hub.
  w.sc_hop.mode = Hop::kLoseAnswer;
  const wire::Response lost = at_cq(w, "sc-chengdu-gen2", Operation::kReportLoss, 8);
  EXPECT_EQ(lost.result, ResultCode::kIssuerUnavailable);
  EXPECT_EQ(lost.home_issuer, "510000");
  EXPECT_EQ(w.holder(*w.sc_store, "sc-chengdu-gen2").card_state, CardState::kLossReported);

  w.sc_hop.mode = Hop::kUp;
  const wire::Response retry = at_cq(w, "sc-chengdu-gen2", Operation::kReportLoss, 8);
  EXPECT_EQ(retry.result, ResultCode::kOk);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.card_state, CardState::kLossReported);
  EXPECT_EQ(*w.sc_store->request_count(), 1u);
  EXPECT_EQ(w.sc_hop.messages, 2);
}

TEST(IssuerHost, WithoutAHubOtherProvincesAreUnavailable) {
  World w;
  IssuerHost alone(std::string(wire::kChongqing), *w.cq_store, w.crypto, w.master, nullptr);
  const wire::Response r =
      ask(w.cq_kiosk, alone, request_for("sc-chengdu-gen2", Operation::kQuery, key_of(1), kCqKiosk));
  EXPECT_EQ(r.result, ResultCode::kIssuerUnavailable);
  EXPECT_EQ(r.home_issuer, "510000");
  // Home cards still work.
  EXPECT_EQ(ask(w.cq_kiosk, alone, request_for("cq-tongnan-gen3", Operation::kQuery, key_of(2), kCqKiosk)).result,
            ResultCode::kOk);
}

TEST(IssuerHost, AnUntrustworthyHubAnswerIsIssuerUnavailable) {
  World w;
  // First a real exchange, whose answer the channel below then replays for every later request.
  Bytes recorded;
  auto recording = std::make_shared<wire::FunctionChannel>([&](ByteSpan m) -> Result<Bytes> {
    if (recorded.empty()) recorded = w.hub->handle_message(m);
    return recorded;
  });
  IssuerHost cq(std::string(wire::kChongqing), *w.cq_store, w.crypto, w.master, recording);
  EXPECT_EQ(ask(w.cq_kiosk, cq, request_for("sc-chengdu-gen2", Operation::kQuery, key_of(1), kCqKiosk)).result,
            ResultCode::kOk);
  // An old answer (another request nonce) is not an answer to this request.
  EXPECT_EQ(ask(w.cq_kiosk, cq, request_for("sc-chengdu-gen2", Operation::kQuery, key_of(2), kCqKiosk)).result,
            ResultCode::kIssuerUnavailable);
  // Neither is a tampered one.
  auto tampering = std::make_shared<wire::FunctionChannel>([&](ByteSpan m) -> Result<Bytes> {
    Bytes a = w.hub->handle_message(m);
    a[60] ^= 0x01;
    return a;
  });
  IssuerHost cq2(std::string(wire::kChongqing), *w.cq_store, w.crypto, w.master, tampering);
  EXPECT_EQ(ask(w.cq_kiosk, cq2, request_for("sc-chengdu-gen2", Operation::kQuery, key_of(3), kCqKiosk)).result,
            ResultCode::kIssuerUnavailable);
}

// ---- Refusals ----

struct Refused {
  Bytes answer;
  std::optional<RefusalReason> reason;
};

Refused send_raw(IssuerHost& host, const Bytes& message) {
  Refused r;
  r.answer = host.handle_message(message);
  r.reason = refusal_of(r.answer);
  return r;
}

TEST(IssuerHost, ARefusalComesFromTheHostAndAnswersTheFramesNonce) {
  World w;
  Bytes m = w.cq_kiosk.seal(request_for("cq-tongnan-gen3", Operation::kActivate, key_of(1), kCqKiosk));
  m.back() ^= 0x01;
  const Refused r = send_raw(*w.cq, m);
  ASSERT_EQ(r.reason, RefusalReason::kBadMac);
  auto header = wire::peek_header(ByteSpan(r.answer).subspan(4));
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->kind, wire::FrameKind::kRefusal);
  EXPECT_EQ(header->sender, "500000000000");
  EXPECT_EQ(header->request_nonce, w.cq_kiosk.last_nonce());
  EXPECT_EQ(Bytes(r.answer.end() - 16, r.answer.end()), Bytes(16, 0x00));
}

TEST(IssuerHost, ForgedUnknownReplayedStaleOrMalformedFramesAreRefusedAndChangeNothing) {
  World w;
  const HolderRecord before = w.holder(*w.cq_store, "cq-tongnan-gen3");
  const wire::Request activate = request_for("cq-tongnan-gen3", Operation::kActivate, key_of(1), kCqKiosk);
  auto unchanged = [&] {
    EXPECT_EQ(w.holder(*w.cq_store, "cq-tongnan-gen3"), before);
    EXPECT_EQ(*w.cq_store->request_count(), 0u);
  };

  // A forged MAC: every byte of the MAC and one of the payload.
  Bytes forged = w.cq_kiosk.seal(activate);
  forged[forged.size() - 16] ^= 0x80;
  EXPECT_EQ(send_raw(*w.cq, forged).reason, RefusalReason::kBadMac);
  Bytes body = w.cq_kiosk.seal(activate);
  body[4 + 44 + 3] ^= 0x01;  // the operation byte
  EXPECT_EQ(send_raw(*w.cq, body).reason, RefusalReason::kBadMac);
  unchanged();

  // Senders: a Sichuan kiosk, the host's own id, an id of no one, each sealed with its own right key.
  Kiosk sichuan(kScKiosk, w.master, w.crypto);
  EXPECT_EQ(send_raw(*w.cq, sichuan.seal(activate)).reason, RefusalReason::kUnknownSender);
  Kiosk self("500000000000", w.master, w.crypto);
  EXPECT_EQ(send_raw(*w.cq, self.seal(activate)).reason, RefusalReason::kUnknownSender);
  Kiosk stranger("999999000001", w.master, w.crypto);
  EXPECT_EQ(send_raw(*w.cq, stranger.seal(activate)).reason, RefusalReason::kUnknownSender);
  // A kiosk's frame sealed under another kiosk's key.
  Kiosk other_cq("500103000101", w.master, w.crypto);
  Bytes foreign = other_cq.seal(activate);
  std::copy(kCqKiosk.begin(), kCqKiosk.end(), foreign.begin() + 8);
  EXPECT_EQ(send_raw(*w.cq, foreign).reason, RefusalReason::kBadMac);
  unchanged();

  // Stale: sealed more than 300 s ago.
  EXPECT_EQ(send_raw(*w.cq, w.cq_kiosk.seal(activate, 301'000)).reason, RefusalReason::kStale);
  unchanged();

  // Malformed: short, LEN not matching, another kind, a payload that is no request; another version.
  const Bytes good = w.cq_kiosk.seal(activate);
  EXPECT_EQ(send_raw(*w.cq, Bytes(good.begin(), good.begin() + 3)).reason, RefusalReason::kMalformed);
  EXPECT_EQ(send_raw(*w.cq, Bytes(good.begin(), good.end() - 1)).reason, RefusalReason::kMalformed);
  Bytes kind = good;
  kind[4 + 3] = 0x02;
  EXPECT_EQ(send_raw(*w.cq, kind).reason, RefusalReason::kMalformed);
  EXPECT_EQ(send_raw(*w.cq, w.cq_kiosk.seal_payload(Bytes{0xDF, 0x01, 0x01, 0x02})).reason,
            RefusalReason::kMalformed);
  wire::Request impostor = activate;
  impostor.terminal = "500152000102";  // another kiosk's id in DF03
  EXPECT_EQ(send_raw(*w.cq, w.cq_kiosk.seal(impostor)).reason, RefusalReason::kMalformed);
  wire::Request elsewhere = activate;
  elsewhere.serving_province = "510000";  // a Chongqing kiosk claiming to serve in Sichuan
  EXPECT_EQ(send_raw(*w.cq, w.cq_kiosk.seal(elsewhere)).reason, RefusalReason::kMalformed);
  Bytes version = good;
  version[4 + 2] = 0x02;
  EXPECT_EQ(send_raw(*w.cq, version).reason, RefusalReason::kVersion);
  unchanged();

  // Replayed: the first copy is served, the second refused, and the card changed once.
  const Bytes once = w.cq_kiosk.seal(activate);
  auto first = w.cq_kiosk.open(w.cq->handle_message(once), w.cq->id());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->result, ResultCode::kOk);
  EXPECT_EQ(send_raw(*w.cq, once).reason, RefusalReason::kReplay);
  EXPECT_EQ(*w.cq_store->request_count(), 1u);
  EXPECT_EQ(w.holder(*w.cq_store, "cq-tongnan-gen3").card_state, CardState::kActive);
}

TEST(IssuerHost, TheHubAcceptsOnlyTheTwoHosts) {
  World w;
  const wire::Request q = request_for("sc-chengdu-gen2", Operation::kQuery, key_of(1), kCqKiosk);
  // A kiosk cannot skip its host.
  Bytes direct = w.cq_kiosk.seal(q);
  auto refused = refusal_of(w.hub->handle_message(direct));
  EXPECT_EQ(refused, RefusalReason::kUnknownSender);
  EXPECT_EQ(w.sc_hop.messages, 0);

  // The Chongqing host itself may; a region of no province is answered by the hub.
  Kiosk as_host(std::string(wire::kChongqingHostId), w.master, w.crypto);
  wire::Request nowhere = q;
  nowhere.card_region = "110105";
  auto a = as_host.open(w.hub->handle_message(as_host.seal(nowhere)), wire::kHubId);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->result, ResultCode::kUnknownRegion);
  EXPECT_EQ(a->served_by, "500000");
  auto b = as_host.open(w.hub->handle_message(as_host.seal(q)), wire::kHubId);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->result, ResultCode::kOk);
  EXPECT_EQ(b->name, "陈静");
  EXPECT_EQ(w.sc_hop.messages, 1);

  // A host speaks only for its own province's kiosks.
  wire::Request not_mine = q;
  not_mine.serving_province = "510000";
  EXPECT_EQ(refusal_of(w.hub->handle_message(as_host.seal(not_mine))), RefusalReason::kMalformed);
  EXPECT_EQ(w.sc_hop.messages, 1);

  // A route that is down.
  w.sc_hop.mode = Hop::kDown;
  auto c = as_host.open(w.hub->handle_message(as_host.seal(q)), wire::kHubId);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->result, ResultCode::kIssuerUnavailable);
  EXPECT_EQ(c->home_issuer, "510000");
}

TEST(IssuerHost, ARequestFromTheHubForAnotherProvinceIsNotForwardedAgain) {
  World w;
  Kiosk as_hub(std::string(wire::kHubId), w.master, w.crypto);
  auto a = as_hub.open(w.cq->handle_message(as_hub.seal(request_for("sc-chengdu-gen2", Operation::kReportLoss,
                                                                    key_of(1), kScKiosk))),
                       wire::kChongqingHostId);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->result, ResultCode::kUnknownCard);
  EXPECT_EQ(a->home_issuer, "510000");
  EXPECT_EQ(w.hub_hop.messages, 0);
  EXPECT_EQ(w.holder(*w.sc_store, "sc-chengdu-gen2").card_state, CardState::kActive);
}

}  // namespace
}  // namespace sscard::sim::host

// The validator's ride log and deny list (CONTACTLESS.md §5): rides written before the gate opens, each answer
// stored with its mark exactly once, a declined deferred ride denying its card in the same transaction, the
// host's deny list replaced without losing those, the torn tap kept 120 s; and the upload against a scripted
// acquirer.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>

#include "sscard/crypto/openssl.h"
#include "sscard/transit/ride_log.h"
#include "sscard/transit/validator.h"
#include "sscard/wire/channel.h"
#include "sscard/wire/deny_digest.h"
#include "sscard/wire/wire.h"

namespace sscard::transit {
namespace {

class RideLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sscard-ride-log-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto log = RideLog::open((dir_ / "rides.db").string());
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
  }
  void TearDown() override {
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<RideLog> log_;
};

wire::DenyDigest digest(std::uint8_t b) {
  wire::DenyDigest d{};
  d.fill(b);
  return d;
}

NewRide ride(RideKind kind, std::uint8_t card) {
  NewRide r;
  r.date = "20261205";
  r.kind = kind;
  r.pan_masked = "620051*********1018";
  r.digest = digest(card);
  r.atc = card;
  r.fare_fen = kind == RideKind::kRefused ? 0 : 200;
  if (kind != RideKind::kRefused) r.icc_data = {0x5A, 0x01, card};
  return r;
}

TEST_F(RideLogTest, RidesAreNumberedAndOnlyPaidRidesArePending) {
  ASSERT_EQ(*log_->add(ride(RideKind::kOffline, 1)), 1u);
  ASSERT_EQ(*log_->add(ride(RideKind::kRefused, 2)), 2u);
  ASSERT_EQ(*log_->add(ride(RideKind::kDeferred, 3)), 3u);
  auto pending = log_->pending(100);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].number, 1u);
  EXPECT_EQ((*pending)[0].kind, RideKind::kOffline);
  EXPECT_EQ((*pending)[0].icc_data, (Bytes{0x5A, 0x01, 0x01}));
  EXPECT_EQ((*pending)[1].number, 3u);
  auto all = log_->rides();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[1].state, RideState::kRefused);
  EXPECT_EQ(log_->pending(1)->size(), 1u);
}

TEST_F(RideLogTest, AnAnswerIsMarkedOnceAndASecondAnswerChangesNothing) {
  ASSERT_TRUE(log_->add(ride(RideKind::kOffline, 1)).ok());
  wire::RideAnswer first{1, wire::ResultCode::kOk, "510000", "00", false};
  ASSERT_TRUE(log_->settle(1, first, RideState::kCleared, std::nullopt).ok());
  // The re-sent ride's stored answer (duplicate) finds the ride marked: nothing changes.
  wire::RideAnswer again{1, wire::ResultCode::kOk, "510000", "05", true};
  ASSERT_TRUE(log_->settle(1, again, RideState::kDeclined, digest(1)).ok());
  auto all = log_->rides();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].state, RideState::kCleared);
  EXPECT_EQ((*all)[0].response_code, "00");
  EXPECT_FALSE((*all)[0].duplicate);
  EXPECT_EQ((*all)[0].result, "ok");
  EXPECT_FALSE(*log_->denied(digest(1)));
  EXPECT_TRUE(log_->pending(10)->empty());
  EXPECT_EQ(log_->settle(99, first, RideState::kCleared, std::nullopt).code(), Error::kNotFound);
  EXPECT_EQ(log_->settle(1, first, RideState::kPending, std::nullopt).code(), Error::kInvalidArgument);
}

TEST_F(RideLogTest, TheHostListIsReplacedButDeclinedRideDenialsStay) {
  ASSERT_TRUE(log_->add(ride(RideKind::kDeferred, 7)).ok());
  ASSERT_TRUE(log_->settle(1, {1, wire::ResultCode::kOk, "510000", "51", false}, RideState::kDeclined, digest(7)).ok());
  ASSERT_TRUE(log_->replace_host_deny_list({digest(1), digest(2)}).ok());
  ASSERT_TRUE(log_->replace_host_deny_list({digest(2), digest(3)}).ok());
  EXPECT_FALSE(*log_->denied(digest(1)));
  EXPECT_TRUE(*log_->denied(digest(2)));
  EXPECT_TRUE(*log_->denied(digest(3)));
  EXPECT_TRUE(*log_->denied(digest(7)));
  auto entries = log_->deny_entries();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[2].first, digest(7));
  EXPECT_EQ((*entries)[2].second, DenySource::kDeclined);
}

TEST_F(RideLogTest, TheRideLogSurvivesReopening) {
  ASSERT_TRUE(log_->add(ride(RideKind::kOffline, 1)).ok());
  ASSERT_TRUE(log_->replace_host_deny_list({digest(4)}).ok());
  log_.reset();
  auto again = RideLog::open((dir_ / "rides.db").string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->pending(10)->size(), 1u);
  EXPECT_TRUE(*(*again)->denied(digest(4)));
  EXPECT_EQ(*(*again)->add(ride(RideKind::kOffline, 2)), 2u);
}

TEST_F(RideLogTest, ATornTapIsKeptUntilForgotten) {
  EXPECT_FALSE(log_->torn().has_value());
  pboc::TornTap tap;
  tap.amount_fen = 200;
  tap.date = {0x26, 0x12, 0x05};
  tap.unpredictable_number = {1, 2, 3, 4};
  tap.pan = "6200515109004011018";
  tap.atc = 9;
  tap.icc_data = {0x9F, 0x36, 0x02, 0x00, 0x09};
  tap.gpo_answered = true;
  ASSERT_TRUE(log_->keep(tap).ok());
  auto kept = log_->torn();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->amount_fen, 200u);
  EXPECT_EQ(kept->date, tap.date);
  EXPECT_EQ(kept->unpredictable_number, tap.unpredictable_number);
  EXPECT_EQ(kept->pan, tap.pan);
  EXPECT_EQ(kept->atc, 9u);
  EXPECT_EQ(kept->icc_data, tap.icc_data);
  EXPECT_TRUE(kept->gpo_answered);
  ASSERT_TRUE(log_->forget().ok());
  EXPECT_FALSE(log_->torn().has_value());
}

// A scripted acquirer behind a real HostClient: it opens the validator's frames with the validator's link key
// and answers each ride from `decide` (ride number -> answer).
struct ScriptedAcquirer {
  std::shared_ptr<crypto::Crypto> crypto = crypto::make_openssl_crypto();
  wire::LinkKey key{};
  std::function<wire::RideAnswer(const wire::Ride&)> decide;
  std::vector<std::vector<std::uint64_t>> batches;  // ride numbers of each batch received

  Result<Bytes> handle(ByteSpan message) {
    auto opened = wire::open(*crypto, message.subspan(4), key);
    if (!opened.ok()) return Error::kSecurity;
    auto request = wire::decode_request(opened->payload);
    if (!request.ok()) return Error::kMalformed;
    EXPECT_EQ(request->operation, wire::Operation::kTransitBatch);
    EXPECT_EQ(request->terminal, "500103020101");
    EXPECT_EQ(request->card_region, "500000");
    wire::Response r;
    r.home_issuer = "500000";
    r.served_by = "500000";
    batches.emplace_back();
    for (const wire::Ride& ride : request->rides) {
      batches.back().push_back(ride.number);
      r.rides.push_back(decide(ride));
    }
    Bytes payload;
    EXPECT_TRUE(wire::encode(r, payload).ok());
    wire::FrameHeader h;
    h.kind = wire::FrameKind::kResponse;
    h.sender = std::string(wire::kChongqingHostId);
    h.nonce = wire::fresh_nonce(*crypto);
    h.timestamp_ms = wire::now_ms();
    h.request_nonce = opened->header.nonce;
    return wire::seal(*crypto, h, payload, key);
  }
};

TEST_F(RideLogTest, UploadMarksEachDecidedRideAndDeniesTheCardOfADeclinedDeferredRide) {
  ASSERT_TRUE(log_->add(ride(RideKind::kOffline, 1)).ok());   // 1: cleared
  ASSERT_TRUE(log_->add(ride(RideKind::kDeferred, 2)).ok());  // 2: declined 51 -> card denied
  ASSERT_TRUE(log_->add(ride(RideKind::kRefused, 3)).ok());   // 3: never sent
  ASSERT_TRUE(log_->add(ride(RideKind::kOffline, 4)).ok());   // 4: issuer unavailable -> stays pending
  ScriptedAcquirer acquirer;
  acquirer.key.fill(0x42);
  acquirer.decide = [](const wire::Ride& r) {
    wire::RideAnswer a;
    a.number = r.number;
    a.home_issuer = "510000";
    if (r.number == 1) a.response_code = "00";
    if (r.number == 2) a.response_code = "51";
    if (r.number == 4) a.result = wire::ResultCode::kIssuerUnavailable;
    EXPECT_EQ(r.kind, r.number == 2 ? wire::RideKind::kDeferred : wire::RideKind::kOffline);
    return a;
  };
  wire::FunctionChannel channel([&acquirer](ByteSpan m) { return acquirer.handle(m); });
  auto crypto = crypto::make_openssl_crypto();
  host::KioskIdentity id{"500103020101", "500000", acquirer.key};
  host::HostClient client(*crypto, std::move(id), channel, host::RetryPolicy{std::chrono::milliseconds(500), 1, {}});
  std::vector<std::string> steps;
  const UploadSummary s = upload(*log_, client, "20261205", [&steps](std::string_view st) { steps.emplace_back(st); });
  EXPECT_FALSE(s.error.has_value());
  EXPECT_EQ(s.sent, 4u);  // ride 4 twice
  EXPECT_EQ(s.cleared, 1u);
  EXPECT_EQ(s.declined, 1u);
  EXPECT_EQ(s.left_pending, 1u);
  EXPECT_EQ(s.denied_cards, 1u);
  ASSERT_EQ(acquirer.batches.size(), 2u);  // the second batch holds only ride 4, still undecided: stop
  EXPECT_EQ(acquirer.batches[0], (std::vector<std::uint64_t>{1, 2, 4}));
  EXPECT_EQ(acquirer.batches[1], (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(steps, (std::vector<std::string>{"before-send", "after-answer", "after-mark", "after-mark", "before-send",
                                             "after-answer"}));
  auto all = log_->rides();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].state, RideState::kCleared);
  EXPECT_EQ((*all)[1].state, RideState::kDeclined);
  EXPECT_EQ((*all)[1].response_code, "51");
  EXPECT_EQ((*all)[2].state, RideState::kRefused);
  EXPECT_EQ((*all)[3].state, RideState::kPending);
  EXPECT_TRUE(*log_->denied(digest(2)));
  EXPECT_FALSE(*log_->denied(digest(1)));
}

pboc::TransactionRecord tapped(pboc::Outcome outcome, pboc::Cryptogram c, pboc::Reason reason, pboc::OdaResult oda) {
  pboc::TransactionRecord r;
  r.outcome = outcome;
  r.final_cryptogram = c;
  r.reason = reason;
  r.oda_result = oda;
  r.pan = "6200515109004011018";
  r.atc = 5;
  r.icc_data = {0x9F, 0x36, 0x02, 0x00, 0x05};
  r.deferred_authorisation = reason == pboc::Reason::kDeferredAuthorisation;
  return r;
}

TEST(Classify, EachTapBecomesTheRideTheContractSays) {
  using pboc::Cryptogram;
  using pboc::OdaResult;
  using pboc::Outcome;
  using pboc::Reason;
  const auto tc = tapped(Outcome::kApproved, Cryptogram::kTc, Reason::kApprovedOffline, OdaResult::kSucceeded);
  NewRide r = classify(tc, 200, "20261205", digest(1), false);
  EXPECT_EQ(r.kind, RideKind::kOffline);
  EXPECT_EQ(r.fare_fen, 200u);
  EXPECT_EQ(r.icc_data, tc.icc_data);
  EXPECT_EQ(r.pan_masked, "620051*********1018");
  EXPECT_EQ(r.atc, 5u);
  EXPECT_TRUE(r.reason.empty());

  const auto arqc =
      tapped(Outcome::kApproved, Cryptogram::kArqc, Reason::kDeferredAuthorisation, OdaResult::kSucceeded);
  EXPECT_EQ(classify(arqc, 200, "20261205", digest(1), false).kind, RideKind::kDeferred);

  const auto fdda_failed = tapped(Outcome::kDeclined, Cryptogram::kTc, Reason::kFddaFailed, OdaResult::kFailed);
  r = classify(fdda_failed, 200, "20261205", digest(1), false);
  EXPECT_EQ(r.kind, RideKind::kRefused);
  EXPECT_EQ(r.fare_fen, 0u);
  EXPECT_TRUE(r.icc_data.empty());
  EXPECT_FALSE(r.reason.empty());

  const auto aac = tapped(Outcome::kDeclined, Cryptogram::kAac, Reason::kDeclinedOffline, OdaResult::kNotPerformed);
  EXPECT_EQ(classify(aac, 200, "20261205", digest(1), false).kind, RideKind::kRefused);

  // Deny-listed: a deferred ride is refused; a TC the card already paid is kept for clearing, gate closed.
  r = classify(arqc, 200, "20261205", digest(1), true);
  EXPECT_EQ(r.kind, RideKind::kRefused);
  EXPECT_EQ(r.reason, "card on the deny list");
  r = classify(tc, 200, "20261205", digest(1), true);
  EXPECT_EQ(r.kind, RideKind::kOffline);
  EXPECT_EQ(r.reason, "card on the deny list");

  // A torn tap the card completed: its journaled TC is the ride.
  const auto torn = tapped(Outcome::kApproved, Cryptogram::kTc, Reason::kTornTapCompleted, OdaResult::kNotPerformed);
  EXPECT_EQ(classify(torn, 200, "20261205", digest(1), false).kind, RideKind::kOffline);
}

TEST(DenyDigest, IsTheLeftmostSixteenBytesOfSm3OfTheLabelledPan) {
  // printf 'sscard-deny/16200515109004011018' | openssl dgst -sm3
  auto crypto = crypto::make_openssl_crypto();
  auto d = wire::deny_digest(*crypto, "6200515109004011018");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(to_hex(*d), "047AA2C5226B792F57253095ECCB5571");
  EXPECT_EQ(wire::deny_digest(*crypto, "62005151090040110X").status().code(), Error::kInvalidArgument);
  EXPECT_EQ(wire::deny_digest(*crypto, "62005151").status().code(), Error::kInvalidArgument);
}

}  // namespace
}  // namespace sscard::transit

// submit() and recover() (HOST-PROTOCOL.md "Exactly once"): journaled before the first send, done only with an
// authenticated answer, and resent with the original key after the kiosk "dies" at any point.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "host_test_util.h"
#include "sscard/host/journal.h"

namespace sscard::host::testing {
namespace {

// One kiosk process: its journal, its client, the channel to the (longer-lived) host.
struct Kiosk {
  Kiosk(FakeHost& host, const std::string& journal_path, int attempts = 3)
      : channel(host.channel()), client(test_crypto(), kiosk_identity(), channel, no_wait(attempts)),
        journal(open_or_die(journal_path)) {}
  wire::FunctionChannel channel;
  HostClient client;
  Journal journal;
};

class ExactlyOnceTest : public ::testing::Test {
 protected:
  FakeHost host_{test_crypto(), std::string(wire::kChongqing), kKioskTerminal, test_link_key()};
  TempDir dir_;
  std::string path_ = dir_.file("kiosk-journal.db").string();
};

TEST_F(ExactlyOnceTest, SubmitJournalsAStateChangeAndMarksItDone) {
  Kiosk kiosk(host_, path_);
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(1));
  auto submitted = submit(kiosk.client, kiosk.journal, request);
  ASSERT_TRUE(submitted.ok()) << describe(submitted.error());
  EXPECT_TRUE(submitted->journaled);
  EXPECT_EQ(submitted->key, request.key);
  EXPECT_EQ(submitted->response.card_state, wire::CardState::kLossReported);

  auto entry = kiosk.journal.find(request.key);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->state, EntryState::kDone);
  EXPECT_EQ(entry->attempts, 1);
  EXPECT_EQ(entry->response, submitted->response);
  EXPECT_EQ(host_.applied[request.key], 1);
}

TEST_F(ExactlyOnceTest, SubmitSendsAQueryWithoutJournalingIt) {
  Kiosk kiosk(host_, path_);
  const wire::Request request = sample_request(wire::Operation::kQuery, key_of(2));
  auto submitted = submit(kiosk.client, kiosk.journal, request);
  ASSERT_TRUE(submitted.ok());
  EXPECT_FALSE(submitted->journaled);
  EXPECT_EQ(submitted->response.result, wire::ResultCode::kOk);
  EXPECT_EQ(kiosk.journal.find(request.key).status(), Error::kNotFound);
}

TEST_F(ExactlyOnceTest, AnUnansweredSubmitStaysPendingAndRecoverCompletesIt) {
  Kiosk kiosk(host_, path_);
  host_.script({Action::kTimeout, Action::kTimeout, Action::kTimeout});
  const wire::Request request = sample_request(wire::Operation::kCertify, key_of(3));
  auto submitted = submit(kiosk.client, kiosk.journal, request);
  ASSERT_FALSE(submitted.ok());
  EXPECT_EQ(submitted.error().kind, HostError::Kind::kUnreachable);
  EXPECT_EQ(kiosk.journal.find(request.key)->state, EntryState::kPending);

  auto recovered = recover(kiosk.client, kiosk.journal);
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->size(), 1u);
  const Recovery& r = (*recovered)[0];
  EXPECT_EQ(r.kind, Recovery::Kind::kDone);
  EXPECT_EQ(r.key, request.key);
  EXPECT_EQ(r.operation, wire::Operation::kCertify);
  ASSERT_TRUE(r.response.has_value());
  EXPECT_EQ(r.response->last_certification, "20250115");
  EXPECT_EQ(kiosk.journal.find(request.key)->state, EntryState::kDone);
  EXPECT_EQ(kiosk.journal.find(request.key)->attempts, 2);
  EXPECT_EQ(host_.applied[request.key], 1);
  // All four frames carried the one key.
  ASSERT_EQ(host_.seen.size(), 4u);
  for (const wire::Request& seen : host_.seen) EXPECT_EQ(seen.key, request.key);
}

TEST_F(ExactlyOnceTest, PowerCutAfterRecordThenRecoverAppliesExactlyOnce) {
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(4));
  {
    Kiosk kiosk(host_, path_);
    ASSERT_TRUE(kiosk.journal.record(request).ok());
    // The process dies here: nothing was sent.
  }
  EXPECT_EQ(host_.frames, 0);
  {
    Kiosk kiosk(host_, path_);
    auto recovered = recover(kiosk.client, kiosk.journal);
    ASSERT_TRUE(recovered.ok());
    ASSERT_EQ(recovered->size(), 1u);
    EXPECT_EQ((*recovered)[0].kind, Recovery::Kind::kDone);
    EXPECT_FALSE((*recovered)[0].response->duplicate);
  }
  {
    Kiosk kiosk(host_, path_);
    auto again = recover(kiosk.client, kiosk.journal);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->empty());
    EXPECT_EQ(kiosk.journal.find(request.key)->state, EntryState::kDone);
  }
  EXPECT_EQ(host_.applied.size(), 1u);
  EXPECT_EQ(host_.applied[request.key], 1);
  EXPECT_EQ(host_.frames, 1);
}

TEST_F(ExactlyOnceTest, PowerCutAfterTheIssuerAppliedGetsTheStoredAnswer) {
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(5));
  {
    Kiosk kiosk(host_, path_, 1);
    host_.script({Action::kApplyThenTimeout});
    auto submitted = submit(kiosk.client, kiosk.journal, request);
    ASSERT_FALSE(submitted.ok());
    // The process dies before anything else happens.
  }
  Kiosk kiosk(host_, path_);
  auto recovered = recover(kiosk.client, kiosk.journal);
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->size(), 1u);
  const Recovery& r = (*recovered)[0];
  EXPECT_EQ(r.kind, Recovery::Kind::kDone);
  EXPECT_TRUE(r.response->duplicate);
  EXPECT_EQ(r.response->card_state, wire::CardState::kLossReported);
  EXPECT_EQ(host_.applied[request.key], 1);
}

TEST_F(ExactlyOnceTest, ACorruptRowIsReportedOnceAndTheOthersStillRecover) {
  const wire::Request a = sample_request(wire::Operation::kReportLoss, key_of(6), "CQ0000001");
  const wire::Request b = sample_request(wire::Operation::kReportLoss, key_of(7), "CQ0000002");
  const wire::Request c = sample_request(wire::Operation::kReportLoss, key_of(8), "CQ0000003");
  {
    Kiosk kiosk(host_, path_);
    for (const wire::Request* r : {&a, &b, &c}) ASSERT_TRUE(kiosk.journal.record(*r).ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE requests SET request = x'DF0102FFFF' WHERE idem_key = ?1", -1, &stmt,
                                 nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_bind_blob(stmt, 1, b.key.data(), static_cast<int>(b.key.size()), nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  Kiosk kiosk(host_, path_);
  auto recovered = recover(kiosk.client, kiosk.journal);
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->size(), 3u);
  EXPECT_EQ((*recovered)[0].kind, Recovery::Kind::kDone);
  EXPECT_EQ((*recovered)[0].key, a.key);
  EXPECT_EQ((*recovered)[1].kind, Recovery::Kind::kCorrupt);
  EXPECT_FALSE((*recovered)[1].status.ok());
  EXPECT_EQ((*recovered)[2].kind, Recovery::Kind::kDone);
  EXPECT_EQ((*recovered)[2].key, c.key);
  EXPECT_EQ(host_.applied[a.key], 1);
  EXPECT_EQ(host_.applied[c.key], 1);
  EXPECT_EQ(host_.applied.count(b.key), 0u);

  // Retired: the next recovery has nothing left.
  auto again = recover(kiosk.client, kiosk.journal);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST_F(ExactlyOnceTest, RecoveryGivesUpAfterItsBudgetAndMarksTheEntryFailed) {
  Kiosk kiosk(host_, path_, 1);
  const wire::Request request = sample_request(wire::Operation::kCancelLoss, key_of(9));
  ASSERT_TRUE(kiosk.journal.record(request).ok());
  host_.script({Action::kTimeout, Action::kTimeout, Action::kTimeout});
  for (int round = 0; round < 2; ++round) {
    auto r = recover(kiosk.client, kiosk.journal, 2);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].kind, Recovery::Kind::kUnreachable);
    ASSERT_TRUE((*r)[0].error.has_value());
    EXPECT_EQ((*r)[0].error->status, Error::kTimeout);
  }
  auto last = recover(kiosk.client, kiosk.journal, 2);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].kind, Recovery::Kind::kGaveUp);
  auto entry = kiosk.journal.find(request.key);
  EXPECT_EQ(entry->state, EntryState::kFailed);
  EXPECT_EQ(entry->attempts, 2);
  EXPECT_EQ(host_.frames, 2);
  auto none = recover(kiosk.client, kiosk.journal, 2);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(ExactlyOnceTest, ARefusedResendStaysPending) {
  Kiosk kiosk(host_, path_);
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(10));
  ASSERT_TRUE(kiosk.journal.record(request).ok());
  host_.script({Action::kRefuseStale});
  auto r = recover(kiosk.client, kiosk.journal);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].kind, Recovery::Kind::kRefused);
  EXPECT_EQ((*r)[0].error->refusal, wire::RefusalReason::kStale);
  EXPECT_EQ(kiosk.journal.find(request.key)->state, EntryState::kPending);
  EXPECT_EQ(host_.frames, 1);
}

TEST_F(ExactlyOnceTest, ABadAnswerStaysPending) {
  Kiosk kiosk(host_, path_);
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(11));
  ASSERT_TRUE(kiosk.journal.record(request).ok());
  host_.script({Action::kForgeMac});
  auto r = recover(kiosk.client, kiosk.journal);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].kind, Recovery::Kind::kBadAnswer);
  EXPECT_EQ(kiosk.journal.find(request.key)->state, EntryState::kPending);
  // The next recovery gets the issuer's stored answer.
  auto again = recover(kiosk.client, kiosk.journal);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].kind, Recovery::Kind::kDone);
  EXPECT_TRUE((*again)[0].response->duplicate);
  EXPECT_EQ(host_.applied[request.key], 1);
}

TEST_F(ExactlyOnceTest, AnEntryWhoseCardStepIsUnconfirmedIsNotSent) {
  Kiosk kiosk(host_, path_);
  wire::Request request = sample_request(wire::Operation::kActivate, key_of(12));
  host_.card_states[request.card_number] = wire::CardState::kNotActivated;
  ASSERT_TRUE(kiosk.journal.record(request, Step::kCard).ok());
  auto r = recover(kiosk.client, kiosk.journal);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].kind, Recovery::Kind::kAwaitingCard);
  EXPECT_EQ(host_.frames, 0);

  ASSERT_TRUE(kiosk.journal.card_step_done(request.key).ok());
  r = recover(kiosk.client, kiosk.journal);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].kind, Recovery::Kind::kDone);
  EXPECT_EQ((*r)[0].response->card_state, wire::CardState::kActive);
  EXPECT_EQ(host_.applied[request.key], 1);
}

TEST_F(ExactlyOnceTest, AnIssuerRefusalIsAFinalAnswer) {
  Kiosk kiosk(host_, path_);
  const wire::Request request = sample_request(wire::Operation::kCancelLoss, key_of(13));
  auto submitted = submit(kiosk.client, kiosk.journal, request);
  ASSERT_TRUE(submitted.ok());
  EXPECT_EQ(submitted->response.result, wire::ResultCode::kInvalidState);
  EXPECT_EQ(kiosk.journal.find(request.key)->state, EntryState::kDone);
}

}  // namespace
}  // namespace sscard::host::testing

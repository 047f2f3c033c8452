// The kiosk journal: states and steps, durability across reopening, and rows that do not decode.
#include "sscard/host/journal.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "host_test_util.h"

namespace sscard::host::testing {
namespace {

// Runs `sql` on the journal file behind the Journal's back (as a bad disk or a bad tool would), binding `key`
// to ?1 when given.
void tamper(const std::filesystem::path& file, const char* sql, const wire::IdempotencyKey* key = nullptr) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  if (key != nullptr) {
    ASSERT_EQ(sqlite3_bind_blob(stmt, 1, key->data(), static_cast<int>(key->size()), nullptr), SQLITE_OK);
  }
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

std::string pragma(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) return "open failed";
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

wire::Response done_answer() {
  wire::Response r;
  r.home_issuer = "500000";
  r.served_by = "500000";
  r.card_state = wire::CardState::kLossReported;
  return r;
}

TEST(JournalTest, RecordThenComplete) {
  Journal journal = open_or_die(":memory:");
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(1));
  ASSERT_TRUE(journal.record(request).ok());

  auto entry = journal.find(request.key);
  ASSERT_TRUE(entry.ok());
  EXPECT_FALSE(entry->corrupt());
  EXPECT_EQ(entry->key, request.key);
  EXPECT_EQ(entry->operation, wire::Operation::kReportLoss);
  EXPECT_EQ(entry->state, EntryState::kPending);
  EXPECT_EQ(entry->step, Step::kIssuer);
  EXPECT_EQ(entry->request, request);
  EXPECT_EQ(entry->attempts, 0);
  EXPECT_GT(entry->created_ms, 0u);
  EXPECT_FALSE(entry->response.has_value());

  ASSERT_TRUE(journal.note_attempt(request.key).ok());
  ASSERT_TRUE(journal.complete(request.key, done_answer()).ok());
  entry = journal.find(request.key);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->state, EntryState::kDone);
  EXPECT_EQ(entry->attempts, 1);
  ASSERT_TRUE(entry->response.has_value());
  EXPECT_EQ(*entry->response, done_answer());
  EXPECT_GE(entry->updated_ms, entry->created_ms);

  auto pending = journal.pending();
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());

  // A second completion keeps the first answer.
  wire::Response other = done_answer();
  other.card_state = wire::CardState::kActive;
  EXPECT_TRUE(journal.complete(request.key, other).ok());
  EXPECT_EQ(journal.find(request.key)->response, done_answer());
}

TEST(JournalTest, RecordingTheSameRequestAgainIsANoOpAndAnotherRequestUnderItsKeyIsRefused) {
  Journal journal = open_or_die(":memory:");
  const wire::Request request = sample_request(wire::Operation::kCancelLoss, key_of(2));
  ASSERT_TRUE(journal.record(request).ok());
  ASSERT_TRUE(journal.note_attempt(request.key).ok());
  EXPECT_TRUE(journal.record(request).ok());
  EXPECT_EQ(journal.find(request.key)->attempts, 1);

  wire::Request other = request;
  other.date = "20250116";
  EXPECT_EQ(journal.record(other), Error::kInvalidArgument);
  EXPECT_EQ(journal.find(request.key)->request, request);
}

TEST(JournalTest, QueriesAndBadRequestsAreNotJournaled) {
  Journal journal = open_or_die(":memory:");
  EXPECT_EQ(journal.record(sample_request(wire::Operation::kQuery, key_of(3))), Error::kInvalidArgument);
  wire::Request bad = sample_request(wire::Operation::kActivate, key_of(3));
  bad.card_id = {0x01};
  EXPECT_EQ(journal.record(bad), Error::kInvalidArgument);
  EXPECT_EQ(journal.find(key_of(3)).status(), Error::kNotFound);
}

TEST(JournalTest, StateTransitions) {
  Journal journal = open_or_die(":memory:");
  const wire::Request a = sample_request(wire::Operation::kReportLoss, key_of(4));
  ASSERT_TRUE(journal.record(a).ok());
  ASSERT_TRUE(journal.fail(a.key, "cancelled by the holder").ok());
  auto entry = journal.find(a.key);
  EXPECT_EQ(entry->state, EntryState::kFailed);
  EXPECT_EQ(entry->failure, "cancelled by the holder");
  EXPECT_TRUE(journal.fail(a.key, "again").ok());
  EXPECT_EQ(journal.complete(a.key, done_answer()), Error::kInvalidArgument);
  EXPECT_EQ(journal.note_attempt(a.key), Error::kInvalidArgument);
  EXPECT_EQ(journal.card_step_done(a.key), Error::kInvalidArgument);

  const wire::Request b = sample_request(wire::Operation::kActivate, key_of(5));
  ASSERT_TRUE(journal.record(b, Step::kCard).ok());
  EXPECT_EQ(journal.find(b.key)->step, Step::kCard);
  ASSERT_TRUE(journal.card_step_done(b.key).ok());
  EXPECT_EQ(journal.find(b.key)->step, Step::kIssuer);
  ASSERT_TRUE(journal.complete(b.key, done_answer()).ok());
  EXPECT_EQ(journal.fail(b.key, "late"), Error::kInvalidArgument);

  const wire::IdempotencyKey unknown = key_of(6);
  EXPECT_EQ(journal.complete(unknown, done_answer()), Error::kNotFound);
  EXPECT_EQ(journal.fail(unknown, "x"), Error::kNotFound);
  EXPECT_EQ(journal.note_attempt(unknown), Error::kNotFound);
  EXPECT_EQ(journal.card_step_done(unknown), Error::kNotFound);
  EXPECT_EQ(journal.fail_row(12345, "x"), Error::kNotFound);
}

TEST(JournalTest, PendingEntriesSurviveClosingAndReopeningAFile) {
  TempDir dir;
  const auto file = dir.file("journal.db");
  const wire::Request a = sample_request(wire::Operation::kReportLoss, key_of(7));
  const wire::Request b = sample_request(wire::Operation::kCertify, key_of(8));
  const wire::Request c = sample_request(wire::Operation::kCancelLoss, key_of(9));
  {
    Journal journal = open_or_die(file.string());
    ASSERT_TRUE(journal.record(a).ok());
    ASSERT_TRUE(journal.record(b).ok());
    ASSERT_TRUE(journal.record(c, Step::kCard).ok());
    ASSERT_TRUE(journal.complete(a.key, done_answer()).ok());
  }
  EXPECT_EQ(pragma(file, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma(file, "PRAGMA user_version"), "3");

  Journal journal = open_or_die(file.string());
  auto pending = journal.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].request, b);
  EXPECT_EQ((*pending)[0].step, Step::kIssuer);
  EXPECT_EQ((*pending)[1].request, c);
  EXPECT_EQ((*pending)[1].step, Step::kCard);
  EXPECT_EQ(journal.find(a.key)->state, EntryState::kDone);
  EXPECT_EQ(journal.find(a.key)->response, done_answer());
}

// A payment's reversal and confirmation wait in the journal like a state change, and read back whole after a
// restart so recovery resends them (PAYMENT.md §10).
TEST(JournalTest, PendingReversalsAndConfirmationsReadBackAfterReopening) {
  TempDir dir;
  const auto file = dir.file("journal.db");
  wire::Request reversal;
  reversal.operation = wire::Operation::kReverse;
  reversal.key = key_of(30);
  reversal.terminal = kKioskTerminal;
  reversal.serving_province = std::string(wire::kChongqing);
  reversal.card_region = "510101";
  reversal.date = "20261205";
  reversal.original_key = key_of(29);
  reversal.reversal_reason = wire::ReversalReason::kNoAnswer;
  reversal.icc_data = from_hex("5A0862005151010080925F3401019F360200019F0206000000001234").value();
  {
    Journal journal = open_or_die(file.string());
    ASSERT_TRUE(journal.record(reversal).ok());
  }
  Journal journal = open_or_die(file.string());
  auto pending = journal.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_FALSE((*pending)[0].corrupt());
  EXPECT_EQ((*pending)[0].operation, wire::Operation::kReverse);
  EXPECT_EQ((*pending)[0].request, reversal);
}

TEST(JournalTest, MovingAJournalKeepsItsDatabase) {
  Journal first = open_or_die(":memory:");
  ASSERT_TRUE(first.record(sample_request(wire::Operation::kReportLoss, key_of(10))).ok());
  Journal second = std::move(first);
  EXPECT_TRUE(second.find(key_of(10)).ok());
  Journal third = open_or_die(":memory:");
  third = std::move(second);
  EXPECT_TRUE(third.find(key_of(10)).ok());
}

TEST(JournalTest, FilesThatAreNotJournalsAreRefused) {
  TempDir dir;
  EXPECT_EQ(Journal::open(dir.file("no/such/folder/journal.db").string()).status(), Error::kIo);

  const auto garbage = dir.file("garbage.db");
  std::ofstream(garbage) << std::string(4096, 'x');
  EXPECT_EQ(Journal::open(garbage.string()).status(), Error::kIo);

  const auto newer = dir.file("newer.db");
  { Journal j = open_or_die(newer.string()); }
  tamper(newer, "PRAGMA user_version = 4");
  EXPECT_EQ(Journal::open(newer.string()).status(), Error::kUnsupported);
  auto why = Journal::open_store(newer.string());
  ASSERT_FALSE(why.ok());
  EXPECT_EQ(why.error().kind, StoreError::Kind::kNewerSchema);
  EXPECT_EQ(pragma(newer, "PRAGMA user_version"), "4");
}

// A journal written before armed reversals and the payment record (schema 1, its values in the clear) opens
// with its entries kept, sealed (journal_at_rest_test.cpp migrates a schema 2 journal with every table).
TEST(JournalTest, AVersionOneJournalIsUpgradedWithItsEntries) {
  TempDir dir;
  const auto file = dir.file("v1.db");
  const wire::Request a = sample_request(wire::Operation::kReportLoss, key_of(70));
  Bytes payload;
  ASSERT_TRUE(wire::encode(a, payload).ok());
  tamper(file,
         "CREATE TABLE requests (idem_key BLOB PRIMARY KEY NOT NULL, operation INTEGER NOT NULL, request BLOB NOT "
         "NULL, state TEXT NOT NULL, step TEXT NOT NULL, response BLOB, failure TEXT, attempts INTEGER NOT NULL "
         "DEFAULT 0, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL)");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "INSERT INTO requests (idem_key, operation, request, state, step, created_ms, "
                                 "updated_ms) VALUES (?1, 3, ?2, 'pending', 'issuer', 1, 1)",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(stmt, 1, a.key.data(), static_cast<int>(a.key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 2, payload.data(), static_cast<int>(payload.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  tamper(file, "PRAGMA user_version = 1");
  Journal journal = open_or_die(file.string());
  EXPECT_EQ(pragma(file, "PRAGMA user_version"), "3");
  EXPECT_EQ(journal.armed_count().value(), 0);
  auto pending = journal.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].request, a);
  EXPECT_EQ(pragma(file, "SELECT length(request) FROM requests"),
            std::to_string(payload.size() + StoreKey::kSealedOverhead));
}

// An armed row whose reversal does not decode is never sent as something else: activation refuses it
// (kMalformed) and leaves it where it is; the other armed rows still activate.
TEST(JournalTest, ACorruptArmedRowIsRefusedAndLeftAlone) {
  TempDir dir;
  const auto file = dir.file("armed.db");
  wire::Request original;
  original.operation = wire::Operation::kAuthorise;
  original.key = key_of(80);
  original.terminal = kKioskTerminal;
  original.serving_province = std::string(wire::kChongqing);
  original.card_region = "510100";
  original.date = "20261205";
  original.icc_data = from_hex("5A0A6200515101008092011F9F0206000000001234").value();
  wire::Request reversal = original;
  reversal.operation = wire::Operation::kReverse;
  reversal.key = key_of(81);
  reversal.original_key = original.key;
  reversal.reversal_reason = wire::ReversalReason::kNoAnswer;
  wire::Request second = original;
  second.key = key_of(82);
  wire::Request second_reversal = reversal;
  second_reversal.key = key_of(83);
  second_reversal.original_key = second.key;
  {
    Journal j = open_or_die(file.string());
    ASSERT_TRUE(j.arm(original, reversal).ok());
    ASSERT_TRUE(j.arm(second, second_reversal).ok());
  }
  tamper(file, "UPDATE armed SET reversal = x'DF0101' WHERE original_key = ?1", &original.key);
  Journal journal = open_or_die(file.string());
  EXPECT_EQ(journal.activate(original.key, wire::ReversalReason::kRestart).status().code(), Error::kMalformed);
  EXPECT_EQ(journal.activate_all(wire::ReversalReason::kRestart).value(), 1);
  EXPECT_EQ(journal.armed_count().value(), 1);
  auto pending = journal.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].key, second_reversal.key);
  EXPECT_EQ((*pending)[0].request.reversal_reason, wire::ReversalReason::kRestart);
}

TEST(JournalTest, CorruptRowsAreReportedAndDoNotHideTheOthers) {
  TempDir dir;
  const auto file = dir.file("journal.db");
  const wire::Request good = sample_request(wire::Operation::kReportLoss, key_of(11));
  // Each of these rows is damaged in one column after it is written.
  struct Damage {
    wire::IdempotencyKey key;
    const char* sql;
  };
  const Damage damages[] = {
      {key_of(12), "UPDATE requests SET request = x'DF0101' WHERE idem_key = ?1"},
      {key_of(13), "UPDATE requests SET request = 'not a blob' WHERE idem_key = ?1"},
      {key_of(14), "UPDATE requests SET operation = 1 WHERE idem_key = ?1"},
      {key_of(15), "UPDATE requests SET operation = 'activate' WHERE idem_key = ?1"},
      {key_of(16), "UPDATE requests SET attempts = -1 WHERE idem_key = ?1"},
      {key_of(17), "UPDATE requests SET idem_key = x'0102' WHERE idem_key = ?1"},
      {key_of(18), "UPDATE requests SET operation = 5 WHERE idem_key = ?1"},  // disagrees with the payload
  };
  {
    Journal journal = open_or_die(file.string());
    ASSERT_TRUE(journal.record(good).ok());
    for (const Damage& d : damages) ASSERT_TRUE(journal.record(sample_request(wire::Operation::kReportLoss, d.key)).ok());
  }
  for (const Damage& d : damages) tamper(file, d.sql, &d.key);

  Journal journal = open_or_die(file.string());
  auto pending = journal.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u + std::size(damages));
  EXPECT_FALSE((*pending)[0].corrupt());
  EXPECT_EQ((*pending)[0].request, good);
  for (std::size_t i = 1; i < pending->size(); ++i) {
    EXPECT_TRUE((*pending)[i].corrupt()) << i;
    EXPECT_GT((*pending)[i].row, 0) << i;
  }
  EXPECT_TRUE(journal.find(key_of(12))->corrupt());
}

TEST(JournalTest, ADoneEntryWithAnUndecodableAnswerIsCorrupt) {
  TempDir dir;
  const auto file = dir.file("journal.db");
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(19));
  {
    Journal journal = open_or_die(file.string());
    ASSERT_TRUE(journal.record(request).ok());
    ASSERT_TRUE(journal.complete(request.key, done_answer()).ok());
  }
  tamper(file, "UPDATE requests SET response = x'DF2101FF' WHERE idem_key = ?1", &request.key);
  Journal journal = open_or_die(file.string());
  auto entry = journal.find(request.key);
  ASSERT_TRUE(entry.ok());
  EXPECT_TRUE(entry->corrupt());
  EXPECT_EQ(entry->status, Error::kMalformed);
}

}  // namespace
}  // namespace sscard::host::testing

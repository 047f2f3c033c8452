// The kiosk journal at rest (docs/SECURITY.md "Card data at rest"; PCI DSS v4.0 requirement 3.5.1): the database
// file holds no PAN in any encoding, sealed values are bound to their rows, a resend after a restart is the very
// request that was journaled, a schema 2 journal with its PANs in the clear is migrated without a clear copy
// left behind, and a key file that is missing, too open or wrong is refused with its reason.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <cstring>
#include <iterator>

#include "host_test_util.h"
#include "sscard/host/journal.h"
#include "at_rest_scan.h"
#include "sscard/host/store_key.h"
#include "sscard/wire/wire.h"

namespace sscard::host::testing {
namespace {

namespace fs = std::filesystem;

// The Chengdu card of PAYMENT.md §2.
constexpr char kPan[] = "6200515101008092011";

// FF40 of an authorise for kPan: 5A packed, F-padded.
Bytes icc_data() { return from_hex("5A0A6200515101008092011F5F3401019F360200019F0206000000001234").value(); }

using sscard::testing::file_bytes;
using sscard::testing::mode_of;
using sscard::testing::run_sql;
using sscard::testing::hits_text;

// Every PAN encoding found in the database file and its write-ahead log.
std::vector<std::string> pan_hits(const fs::path& db) {
  return sscard::testing::at_rest_hits(db, sscard::testing::pan_needles(kPan));
}

// The blob of `column` in the row of `table` whose `key_column` is `key`.
Bytes get_blob(const fs::path& file, const std::string& table, const std::string& column, const std::string& key_column,
               ByteSpan key) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const std::string sql = "SELECT " + column + " FROM " + table + " WHERE " + key_column + " = ?1";
  sqlite3_stmt* stmt = nullptr;
  Bytes out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_blob(stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, 0));
      out.assign(p, p + sqlite3_column_bytes(stmt, 0));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

void set_blob(const fs::path& file, const std::string& table, const std::string& column, const std::string& key_column,
              ByteSpan key, ByteSpan value) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  const std::string sql = "UPDATE " + table + " SET " + column + " = ?2 WHERE " + key_column + " = ?1";
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  sqlite3_bind_blob(stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob(stmt, 2, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

wire::Request authorise(std::uint8_t seed) {
  wire::Request r;
  r.operation = wire::Operation::kAuthorise;
  r.key = key_of(seed);
  r.terminal = kKioskTerminal;
  r.serving_province = std::string(wire::kChongqing);
  r.card_region = "510100";
  r.date = "20261205";
  r.icc_data = icc_data();
  return r;
}

wire::Request follow_up(const wire::Request& original, wire::Operation op, std::uint8_t seed) {
  wire::Request r = original;
  r.operation = op;
  r.key = key_of(seed);
  r.original_key = original.key;
  if (op == wire::Operation::kReverse) r.reversal_reason = wire::ReversalReason::kNoAnswer;
  return r;
}

wire::Request ecash_load(std::uint8_t seed) {
  wire::Request r = authorise(seed);
  r.operation = wire::Operation::kEcashLoad;
  return r;
}

Bytes encoded(const wire::Request& r) {
  Bytes out;
  EXPECT_TRUE(wire::encode(r, out).ok());
  return out;
}

// The search finds what it looks for: the journaled request itself, encoded, holds the PAN as BCD.
TEST(JournalAtRest, TheSearchFindsThePanInTheRequestItJournals) {
  const std::string payload = [] {
    const Bytes b = encoded(authorise(1));
    return std::string(b.begin(), b.end());
  }();
  EXPECT_NE(payload.find(sscard::testing::packed_bcd(kPan)), std::string::npos);
  EXPECT_NE(payload.find(sscard::testing::packed_bcd(std::string(kPan).substr(6, 8))), std::string::npos);
}

// Every table that holds card data, filled through the API: neither the database nor its log holds the PAN,
// while the API gives every value back as it was written.
TEST(JournalAtRest, TheFilesHoldNoPanInAsciiOrBcd) {
  TempDir dir;
  const fs::path file = dir.file("journal.db");
  const wire::Request original = authorise(1);
  const wire::Request reversal = follow_up(original, wire::Operation::kReverse, 2);
  const wire::Request load = ecash_load(3);
  const wire::Request load_reversal = follow_up(load, wire::Operation::kReverse, 4);
  const wire::Request pending_reversal = follow_up(authorise(5), wire::Operation::kReverse, 6);
  const wire::Request confirmation = follow_up(authorise(7), wire::Operation::kConfirm, 8);
  const Bytes tap = [] {
    const std::string pan = kPan;
    Bytes t(pan.begin(), pan.end());  // the caller's encoding may carry the PAN as text
    t.push_back(0x00);
    return t;
  }();
  {
    Journal journal = open_or_die(file.string());
    ASSERT_TRUE(journal.arm(original, reversal).ok());
    ASSERT_TRUE(journal.arm_load(load, load_reversal, EcashLoad{load.key, kPan, 5000, 10000, 0}).ok());
    ASSERT_TRUE(journal.record(pending_reversal).ok());
    ASSERT_TRUE(journal.record(confirmation).ok());
    ASSERT_TRUE(journal.keep_torn_tap(tap).ok());
    wire::Response answer;
    answer.home_issuer = "510000";
    answer.served_by = "500000";
    ASSERT_TRUE(journal.complete(confirmation.key, answer).ok());
    // While the journal is open its newest pages are in the write-ahead log.
    EXPECT_TRUE(pan_hits(file).empty()) << hits_text(pan_hits(file));

    EXPECT_EQ(journal.armed_original(original.key).value(), original);
    EXPECT_EQ(journal.find(pending_reversal.key)->request, pending_reversal);
    EXPECT_EQ(journal.find(confirmation.key)->response, answer);
    auto loads = journal.unresolved_loads();
    ASSERT_TRUE(loads.ok());
    ASSERT_EQ(loads->size(), 1u);
    EXPECT_EQ((*loads)[0].pan, kPan);
    EXPECT_EQ((*loads)[0].old_balance_fen, 5000u);
    EXPECT_EQ((*loads)[0].amount_fen, 10000u);
    EXPECT_EQ(journal.torn_tap().value()->tap, tap);
  }
  EXPECT_TRUE(pan_hits(file).empty()) << hits_text(pan_hits(file));
  // The load's PAN is stored as a keyed digest and a sealed value, never as text.
  EXPECT_EQ(get_blob(file, "ecash_loads", "pan_digest", "original_key", load.key).size(), 32u);
  EXPECT_EQ(get_blob(file, "ecash_loads", "pan_sealed", "original_key", load.key).size(),
            std::strlen(kPan) + StoreKey::kSealedOverhead);

  const fs::path key_file = dir.file("storage.key");
  EXPECT_EQ(mode_of(key_file), 0600u);
  EXPECT_EQ(fs::file_size(key_file), 32u);
}

// Loads are found by the keyed digest of their card's PAN.
TEST(JournalAtRest, UnresolvedLoadsAreFoundByTheirPansKeyedDigest) {
  Journal journal = open_or_die(":memory:");
  const wire::Request a = ecash_load(10);
  wire::Request b = ecash_load(12);
  b.icc_data = from_hex("5A0862005151010080929F0206000000001234").value();
  ASSERT_TRUE(journal.arm_load(a, follow_up(a, wire::Operation::kReverse, 11), EcashLoad{a.key, kPan, 0, 100, 0}).ok());
  ASSERT_TRUE(journal.arm_load(b, follow_up(b, wire::Operation::kReverse, 13),
                               EcashLoad{b.key, "6200515101008092", 0, 200, 0})
                  .ok());
  auto of_a = journal.unresolved_loads_of(kPan);
  ASSERT_TRUE(of_a.ok());
  ASSERT_EQ(of_a->size(), 1u);
  EXPECT_EQ((*of_a)[0].original_key, a.key);
  EXPECT_EQ((*of_a)[0].amount_fen, 100u);
  EXPECT_EQ(journal.unresolved_loads_of("6200515101008092")->size(), 1u);
  EXPECT_TRUE(journal.unresolved_loads_of("6200515101008093")->empty());
  EXPECT_EQ(journal.unresolved_loads()->size(), 2u);
}

// A restart, then recovery: what reaches the host is, byte for byte, the request that was journaled.
TEST(JournalAtRest, AResendAfterARestartIsByteIdenticalToTheJournaledRequest) {
  TempDir dir;
  const std::string file = dir.file("journal.db").string();
  const wire::Request original = authorise(20);
  const wire::Request confirmed = authorise(22);
  Bytes reversal_bytes;
  Bytes confirmation_bytes;
  {
    Journal journal = open_or_die(file);
    ASSERT_TRUE(journal.arm(original, follow_up(original, wire::Operation::kReverse, 21)).ok());
    auto reversal = journal.activate(original.key, wire::ReversalReason::kCardDeclined);
    ASSERT_TRUE(reversal.ok());
    reversal_bytes = encoded(*reversal);
    const wire::Request confirmation = follow_up(confirmed, wire::Operation::kConfirm, 23);
    ASSERT_TRUE(journal.arm(confirmed, follow_up(confirmed, wire::Operation::kReverse, 24)).ok());
    ASSERT_TRUE(journal.disarm(confirmed.key, &confirmation).ok());
    confirmation_bytes = encoded(confirmation);
  }  // the process ends with both pending

  FakeHost host(test_crypto(), std::string(wire::kChongqing), kKioskTerminal, test_link_key());
  std::vector<Bytes> payloads;  // what the host opened, before it decodes anything
  wire::FunctionChannel channel([&](ByteSpan message) -> Result<Bytes> {
    if (message.size() > 4) {
      auto opened = wire::open(test_crypto(), message.subspan(4), test_link_key());
      if (opened.ok()) payloads.push_back(opened->payload);
    }
    return host.handle(message);
  });
  HostClient client(test_crypto(), kiosk_identity(), channel, no_wait());
  Journal journal = open_or_die(file);
  auto recovered = recover(client, journal);
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->size(), 2u);
  EXPECT_EQ((*recovered)[0].kind, Recovery::Kind::kDone);
  EXPECT_EQ((*recovered)[1].kind, Recovery::Kind::kDone);
  ASSERT_EQ(payloads.size(), 2u);
  EXPECT_EQ(to_hex(payloads[0]), to_hex(reversal_bytes));
  EXPECT_EQ(to_hex(payloads[1]), to_hex(confirmation_bytes));
  EXPECT_NE(to_hex(payloads[0]).find(to_hex(icc_data())), std::string::npos) << "the FF40 with 5A went whole";
}

// A changed byte, or a sealed value moved to another row, makes the row corrupt with kSecurity; the other rows
// read on. Armed rows, loads and the torn tap alike.
TEST(JournalAtRest, TamperedOrMovedSealedValuesAreRefusedWithASecurityError) {
  TempDir dir;
  const fs::path file = dir.file("journal.db");
  const wire::Request a = sample_request(wire::Operation::kReportLoss, key_of(30));
  const wire::Request b = sample_request(wire::Operation::kReportLoss, key_of(31));
  const wire::Request c = sample_request(wire::Operation::kReportLoss, key_of(32));
  const wire::Request armed = authorise(33);
  const wire::Request load = ecash_load(35);
  const wire::Request other_load = ecash_load(37);
  {
    Journal journal = open_or_die(file.string());
    for (const wire::Request* r : {&a, &b, &c}) ASSERT_TRUE(journal.record(*r).ok());
    ASSERT_TRUE(journal.arm(armed, follow_up(armed, wire::Operation::kReverse, 34)).ok());
    ASSERT_TRUE(journal.arm_load(load, follow_up(load, wire::Operation::kReverse, 36), EcashLoad{load.key, kPan, 0, 1, 0}).ok());
    ASSERT_TRUE(journal.arm_load(other_load, follow_up(other_load, wire::Operation::kReverse, 38),
                                 EcashLoad{other_load.key, kPan, 0, 2, 0})
                    .ok());
    ASSERT_TRUE(journal.keep_torn_tap(Bytes{1, 2, 3}).ok());
  }
  // a: one bit of the ciphertext; b: a's sealed request copied in; the armed reversal: its tag's last byte.
  Bytes sealed_a = get_blob(file, "requests", "request", "idem_key", a.key);
  ASSERT_GT(sealed_a.size(), StoreKey::kSealedOverhead);
  set_blob(file, "requests", "request", "idem_key", b.key, sealed_a);
  sealed_a[20] ^= 0x01;
  set_blob(file, "requests", "request", "idem_key", a.key, sealed_a);
  Bytes reversal = get_blob(file, "armed", "reversal", "original_key", armed.key);
  reversal.back() ^= 0x80;
  set_blob(file, "armed", "reversal", "original_key", armed.key, reversal);
  // The second load's PAN moved onto the first: the first no longer opens and is skipped.
  set_blob(file, "ecash_loads", "pan_sealed", "original_key", load.key,
           get_blob(file, "ecash_loads", "pan_sealed", "original_key", other_load.key));
  // The torn tap made to look new: its time is in the sealed value's associated data.
  run_sql(file, "UPDATE torn_taps SET created_ms = created_ms + 1");

  Journal journal = open_or_die(file.string());
  auto pending = journal.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ((*pending)[0].status, Error::kSecurity);
  EXPECT_EQ((*pending)[1].status, Error::kSecurity);
  EXPECT_FALSE((*pending)[2].corrupt());
  EXPECT_EQ((*pending)[2].request, c);
  EXPECT_EQ(journal.find(a.key)->status, Error::kSecurity);
  EXPECT_EQ(journal.activate(armed.key, wire::ReversalReason::kRestart).status(), Error::kSecurity);
  EXPECT_EQ(journal.armed_original(armed.key).status(), Error::kSecurity);
  EXPECT_EQ(journal.armed_count().value(), 3);  // left armed for an operator, never sent as something else
  auto loads = journal.unresolved_loads();
  ASSERT_TRUE(loads.ok());
  ASSERT_EQ(loads->size(), 1u);
  EXPECT_EQ((*loads)[0].original_key, other_load.key);
  EXPECT_EQ(journal.torn_tap().status(), Error::kSecurity);
  // The same request recorded again is not taken for the one whose stored value no longer opens.
  EXPECT_EQ(journal.record(a), Error::kInvalidArgument);
}

// Two journals in one folder share the device's key, yet a value copied from one to the other does not open:
// each database's id is in the associated data.
TEST(JournalAtRest, AValueCopiedFromAnotherJournalOnTheDeviceDoesNotOpen) {
  TempDir dir;
  const fs::path first = dir.file("journal-a.db");
  const fs::path second = dir.file("journal-b.db");
  const wire::Request r = sample_request(wire::Operation::kReportLoss, key_of(40));
  {
    Journal a = open_or_die(first.string());
    Journal b = open_or_die(second.string());
    ASSERT_TRUE(a.record(r).ok());
    ASSERT_TRUE(b.record(r).ok());
  }
  set_blob(second, "requests", "request", "idem_key", r.key, get_blob(first, "requests", "request", "idem_key", r.key));
  EXPECT_EQ(open_or_die(first.string()).find(r.key)->status, kOk);
  EXPECT_EQ(open_or_die(second.string()).find(r.key)->status, Error::kSecurity);
}

// ---- The key file ----

class JournalKeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    Journal journal = open_or_die(file_.string());
    ASSERT_TRUE(journal.record(request_).ok());
    ASSERT_TRUE(journal.arm(authorise(51), follow_up(authorise(51), wire::Operation::kReverse, 52)).ok());
    key_ = file_bytes(key_file_);
    ASSERT_EQ(key_.size(), 32u);
  }
  void put_key(const std::string& bytes, fs::perms perms) {
    std::error_code ec;
    fs::remove(key_file_, ec);
    std::ofstream(key_file_, std::ios::binary) << bytes;
    fs::permissions(key_file_, perms);
  }
  StoreError refused() {
    auto j = Journal::open_store(file_.string());
    EXPECT_FALSE(j.ok());
    return j.ok() ? StoreError{} : j.error();
  }
  // The journal is as it was: with its key back, both rows read.
  void expect_intact() {
    put_key(key_, fs::perms::owner_read | fs::perms::owner_write);
    Journal journal = open_or_die(file_.string());
    EXPECT_EQ(journal.find(request_.key)->request, request_);
    EXPECT_EQ(journal.armed_original(key_of(51)).value(), authorise(51));
  }

  TempDir dir_;
  fs::path file_ = dir_.file("journal.db");
  fs::path key_file_ = dir_.file("storage.key");
  wire::Request request_ = sample_request(wire::Operation::kCertify, key_of(50));
  std::string key_;
};

TEST_F(JournalKeyFile, AMissingKeyWithSealedRowsIsRefusedNotReplaced) {
  fs::remove(key_file_);
  const StoreError e = refused();
  EXPECT_EQ(e.kind, StoreError::Kind::kKeyMissing);
  EXPECT_EQ(e.status(), Error::kSecurity);
  EXPECT_EQ(e.sealed_rows, 2);
  EXPECT_EQ(e.file, key_file_.string());
  EXPECT_NE(e.message().find(key_file_.string()), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("2 stored row(s)"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("restore"), std::string::npos) << e.message();
  EXPECT_FALSE(fs::exists(key_file_)) << "no new key was made";
  EXPECT_EQ(Journal::open(file_.string()).status(), Error::kSecurity);
  expect_intact();
}

TEST_F(JournalKeyFile, AKeyFileOthersMayReadIsRefusedAndLeftAsItIs) {
  fs::permissions(key_file_, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                 fs::perms::others_read);
  const StoreError e = refused();
  EXPECT_EQ(e.kind, StoreError::Kind::kKeyNotOwnerOnly);
  EXPECT_EQ(e.mode, 0644u);
  EXPECT_NE(e.message().find("0644"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("chmod 600"), std::string::npos) << e.message();
  EXPECT_EQ(mode_of(key_file_), 0644u);
  EXPECT_EQ(file_bytes(key_file_), key_);
  expect_intact();
}

TEST_F(JournalKeyFile, AnotherKeyAShortKeyAndAFolderAreRefused) {
  put_key(std::string(32, 'k'), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(refused().kind, StoreError::Kind::kKeyMismatch);
  put_key(key_.substr(0, 31), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(refused().kind, StoreError::Kind::kKeyMalformed);
  fs::remove(key_file_);
  fs::create_directory(key_file_);
  fs::permissions(key_file_, fs::perms::owner_all);
  EXPECT_EQ(refused().kind, StoreError::Kind::kKeyNotAFile);
  fs::remove(key_file_);
  expect_intact();
}

// With nothing sealed, a lost key costs nothing: a new one is made and the journal bound to it.
TEST(JournalKeyFileNew, AnEmptyJournalWithoutItsKeyGetsANewOwnerOnlyKey) {
  TempDir dir;
  const fs::path file = dir.file("journal.db");
  const mode_t old_mask = ::umask(0);  // the key file is 0600 whatever the umask
  { Journal j = open_or_die(file.string()); }
  ::umask(old_mask);
  const fs::path key_file = dir.file("storage.key");
  EXPECT_EQ(mode_of(key_file), 0600u);
  const std::string first = file_bytes(key_file);
  fs::remove(key_file);
  Journal journal = open_or_die(file.string());
  EXPECT_EQ(fs::file_size(key_file), 32u);
  EXPECT_NE(file_bytes(key_file), first);
  const wire::Request r = sample_request(wire::Operation::kReportLoss, key_of(60));
  ASSERT_TRUE(journal.record(r).ok());
  EXPECT_EQ(journal.find(r.key)->request, r);
}

// ---- Migration ----

// A schema 2 journal as the previous version wrote it, every value in the clear.
void write_version_two_journal(const fs::path& file, const wire::Request& pending, const wire::Request& original,
                               const wire::Request& reversal, const Bytes& tap) {
  run_sql(file,
          "PRAGMA journal_mode = WAL;"
          "CREATE TABLE requests (idem_key BLOB PRIMARY KEY NOT NULL, operation INTEGER NOT NULL, request BLOB NOT "
          "NULL, state TEXT NOT NULL, step TEXT NOT NULL, response BLOB, failure TEXT, attempts INTEGER NOT NULL "
          "DEFAULT 0, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
          "CREATE TABLE armed (original_key BLOB PRIMARY KEY NOT NULL, original BLOB NOT NULL, reversal BLOB NOT "
          "NULL, created_ms INTEGER NOT NULL);"
          "CREATE TABLE payments (original_key BLOB PRIMARY KEY NOT NULL, operation INTEGER NOT NULL, issuer TEXT NOT "
          "NULL, business_date TEXT NOT NULL, amount_fen INTEGER NOT NULL, medical_fen INTEGER NOT NULL, approved "
          "INTEGER NOT NULL, reversed INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
          "CREATE TABLE ecash_loads (original_key BLOB PRIMARY KEY NOT NULL, pan TEXT NOT NULL, old_balance_fen "
          "INTEGER NOT NULL, amount_fen INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
          "CREATE TABLE torn_taps (id INTEGER PRIMARY KEY CHECK (id = 1), tap BLOB NOT NULL, created_ms INTEGER NOT "
          "NULL);"
          "PRAGMA user_version = 2;");
  run_sql(file, "INSERT INTO requests (idem_key, operation, request, state, step, created_ms, updated_ms) VALUES (x'" +
                    to_hex(pending.key) + "', 7, x'" + to_hex(encoded(pending)) + "', 'pending', 'issuer', 1, 1)");
  run_sql(file, "INSERT INTO armed VALUES (x'" + to_hex(original.key) + "', x'" + to_hex(encoded(original)) + "', x'" +
                    to_hex(encoded(reversal)) + "', 2)");
  run_sql(file, "INSERT INTO ecash_loads VALUES (x'" + to_hex(original.key) + "', '" + kPan + "', 300, 5000, 3)");
  run_sql(file, "INSERT INTO torn_taps VALUES (1, x'" + to_hex(tap) + "', 4)");
}

TEST(JournalMigration, AVersionTwoJournalIsSealedOnOpenAndNoClearCopyIsLeft) {
  TempDir dir;
  const fs::path file = dir.file("journal.db");
  const wire::Request pending = follow_up(authorise(70), wire::Operation::kReverse, 71);
  const wire::Request original = ecash_load(72);
  const wire::Request reversal = follow_up(original, wire::Operation::kReverse, 73);
  const Bytes tap = icc_data();
  write_version_two_journal(file, pending, original, reversal, tap);
  ASSERT_FALSE(pan_hits(file).empty()) << "the old journal holds the PAN in the clear";

  {
    Journal journal = open_or_die(file.string());
    EXPECT_TRUE(pan_hits(file).empty()) << hits_text(pan_hits(file));
    auto entries = journal.pending();
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_FALSE((*entries)[0].corrupt());
    EXPECT_EQ(to_hex(encoded((*entries)[0].request)), to_hex(encoded(pending)));
    EXPECT_EQ(journal.armed_original(original.key).value(), original);
    auto loads = journal.unresolved_loads_of(kPan);
    ASSERT_TRUE(loads.ok());
    ASSERT_EQ(loads->size(), 1u);
    EXPECT_EQ((*loads)[0].pan, kPan);
    EXPECT_EQ((*loads)[0].old_balance_fen, 300u);
    EXPECT_EQ((*loads)[0].amount_fen, 5000u);
    EXPECT_EQ((*loads)[0].created_ms, 3u);
    auto kept = journal.torn_tap();
    ASSERT_TRUE(kept.ok() && kept->has_value());
    EXPECT_EQ((*kept)->tap, tap);
    EXPECT_EQ((*kept)->created_ms, 4u);
    auto activated = journal.activate(original.key, wire::ReversalReason::kRestart);
    ASSERT_TRUE(activated.ok());
    EXPECT_EQ(activated->icc_data, reversal.icc_data);
  }
  EXPECT_TRUE(pan_hits(file).empty()) << hits_text(pan_hits(file));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 3);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace sscard::host::testing

// The validator's ride log at rest (docs/SECURITY.md "Card data at rest"; PCI DSS v4.0 requirement 3.5.1): the
// file holds no PAN, no FF40 and no deny digest in the clear, sealed values are bound to their ride, the upload
// after a restart sends the FF40 that was written, an unversioned log is migrated with nothing left in the clear,
// and the key file is refused as the journal's is.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "sscard/crypto/openssl.h"
#include "at_rest_scan.h"
#include "sscard/transit/ride_log.h"
#include "sscard/wire/deny_digest.h"

namespace sscard::transit {
namespace {

namespace fs = std::filesystem;

constexpr char kPan[] = "6200515109004011018";

// FF40 of a tap with kPan in 5A.
Bytes icc_data() { return from_hex("5A0A6200515109004011018F9F360200099F0206000000000200").value(); }

wire::DenyDigest card_digest() {
  auto crypto = crypto::make_openssl_crypto();
  return wire::deny_digest(*crypto, kPan).value();
}

// The PAN as ASCII and BCD (whole and its middle digits), and the card's unkeyed deny digest, which anyone can
// compute from a guessed PAN.
std::vector<std::string> hits(const fs::path& db) {
  const wire::DenyDigest d = card_digest();
  sscard::testing::Needles needles = sscard::testing::pan_needles(kPan);
  needles.emplace_back("deny digest", std::string(d.begin(), d.end()));
  return sscard::testing::at_rest_hits(db, needles);
}

using sscard::testing::file_bytes;
using sscard::testing::mode_of;
using sscard::testing::run_sql;
using sscard::testing::hits_text;

class RideLogAtRest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sscard-ride-rest-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<RideLog> open_log() {
    auto log = RideLog::open(file().string());
    EXPECT_TRUE(log.ok()) << log.status().name();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  fs::path file() const { return dir_ / "rides-500103020101.db"; }
  fs::path key_file() const { return dir_ / "storage.key"; }

  NewRide ride(RideKind kind) const {
    NewRide r;
    r.date = "20261205";
    r.kind = kind;
    r.pan_masked = "620051*********1018";
    r.digest = card_digest();
    r.atc = 9;
    r.fare_fen = 200;
    r.icc_data = icc_data();
    return r;
  }
  pboc::TornTap tap() const {
    pboc::TornTap t;
    t.amount_fen = 200;
    t.date = {0x26, 0x12, 0x05};
    t.unpredictable_number = {1, 2, 3, 4};
    t.pan = kPan;
    t.atc = 9;
    t.icc_data = icc_data();
    t.gpo_answered = true;
    return t;
  }

  fs::path dir_;
};

TEST_F(RideLogAtRest, TheFileHoldsNoPanNoFf40AndNoDenyDigestInTheClear) {
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    ASSERT_EQ(*log->add(ride(RideKind::kOffline)), 1u);
    ASSERT_EQ(*log->add(ride(RideKind::kDeferred)), 2u);
    ASSERT_TRUE(log->settle(2, {2, wire::ResultCode::kOk, "510000", "51", false}, RideState::kDeclined, card_digest())
                    .ok());
    ASSERT_TRUE(log->replace_host_deny_list({card_digest()}).ok());
    ASSERT_TRUE(log->keep(tap()).ok());
    EXPECT_TRUE(hits(file()).empty()) << hits_text(hits(file()));

    auto pending = log->pending(10);
    ASSERT_TRUE(pending.ok());
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ((*pending)[0].icc_data, icc_data());
    EXPECT_EQ((*pending)[0].digest, card_digest());
    EXPECT_EQ((*pending)[0].pan_masked, "620051*********1018");  // masked: in the clear for display
    EXPECT_TRUE(*log->denied(card_digest()));
    auto entries = log->deny_entries();
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ((*entries)[0].first, card_digest());
    EXPECT_EQ((*entries)[0].second, DenySource::kDeclined);
    auto kept = log->torn();
    ASSERT_TRUE(kept.has_value());
    EXPECT_EQ(kept->pan, kPan);
    EXPECT_EQ(kept->icc_data, icc_data());
  }
  EXPECT_TRUE(hits(file()).empty()) << hits_text(hits(file()));
  EXPECT_EQ(mode_of(key_file()), 0600u);
  // The upload after a restart sends the FF40 that was written, byte for byte.
  auto again = open_log();
  ASSERT_NE(again, nullptr);
  auto pending = again->pending(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(to_hex((*pending)[0].icc_data), to_hex(icc_data()));
}

TEST_F(RideLogAtRest, AChangedOrMovedSealedValueIsASecurityError) {
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    NewRide other = ride(RideKind::kOffline);
    other.icc_data = {0x9F, 0x36, 0x02, 0x00, 0x01};
    ASSERT_TRUE(log->add(ride(RideKind::kOffline)).ok());
    ASSERT_TRUE(log->add(other).ok());
    ASSERT_TRUE(log->replace_host_deny_list({card_digest()}).ok());
    ASSERT_TRUE(log->keep(tap()).ok());
  }
  // Ride 2's sealed FF40 put in ride 1: it was sealed for ride 2.
  run_sql(file(), "UPDATE rides SET icc_data = (SELECT icc_data FROM rides WHERE number = 2) WHERE number = 1");
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->pending(10).status(), Error::kSecurity);
  EXPECT_EQ(log->rides().status(), Error::kSecurity);
  // A sealed value of another column in the deny entry; the lookup still finds the card (the keyed digest).
  run_sql(file(), "UPDATE deny SET digest = (SELECT pan_digest FROM rides WHERE number = 1)");
  EXPECT_EQ(log->deny_entries().status(), Error::kSecurity);
  EXPECT_TRUE(*log->denied(card_digest()));
  // The torn tap made to look new does not open: no tap.
  run_sql(file(), "UPDATE torn SET kept_ms = kept_ms + 1");
  EXPECT_FALSE(log->torn().has_value());
}

TEST_F(RideLogAtRest, AnUnversionedLogIsSealedOnOpenWithNoClearCopyLeft) {
  const wire::DenyDigest d = card_digest();
  const std::string icc = to_hex(icc_data());
  run_sql(file(),
          "PRAGMA journal_mode = WAL;"
          "CREATE TABLE rides (number INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL, date TEXT NOT "
          "NULL, kind TEXT NOT NULL, pan_masked TEXT NOT NULL, pan_digest BLOB, atc INTEGER NOT NULL, fare_fen "
          "INTEGER NOT NULL, icc_data BLOB NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL, result TEXT NOT NULL "
          "DEFAULT '', response_code TEXT NOT NULL DEFAULT '', duplicate INTEGER NOT NULL DEFAULT 0, answered_ms "
          "INTEGER NOT NULL DEFAULT 0);"
          "CREATE TABLE deny (digest BLOB PRIMARY KEY NOT NULL CHECK (length(digest) = 16), source TEXT NOT NULL, "
          "added_ms INTEGER NOT NULL);"
          "CREATE TABLE torn (id INTEGER PRIMARY KEY CHECK (id = 1), amount_fen INTEGER NOT NULL, date BLOB NOT NULL, "
          "un BLOB NOT NULL, pan TEXT NOT NULL, atc INTEGER NOT NULL, icc_data BLOB NOT NULL, gpo_answered INTEGER "
          "NOT NULL, kept_ms INTEGER NOT NULL);"
          "INSERT INTO rides (created_ms, date, kind, pan_masked, pan_digest, atc, fare_fen, icc_data, reason, state) "
          "VALUES (1, '20261205', 'offline', '620051*********1018', x'" + to_hex(d) + "', 9, 200, x'" + icc +
              "', '', 'pending');"
          "INSERT INTO rides (created_ms, date, kind, pan_masked, pan_digest, atc, fare_fen, icc_data, reason, state) "
          "VALUES (2, '20261205', 'refused', '', NULL, 0, 0, x'', 'card error', 'refused');"
          "INSERT INTO deny VALUES (x'" + to_hex(d) + "', 'host', 3);"
          "INSERT INTO torn VALUES (1, 200, x'261205', x'01020304', '" + kPan + "', 9, x'" + icc + "', 1, 4);");
  ASSERT_FALSE(hits(file()).empty()) << "the old log holds the PAN in the clear";
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    EXPECT_TRUE(hits(file()).empty()) << hits_text(hits(file()));
    auto all = log->rides();
    ASSERT_TRUE(all.ok()) << all.status().name();
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ(to_hex((*all)[0].icc_data), icc);
    EXPECT_EQ((*all)[0].digest, d);
    EXPECT_EQ((*all)[0].state, RideState::kPending);
    EXPECT_TRUE((*all)[1].icc_data.empty());
    EXPECT_FALSE((*all)[1].digest.has_value());
    EXPECT_TRUE(*log->denied(d));
    EXPECT_EQ(log->deny_entries()->size(), 1u);
    EXPECT_EQ(log->deny_entries()->front().second, DenySource::kHost);
    EXPECT_EQ(*log->add(ride(RideKind::kOffline)), 3u);  // numbers go on
  }
  EXPECT_TRUE(hits(file()).empty()) << hits_text(hits(file()));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 2);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(RideLogAtRest, AMissingOrOpenKeyFileIsRefusedWithItsReason) {
  {
    auto log = open_log();
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->add(ride(RideKind::kOffline)).ok());
  }
  const std::string key = file_bytes(key_file());
  ASSERT_EQ(key.size(), 32u);

  fs::permissions(key_file(), fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  auto refused = RideLog::open_store(file().string());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, host::StoreError::Kind::kKeyNotOwnerOnly);
  EXPECT_EQ(refused.error().mode, 0640u);
  EXPECT_EQ(mode_of(key_file()), 0640u);

  fs::remove(key_file());
  refused = RideLog::open_store(file().string());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, host::StoreError::Kind::kKeyMissing);
  EXPECT_EQ(refused.error().sealed_rows, 1);
  EXPECT_EQ(refused.error().status(), Error::kSecurity);
  EXPECT_NE(refused.error().message().find(key_file().string()), std::string::npos) << refused.error().message();
  EXPECT_FALSE(fs::exists(key_file()));

  std::ofstream(key_file(), std::ios::binary) << key;
  fs::permissions(key_file(), fs::perms::owner_read | fs::perms::owner_write);
  auto log = open_log();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->pending(10)->size(), 1u);
}

TEST_F(RideLogAtRest, ALogOfANewerVersionIsRefusedUnchanged) {
  { ASSERT_NE(open_log(), nullptr); }
  run_sql(file(), "PRAGMA user_version = 3");
  auto refused = RideLog::open_store(file().string());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, host::StoreError::Kind::kNewerSchema);
  EXPECT_EQ(refused.error().status(), Error::kUnsupported);
}

}  // namespace
}  // namespace sscard::transit

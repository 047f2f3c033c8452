// The store of codes taken (docs/ESSC.md "Replay"): a code is taken once, across reopening and across two
// connections racing; rows go once their code has expired (and the time check refuses such a code anyway); the
// file is owner-only; a store that cannot be made is a one-line error naming the file.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

// vector_file.h (through essc_test_support.h) before at_rest_scan.h, whose sscard::testing would otherwise hide
// GoogleTest's testing:: from vector_file.h's unqualified names.
#include "essc_test_support.h"
#include "at_rest_scan.h"
#include "sscard/crypto/openssl.h"
#include "sscard/essc/check.h"
#include "sscard/essc/replay_store.h"

namespace sscard::essc {
namespace {

namespace fs = std::filesystem;
using sscard::testing::mode_of;

constexpr std::uint32_t kIssued = 1765000000;

std::unique_ptr<ReplayStore> open_or_fail(const fs::path& file) {
  auto store = ReplayStore::open(file);
  if (!store.ok()) {
    ADD_FAILURE() << store.error().message;
    return nullptr;
  }
  return std::move(store).value();
}

// "taken", "seen" or the store's error.
std::string take(ReplayStore& store, const Code& code, std::int64_t now) {
  auto r = store.take(code, now);
  if (!r.ok()) return "error: " + r.error().message;
  return *r ? "taken" : "seen";
}

Code code_with_nonce(std::uint8_t n, std::uint32_t issued_at = kIssued) {
  Code c = support::sample_code(issued_at);
  c.nonce = {0, 0, 0, 0, 0, 0, 0, n};
  return c;
}

// The rows of the store's table, read behind its back.
std::int64_t rows_in(const fs::path& file) {
  sqlite3* db = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM taken", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return n;
}

TEST(ReplayStore, ACodeIsTakenOnce) {
  support::TempDir dir;
  auto store = open_or_fail(dir.file("essc.db"));
  ASSERT_NE(store, nullptr);
  const Code code = code_with_nonce(1);
  EXPECT_EQ(take(*store, code, kIssued + 10), "taken");
  EXPECT_EQ(take(*store, code, kIssued + 11), "seen");
  EXPECT_EQ(take(*store, code, kIssued + 299), "seen");
  // The signature is not part of the key: the same nonce under the same platform key is the same code.
  Code resigned = code;
  resigned.signature[0] ^= 0xFF;
  EXPECT_EQ(take(*store, resigned, kIssued + 12), "seen");
  EXPECT_EQ(rows_in(dir.file("essc.db")), 1);
}

TEST(ReplayStore, TheKeyIsPlatformKeyIndexAndNonce) {
  support::TempDir dir;
  auto store = open_or_fail(dir.file("essc.db"));
  ASSERT_NE(store, nullptr);
  const Code code = code_with_nonce(1);
  EXPECT_EQ(take(*store, code, kIssued), "taken");
  EXPECT_EQ(take(*store, code_with_nonce(2), kIssued), "taken");
  Code other_key = code;
  other_key.key_index = 2;
  EXPECT_EQ(take(*store, other_key, kIssued), "taken");
  Code other_platform = code;
  other_platform.platform = "510000";
  EXPECT_EQ(take(*store, other_platform, kIssued), "taken");
  EXPECT_EQ(take(*store, other_platform, kIssued), "seen");
  EXPECT_EQ(rows_in(dir.file("essc.db")), 4);
}

TEST(ReplayStore, ATakenCodeStaysTakenAfterReopening) {
  support::TempDir dir;
  const Code code = code_with_nonce(7);
  {
    auto store = open_or_fail(dir.file("essc.db"));
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(take(*store, code, kIssued + 5), "taken");
  }
  auto again = open_or_fail(dir.file("essc.db"));
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(take(*again, code, kIssued + 6), "seen");
  EXPECT_EQ(take(*again, code_with_nonce(8), kIssued + 6), "taken");
}

// Rows go once their code has expired (issued-at + validity <= now). The store would then take the same code
// again, but the time check, which runs before the store is asked, refuses it as expired.
TEST(ReplayStore, ExpiredRowsArePrunedAndTheTimeCheckRefusesTheirCodes) {
  support::TempDir dir;
  const fs::path file = dir.file("essc.db");
  auto store = open_or_fail(file);
  ASSERT_NE(store, nullptr);
  const support::KeyPair key = support::platform_key();
  const auto backend = crypto::make_openssl_crypto();
  Code first = code_with_nonce(1);  // 5 minutes: expires at kIssued + 300
  ASSERT_EQ(sign(*backend, key.private_key, first), kOk);
  Code later = code_with_nonce(2, kIssued + 200);
  ASSERT_EQ(sign(*backend, key.private_key, later), kOk);

  EXPECT_EQ(take(*store, first, kIssued + 10), "taken");
  EXPECT_EQ(take(*store, later, kIssued + 299), "taken");
  EXPECT_EQ(rows_in(file), 2);  // at kIssued + 299 the first code is still valid: its row stays
  EXPECT_EQ(take(*store, code_with_nonce(3, kIssued + 290), kIssued + 300), "taken");
  EXPECT_EQ(rows_in(file), 2);  // at kIssued + 300 it has expired: its row went

  const std::int64_t now = kIssued + 300;
  EXPECT_EQ(check_code(*backend, first, CheckContext{std::span(&key.trusted, 1), Purpose::kQuery, now}),
            Refusal::kExpired);
  EXPECT_EQ(take(*store, first, now), "taken");  // the store alone no longer knows it
  // The later code is still valid and still remembered.
  EXPECT_EQ(check_code(*backend, later, CheckContext{std::span(&key.trusted, 1), Purpose::kQuery, now}),
            Refusal::kNone);
  EXPECT_EQ(take(*store, later, now), "seen");
}

TEST(ReplayStore, TheFileIsOwnerOnlyWhateverTheUmask) {
  support::TempDir dir;
  const fs::path file = dir.file("essc.db");
  const mode_t old_mask = ::umask(0);
  auto store = ReplayStore::open(file);
  ::umask(old_mask);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(take(**store, code_with_nonce(1), kIssued), "taken");
  EXPECT_EQ(mode_of(file), 0600u);
  // SQLite gives its write-ahead log the database file's mode.
  for (const char* suffix : {"-wal", "-shm"}) {
    const fs::path side = file.string() + suffix;
    if (fs::exists(side)) {
      EXPECT_EQ(mode_of(side), 0600u) << side;
    }
  }
}

TEST(ReplayStore, AnExistingFileOpenToOthersIsMadeOwnerOnly) {
  support::TempDir dir;
  const fs::path file = dir.file("essc.db");
  { auto store = open_or_fail(file); }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  ASSERT_EQ(mode_of(file), 0644u);
  auto store = open_or_fail(file);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(mode_of(file), 0600u);
}

TEST(ReplayStore, AFolderThatCannotBeWrittenIsAOneLineError) {
  support::TempDir dir;
  // A regular file where the folder should be: no user, root included, can create a file in it.
  std::ofstream(dir.file("not-a-folder")) << "x";
  const fs::path inside_a_file = dir.file("not-a-folder") / "essc.db";
  auto refused = ReplayStore::open(inside_a_file);
  ASSERT_FALSE(refused.ok());
  const std::string m = refused.error().message;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(m.find(inside_a_file.string()), std::string::npos) << m;
  EXPECT_NE(m.find("writable"), std::string::npos) << m;

  auto missing = ReplayStore::open(dir.file("no-such-folder") / "essc.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message.find('\n'), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.file("no-such-folder")));

  // A read-only folder stops everyone but root.
  const fs::path read_only = dir.file("read-only");
  fs::create_directory(read_only);
  fs::permissions(read_only, fs::perms::owner_read | fs::perms::owner_exec);
  auto denied = ReplayStore::open(read_only / "essc.db");
  if (::geteuid() != 0) {
    ASSERT_FALSE(denied.ok());
    EXPECT_EQ(denied.error().message.find('\n'), std::string::npos);
    EXPECT_NE(denied.error().message.find((read_only / "essc.db").string()), std::string::npos);
  }
  fs::permissions(read_only, fs::perms::owner_all);
}

TEST(ReplayStore, AFileThatIsNoDatabaseIsAOneLineError) {
  support::TempDir dir;
  const fs::path file = dir.file("essc.db");
  std::ofstream(file) << std::string(4096, 'x');
  auto refused = ReplayStore::open(file);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message.find('\n'), std::string::npos);
  EXPECT_NE(refused.error().message.find(file.string()), std::string::npos);
  EXPECT_NE(refused.error().message.find("move the file aside"), std::string::npos) << refused.error().message;
}

TEST(ReplayStore, AStoreOfANewerSchemaIsRefused) {
  support::TempDir dir;
  const fs::path file = dir.file("essc.db");
  { auto store = open_or_fail(file); }
  sscard::testing::run_sql(file, "PRAGMA user_version = 2");
  auto refused = ReplayStore::open(file);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos) << refused.error().message;
}

// Two kiosk processes, two connections to one file, racing for the same codes: each code is taken once.
TEST(ReplayStore, TwoConnectionsRacingTakeEachCodeOnce) {
  support::TempDir dir;
  const fs::path file = dir.file("essc.db");
  auto a = open_or_fail(file);
  auto b = open_or_fail(file);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kCodes = 40;
  std::atomic<int> taken{0};
  std::atomic<int> errors{0};
  const auto race = [&](ReplayStore& store) {
    for (int i = 0; i < kCodes; ++i) {
      auto r = store.take(code_with_nonce(static_cast<std::uint8_t>(i)), kIssued);
      if (!r.ok()) {
        ++errors;
      } else if (*r) {
        ++taken;
      }
    }
  };
  std::thread first(race, std::ref(*a));
  std::thread second(race, std::ref(*b));
  first.join();
  second.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(taken.load(), kCodes);
  EXPECT_EQ(rows_in(file), kCodes);
}

}  // namespace
}  // namespace sscard::essc

#include "sscard/sim/host/holder_store.h"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "sscard/sim/host/link_keys.h"

namespace sscard::sim::host {
namespace {


HolderRecord sample_holder() {
  HolderRecord h;
  h.ssn = "11010519491231002X";
  h.card_number = "T00000001";
  h.card_id = *from_hex("110105D1560000050102030405060708");
  h.region = "110105";
  h.name = "测试";
  h.card_state = wire::CardState::kNotActivated;
  h.pension_status = wire::PensionStatus::kReceiving;
  h.pension_monthly_fen = 250'000;
  h.medical_balance_fen = 1'234'567;
  h.last_certification = "20260101";
  return h;
}

std::vector<wire::Contribution> months(int first_month, int count) {
  std::vector<wire::Contribution> out;
  for (int m = first_month; m < first_month + count; ++m) {
    const std::string period = "2026" + std::string(m < 10 ? "0" : "") + std::to_string(m);
    out.push_back({period, wire::ContributionKind::kMedical, static_cast<std::uint64_t>(1000 + m)});
    out.push_back({period, wire::ContributionKind::kPension, static_cast<std::uint64_t>(4000 + m)});
  }
  return out;
}

std::unique_ptr<HolderStore> open_memory() {
  auto s = HolderStore::open();
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(*s) : nullptr;
}

// A scratch folder removed at the end of the test.
struct TempDir {
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("sscard-sim-host-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

TEST(HolderStore, ANewDatabaseHasTheSchemaAndIsEmpty) {
  auto store = open_memory();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->holder_count(), 0u);
  EXPECT_EQ(*store->contribution_count(), 0u);
  EXPECT_EQ(*store->request_count(), 0u);
  auto none = store->find_holder("11010519491231002X");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(HolderStore, AddFindAndUpdateAHolder) {
  auto store = open_memory();
  const HolderRecord h = sample_holder();
  ASSERT_TRUE(store->add_holder(h, months(1, 3)).ok());
  auto found = store->find_holder(h.ssn);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, h);
  EXPECT_EQ(to_hex((*found)->card_id), "110105D1560000050102030405060708");

  HolderRecord changed = h;
  changed.card_state = wire::CardState::kLossReported;
  changed.pension_status = wire::PensionStatus::kSuspended;
  changed.last_certification.reset();
  ASSERT_TRUE(store->update_holder(changed).ok());
  EXPECT_EQ(**store->find_holder(h.ssn), changed);

  HolderRecord stranger = h;
  stranger.ssn = "110105194912310038";
  auto missing = store->update_holder(stranger);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no such holder"), std::string::npos);
}

TEST(HolderStore, ContributionsComeNewestFirstPensionBeforeMedicalAtMostTwelve) {
  auto store = open_memory();
  const HolderRecord h = sample_holder();
  ASSERT_TRUE(store->add_holder(h, months(1, 9)).ok());  // 202601..202609, 18 rows
  EXPECT_EQ(*store->contribution_count(), 18u);
  auto c = store->contributions(h.ssn);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 12u);
  EXPECT_EQ((*c)[0], (wire::Contribution{"202609", wire::ContributionKind::kPension, 4009}));
  EXPECT_EQ((*c)[1], (wire::Contribution{"202609", wire::ContributionKind::kMedical, 1009}));
  EXPECT_EQ((*c)[11], (wire::Contribution{"202604", wire::ContributionKind::kMedical, 1004}));
  EXPECT_EQ(store->contributions(h.ssn, 3)->size(), 3u);
  EXPECT_TRUE(store->contributions("110105194912310038")->empty());
}

TEST(HolderStore, AFailedInsertLeavesNothing) {
  auto store = open_memory();
  const HolderRecord h = sample_holder();
  auto twice = months(1, 2);
  twice.push_back(twice.front());  // (202601, medical) again
  auto r = store->add_holder(h, twice);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(h.ssn), std::string::npos);
  EXPECT_EQ(*store->holder_count(), 0u);
  EXPECT_EQ(*store->contribution_count(), 0u);

  ASSERT_TRUE(store->add_holder(h, {}).ok());
  EXPECT_FALSE(store->add_holder(h, {}).ok());  // the SSN is taken
  HolderRecord bad = h;
  bad.ssn = "110105194912310038";
  bad.card_id = Bytes(15, 0x00);
  EXPECT_FALSE(store->add_holder(bad, {}).ok());  // CHECK (length(card_id) = 32)
  EXPECT_EQ(*store->holder_count(), 1u);
}

TEST(HolderStore, StoredRequestsByKey) {
  auto store = open_memory();
  wire::IdempotencyKey key{};
  key.fill(0x5A);
  StoredRequest r{wire::Operation::kReportLoss, "11010519491231002X", "T00000001", Bytes{0xDF, 0x21, 0x01, 0x00},
                  1'790'000'000'000, ""};
  ASSERT_TRUE(store->store_request(key, r).ok());
  auto found = store->find_request(key);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, r);
  EXPECT_FALSE(store->store_request(key, r).ok());  // a key is stored once
  wire::IdempotencyKey other = key;
  other[15] = 0x00;
  EXPECT_FALSE(store->find_request(other)->has_value());
  EXPECT_EQ(*store->request_count(), 1u);
}

TEST(HolderStore, TransactionRollsBackOnAnErrorAndCommitsOtherwise) {
  auto store = open_memory();
  const HolderRecord h = sample_holder();
  auto failed = store->transaction([&]() -> Result<void, SetupError> {
    EXPECT_TRUE(store->add_holder(h, months(1, 1)).ok());  // joins the outer transaction
    return SetupError{"changed my mind"};
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "changed my mind");
  EXPECT_EQ(*store->holder_count(), 0u);
  EXPECT_EQ(*store->contribution_count(), 0u);

  auto thrown = store->transaction([&]() -> Result<void, SetupError> {
    EXPECT_TRUE(store->add_holder(h, {}).ok());
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(*store->holder_count(), 0u);

  ASSERT_TRUE(store->transaction([&]() -> Result<void, SetupError> { return store->add_holder(h, months(1, 1)); }).ok());
  EXPECT_EQ(*store->holder_count(), 1u);
  EXPECT_EQ(*store->contribution_count(), 2u);
}

TEST(HolderStore, AFileDatabaseKeepsItsDataInWalMode) {
  TempDir dir;
  const std::string file = (dir.path / "cq.db").string();
  {
    auto store = HolderStore::open(file);
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE((*store)->add_holder(sample_holder(), months(1, 2)).ok());
  }
  auto again = HolderStore::open(file);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(**(*again)->find_holder(sample_holder().ssn), sample_holder());
  EXPECT_EQ(*(*again)->contribution_count(), 4u);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  // The schema is plain SQL: the columns of the protocol's names.
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT card_state, pension_status, card_id FROM holders", -1, &s, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "not_activated");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)), "receiving");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 2)), "110105D1560000050102030405060708");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST(HolderStore, RefusesADatabaseThatIsNotAHolderDatabase) {
  TempDir dir;
  const std::string other = (dir.path / "other.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto r = HolderStore::open(other);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not an sscard holder database"), std::string::npos) << r.error().message;

  const std::string future = (dir.path / "future.db").string();
  ASSERT_EQ(sqlite3_open(future.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto v = HolderStore::open(future);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("schema version 7"), std::string::npos) << v.error().message;

  auto missing = HolderStore::open((dir.path / "no/such/folder/x.db").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos) << missing.error().message;
}

TEST(LinkKeys, TheBundledMasterKeyLoads) {
  auto m = load_link_master(std::filesystem::path(SSCARD_CARDS_DIR) / "keys/test-link-keys.json");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(to_hex(*m), "E60B12111BD782B076C871E58A124F9E");
}

TEST(LinkKeys, BadFilesNameTheFieldAndTheFile) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.path / name) << text;
    return dir.path / name;
  };
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"{", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {R"({"master": "E60B12111BD782B076C871E58A124F9E"})", "format: is missing"},
      {R"({"format": "sscard-link-keys/2", "master": "E60B12111BD782B076C871E58A124F9E"})", "format:"},
      {R"({"format": "sscard-link-keys/1"})", "master: is missing"},
      {R"({"format": "sscard-link-keys/1", "master": 5})", "master: must be a string"},
      {R"({"format": "sscard-link-keys/1", "master": "E60B12111BD782B076C871E58A124F"})", "master: must be 32 hex"},
      {R"({"format": "sscard-link-keys/1", "master": "E60B12111BD782B076C871E58A124FZZ"})", "master: must be 32 hex"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const auto path = write("k" + std::to_string(n++) + ".json", c.text);
    auto r = load_link_master(path);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message.rfind(path.string() + ": ", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
  }
  auto missing = load_link_master(dir.path / "none.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cannot be opened"), std::string::npos);
}

}  // namespace
}  // namespace sscard::sim::host

#include "sscard/sim/host/population.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "world.h"

namespace sscard::sim::host {
namespace {

using testing::kCards;
using wire::CardState;
using wire::ContributionKind;
using wire::PensionStatus;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

HolderRecord find(HolderStore& store, const std::string& ssn) {
  auto h = store.find_holder(ssn);
  EXPECT_TRUE(h.ok() && h->has_value()) << ssn;
  return h.ok() && h->has_value() ? **h : HolderRecord{};
}

char check_character(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

TEST(SeedFromProfiles, ChongqingGetsTheTwoChongqingCardsWithTheirBenefits) {
  auto store = testing::seeded_store(wire::kChongqing);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->holder_count(), 2u);
  EXPECT_EQ(*store->contribution_count(), 24u);

  const HolderRecord tongnan = find(*store, "500223198807150019");
  EXPECT_EQ(tongnan.card_number, "CQ0152301");
  EXPECT_EQ(to_hex(tongnan.card_id), "500152D1560000055200A1C3D4E5F601");
  EXPECT_EQ(tongnan.region, "500152");
  EXPECT_EQ(tongnan.name, "张明远");
  EXPECT_EQ(tongnan.card_state, CardState::kNotActivated);
  EXPECT_EQ(tongnan.pension_status, PensionStatus::kNotRetired);
  EXPECT_EQ(tongnan.pension_monthly_fen, 0u);
  EXPECT_EQ(tongnan.medical_balance_fen, 486'230u);
  EXPECT_FALSE(tongnan.last_certification.has_value());
  auto c = store->contributions(tongnan.ssn);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 12u);  // 24 stored, the newest 12 returned
  EXPECT_EQ((*c)[0], (wire::Contribution{"202610", ContributionKind::kPension, 49'600}));
  EXPECT_EQ((*c)[1], (wire::Contribution{"202610", ContributionKind::kMedical, 12'400}));
  EXPECT_EQ((*c)[6], (wire::Contribution{"202607", ContributionKind::kPension, 49'600}));
  EXPECT_EQ((*c)[8], (wire::Contribution{"202606", ContributionKind::kPension, 46'400}));  // before the July raise
  EXPECT_EQ((*c)[11], (wire::Contribution{"202605", ContributionKind::kMedical, 11'600}));

  const HolderRecord yuzhong = find(*store, "50010319620315422X");
  EXPECT_EQ(yuzhong.card_number, "CQ1506011");
  EXPECT_EQ(yuzhong.name, "李秀英");
  EXPECT_EQ(yuzhong.card_state, CardState::kActive);
  EXPECT_EQ(yuzhong.pension_status, PensionStatus::kSuspended);
  EXPECT_EQ(yuzhong.pension_monthly_fen, 318'840u);
  EXPECT_EQ(yuzhong.medical_balance_fen, 1'284'050u);
  EXPECT_EQ(yuzhong.last_certification, "20250318");
  EXPECT_TRUE(store->contributions(yuzhong.ssn)->empty());
}

TEST(SeedFromProfiles, SichuanGetsTheFourSichuanCardsWithTheirBenefits) {
  auto store = testing::seeded_store(wire::kSichuan);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->holder_count(), 4u);
  EXPECT_EQ(*store->contribution_count(), 48u);
  EXPECT_FALSE(store->find_holder("500223198807150019")->has_value());

  const HolderRecord chengdu = find(*store, "510107199006110026");
  EXPECT_EQ(chengdu.card_number, "CD1809201");
  EXPECT_EQ(chengdu.region, "510100");
  EXPECT_EQ(chengdu.card_state, CardState::kActive);
  EXPECT_EQ(chengdu.pension_status, PensionStatus::kNotRetired);
  EXPECT_EQ(chengdu.medical_balance_fen, 352'418u);
  EXPECT_EQ(store->contributions(chengdu.ssn)->front(),
            (wire::Contribution{"202610", ContributionKind::kPension, 68'800}));
  EXPECT_EQ(store->contributions(chengdu.ssn, 24)->back(),
            (wire::Contribution{"202511", ContributionKind::kMedical, 16'400}));

  const HolderRecord liangshan = find(*store, "513401199201010523");
  EXPECT_EQ(liangshan.name, "吉克·阿依木呷·曲比莫色·沙马喆堃");
  EXPECT_EQ(liangshan.medical_balance_fen, 96'830u);
  EXPECT_EQ(store->contributions(liangshan.ssn)->front(),
            (wire::Contribution{"202610", ContributionKind::kPension, 36'000}));

  const HolderRecord mianyang = find(*store, "510703196811230518");
  EXPECT_EQ(mianyang.pension_status, PensionStatus::kReceiving);
  EXPECT_EQ(mianyang.pension_monthly_fen, 365'200u);
  EXPECT_EQ(mianyang.medical_balance_fen, 735'620u);
  EXPECT_EQ(mianyang.last_certification, "20260521");

  const HolderRecord suining = find(*store, "510902195503020033");
  EXPECT_EQ(suining.card_state, CardState::kNotActivated);
  EXPECT_EQ(suining.pension_status, PensionStatus::kReceiving);
  EXPECT_EQ(suining.pension_monthly_fen, 412'650u);
  EXPECT_EQ(suining.medical_balance_fen, 2'163'475u);
  EXPECT_EQ(suining.last_certification, "20260412");
  EXPECT_EQ(to_hex(suining.card_id).substr(0, 6), "510900");
}

TEST(SeedFromProfiles, SeedingTwiceFailsAndAddsNothing) {
  auto store = testing::seeded_store(wire::kSichuan);
  auto again = seed_from_profiles(*store, kCards, wire::kSichuan);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(*store->holder_count(), 4u);
  EXPECT_EQ(*store->contribution_count(), 48u);
}

TEST(SeedFromProfiles, AnOpenedFileIsFilledOnceAndKeptAfterwards) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("sscard-seeded-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(file);
  {
    auto store = open_seeded_store(file.string(), kCards, wire::kSichuan, 100, 7);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ(*(*store)->holder_count(), 104u);  // the 4 bundled Sichuan holders and 100 generated ones
    HolderRecord chengdu = *(*store)->find_holder("510107199006110026").value();
    chengdu.card_state = CardState::kLossReported;
    ASSERT_TRUE((*store)->update_holder(chengdu).ok());
  }
  {
    auto reopened = open_seeded_store(file.string(), kCards, wire::kSichuan, 100, 7);
    ASSERT_TRUE(reopened.ok()) << reopened.error().message;
    EXPECT_EQ(*(*reopened)->holder_count(), 104u);
    EXPECT_EQ((*reopened)->find_holder("510107199006110026").value()->card_state, CardState::kLossReported);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
}

// One database per province's host: a Sichuan host refuses a database of Chongqing's holders, unchanged.
TEST(SeedFromProfiles, AFileOfAnotherProvinceIsRefused) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("sscard-other-province-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(file);
  {
    auto cq = open_seeded_store(file.string(), kCards, wire::kChongqing);
    ASSERT_TRUE(cq.ok()) << cq.error().message;
  }
  auto sc = open_seeded_store(file.string(), kCards, wire::kSichuan);
  ASSERT_FALSE(sc.ok());
  EXPECT_EQ(sc.error().message, file.string() + " holds the cards of another province's issuer, not 510000's; "
                                                "give this host its own database");
  auto cq_again = open_seeded_store(file.string(), kCards, wire::kChongqing);
  ASSERT_TRUE(cq_again.ok()) << cq_again.error().message;
  EXPECT_EQ(*(*cq_again)->holders_outside(wire::kChongqing), 0u);
  EXPECT_EQ(*(*cq_again)->holders_outside(wire::kSichuan), *(*cq_again)->holder_count());
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix);
}

TEST(SeedFromProfiles, UnknownProvinceAndEmptyFolder) {
  auto store = HolderStore::open();
  ASSERT_TRUE(store.ok());
  auto bad = seed_from_profiles(**store, kCards, "520000");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"520000\" is not a province"), std::string::npos);
  auto none = seed_from_profiles(**store, kCards / "no-such-folder", wire::kChongqing);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
}

// The Tongnan profile with its "benefits" replaced (or removed when `benefits` is null).
Result<HolderProfile, ProfileError> tongnan_with(const nlohmann::json& benefits, const std::string& pin = "123456") {
  nlohmann::json j = nlohmann::json::parse(read_text(kCards / "cq-tongnan-gen3.json"));
  if (benefits.is_null()) j.erase("benefits");
  else j["benefits"] = benefits;
  j["pin"]["value"] = pin;
  return parse_profile(j.dump(), (kCards / "x.json").string());
}

TEST(SeedFromProfiles, AProfileWithoutBenefitsSeedsTheDefaults) {
  auto initial = tongnan_with(nullptr);
  ASSERT_TRUE(initial.ok()) << initial.error().to_string();
  EXPECT_FALSE(initial.value().benefits.has_value());
  const SeedHolder s = seed_holder(initial.value());
  EXPECT_EQ(s.holder.ssn, "500223198807150019");
  EXPECT_EQ(s.holder.card_state, CardState::kNotActivated);  // the PIN is still the initial 123456
  EXPECT_EQ(s.holder.pension_status, PensionStatus::kNotRetired);
  EXPECT_EQ(s.holder.pension_monthly_fen, 0u);
  EXPECT_EQ(s.holder.medical_balance_fen, 0u);
  EXPECT_FALSE(s.holder.last_certification.has_value());
  EXPECT_TRUE(s.contributions.empty());

  auto changed = tongnan_with(nullptr, "802416");
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(seed_holder(changed.value()).holder.card_state, CardState::kActive);
}

TEST(SeedFromProfiles, BenefitsAreParsedStrictly) {
  const nlohmann::json good = nlohmann::json::parse(R"({
    "card_state": "active", "pension": {"status": "receiving", "monthly_fen": 100},
    "medical_balance_fen": 5, "last_certification": "20260101",
    "contributions": [{"period": "202601", "kind": "medical", "amount_fen": 7}]})");
  auto ok = tongnan_with(good);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  const BenefitSeed& b = *ok.value().benefits;
  EXPECT_EQ(b.card_state, BenefitSeed::CardState::kActive);
  EXPECT_EQ(b.pension_status, BenefitSeed::PensionStatus::kReceiving);
  EXPECT_EQ(b.pension_monthly_fen, 100u);
  EXPECT_EQ(b.medical_balance_fen, 5u);
  EXPECT_EQ(b.last_certification, (Date{2026, 1, 1}));
  ASSERT_EQ(b.contributions.size(), 1u);
  EXPECT_EQ(b.contributions[0].period, "202601");
  EXPECT_EQ(b.contributions[0].kind, BenefitSeed::ContributionKind::kMedical);
  EXPECT_EQ(b.contributions[0].amount_fen, 7u);

  struct Case {
    const char* pointer;  // JSON pointer into `good`
    nlohmann::json value;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {"/card_state", "lost", "benefits.card_state", "must be one of \"not_activated\", \"active\""},
      {"/pension/status", "retired", "benefits.pension.status", "must be one of"},
      {"/pension/monthly_fen", -1, "benefits.pension.monthly_fen", "-1 is outside 0..1000000000000"},
      {"/pension/extra", 1, "benefits.pension.extra", "is not a field of this format"},
      {"/medical_balance_fen", "5", "benefits.medical_balance_fen", "must be a whole number"},
      {"/last_certification", "20261301", "benefits.last_certification", "not a valid YYYYMMDD date"},
      {"/contributions/0/period", "202613", "benefits.contributions[0].period", "not a valid YYYYMM month"},
      {"/contributions/0/period", "2026-1", "benefits.contributions[0].period", "must be 6 decimal digits"},
      {"/contributions/0/kind", "dental", "benefits.contributions[0].kind", "must be one of \"pension\", \"medical\""},
      {"/contributions/0/amount_fen", 1.5, "benefits.contributions[0].amount_fen", "must be a whole number"},
      {"/contributions/1", nlohmann::json::parse(R"({"period": "202601", "kind": "medical", "amount_fen": 8})"),
       "benefits.contributions[1]", "\"202601\" already has a medical contribution"},
      {"/contributions", "none", "benefits.contributions", "must be an array"},
      {"/surplus", true, "benefits.surplus", "is not a field of this format"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = good;
    j[nlohmann::json::json_pointer(c.pointer)] = c.value;
    auto r = tongnan_with(j);
    ASSERT_FALSE(r.ok()) << c.pointer;
    EXPECT_EQ(r.error().field, c.field) << r.error().to_string();
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().to_string();
  }

  nlohmann::json not_retired = good;
  not_retired["pension"] = {{"status", "not_retired"}, {"monthly_fen", 100}};
  auto paid = tongnan_with(not_retired);
  ASSERT_FALSE(paid.ok());
  EXPECT_EQ(paid.error().field, "benefits.pension.monthly_fen");
  not_retired["pension"]["monthly_fen"] = 0;
  auto certified = tongnan_with(not_retired);
  ASSERT_FALSE(certified.ok());
  EXPECT_EQ(certified.error().field, "benefits.last_certification");
  nlohmann::json missing = good;
  missing.erase("pension");
  auto no_pension = tongnan_with(missing);
  ASSERT_FALSE(no_pension.ok());
  EXPECT_EQ(no_pension.error().field, "benefits.pension");
  EXPECT_FALSE(tongnan_with("active").ok());
}

TEST(Population, GeneratedHoldersAreValidDistinctAndDeterministic) {
  std::set<std::string> ssns, card_numbers;
  std::size_t retired = 0, suspended = 0;
  for (std::size_t i = 0; i < 5000; ++i) {
    auto g = generated_holder(42, wire::kSichuan, i);
    ASSERT_TRUE(g.ok());
    const HolderRecord& h = g->holder;
    ASSERT_EQ(h.ssn.size(), 18u);
    EXPECT_EQ(h.ssn[17], check_character(h.ssn)) << h.ssn;
    EXPECT_EQ(h.ssn.substr(0, 6), h.region);
    EXPECT_TRUE(in_province(h.region, wire::kSichuan)) << h.region;
    EXPECT_GE(std::stoi(h.ssn.substr(14, 3)), 500) << h.ssn;
    EXPECT_EQ(h.card_id.size(), 16u);
    EXPECT_EQ(to_hex(h.card_id).substr(0, 16), h.region + "D1560000" + "05");
    EXPECT_EQ(h.card_number.size(), 9u);
    EXPECT_TRUE(ssns.insert(h.ssn).second) << h.ssn;
    EXPECT_TRUE(card_numbers.insert(h.card_number).second) << h.card_number;
    if (h.pension_status == PensionStatus::kNotRetired) {
      EXPECT_EQ(g->contributions.size(), 24u);
      EXPECT_EQ(g->contributions.front().period, "202610");
      EXPECT_EQ(g->contributions.back().period, "202511");
      EXPECT_FALSE(h.last_certification.has_value());
    } else {
      ++retired;
      suspended += h.pension_status == PensionStatus::kSuspended;
      EXPECT_TRUE(g->contributions.empty());
      EXPECT_GT(h.pension_monthly_fen, 0u);
      EXPECT_TRUE(h.last_certification.has_value());
    }
  }
  EXPECT_GT(retired, 1000u);
  EXPECT_GT(suspended, 50u);
  auto again = generated_holder(42, wire::kSichuan, 4321);
  auto first = generated_holder(42, wire::kSichuan, 4321);
  EXPECT_EQ(again->holder, first->holder);
  EXPECT_EQ(again->contributions, first->contributions);
  EXPECT_NE(generated_holder(43, wire::kSichuan, 4321)->holder.ssn, first->holder.ssn);
  EXPECT_EQ(generated_holder(42, wire::kChongqing, 0)->holder.ssn.substr(0, 2), "50");
  EXPECT_FALSE(generated_holder(42, "110000", 0).ok());
  EXPECT_FALSE(generated_holder(42, wire::kSichuan, kMaxPopulation).ok());
}

TEST(Population, BundledHoldersUseSequenceCodesBelowTheGeneratedRange) {
  // So a population and the bundled holders can share a store.
  for (const auto& path : holder_profiles(kCards)) {
    auto p = load_profile(path);
    ASSERT_TRUE(p.ok());
    EXPECT_LT(std::stoi(p.value().holder.ssn.substr(14, 3)), 500) << path;
  }
}

TEST(Population, TenThousandGeneratedHoldersNextToTheBundledOnesAnswerQueries) {
  testing::World world;
  auto n = generate_population(*world.cq_store, 10'000, 7, wire::kChongqing);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 10'000u);
  EXPECT_EQ(*world.cq_store->holder_count(), 10'002u);

  std::size_t expected_rows = 24;  // Tongnan's
  for (std::size_t i = 0; i < 10'000; ++i) {
    expected_rows += generated_holder(7, wire::kChongqing, i)->contributions.size();
  }
  EXPECT_EQ(*world.cq_store->contribution_count(), expected_rows);

  // A working holder, asked for at a Chongqing kiosk.
  std::size_t index = 0;
  while (generated_holder(7, wire::kChongqing, index)->holder.pension_status != PensionStatus::kNotRetired) ++index;
  const SeedHolder g = *generated_holder(7, wire::kChongqing, index);
  wire::Request r;
  r.operation = wire::Operation::kQuery;
  r.key = testing::key_of(1);
  r.terminal = world.cq_kiosk.id();
  r.serving_province = std::string(wire::kChongqing);
  r.card_region = g.holder.region;
  r.ssn = g.holder.ssn;
  r.card_number = g.holder.card_number;
  r.card_id = g.holder.card_id;
  r.date = "20261127";
  auto answer = world.cq_kiosk.open(world.cq->handle_message(world.cq_kiosk.seal(r)), wire::kChongqingHostId);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->result, wire::ResultCode::kOk);
  EXPECT_EQ(answer->name, g.holder.name);
  EXPECT_EQ(answer->card_state, g.holder.card_state);
  EXPECT_EQ(answer->pension_status, PensionStatus::kNotRetired);
  EXPECT_EQ(answer->medical_balance_fen, g.holder.medical_balance_fen);
  ASSERT_EQ(answer->contributions.size(), 12u);
  EXPECT_EQ(answer->contributions,
            std::vector<wire::Contribution>(g.contributions.begin(), g.contributions.begin() + 12));

  // The same population again collides and adds nothing.
  EXPECT_FALSE(generate_population(*world.cq_store, 10, 7, wire::kChongqing).ok());
  EXPECT_EQ(*world.cq_store->holder_count(), 10'002u);
}

}  // namespace
}  // namespace sscard::sim::host

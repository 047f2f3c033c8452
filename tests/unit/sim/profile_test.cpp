#include "sscard/sim/profile.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>

#include "sim_test_util.h"
#include "sscard/core/gbk.h"

namespace sscard::sim {
namespace {

using testing::hex;
using testing::read_vectors;
using testing::send;

const std::filesystem::path kCards = SSCARD_CARDS_DIR;
const std::filesystem::path kData = SSCARD_TEST_DATA_DIR;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

HolderProfile load_ok(const std::string& name) {
  auto loaded = load_profile(kCards / (name + ".json"));
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().to_string());
  return loaded.ok() ? loaded.value() : HolderProfile{};
}

TEST(HolderProfiles, ListsTheSixTopLevelProfilesSorted) {
  std::vector<std::string> names;
  for (const auto& p : holder_profiles(kCards)) names.push_back(p.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"cq-tongnan-gen3.json", "cq-yuzhong-gen2.json", "sc-chengdu-gen2.json",
                                             "sc-liangshan-longname-gen2.json", "sc-mianyang-gen1.json",
                                             "sc-suining-gen3.json"}));
  EXPECT_TRUE(holder_profiles(kCards / "no-such-folder").empty());
}

TEST(HolderProfiles, EveryProfileLoadsAndBuildsACard) {
  for (const auto& path : holder_profiles(kCards)) {
    auto loaded = load_profile(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(loaded.value().path, path);
    auto card = make_card(loaded.value());
    ASSERT_NE(card, nullptr) << path;
    EXPECT_EQ(card->power_on(), loaded.value().atr) << path;
  }
}

TEST(HolderProfiles, RecordsMatchTheIndependentlyComputedLayouts) {
  // holder-records.txt was computed from docs/CARD.md's layouts without the simulator.
  std::map<std::string, std::unique_ptr<CardOs>> cards;
  std::size_t checked = 0;
  for (const auto& row : read_vectors((kData / "sim/holder-records.txt").string())) {
    ASSERT_EQ(row.size(), 4u);
    auto& card = cards[row[0]];
    if (!card) card = make_card_os(load_ok(row[0]));
    ASSERT_NE(card, nullptr);
    const FileSystem& fs = card->file_system();
    auto ssse = fs.df_by_name(ssse_df_name());
    ASSERT_TRUE(ssse.has_value());
    auto ef = fs.child_by_sfi(*ssse, static_cast<std::uint8_t>(std::stoi(row[1], nullptr, 16)));
    ASSERT_TRUE(ef.has_value());
    const std::size_t index = std::stoul(row[2]) - 1;
    EXPECT_EQ(to_hex(fs.record(*ef, index)), row[3]) << row[0] << " SFI " << row[1] << " record " << row[2];
    ++checked;
  }
  EXPECT_EQ(checked, 6u * 7 + 5u * 7 + 6u);  // six EF05s, five 2nd/3rd generation EF06s, one 1st generation EF06
  for (auto& [name, card] : cards) {
    const FileSystem& fs = card->file_system();
    auto ssse = fs.df_by_name(ssse_df_name());
    EXPECT_EQ(fs.record_count(*fs.child_by_sfi(*ssse, 5)), 7u) << name;
  }
}

TEST(HolderProfiles, AtrsAndProtocols) {
  const std::map<std::string, std::pair<std::string, CardProtocol>> expected = {
      {"cq-tongnan-gen3", {"3B6D0000008C544CB386844150015200A1", CardProtocol::kT0}},
      {"cq-yuzhong-gen2", {"3B6D000000814E43238697159900BF7C7A", CardProtocol::kT0}},
      {"sc-suining-gen3", {"3B6D000000904A3001866033110000048A", CardProtocol::kT0}},
      {"sc-chengdu-gen2", {"3B8D80010086544C3086845101001809AB4A", CardProtocol::kT1}},
      {"sc-mianyang-gen1", {"3B6D000000814E43238697107001008011", CardProtocol::kT0}},
      {"sc-liangshan-longname-gen2", {"3B6D000000814E43238697134010019055", CardProtocol::kT0}},
  };
  for (const auto& [name, want] : expected) {
    const HolderProfile p = load_ok(name);
    EXPECT_EQ(to_hex(p.atr), want.first) << name;
    EXPECT_EQ(p.protocol, want.second) << name;
    EXPECT_EQ(to_hex(p.historical_bytes()), want.first.substr(want.second == CardProtocol::kT1 ? 8 : 8, 26)) << name;
  }
}

TEST(HolderProfiles, ParsedFieldsOfTheTongnanCard) {
  const HolderProfile p = load_ok("cq-tongnan-gen3");
  EXPECT_EQ(p.generation, 3);
  EXPECT_TRUE(p.contact);
  EXPECT_TRUE(p.contactless);
  EXPECT_EQ(p.algorithm_id, 0x03);
  EXPECT_EQ(p.issuer.region, "500152");
  EXPECT_EQ(to_yyyymmdd(p.issuer.expiry_date), "20330315");
  EXPECT_EQ(p.holder.ssn, "500223198807150019");
  EXPECT_EQ(p.holder.name, "张明远");
  EXPECT_EQ(p.pin, "123456");
  EXPECT_EQ(p.pin_max_tries, 6);
  EXPECT_EQ(to_hex(p.card_identification_code()), "500152D1560000055200A1C3D4E5F601");
}

TEST(HolderProfiles, TheLongNameSplitsAtACharacterBoundary) {
  auto card = make_card_os(load_ok("sc-liangshan-longname-gen2"));
  const FileSystem& fs = card->file_system();
  const NodeId ef06 = *fs.child_by_sfi(*fs.df_by_name(ssse_df_name()), 6);
  ByteSpan main = fs.record(ef06, 1).subspan(2);
  ByteSpan ext = fs.record(ef06, 2).subspan(2);
  Bytes joined(main.begin(), main.end());
  ByteSpan ext_trimmed = gbk::trim_padding(ext);
  joined.insert(joined.end(), ext_trimmed.begin(), ext_trimmed.end());
  auto utf8 = gbk::to_utf8(joined);
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(*utf8, "吉克·阿依木呷·曲比莫色·沙马喆堃");
  EXPECT_EQ(to_hex(gbk::trim_padding(ext)), "86B488D2");  // 喆堃: GBK, outside GB 2312
}

TEST(HolderProfiles, FirstGenerationHasNoNameExtension) {
  auto card = make_card_os(load_ok("sc-mianyang-gen1"));
  const FileSystem& fs = card->file_system();
  const NodeId ef06 = *fs.child_by_sfi(*fs.df_by_name(ssse_df_name()), 6);
  std::string tags;
  for (std::size_t i = 0; i < fs.record_count(ef06); ++i) tags += to_hex(fs.record(ef06, i).first(1));
  EXPECT_EQ(tags, "08090A0B0C0D");
}

TEST(HolderProfiles, SsseFciCarriesTheAlgorithmIdentifier) {
  for (const auto& [name, alg] : std::map<std::string, std::string>{{"cq-tongnan-gen3", "03"}, {"cq-yuzhong-gen2", "01"}}) {
    auto card = make_card(load_ok(name));
    card->power_on();
    ASSERT_EQ(send(*card, "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"), "611B") << name;
    EXPECT_EQ(send(*card, "00C000001B"),
              "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C038601" + alg + "9000") << name;
  }
}

TEST(HolderProfiles, ConformanceProfilesLoadWithTheirExtraFiles) {
  for (const char* name : {"conformance-t0.json", "conformance-t1.json"}) {
    auto loaded = load_profile(kCards / "test" / name);
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(loaded.value().extra_files.size(), 5u);
    EXPECT_NE(make_card(loaded.value()), nullptr);
  }
}

TEST(BadProfiles, EachGivesTheFileAndTheField) {
  const auto rows = read_vectors((kData / "sim/bad-profiles.txt").string());
  ASSERT_GE(rows.size(), 30u);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 3u);
    const std::filesystem::path file = kData / "sim/bad-profiles" / (row[0] + ".json");
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    auto loaded = load_profile(file);
    ASSERT_FALSE(loaded.ok()) << row[0];
    EXPECT_EQ(loaded.error().file, file.string()) << row[0];
    EXPECT_EQ(loaded.error().field, row[1]) << row[0] << ": " << loaded.error().to_string();
    EXPECT_NE(loaded.error().message.find(row[2]), std::string::npos) << row[0] << ": " << loaded.error().to_string();
  }
  // Every file in the folder has its line.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kData / "sim/bad-profiles")) files += entry.is_regular_file();
  EXPECT_EQ(files, rows.size());
}

TEST(BadProfiles, ErrorTextNamesFileFieldAndValue) {
  std::string text = read_text(kData / "sim/bad-profiles/bad-birth-date.json");
  auto loaded = parse_profile(text, "cards/x.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().to_string(), "cards/x.json: holder.birth_date: \"19881345\" is not a valid YYYYMMDD date");
  auto missing = load_profile(kCards / "does-not-exist.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().to_string(),
            (kCards / "does-not-exist.json").string() + ": cannot be opened: No such file or directory");
}

TEST(BadProfiles, EveryPrefixOfAProfileIsRejectedWithoutOverreading) {
  for (const auto& path : holder_profiles(kCards)) {
    const std::string text = read_text(path);
    for (std::size_t n = 0; n < text.size(); ++n) {
      // An exact-size heap copy, so a read past the prefix is caught by AddressSanitizer.
      std::unique_ptr<char[]> buffer(new char[n == 0 ? 1 : n]);
      std::copy_n(text.data(), n, buffer.get());
      auto loaded = parse_profile(std::string_view(buffer.get(), n), path.string());
      // A prefix that ends in trailing whitespace after the closing brace is still the whole profile.
      const bool complete = text.find_first_not_of(" \n\r\t", n) == std::string::npos;
      EXPECT_EQ(loaded.ok(), complete) << path << " prefix " << n;
      if (!loaded.ok()) {
        EXPECT_EQ(loaded.error().file, path.string());
      }
    }
  }
}

}  // namespace
}  // namespace sscard::sim

namespace sscard::sim {
namespace {

TEST(HolderProfiles, RandomApdusNeverSilenceAPersonalisedCard) {
  std::mt19937 rng(3304);
  std::uniform_int_distribution<int> byte(0, 255);
  const std::uint8_t kIns[] = {0xA4, 0xB0, 0xD6, 0xB2, 0xDC, 0x20, 0x84, 0xC0, 0x82, 0x88};
  for (const auto& path : holder_profiles(kCards)) {
    auto loaded = load_profile(path);
    ASSERT_TRUE(loaded.ok());
    auto card = make_card(loaded.value());
    card->power_on();
    // Start inside SSSE so the record and binary handlers meet real files.
    ASSERT_EQ(send(*card, "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF"), "9000");
    for (int i = 0; i < 3000; ++i) {
      Bytes apdu(static_cast<std::size_t>(byte(rng)) % 40);
      for (auto& b : apdu) b = static_cast<std::uint8_t>(byte(rng));
      if (apdu.size() >= 2) {
        apdu[0] = 0x00;
        apdu[1] = kIns[static_cast<std::size_t>(byte(rng)) % 10];
      }
      if (apdu.size() >= 5 && i % 2 == 0) apdu[4] = static_cast<std::uint8_t>(apdu.size() - 5);
      ASSERT_GE(card->process(apdu).size(), 2u) << path << ": " << to_hex(apdu);
    }
  }
}

}  // namespace
}  // namespace sscard::sim

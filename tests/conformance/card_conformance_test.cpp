// Conformance of the simulated card to the commands and status words of ISO/IEC 7816-4 and docs/CARD.md,
// written once against hal::Slot and run on every registered card backend.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "card_backends.h"
#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"

namespace sscard::test {
namespace {

const std::filesystem::path kCards = SSCARD_CARDS_DIR;
const std::filesystem::path kData = SSCARD_TEST_DATA_DIR;

std::vector<std::vector<std::string>> read_rows(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    for (std::size_t start = 0;;) {
      const std::size_t bar = line.find(" | ", start);
      fields.push_back(line.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 3;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

std::filesystem::path profile_path(const std::string& profile) {
  if (profile == "t0") return kCards / "test/conformance-t0.json";
  if (profile == "t1") return kCards / "test/conformance-t1.json";
  if (profile == "gen3") return kCards / "cq-tongnan-gen3.json";
  return kCards / (profile + ".json");
}

Bytes hex(std::string_view text) {
  auto b = from_hex(text);
  if (!b.ok()) ADD_FAILURE() << "bad hex: " << text;
  return b.ok() ? *b : Bytes{};
}

// One card in one backend, powered up, with the exchange functions every test uses.
class CardUnderTest {
 public:
  CardUnderTest(const std::string& backend_name, const std::filesystem::path& profile)
      : backend_(make_card_backend(backend_name)) {
    if (backend_ == nullptr) throw std::runtime_error("unknown backend " + backend_name);
    slot_ = &backend_->insert(profile);
    power_up();
  }

  hal::Slot& slot() { return *slot_; }
  CardBackend& backend() { return *backend_; }

  std::string power_up() {
    std::uint8_t atr[hal::kMaxAtrSize];
    auto n = slot_->power_up(atr);
    if (!n.ok()) return std::string("error: ") + std::string(n.status().name());
    return to_hex(ByteSpan(atr, *n));
  }
  std::string power_cycle() {
    EXPECT_TRUE(slot_->power_down().ok());
    return power_up();
  }
  // The whole response (data + SW) in hex, or "error: <status>".
  std::string send(std::string_view command_hex) {
    std::uint8_t response[apdu::kMaxShortResponseSize];
    const Bytes command = hex(command_hex);
    auto n = slot_->transmit(command, response);
    if (!n.ok()) return std::string("error: ") + std::string(n.status().name());
    return to_hex(ByteSpan(response, *n));
  }

 private:
  std::unique_ptr<CardBackend> backend_;
  hal::Slot* slot_ = nullptr;
};

// One byte as two hex digits.
std::string byte_hex(std::size_t value) {
  const std::uint8_t b = static_cast<std::uint8_t>(value & 0xFF);
  return to_hex(ByteSpan(&b, 1));
}

std::string test_name(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

// ---- Scripted exchanges (tests/data/sim/conformance-scripts.txt) ----

struct Script {
  std::string name;
  std::string profile;
  std::vector<std::pair<std::string, std::string>> steps;
};

std::vector<Script> load_scripts() {
  std::vector<Script> scripts;
  std::map<std::string, std::size_t> index;
  for (const auto& row : read_rows(kData / "sim/conformance-scripts.txt")) {
    if (row.size() != 4) {
      ADD_FAILURE() << "conformance-scripts.txt: a line has " << row.size() << " fields";
      continue;
    }
    auto [it, fresh] = index.emplace(row[0], scripts.size());
    if (fresh) scripts.push_back(Script{row[0], row[1], {}});
    scripts[it->second].steps.emplace_back(row[2], row[3]);
  }
  return scripts;
}

struct ScriptCase {
  std::string backend;
  Script script;
};

void PrintTo(const ScriptCase& c, std::ostream* os) { *os << c.backend << "/" << c.script.name; }

std::vector<ScriptCase> script_cases() {
  std::vector<ScriptCase> cases;
  for (const auto& backend : card_backend_names()) {
    for (const auto& script : load_scripts()) cases.push_back(ScriptCase{backend, script});
  }
  return cases;
}

class ConformanceScript : public ::testing::TestWithParam<ScriptCase> {};

TEST_P(ConformanceScript, Exchanges) {
  const ScriptCase& c = GetParam();
  CardUnderTest card(c.backend, profile_path(c.script.profile));
  std::size_t step = 0;
  for (const auto& [command, expected] : c.script.steps) {
    ++step;
    const std::string actual = command == "POWER" ? card.power_cycle() : card.send(command);
    EXPECT_EQ(actual, expected) << c.script.name << " step " << step << ": " << command;
  }
}

INSTANTIATE_TEST_SUITE_P(Cards, ConformanceScript, ::testing::ValuesIn(script_cases()),
                         [](const ::testing::TestParamInfo<ScriptCase>& param_info) {
                           return test_name(param_info.param.backend + "_" + param_info.param.script.name);
                         });

// ---- Tests with logic: every holder profile, random challenges, removal ----

class Conformance : public ::testing::TestWithParam<std::string> {};

constexpr const char* kSelectSsse = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
constexpr const char* kSelectSsseNoFci = "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF";

// holder-records.txt: profile | SFI | record number | record bytes.
std::map<std::string, std::vector<std::vector<std::string>>> records_by_profile() {
  std::map<std::string, std::vector<std::vector<std::string>>> out;
  for (const auto& row : read_rows(kData / "sim/holder-records.txt")) out[row[0]].push_back(row);
  return out;
}

TEST_P(Conformance, EveryHolderCardAnswersItsAtrAndFci) {
  const std::map<std::string, std::string> algorithm = {
      {"cq-tongnan-gen3", "03"}, {"cq-yuzhong-gen2", "01"}, {"sc-suining-gen3", "03"},
      {"sc-chengdu-gen2", "01"}, {"sc-mianyang-gen1", "01"}, {"sc-liangshan-longname-gen2", "01"}};
  for (const auto& [profile, alg] : algorithm) {
    CardUnderTest card(GetParam(), profile_path(profile));
    const std::string fci = "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C038601" + alg;
    if (card.slot().protocol() == hal::Protocol::kT1) {
      EXPECT_EQ(card.send(std::string(kSelectSsse) + "00"), fci + "9000") << profile;
    } else {
      EXPECT_EQ(card.send(kSelectSsse), "611B") << profile;
      EXPECT_EQ(card.send("00C000001B"), fci + "9000") << profile;
    }
  }
}

TEST_P(Conformance, ChengduIsT1AndOthersT0) {
  for (const char* profile : {"sc-chengdu-gen2", "cq-yuzhong-gen2"}) {
    CardUnderTest card(GetParam(), profile_path(profile));
    const bool t1 = std::string(profile) == "sc-chengdu-gen2";
    EXPECT_EQ(card.slot().protocol(), t1 ? hal::Protocol::kT1 : hal::Protocol::kT0) << profile;
    EXPECT_EQ(card.power_cycle(), t1 ? "3B8D80010086544C3086845101001809AB4A" : "3B6D000000814E43238697159900BF7C7A");
  }
}

TEST_P(Conformance, HolderRecordsReadInEveryForm) {
  // By number with SFI (P2 2C/34), by identifier with SFI (28/30), and both forms on the current EF (04/00).
  for (const auto& [profile, rows] : records_by_profile()) {
    CardUnderTest card(GetParam(), profile_path(profile));
    const bool gen3 = profile.find("gen3") != std::string::npos;
    ASSERT_EQ(card.send(kSelectSsseNoFci), "9000") << profile;
    for (const auto& row : rows) {
      const int sfi = std::stoi(row[1], nullptr, 16);
      const int number = std::stoi(row[2]);
      const std::string record = row[3];
      const std::string tag = record.substr(0, 2);
      const bool protected_record = gen3 && (sfi == 6 || (sfi == 5 && number == 7));
      const std::string expected = protected_record ? "6982" : record + "9000";
      const std::string p1 = byte_hex(static_cast<std::size_t>(number));
      const std::string by_number_sfi = sfi == 5 ? "2C" : "34";
      const std::string by_id_sfi = sfi == 5 ? "28" : "30";
      const std::string where = profile + " SFI " + row[1] + " record " + row[2];
      EXPECT_EQ(card.send("00B2" + p1 + by_number_sfi + "00"), expected) << where;
      EXPECT_EQ(card.send("00B2" + tag + by_id_sfi + "00"), expected) << where;
      EXPECT_EQ(card.send("00B2" + p1 + "0400"), expected) << where;  // current EF (set by SFI)
      EXPECT_EQ(card.send("00B2" + tag + "0000"), expected) << where;
    }
  }
}

TEST_P(Conformance, WrongLeGets6CWithTheRecordLength) {
  CardUnderTest card(GetParam(), profile_path("cq-yuzhong-gen2"));
  ASSERT_EQ(card.send(kSelectSsseNoFci), "9000");
  auto records = records_by_profile();
  for (const auto& row : records["cq-yuzhong-gen2"]) {
    const std::size_t length = row[3].size() / 2;
    const std::string len_hex = byte_hex(length);
    const std::string p1p2 = std::string(row[2].size() == 1 ? "0" : "") + row[2] + (row[1] == "05" ? "2C" : "34");
    for (std::size_t le : {std::size_t{1}, length - 1, length + 1, std::size_t{0xFF}}) {
      const std::string le_hex = byte_hex(le);
      EXPECT_EQ(card.send("00B2" + p1p2 + le_hex), "6C" + len_hex) << p1p2 << " Le " << le_hex;
    }
    EXPECT_EQ(card.send("00B2" + p1p2 + len_hex), row[3] + "9000") << p1p2;
  }
}

TEST_P(Conformance, GetChallengeGivesFreshRandomBytes) {
  CardUnderTest card(GetParam(), profile_path("t0"));
  for (const char* le : {"04", "08", "10"}) {
    std::set<std::string> seen;
    for (int i = 0; i < 4; ++i) {
      const std::string r = card.send(std::string("00840000") + le);
      ASSERT_EQ(r.size(), 2 * (std::stoul(le, nullptr, 16) + 2)) << le;
      EXPECT_EQ(r.substr(r.size() - 4), "9000");
      seen.insert(r);
    }
    EXPECT_EQ(seen.size(), 4u) << "Le " << le;
  }
}

TEST_P(Conformance, VerifyBlockedStaysBlockedAcrossManyPowerCycles) {
  CardUnderTest card(GetParam(), profile_path("t1"));
  for (int n = 5; n >= 0; --n) {
    EXPECT_EQ(card.send("0020000003000000"), "63C" + std::to_string(n));
    card.power_cycle();
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(card.send("0020000003246810"), "6983");
    card.power_cycle();
  }
}

TEST_P(Conformance, RemovedCardIsGone) {
  CardUnderTest card(GetParam(), profile_path("t0"));
  EXPECT_EQ(card.send("00200000"), "63C6");
  card.backend().remove();
  auto present = card.slot().card_present();
  ASSERT_TRUE(present.ok());
  EXPECT_FALSE(*present);
  if (card.backend().name() == "pcsc") {
    // A PC/SC connection made before the removal reports it once: pcscd answers SCardTransmit with
    // SCARD_W_REMOVED_CARD without reaching the reader, and the slot drops the dead connection.
    EXPECT_EQ(card.send("00200000"), "error: " + std::string(Status(Error::kCardRemoved).name()));
  }
  EXPECT_EQ(card.send("00200000"), "error: " + std::string(Status(Error::kNoCard).name()));
}

TEST_P(Conformance, EveryInstructionWithBadClassGets6E00) {
  CardUnderTest card(GetParam(), profile_path("t0"));
  for (const char* ins : {"A4", "B0", "B2", "D6", "DC", "20", "84", "C0"}) {
    EXPECT_EQ(card.send(std::string("40") + ins + "000000"), "6E00") << ins;
  }
}

INSTANTIATE_TEST_SUITE_P(Cards, Conformance, ::testing::ValuesIn(card_backend_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return test_name(param_info.param); });

}  // namespace
}  // namespace sscard::test

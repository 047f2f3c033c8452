// The identity read (firmware/ssc) on every card backend: the same firmware -> transport -> HAL slot path
// reads every bundled holder card in-process and through pcscd + vpcd, and each field must equal the
// expected output written from the profile's documented data (tests/data/e2e/<profile>.json).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "card_backends.h"
#include "sscard/sim/profile.h"
#include "sscard/ssc/identity.h"
#include "sscard/transport/transport.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;

const fs::path kExpected = fs::path(SSCARD_TEST_DATA_DIR) / "e2e";

struct IdentityCase {
  std::string backend;
  fs::path profile;
};

void PrintTo(const IdentityCase& c, std::ostream* os) { *os << c.backend << "/" << c.profile.stem().string(); }

std::vector<IdentityCase> identity_cases() {
  std::vector<IdentityCase> cases;
  for (const auto& backend : card_backend_names()) {
    for (const auto& profile : sim::holder_profiles(SSCARD_CARDS_DIR)) cases.push_back({backend, profile});
  }
  return cases;
}

nlohmann::ordered_json expected_for(const fs::path& profile) {
  std::ifstream in(kExpected / (profile.stem().string() + ".json"));
  std::ostringstream text;
  text << in.rdbuf();
  return nlohmann::ordered_json::parse(text.str());
}

std::string date_text(const std::optional<Date>& d) { return d ? to_yyyymmdd(*d) : std::string(); }

template <std::size_t Digits>
std::string code_text(const std::optional<ssc::NumericCode<Digits>>& code) {
  return code ? code->to_string() : std::string();
}

// The 13 fields of the JSON output (sscard/app/identity_report.h), by key, written the same way: codes as
// digits, dates YYYYMMDD, bytes in upper-case hex, unset fields empty.
std::string field(const ssc::Identity& id, const std::string& key) {
  if (key == "region") return code_text(id.region);
  if (key == "ssn") return std::string(id.ssn.view());
  if (key == "card_number") return std::string(id.card_number.view());
  if (key == "card_id") return to_hex(id.card_id);
  if (key == "name") return std::string(id.name.view());
  if (key == "sex") return id.sex.kind == ssc::Sex::Kind::kUnset ? std::string() : std::string(1, id.sex.code);
  if (key == "nation") return code_text(id.nation);
  if (key == "birthplace") return code_text(id.birthplace);
  if (key == "birth_date") return date_text(id.birth_date);
  if (key == "spec_version") return std::string(id.spec_version.view());
  if (key == "issue_date") return date_text(id.issue_date);
  if (key == "expiry_date") return date_text(id.expiry_date);
  if (key == "atr_historical") return to_hex(id.atr_historical.span());
  ADD_FAILURE() << "unknown field " << key;
  return "";
}

class IdentityOnEveryBackend : public ::testing::TestWithParam<IdentityCase> {};

TEST_P(IdentityOnEveryBackend, EveryFieldMatchesTheExpectedOutput) {
  const IdentityCase& c = GetParam();
  auto backend = make_card_backend(c.backend);
  ASSERT_NE(backend, nullptr) << c.backend;
  hal::Slot& slot = backend->insert(c.profile);

  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_length = slot.power_up(atr);
  ASSERT_TRUE(atr_length.ok()) << atr_length.status().name();
  transport::Transport transport(slot);
  auto identity = ssc::read_identity(transport, ByteSpan(atr.data(), *atr_length));
  ASSERT_TRUE(identity.ok()) << identity.status().name();

  const auto expected = expected_for(c.profile);
  ASSERT_EQ(expected.size(), 13u);
  for (auto it = expected.begin(); it != expected.end(); ++it) {
    EXPECT_EQ(field(*identity, it.key()), it.value().get<std::string>()) << "field " << it.key();
  }
  // The historical bytes come from the ATR this backend delivered, and equal the profile's.
  auto loaded = sim::load_profile(c.profile);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(to_hex(ByteSpan(atr.data(), *atr_length)), to_hex(loaded.value().atr));
  EXPECT_EQ(to_hex(identity->atr_historical.span()), to_hex(loaded.value().historical_bytes()));
  EXPECT_EQ(identity->personal_data_withheld, loaded.value().generation == 3);
  EXPECT_TRUE(slot.power_down().ok());
}

INSTANTIATE_TEST_SUITE_P(BundledCards, IdentityOnEveryBackend, ::testing::ValuesIn(identity_cases()),
                         [](const ::testing::TestParamInfo<IdentityCase>& param_info) {
                           std::string n = param_info.param.backend + "_" + param_info.param.profile.stem().string();
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

// Both backends are linked in; a backend missing here would silently halve the suite.
TEST(IdentityBackends, InProcessAndPcscAreRegistered) {
  const auto names = card_backend_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "inprocess"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "pcsc"), names.end());
}

}  // namespace
}  // namespace sscard::test

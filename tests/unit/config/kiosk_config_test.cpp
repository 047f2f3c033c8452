// The kiosk configuration: the bundled kiosks load with their documented values, every field's rule is
// enforced with an error that names the field, and writing a configuration reads back to the same values.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sscard/config/kiosk_config.h"
#include "sscard/config/paths.h"
#include "sscard/core/state_dir.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/wire/wire.h"

namespace sscard::config {
namespace {

namespace fs = std::filesystem;

const fs::path kCards = SSCARD_CARDS_DIR;
const fs::path kTongnan = kCards / "kiosks" / "cq-tongnan.json";
const fs::path kSuining = kCards / "kiosks" / "sc-suining.json";

nlohmann::json tongnan_json() {
  std::ifstream in(kTongnan);
  return nlohmann::json::parse(in);
}

// Parses `j` as if it were the file cards/kiosks/test.json; the error line, or "" when it loads.
std::string error_of(const nlohmann::json& j) {
  auto c = parse_kiosk_config(j.dump(), kCards / "kiosks" / "test.json");
  return c.ok() ? std::string() : c.error().to_string();
}

TEST(KioskConfig, TongnanLoadsWithItsDocumentedValues) {
  auto c = load_kiosk_config(kTongnan);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->id, "cq");
  EXPECT_EQ(c->terminal, "500152000101");
  EXPECT_EQ(c->province, "500000");
  EXPECT_EQ(c->region, "500152");
  EXPECT_EQ(c->card_reader.kind, DeviceSpec::Kind::kPcsc);
  EXPECT_EQ(c->card_reader.reader, "");
  ASSERT_EQ(c->psam.kind, DeviceSpec::Kind::kSimulated);
  EXPECT_EQ(c->psam.profile, (kCards / "psam" / "cq-kiosk.json").lexically_normal());
  ASSERT_TRUE(c->host.simulated.has_value());
  EXPECT_FALSE(c->host.address.has_value());
  EXPECT_EQ(c->host.simulated->cards, kCards.lexically_normal() / "");
  EXPECT_EQ(c->host.simulated->link_keys, (kCards / "keys" / "test-link-keys.json").lexically_normal());
  EXPECT_EQ(c->host.timeout.count(), 3000);
  EXPECT_EQ(c->host.attempts, 3);
  ASSERT_TRUE(c->payment.has_value());
  EXPECT_EQ(c->payment->country_code, "0156");
  EXPECT_EQ(c->payment->currency_code, "0156");
  EXPECT_EQ(c->payment->merchant_id.size(), 15u);
}

TEST(KioskConfig, SuiningIsASichuanKiosk) {
  auto c = load_kiosk_config(kSuining);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->id, "sc");
  EXPECT_EQ(c->terminal, "510900000101");
  EXPECT_EQ(c->province, "510000");
  EXPECT_EQ(c->region, "510900");
  EXPECT_EQ(c->psam.profile, (kCards / "psam" / "sc-kiosk.json").lexically_normal());
}

// The bundled kiosks hold exactly the link key the simulated issuers derive for their terminal numbers from
// the test master key (HOST-PROTOCOL.md "Link keys"), and nothing else.
TEST(KioskConfig, BundledLinkKeysAreDerivedFromTheTestMaster) {
  std::ifstream in(kCards / "keys" / "test-link-keys.json");
  const auto keys = nlohmann::json::parse(in);
  const auto master = from_hex(keys["master"].get<std::string>());
  ASSERT_TRUE(master.ok());
  auto crypto = crypto::make_default_crypto();
  for (const fs::path& file : {kTongnan, kSuining}) {
    auto c = load_kiosk_config(file);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    auto derived = wire::derive_link_key(*crypto, *master, c->terminal);
    ASSERT_TRUE(derived.ok());
    EXPECT_EQ(to_hex(c->link_key), to_hex(*derived)) << file;
    EXPECT_NE(to_hex(c->link_key), to_hex(*master));
  }
}

// Their PIN keys are the PIN master diversified by the terminal number (PAYMENT.md "Online PIN"); the
// expected keys were computed with `openssl enc -sm4-ecb` over F || (F xor FF..FF), F = terminal BCD || FFFF.
TEST(KioskConfig, BundledPinKeysAreDerivedFromTheTestPinMaster) {
  std::ifstream in(kCards / "keys" / "test-pin-keys.json");
  const auto keys = nlohmann::json::parse(in);
  EXPECT_EQ(keys["master"].get<std::string>(), "0059BDF236EC072A32704FCEBBEFB0D3");
  const std::pair<fs::path, const char*> expected[] = {{kTongnan, "DA36B8DDFB9808C489A6A47C4A8F7C90"},
                                                       {kSuining, "70AC1A605BA58BFACE147A43174A598F"}};
  for (const auto& [file, pin_key] : expected) {
    auto c = load_kiosk_config(file);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    ASSERT_TRUE(c->payment.has_value());
    ASSERT_TRUE(c->payment->pin_key.has_value()) << file;
    EXPECT_EQ(to_hex(*c->payment->pin_key), pin_key) << file;
    EXPECT_EQ(to_hex(c->payment->terminal_capabilities), "20D8C8");
    EXPECT_EQ(to_hex(c->payment->tac_denial), "0010800000");
  }
}

TEST(KioskConfig, ErrorsNameTheField) {
  struct Case {
    const char* pointer;
    nlohmann::json value;
    const char* expected;  // the error line after "cards/kiosks/test.json: "
  };
  const Case cases[] = {
      {"/format", "sscard-kiosk/2", "format: must be \"sscard-kiosk/1\", not \"sscard-kiosk/2\""},
      {"/id", "CQ", "id: \"CQ\" must be 1 to 32 of a-z, 0-9 and '-'"},
      {"/name", "kiosk|1", "name: must not contain control characters or '|'"},
      {"/name", "kiosk\n1", "name: must not contain control characters or '|'"},
      {"/terminal", "50015200010", "terminal: \"50015200010\" must be 12 decimal digits"},
      {"/province", "110000", "province: \"110000\" must be 500000 (Chongqing) or 510000 (Sichuan)"},
      {"/region", "510900", "region: \"510900\" is not in province 500000"},
      {"/readers/card", "usb", "readers.card: \"usb\" must be \"pcsc\", \"pcsc:READER NAME\" or \"none\""},
      {"/readers/psam", "sim:", "readers.psam: \"sim:\" must be \"pcsc\", \"pcsc:READER NAME\", \"sim:PROFILE.json\" or \"none\""},
      {"/host/timeout_ms", 0, "host.timeout_ms: 0 is outside 1..600000"},
      {"/host/attempts", "3", "host.attempts: must be a whole number"},
      {"/link_key", "00112233", "link_key: must be 32 hex digits"},
      {"/payment/terminal_capabilities", "E0E8", "payment.terminal_capabilities: must be 6 hex digits (3 bytes)"},
      {"/payment/tac/online", "zz00000000", "payment.tac.online: \"zz00000000\" is not valid hex"},
      {"/payment/random_selection/max_target_percent", -1,
       "payment.random_selection.max_target_percent: -1 is outside 0..99"},
      {"/payment/contactless_floor_limit_fen", 200000,
       "payment.contactless_floor_limit_fen: must not exceed contactless_limit_fen"},
      {"/payment/pin_key", "00112233", "payment.pin_key: must be 32 hex digits"},
      {"/essc/keys", nlohmann::json::array(), "essc.keys: must be a non-empty array of platform keys"},
      {"/essc/keys/0/platform", "00000", "essc.keys[0].platform: \"00000\" must be 6 decimal digits"},
      {"/essc/keys/0/index", 0, "essc.keys[0].index: 0 is outside 1..255"},
      {"/essc/keys/0/public_key", "8FC6", "essc.keys[0].public_key: must be 128 hex digits (64 bytes)"},
      {"/essc/colour", "blue", "essc.colour: is not a field of this format"},
      {"/colour", "blue", "colour: is not a field of this format"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = tongnan_json();
    j[nlohmann::json::json_pointer(c.pointer)] = c.value;
    EXPECT_EQ(error_of(j), (kCards / "kiosks" / "test.json").string() + ": " + c.expected) << c.pointer;
  }
}

TEST(KioskConfig, MissingFieldsAndBadDocuments) {
  nlohmann::json j = tongnan_json();
  j.erase("link_key");
  EXPECT_EQ(error_of(j), (kCards / "kiosks" / "test.json").string() + ": link_key: is missing");
  j = tongnan_json();
  j["host"]["address"] = "127.0.0.1:7001";  // both address and simulated
  EXPECT_EQ(error_of(j), (kCards / "kiosks" / "test.json").string() +
                             ": host: needs exactly one of \"address\" (HOST:PORT) and \"simulated\"");
  j = tongnan_json();
  j["host"] = {{"address", "nocolon"}};
  EXPECT_EQ(error_of(j), (kCards / "kiosks" / "test.json").string() + ": host.address: \"nocolon\" is not HOST:PORT");
  auto not_json = parse_kiosk_config("{\"format\": ", "x.json");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.error().to_string(), "x.json: not valid JSON (at byte 12)");
  auto missing = load_kiosk_config("/nonexistent/kiosk.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().to_string(), "/nonexistent/kiosk.json: cannot be opened: No such file or directory");
}

// A key never appears in an error message.
TEST(KioskConfig, AWrongKeyIsNotEchoed) {
  nlohmann::json j = tongnan_json();
  j["link_key"] = "0123456789ABCDEF0123456789ABCDEX";
  const std::string error = error_of(j);
  EXPECT_EQ(error.find("0123456789"), std::string::npos) << error;
  EXPECT_NE(error.find("link_key: must be 32 hex digits"), std::string::npos) << error;
}

TEST(KioskConfig, FormatReadsBackToTheSameValues) {
  auto c = load_kiosk_config(kTongnan);
  ASSERT_TRUE(c.ok());
  c->host.simulated.reset();
  c->host.address = wire::Address{"127.0.0.1", 7001};
  c->journal = kCards / "kiosks" / "j.db";
  const std::string text = format_kiosk_config(*c, kCards / "kiosks");
  auto back = parse_kiosk_config(text, kCards / "kiosks" / "copy.json");
  ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << text;
  EXPECT_EQ(back->terminal, c->terminal);
  EXPECT_EQ(back->link_key, c->link_key);
  EXPECT_EQ(back->psam.profile, c->psam.profile);
  EXPECT_EQ(back->journal, c->journal);
  ASSERT_TRUE(back->host.address.has_value());
  EXPECT_EQ(back->host.address->to_string(), "127.0.0.1:7001");
  ASSERT_TRUE(back->payment.has_value());
  EXPECT_EQ(back->payment->tac_online, c->payment->tac_online);
  EXPECT_EQ(back->payment->ca_keys, c->payment->ca_keys);
  EXPECT_EQ(back->payment->pin_key, c->payment->pin_key);
  EXPECT_EQ(format_kiosk_config(*back, kCards / "kiosks"), text);
  // Paths are written relative to where the file will be.
  EXPECT_NE(text.find("\"psam\": \"sim:../psam/cq-kiosk.json\""), std::string::npos) << text;
}

// The electronic-card platform key of the bundled kiosks: the simulated national platform's key 1.
TEST(KioskConfig, BundledKiosksTrustTheNationalPlatformsKey) {
  for (const char* file : {"cq-tongnan.json", "sc-suining.json"}) {
    auto c = load_kiosk_config(kCards / "kiosks" / file);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    ASSERT_EQ(c->essc_keys.size(), 1u) << file;
    EXPECT_EQ(c->essc_keys[0].platform, "000000");
    EXPECT_EQ(c->essc_keys[0].index, 1);
    EXPECT_EQ(to_hex(c->essc_keys[0].public_key),
              "8FC611973E5BEFAD99EEE7D3563C39BDF74802281D29986F8577D600305E871B"
              "640102673224EBE968C67A500F04CBB46042F03DAB91DB669BC7B66D3E48CF77");
  }
  nlohmann::json j = tongnan_json();
  j["essc"]["keys"].push_back(j["essc"]["keys"][0]);
  EXPECT_EQ(error_of(j), (kCards / "kiosks" / "test.json").string() +
                             ": essc.keys[1].index: platform 000000 key 1 is listed twice");
  j = tongnan_json();
  j.erase("essc");
  auto without = parse_kiosk_config(j.dump(), kCards / "kiosks" / "test.json");
  ASSERT_TRUE(without.ok());
  EXPECT_TRUE(without->essc_keys.empty());
  // The section is written back as it was read.
  auto c = load_kiosk_config(kTongnan);
  ASSERT_TRUE(c.ok());
  auto back = parse_kiosk_config(format_kiosk_config(*c, kCards / "kiosks"), kCards / "kiosks" / "copy.json");
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->essc_keys.size(), 1u);
  EXPECT_EQ(back->essc_keys[0].public_key, c->essc_keys[0].public_key);
}

TEST(KioskConfig, JournalDefaultsToTheStateFolder) {
  auto c = load_kiosk_config(kTongnan);
  ASSERT_TRUE(c.ok());
  c->journal.clear();
  ASSERT_TRUE(state_dir().ok());
  EXPECT_EQ(journal_file(*c).value(), *state_dir() / "journal-500152000101.db");
}

TEST(Paths, StateFolderFollowsXdg) {
  const char* saved_xdg = std::getenv("XDG_STATE_HOME");
  const char* saved_home = std::getenv("HOME");
  const std::string xdg = saved_xdg ? saved_xdg : "";
  const std::string home = saved_home ? saved_home : "";
  setenv("XDG_STATE_HOME", "/var/tmp/xdg", 1);
  EXPECT_EQ(state_dir().value(), fs::path("/var/tmp/xdg/sscard"));
  setenv("XDG_STATE_HOME", "relative/ignored", 1);  // the spec: relative paths are invalid
  setenv("HOME", "/home/kiosk", 1);
  EXPECT_EQ(state_dir().value(), fs::path("/home/kiosk/.local/state/sscard"));
  unsetenv("XDG_STATE_HOME");
  EXPECT_EQ(state_dir().value(), fs::path("/home/kiosk/.local/state/sscard"));
  setenv("HOME", "relative", 1);
  EXPECT_EQ(state_dir().status(), Error::kNotFound);
  setenv("SSCARD_CONFIG", "/srv/kiosk.json", 1);
  EXPECT_EQ(default_config_file(), fs::path("/srv/kiosk.json"));
  unsetenv("SSCARD_CONFIG");
  EXPECT_EQ(default_config_file(), fs::path("/etc/sscard/kiosk.json"));
  if (saved_xdg) setenv("XDG_STATE_HOME", xdg.c_str(), 1);
  if (saved_home) setenv("HOME", home.c_str(), 1);
}

}  // namespace
}  // namespace sscard::config

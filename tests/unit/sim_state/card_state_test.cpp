// Simulated cards with memory (sim/state): what one run does to a card through real APDUs is there in the
// next run; edited profiles, damaged files and concurrent runs come back as typed errors. Every test keeps
// its saved cards in a temporary folder of its own.
#include "sscard/sim/card_state.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>

#include "sscard/crypto/openssl.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/psam_profile.h"
#include "sscard/sim/security.h"

namespace sscard::sim {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const fs::path kCards = SSCARD_CARDS_DIR;
const fs::path kYuzhong = kCards / "cq-yuzhong-gen2.json";  // PIN 802416, 6 tries, 3DES
const fs::path kTongnan = kCards / "cq-tongnan-gen3.json";  // initial PIN 123456, 6 tries
const fs::path kKioskPsam = kCards / "psam" / "cq-kiosk.json";
const fs::path kTornWrite = fs::path(SSCARD_TEST_DATA_DIR) / "sim" / "state-torn-write.json";  // EF20: 200 bytes
// 卡识别码 of the Yuzhong card: 500103 ‖ D156000005 ‖ card serial.
constexpr const char* kYuzhongFile = "500103D15600000500BF7C7A48FB4966.card";
constexpr const char* kSelectSsseNoFci = "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF";
constexpr std::size_t kHeader = 64;
constexpr std::size_t kImage = 32 * 1024;

Bytes hex(std::string_view text) {
  auto b = from_hex(text);
  EXPECT_TRUE(b.ok()) << "bad hex in test: " << text;
  return b.ok() ? *b : Bytes{};
}

std::string send(Card& card, std::string_view command) { return to_hex(card.process(hex(command))); }

std::string transmit(hal::Slot& slot, std::string_view command) {
  std::uint8_t response[258];
  auto n = slot.transmit(hex(command), response);
  if (!n.ok()) return std::string(n.status().name());
  return to_hex(ByteSpan(response, *n));
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& path, ByteSpan bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::string read_text(const fs::path& path) {
  const Bytes b = read_file(path);
  return std::string(b.begin(), b.end());
}

void write_text(const fs::path& path, const std::string& text) { write_file(path, as_bytes(text)); }

// Replaces the one occurrence of `from`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "no " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sscard-state-test-XXXXXX").string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Sets environment variables for one test and puts the old values back.
class EnvGuard {
 public:
  EnvGuard() {
    for (const char* name : kNames) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  ~EnvGuard() {
    for (const auto& [name, value] : saved_) {
      if (value) ::setenv(name, value->c_str(), 1);
      else ::unsetenv(name);
    }
  }
  static void set(const char* name, const char* value) {
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }

 private:
  static constexpr const char* kNames[] = {"XDG_STATE_HOME", "HOME"};
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

class CardState : public ::testing::Test {
 protected:
  PersistentCardOptions options(milliseconds wait = milliseconds(5000)) const {
    PersistentCardOptions o;
    o.state_dir = state_.path();
    o.lock_wait = wait;
    return o;
  }

  static std::optional<PersistentCard> open_card(const fs::path& profile, const PersistentCardOptions& o) {
    auto r = open_persistent_card(profile, o);
    if (!r.ok()) {
      ADD_FAILURE() << state_error_name(r.error().kind) << ": " << r.error().message;
      return std::nullopt;
    }
    return std::move(r).value();
  }

  // The bundled profile copied into a folder of the test, its key file named by absolute path.
  fs::path copy_profile(const fs::path& from, const std::string& name, const std::string& root_keys_as_written) {
    const fs::path to = profiles_.path() / name;
    const std::string absolute = (kCards / "keys" / "test-root-keys.json").string();
    std::string text = replaced(read_text(from), "\"" + root_keys_as_written + "\"", "\"" + absolute + "\"");
    // The payment application's key files (docs/PAYMENT.md §2), where the profile has them.
    for (const char* key_file : {"keys/test-payment-keys.json", "keys/test-payment-cards.json"}) {
      const std::string quoted = std::string("\"") + key_file + "\"";
      if (text.find(quoted) != std::string::npos) {
        text = replaced(text, quoted, "\"" + (kCards / key_file).string() + "\"");
      }
    }
    write_text(to, text);
    return to;
  }

  // Expects `r` to have failed with `kind`; returns the message.
  template <typename T>
  static std::string failure(const Result<T, StateError>& r, StateError::Kind kind) {
    EXPECT_FALSE(r.ok());
    if (r.ok()) return {};
    EXPECT_EQ(state_error_name(r.error().kind), state_error_name(kind)) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << "one line: " << r.error().message;
    return r.error().message;
  }

  TempDir state_;
  TempDir profiles_;
};

// ---- The PIN between runs ----

TEST_F(CardState, APinChangedInOneRunIsThePinOfTheNext) {
  {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->started_from_profile());
    EXPECT_EQ(c->state_file(), state_.path() / kYuzhongFile);
    EXPECT_EQ(c->description(), "Chongqing Yuzhong, 2nd generation, contact, 3DES");
    hal::SimReader reader;
    reader.contact().insert(c->card());
    std::uint8_t atr[hal::kMaxAtrSize];
    ASSERT_TRUE(reader.contact().power_up(atr).ok());
    EXPECT_EQ(transmit(reader.contact(), "0020000003802416"), "9000");
    EXPECT_EQ(transmit(reader.contact(), "805E010007802416FF135790"), "9000");
  }
  auto c = open_card(kYuzhong, options());
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->started_from_profile());
  c->card()->power_on();
  EXPECT_EQ(send(*c->card(), "0020000003802416"), "63C5");
  EXPECT_EQ(send(*c->card(), "0020000003135790"), "9000");
}

TEST_F(CardState, WrongPinsInSuccessiveRunsBlockThePin) {
  for (int left = 5; left >= 0; --left) {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    c->card()->power_on();
    EXPECT_EQ(send(*c->card(), "0020000003111111"), "63C" + std::to_string(left));
  }
  {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    c->card()->power_on();
    EXPECT_EQ(send(*c->card(), "0020000003802416"), "6983");  // the right PIN no longer helps
    EXPECT_EQ(send(*c->card(), "00200000"), "6983");
  }
  auto report = inspect_card_state(kYuzhong, state_.path());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->matches_profile);
  EXPECT_EQ(report->pin_tries_left, 0);
  EXPECT_EQ(report->pin_max_tries, 6);
  EXPECT_EQ(report->pin_is_initial, true);
}

TEST_F(CardState, FreshStartsAgainFromTheProfileAndKeepsThat) {
  {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    c->card()->power_on();
    EXPECT_EQ(send(*c->card(), "805E010007802416FF135790"), "9000");
  }
  PersistentCardOptions fresh = options();
  fresh.fresh = true;
  {
    auto c = open_card(kYuzhong, fresh);
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->started_from_profile());
    c->card()->power_on();
    EXPECT_EQ(send(*c->card(), "0020000003135790"), "63C5");
  }
  auto c = open_card(kYuzhong, options());
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->started_from_profile());
  c->card()->power_on();
  EXPECT_EQ(send(*c->card(), "00200000"), "63C5");  // the wrong try of the fresh run was kept
  EXPECT_EQ(send(*c->card(), "0020000003802416"), "9000");
}

TEST_F(CardState, ResetRemovesTheSavedMemory) {
  {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    c->card()->power_on();
    EXPECT_EQ(send(*c->card(), "805E010007802416FF135790"), "9000");
  }
  auto reset = reset_card_state(kYuzhong, state_.path());
  ASSERT_TRUE(reset.ok()) << reset.error().message;
  EXPECT_TRUE(reset->removed);
  EXPECT_EQ(reset->state_file, state_.path() / kYuzhongFile);
  EXPECT_FALSE(fs::exists(reset->state_file));

  auto again = reset_card_state(kYuzhong, state_.path());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->removed);

  auto c = open_card(kYuzhong, options());
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->started_from_profile());
  c->card()->power_on();
  EXPECT_EQ(send(*c->card(), "0020000003802416"), "9000");
}

TEST_F(CardState, ResettingACardNeverSavedMakesNoFolder) {
  const fs::path nowhere = state_.path() / "not-yet";
  auto reset = reset_card_state(kYuzhong, nowhere);
  ASSERT_TRUE(reset.ok()) << reset.error().message;
  EXPECT_FALSE(reset->removed);
  EXPECT_EQ(reset->state_file, nowhere / kYuzhongFile);
  EXPECT_FALSE(fs::exists(nowhere));
}

TEST_F(CardState, NotDurableStillKeepsTheMemory) {
  PersistentCardOptions o = options();
  o.durable = false;
  {
    auto c = open_card(kTongnan, o);
    ASSERT_TRUE(c);
    c->card()->power_on();
    EXPECT_EQ(send(*c->card(), "805E010007123456FF135246"), "9000");
  }
  auto c = open_card(kTongnan, o);
  ASSERT_TRUE(c);
  c->card()->power_on();
  EXPECT_EQ(send(*c->card(), "0020000003135246"), "9000");
}

// ---- The application block between runs ----

TEST_F(CardState, ABlockedApplicationStaysBlocked) {
  auto profile = load_profile(kYuzhong);
  ASSERT_TRUE(profile.ok());
  auto crypto = crypto::make_openssl_crypto();
  ASSERT_NE(crypto, nullptr);
  {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    Card& card = *c->card();
    card.power_on();
    EXPECT_EQ(send(card, kSelectSsseNoFci), "9000");
    const Bytes challenge = card.process(hex("0084000004"));
    ASSERT_EQ(challenge.size(), 6u);
    ASSERT_EQ(to_hex(ByteSpan(challenge).last(2)), "9000");
    // MAC (SECURITY.md "MACs"): IV = R4 ‖ zeros, over 84 1E 00 00 04, with the card's STK.
    const crypto::Cipher cipher = profile->keys.cipher;
    Bytes iv(mac_iv_size(cipher), 0x00);
    std::copy_n(challenge.begin(), 4, iv.begin());
    std::uint8_t mac[kMacSize];
    ASSERT_TRUE(command_mac4(*crypto, cipher, profile->keys.key(KeyClass::kStk), iv, hex("841E000004"), mac).ok());
    EXPECT_EQ(send(card, "841E000004" + to_hex(mac)), "9000");
  }
  auto report = inspect_card_state(kYuzhong, state_.path());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->ssse_block_state, CardOs::BlockState::kTemporary);

  auto c = open_card(kYuzhong, options());
  ASSERT_TRUE(c);
  c->card()->power_on();
  EXPECT_EQ(send(*c->card(), kSelectSsseNoFci), "6283");
  EXPECT_EQ(send(*c->card(), "00B2012C00"), "6985");
}

// ---- Power cuts ----

TEST_F(CardState, APowerCutMidWriteLeavesOnDiskTheTornImageOfTheMemoryAndTheNextOpenUndoesIt) {
  std::string torn;      // what EF20 holds right after the cut
  std::string original;  // what it held before the command, and holds again after the next power-on
  {
    auto c = open_card(kTornWrite, options());
    ASSERT_TRUE(c);
    CardOs& card = c->card_os();
    card.power_on();
    EXPECT_EQ(send(card, kSelectSsseNoFci), "9000");
    const auto ssse = card.file_system().df_by_name(ssse_df_name());
    ASSERT_TRUE(ssse);
    const auto ef = card.file_system().child_by_fid(*ssse, 0xEF20);
    ASSERT_TRUE(ef);
    original = to_hex(card.file_system().binary(*ef));
    ASSERT_EQ(original, std::string(400, '0'));
    // The 200 bytes span several pages. The command's transaction first writes its journal header and an
    // undo record of every page; the cut lets the first data page through (up to the first page boundary).
    const std::size_t page = card.eeprom().page_size();
    const std::size_t offset = card.file_system().node(*ef).offset;
    const std::size_t first = page - offset % page;
    ASSERT_LT(first, 200u);
    const std::size_t pages = (offset + 200 - 1) / page - offset / page + 1;
    const std::size_t record_pages = (page + 12 + page - 1) / page;
    torn = std::string(2 * first, 'A') + std::string(2 * (200 - first), '0');

    card.eeprom().cut_power_after_page_writes(1 + pages * record_pages + 1);
    EXPECT_EQ(send(card, "00D69400C8" + std::string(400, 'A')), "");  // browned out: no answer
    EXPECT_EQ(to_hex(card.file_system().binary(*ef)), torn);

    const Bytes file = read_file(c->state_file());
    ASSERT_EQ(file.size(), kHeader + kImage);
    EXPECT_TRUE(std::equal(file.begin() + kHeader, file.end(), card.eeprom().image().begin()))
        << "the file differs from the memory";
  }
  auto c = open_card(kTornWrite, options());
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->started_from_profile());
  c->card()->power_on();
  EXPECT_EQ(send(*c->card(), kSelectSsseNoFci), "9000");
  EXPECT_EQ(send(*c->card(), "00B09400C8"), original + "9000");
}

TEST_F(CardState, APowerCutBeforeTheTryCounterIsWrittenSavesNothingOnDisk) {
  {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    c->card()->power_on();
    c->card_os().eeprom().cut_power_after_page_writes(0);
    EXPECT_EQ(send(*c->card(), "0020000003111111"), "");
  }
  auto report = inspect_card_state(kYuzhong, state_.path());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->pin_tries_left, 6);
}

// ---- The file ----

TEST_F(CardState, TheFileIsAHeaderWithTheFingerprintThenTheImage) {
  PersistentCardOptions o = options();
  o.state_dir = state_.path() / "a" / "b";
  auto c = open_card(kYuzhong, o);
  ASSERT_TRUE(c);
  const Bytes file = read_file(c->state_file());
  ASSERT_EQ(file.size(), kHeader + kImage);
  EXPECT_EQ(to_hex(ByteSpan(file).first(20)), to_hex(as_bytes("SSCSTATE")) + "0002" "0000" "00008000" "00000040");
  EXPECT_EQ(to_hex(ByteSpan(file).subspan(52, 12)), std::string(24, '0'));

  // The fingerprint, from a card personalised here: SHA-256(version ‖ ATR length ‖ ATR ‖ protocol ‖ image).
  auto profile = load_profile(kYuzhong);
  ASSERT_TRUE(profile.ok());
  auto fresh = make_card_os(*profile);
  ASSERT_NE(fresh, nullptr);
  Bytes input = hex("0002");
  input.push_back(static_cast<std::uint8_t>(profile->atr.size()));
  input.insert(input.end(), profile->atr.begin(), profile->atr.end());
  input.push_back(0x00);  // T=0
  const ByteSpan image = fresh->eeprom().image();
  input.insert(input.end(), image.begin(), image.end());
  auto crypto = crypto::make_openssl_crypto();
  std::array<std::uint8_t, 32> digest{};
  ASSERT_TRUE(crypto->digest(crypto::Hash::kSha256, input, digest).ok());
  EXPECT_EQ(to_hex(ByteSpan(file).subspan(20, 32)), to_hex(digest));
  EXPECT_TRUE(std::equal(file.begin() + kHeader, file.end(), image.begin()));

  // Private: the image holds the card's keys and PIN.
  struct stat st {};
  ASSERT_EQ(::stat(c->state_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((state_.path() / "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(o.state_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  // Nothing else than the file and its lock.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(o.state_dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{kYuzhongFile, std::string(kYuzhongFile) + ".lock"}));
}

TEST_F(CardState, PersonalisationIsTheSameEveryTime) {
  auto profile = load_profile(kTongnan);
  ASSERT_TRUE(profile.ok());
  auto a = make_card_os(*profile);
  auto b = make_card_os(*profile);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(std::ranges::equal(a->eeprom().image(), b->eeprom().image()));
}

// ---- A profile edited since ----

TEST_F(CardState, AnEditedProfileIsReportedAsChangedAndTheFileKept) {
  const fs::path profile = copy_profile(kYuzhong, "x.json", "keys/test-root-keys.json");
  fs::path state_file;
  {
    auto c = open_card(profile, options());
    ASSERT_TRUE(c);
    state_file = c->state_file();
  }
  const Bytes before = read_file(state_file);
  write_text(profile, replaced(read_text(profile), "\"CQ1506011\"", "\"CX1506011\""));

  auto r = open_persistent_card(profile, options());
  const std::string message = failure(r, StateError::Kind::kChanged);
  EXPECT_EQ(message, profile.string() + " changed since its simulated card was saved in " + state_file.string() +
                         " (or another profile has the same card); start it again from the profile with "
                         "`sscard-sim card reset --card " + profile.string() + "` or run with --fresh");
  EXPECT_EQ(read_file(state_file), before);

  auto report = inspect_card_state(profile, state_.path());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->saved);
  EXPECT_FALSE(report->matches_profile);
  ASSERT_TRUE(report->problem);
  EXPECT_EQ(report->problem->kind, StateError::Kind::kChanged);
  EXPECT_EQ(report->pin_tries_left, 6);  // the card as the profile now makes it

  PersistentCardOptions fresh = options();
  fresh.fresh = true;
  auto c = open_card(profile, fresh);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->started_from_profile());
}

TEST_F(CardState, ATryLimitEditedIsAChangeToo) {
  const fs::path profile = copy_profile(kYuzhong, "x.json", "keys/test-root-keys.json");
  ASSERT_TRUE(open_card(profile, options()));
  write_text(profile, replaced(read_text(profile), "\"max_tries\": 6", "\"max_tries\": 3"));
  (void)failure(open_persistent_card(profile, options()), StateError::Kind::kChanged);
}

TEST_F(CardState, ADescriptionEditedChangesNoByteOfTheCard) {
  const fs::path profile = copy_profile(kYuzhong, "x.json", "keys/test-root-keys.json");
  {
    auto c = open_card(profile, options());
    ASSERT_TRUE(c);
    c->card()->power_on();
    EXPECT_EQ(send(*c->card(), "0020000003111111"), "63C5");
  }
  write_text(profile, replaced(read_text(profile), "\"Chongqing Yuzhong, 2nd generation", "\"Yuzhong"));
  auto c = open_card(profile, options());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->description(), "Yuzhong, contact, 3DES");
  c->card()->power_on();
  EXPECT_EQ(send(*c->card(), "00200000"), "63C5");
}

// ---- A memory of the older layout (format version 1, before electronic cash) ----

TEST_F(CardState, OlderLayoutIsRefusedWithTheResetAdviceAndLeftAlone) {
  fs::path state_file;
  {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    state_file = c->state_file();
  }
  Bytes old = read_file(state_file);
  ASSERT_EQ(old[8], 0x00);
  ASSERT_EQ(old[9], 0x02);  // this program writes version 2
  old[9] = 0x01;
  write_file(state_file, old);

  const std::string message = failure(open_persistent_card(kYuzhong, options()), StateError::Kind::kChanged);
  EXPECT_EQ(message, state_file.string() + ": the saved memory of the simulated card of " + kYuzhong.string() +
                         " has the layout of an older sscard-sim (format version 1, this program reads version 2); "
                         "start it again from the profile with `sscard-sim card reset --card " +
                         kYuzhong.string() + "` or run with --fresh");
  EXPECT_EQ(read_file(state_file), old);

  auto report = inspect_card_state(kYuzhong, state_.path());
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_TRUE(report->problem);
  EXPECT_EQ(report->problem->kind, StateError::Kind::kChanged);

  ASSERT_TRUE(reset_card_state(kYuzhong, state_.path()).ok());
  auto again = open_card(kYuzhong, options());
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->started_from_profile());
}

// ---- Damaged files ----

struct Damage {
  const char* name;
  void (*apply)(Bytes&);
  const char* says;
};

const Damage kDamages[] = {
    {"empty", [](Bytes& f) { f.clear(); }, "the file is empty"},
    {"header_cut", [](Bytes& f) { f.resize(40); }, "truncated: 40 bytes, shorter than the 64-byte header"},
    {"image_cut", [](Bytes& f) { f.resize(kHeader + 100); }, "truncated: 164 of 32832 bytes"},
    {"too_long", [](Bytes& f) { f.push_back(0); }, "too long: 32833 of 32832 bytes"},
    {"magic", [](Bytes& f) { f[0] = 'X'; }, "not a saved card memory"},
    {"version", [](Bytes& f) { f[9] = 3; }, "format version 3, this program reads version 2"},
    {"no_memory", [](Bytes& f) { std::fill_n(f.begin() + 12, 4, 0); }, "the header gives an empty memory"},
};

class DamagedFile : public CardState, public ::testing::WithParamInterface<Damage> {};

INSTANTIATE_TEST_SUITE_P(Damages, DamagedFile, ::testing::ValuesIn(kDamages),
                         [](const ::testing::TestParamInfo<Damage>& param_info) { return std::string(param_info.param.name); });

TEST_P(DamagedFile, IsReportedAsCorruptAndLeftAlone) {
  fs::path state_file;
  {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    state_file = c->state_file();
  }
  Bytes damaged = read_file(state_file);
  GetParam().apply(damaged);
  write_file(state_file, damaged);

  const std::string message = failure(open_persistent_card(kYuzhong, options()), StateError::Kind::kCorrupt);
  EXPECT_EQ(message, state_file.string() + ": the saved memory of the simulated card of " + kYuzhong.string() +
                         " is damaged (" + GetParam().says + "); start it again from the profile with "
                         "`sscard-sim card reset --card " + kYuzhong.string() + "` or run with --fresh");
  EXPECT_EQ(read_file(state_file), damaged);

  auto report = inspect_card_state(kYuzhong, state_.path());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->saved);
  EXPECT_FALSE(report->matches_profile);
  ASSERT_TRUE(report->problem);
  EXPECT_EQ(report->problem->kind, StateError::Kind::kCorrupt);
  EXPECT_EQ(report->size_bytes, damaged.size());

  PersistentCardOptions fresh = options();
  fresh.fresh = true;
  ASSERT_TRUE(open_card(kYuzhong, fresh));
  EXPECT_EQ(read_file(state_file).size(), kHeader + kImage);
}

// ---- Concurrent runs ----

TEST_F(CardState, ASecondRunWhileTheFirstHoldsTheCardIsBusy) {
  auto first = open_card(kYuzhong, options());
  ASSERT_TRUE(first);
  const auto start = std::chrono::steady_clock::now();
  auto second = open_persistent_card(kYuzhong, options(milliseconds(150)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(150));
  const std::string message = failure(second, StateError::Kind::kBusy);
  EXPECT_EQ(message, "the simulated card of " + kYuzhong.string() + " is in use by process " +
                         std::to_string(::getpid()) + " (lock " + first->state_file().string() +
                         ".lock); wait for it to finish or stop it");
  (void)failure(reset_card_state(kYuzhong, state_.path(), milliseconds(50)), StateError::Kind::kBusy);

  auto report = inspect_card_state(kYuzhong, state_.path());  // does not wait
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->in_use_by, static_cast<long>(::getpid()));

  first.reset();
  EXPECT_TRUE(open_card(kYuzhong, options(milliseconds(0))));
  auto after = inspect_card_state(kYuzhong, state_.path());
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->in_use_by);
}

TEST_F(CardState, TheLockLastsAsLongAsTheCardIsInASlot) {
  hal::SimReader reader;
  {
    auto c = open_card(kYuzhong, options());
    ASSERT_TRUE(c);
    reader.contact().insert(c->card());
  }
  (void)failure(open_persistent_card(kYuzhong, options(milliseconds(50))), StateError::Kind::kBusy);
  // Still writing to the file: the change is there in the next run.
  std::uint8_t atr[hal::kMaxAtrSize];
  ASSERT_TRUE(reader.contact().power_up(atr).ok());
  EXPECT_EQ(transmit(reader.contact(), "0020000003111111"), "63C5");
  reader.contact().remove();
  auto c = open_card(kYuzhong, options(milliseconds(0)));
  ASSERT_TRUE(c);
  c->card()->power_on();
  EXPECT_EQ(send(*c->card(), "00200000"), "63C5");
}

TEST_F(CardState, ASecondRunWaitsForTheFirstToFinish) {
  auto first = open_card(kYuzhong, options());
  ASSERT_TRUE(first);
  first->card()->power_on();
  EXPECT_EQ(send(*first->card(), "0020000003111111"), "63C5");
  std::thread finish([&first] {
    std::this_thread::sleep_for(milliseconds(100));
    first.reset();
  });
  auto second = open_card(kYuzhong, options(milliseconds(5000)));
  finish.join();
  ASSERT_TRUE(second);
  second->card()->power_on();
  EXPECT_EQ(send(*second->card(), "00200000"), "63C5");
}

TEST_F(CardState, BusyNamesTheOtherProcess) {
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto c = open_persistent_card(kYuzhong, options());
    const char ok = c.ok() ? '1' : '0';
    (void)!::write(ready[1], &ok, 1);
    char done = 0;
    (void)!::read(release[0], &done, 1);
    ::_exit(0);
  }
  char ok = 0;
  EXPECT_EQ(::read(ready[0], &ok, 1), 1);
  EXPECT_EQ(ok, '1');
  const std::string message = failure(open_persistent_card(kYuzhong, options(milliseconds(100))), StateError::Kind::kBusy);
  EXPECT_NE(message.find("in use by process " + std::to_string(child) + " "), std::string::npos) << message;
  (void)!::write(release[1], "x", 1);
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
  EXPECT_TRUE(open_card(kYuzhong, options(milliseconds(0))));
}

// ---- Inspection ----

TEST_F(CardState, InspectionReportsTheSavedCard) {
  auto none = inspect_card_state(kTongnan, state_.path());
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->saved);
  EXPECT_FALSE(none->matches_profile);
  EXPECT_FALSE(none->problem);
  EXPECT_EQ(none->pin_tries_left, 6);
  EXPECT_EQ(none->pin_is_initial, true);
  EXPECT_EQ(none->ssse_block_state, CardOs::BlockState::kNone);
  EXPECT_EQ(none->size_bytes, 0u);
  EXPECT_FALSE(none->modified);
  EXPECT_FALSE(fs::exists(none->state_file));  // inspecting saves nothing

  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
  {
    auto c = open_card(kTongnan, options());
    ASSERT_TRUE(c);
    c->card()->power_on();
    EXPECT_EQ(send(*c->card(), "805E010007123456FF135246"), "9000");
    EXPECT_EQ(send(*c->card(), "0020000003123456"), "63C5");
  }
  auto report = inspect_card_state(kTongnan, state_.path());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->state_file, none->state_file);
  EXPECT_EQ(report->description.rfind("Chongqing Tongnan, 3rd generation", 0), 0u) << report->description;
  EXPECT_TRUE(report->saved);
  EXPECT_TRUE(report->matches_profile);
  EXPECT_FALSE(report->problem);
  EXPECT_FALSE(report->in_use_by);
  EXPECT_EQ(report->pin_tries_left, 5);
  EXPECT_EQ(report->pin_max_tries, 6);
  EXPECT_EQ(report->pin_is_initial, false);
  EXPECT_EQ(report->ssse_block_state, CardOs::BlockState::kNone);
  EXPECT_EQ(report->size_bytes, kHeader + kImage);
  ASSERT_TRUE(report->modified);
  EXPECT_GT(*report->modified, before);
  EXPECT_LT(*report->modified, std::chrono::system_clock::now() + std::chrono::seconds(5));
}

// ---- Where the cards are kept ----

TEST(CardStateDir, IsUnderXdgStateHomeWhenItIsAbsolute) {
  EnvGuard env;
  EnvGuard::set("XDG_STATE_HOME", "/var/tmp/xdg-state");
  EnvGuard::set("HOME", "/home/kiosk");
  auto dir = default_card_state_dir();
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  EXPECT_EQ(*dir, fs::path("/var/tmp/xdg-state/sscard/cards"));
}

TEST(CardStateDir, FallsBackToHomeWhenXdgStateHomeIsUnsetEmptyOrRelative) {
  EnvGuard env;
  EnvGuard::set("HOME", "/home/kiosk");
  for (const char* xdg : {static_cast<const char*>(nullptr), "", "relative/state"}) {
    EnvGuard::set("XDG_STATE_HOME", xdg);
    auto dir = default_card_state_dir();
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    EXPECT_EQ(*dir, fs::path("/home/kiosk/.local/state/sscard/cards")) << (xdg ? xdg : "(unset)");
  }
}

TEST(CardStateDir, WithoutAnAbsoluteFolderItIsAnError) {
  EnvGuard env;
  EnvGuard::set("XDG_STATE_HOME", nullptr);
  for (const char* home : {static_cast<const char*>(nullptr), "", "kiosk"}) {
    EnvGuard::set("HOME", home);
    auto dir = default_card_state_dir();
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.error().kind, StateError::Kind::kIo);
  }
}

TEST_F(CardState, WithoutAFolderTheCardGoesToTheDefaultOne) {
  EnvGuard env;
  EnvGuard::set("XDG_STATE_HOME", state_.path().c_str());
  auto c = open_card(kYuzhong, PersistentCardOptions{});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->state_file(), state_.path() / "sscard" / "cards" / kYuzhongFile);
  EXPECT_TRUE(fs::exists(c->state_file()));
}

// ---- Other errors ----

TEST_F(CardState, ABadProfileIsAProfileError) {
  const std::string message =
      failure(open_persistent_card(profiles_.path() / "missing.json", options()), StateError::Kind::kProfile);
  EXPECT_NE(message.find("missing.json"), std::string::npos) << message;
  (void)failure(open_persistent_psam(kYuzhong, options()), StateError::Kind::kProfile);  // not a PSAM profile
  EXPECT_TRUE(fs::is_empty(state_.path()));
}

TEST_F(CardState, AStateFolderThatIsAFileIsAnIoError) {
  const fs::path file = state_.path() / "file";
  write_text(file, "x");
  PersistentCardOptions o = options();
  o.state_dir = file / "cards";
  const std::string message = failure(open_persistent_card(kYuzhong, o), StateError::Kind::kIo);
  EXPECT_EQ(message.rfind(o.state_dir.string() + ": cannot create the folder of saved simulated cards: ", 0), 0u)
      << message;
}

// ---- PSAMs ----

TEST_F(CardState, APsamIsKeptUnderItsSerial) {
  {
    auto r = open_persistent_psam(kKioskPsam, options());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->started_from_profile());
    EXPECT_EQ(r->state_file(), state_.path() / "psam-50015200010100000001.card");
    EXPECT_EQ(read_file(r->state_file()).size(), kHeader + kImage);
    (void)failure(open_persistent_psam(kKioskPsam, options(milliseconds(50))), StateError::Kind::kBusy);
  }
  auto r = open_persistent_psam(kKioskPsam, options());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->started_from_profile());
  r->card()->power_on();
  EXPECT_EQ(send(*r->card(), "00B095000A"), "500152000101000000019000");

  auto report = inspect_psam_state(kKioskPsam, state_.path());
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->saved);
  EXPECT_TRUE(report->matches_profile);
  EXPECT_FALSE(report->pin_tries_left);
  EXPECT_FALSE(report->pin_is_initial);
  EXPECT_FALSE(report->ssse_block_state);
  EXPECT_EQ(report->in_use_by, static_cast<long>(::getpid()));
}

TEST_F(CardState, AnEditedPsamProfileIsChangedAndResetStartsItAgain) {
  const fs::path profile = copy_profile(kKioskPsam, "kiosk.json", "../keys/test-root-keys.json");
  {
    auto r = open_persistent_psam(profile, options());
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  write_text(profile, replaced(read_text(profile), "\"500152000101\"", "\"500152000199\""));
  const std::string message = failure(open_persistent_psam(profile, options()), StateError::Kind::kChanged);
  EXPECT_NE(message.find("`sscard-sim card reset --psam " + profile.string() + "`"), std::string::npos) << message;

  auto reset = reset_psam_state(profile, state_.path());
  ASSERT_TRUE(reset.ok()) << reset.error().message;
  EXPECT_TRUE(reset->removed);
  auto r = open_persistent_psam(profile, options());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->started_from_profile());
  r->card()->power_on();
  EXPECT_EQ(send(*r->card(), "00B0960006"), "5001520001999000");
}

}  // namespace
}  // namespace sscard::sim

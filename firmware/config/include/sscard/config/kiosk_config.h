// A kiosk's configuration: one versioned JSON document per terminal ("format": "sscard-kiosk/1",
// docs/KIOSK-CONFIG.md). It says who the terminal is (terminal number, province, region, name), where its
// devices are (card, contactless and PSAM readers), how it reaches its province's issuer host (address,
// timeouts, retries), its own link key — never a master key —, where its journal lives, and the payment
// parameters it presents to cards.
//
// Relative paths in the file are relative to the file's own folder.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "sscard/essc/check.h"
#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/wire/tcp.h"
#include "sscard/wire/wire.h"

namespace sscard::config {

inline constexpr std::string_view kKioskFormat = "sscard-kiosk/1";

// A device the kiosk uses: a PC/SC reader (by name or part of it; empty: the first suitable reader), or a
// simulated card from a profile file (builds with the simulator; PSAMs of test kiosks).
struct DeviceSpec {
  enum class Kind : std::uint8_t { kNone, kPcsc, kSimulated };
  Kind kind = Kind::kNone;
  std::string reader;               // kPcsc: the reader name or a part of it
  std::filesystem::path profile;    // kSimulated: the profile, resolved against the configuration's folder
};

// The issuer host: a TCP address, or the simulated Chongqing and Sichuan hosts and hub inside the process
// (test kiosks; builds with the simulator).
struct HostSpec {
  std::optional<wire::Address> address;
  struct Simulated {
    std::filesystem::path cards;      // the holder profiles the simulated hosts are seeded from
    std::filesystem::path link_keys;  // the simulated world's master link key (the hosts', not the kiosk's)
  };
  std::optional<Simulated> simulated;
  std::chrono::milliseconds timeout{3000};  // per exchange
  int attempts = 3;                         // frames per request, same idempotency key
};

// Terminal parameters for the payment application (PBOC 3.0 / JR/T 0025; EMV tags in brackets). Amounts are
// in fen.
struct PaymentConfig {
  std::string merchant_id;              // [9F16] 15 characters
  std::string merchant_name;            // [9F4E] up to 40 bytes
  std::string merchant_category_code;   // [9F15] 4 digits
  std::string terminal_type;            // [9F35] 2 digits
  std::array<std::uint8_t, 3> terminal_capabilities{};    // [9F33]
  std::array<std::uint8_t, 5> additional_capabilities{};  // [9F40]
  std::string country_code;             // [9F1A] 4 digits, "0156" China
  std::string currency_code;            // [5F2A] 4 digits, "0156" yuan
  std::uint64_t floor_limit_fen = 0;                 // contact offline floor limit
  std::uint64_t contactless_limit_fen = 0;           // contactless transaction limit
  std::uint64_t contactless_floor_limit_fen = 0;     // contactless offline floor limit
  std::uint64_t cvm_limit_fen = 0;                   // contactless CVM required limit
  std::array<std::uint8_t, 4> ttq{};                 // [9F66] terminal transaction qualifiers (qPBOC)
  std::array<std::uint8_t, 5> tac_default{};         // terminal action codes
  std::array<std::uint8_t, 5> tac_denial{};
  std::array<std::uint8_t, 5> tac_online{};
  std::uint64_t random_selection_threshold_fen = 0;
  int random_selection_target_percent = 0;
  int random_selection_max_target_percent = 0;
  std::filesystem::path ca_keys;        // the certification authorities' public keys, resolved
  bool national_algorithms = true;      // SM2/SM3/SM4 offered to the card ([DF69] = 01)
  // The kiosk's own PIN encipherment key (docs/PAYMENT.md "Online PIN"): derived from the PIN master for this
  // terminal number, never the master itself. Absent: the kiosk offers no online PIN.
  std::optional<std::array<std::uint8_t, 16>> pin_key;
};

struct KioskConfig {
  std::filesystem::path file;           // where it was read from (empty when built in memory)
  std::string id;                       // short name used in output and file names, e.g. "cq"
  std::string name;                     // shown to operators
  std::string terminal;                 // 12 digits: the terminal number (its PSAM carries the same)
  std::string province;                 // "500000" Chongqing or "510000" Sichuan: whose host it talks to
  std::string region;                   // 6 digits, GB/T 2260: where it stands
  DeviceSpec card_reader;
  DeviceSpec contactless_reader;
  DeviceSpec psam;
  HostSpec host;
  wire::LinkKey link_key{};             // link_key(terminal): shared with its own province's host only
  std::filesystem::path journal;        // resolved; empty: state_dir() / "journal-<terminal>.db"
  std::optional<PaymentConfig> payment;  // absent: this kiosk takes no payments
  // The electronic-card platform keys this kiosk trusts (KIOSK-CONFIG.md "essc"); empty: it takes no codes.
  std::vector<essc::TrustedKey> essc_keys;

  KioskConfig() = default;
  KioskConfig(const KioskConfig&) = default;
  KioskConfig& operator=(const KioskConfig&) = default;
  ~KioskConfig() {
    secure_wipe(link_key);
    if (payment && payment->pin_key) secure_wipe(*payment->pin_key);
  }
};

struct ConfigError {
  std::string file;
  std::string field;    // dotted path of the field at fault; empty: the whole file
  std::string message;
  // One line: "file: field: message".
  std::string to_string() const;
};

// Reads and checks a configuration. Every error names the field and what is wrong with it.
Result<KioskConfig, ConfigError> load_kiosk_config(const std::filesystem::path& file);
Result<KioskConfig, ConfigError> parse_kiosk_config(std::string_view json_text, const std::filesystem::path& file);

// The document for `config` (paths written as given, relative to where the file will be written when
// `relative_to` is not empty). load_kiosk_config() of the text gives `config` back.
std::string format_kiosk_config(const KioskConfig& config, const std::filesystem::path& relative_to = {});

// The journal file the kiosk uses: `journal` when set, else state_dir()/journal-<terminal>.db; kNotFound
// when neither XDG_STATE_HOME nor HOME gives a state folder.
Result<std::filesystem::path> journal_file(const KioskConfig& config);

}  // namespace sscard::config

// Card profiles: the personalisation of a simulated social-security card as a JSON file under cards/
// (format "sscard-profile/1", documented in cards/README.md), and the loader that turns one into a card.
// None of these functions throws: a bad profile comes back as a ProfileError naming the file and the field.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/date.h"
#include "sscard/sim/card.h"
#include "sscard/sim/card_os.h"
#include "sscard/sim/file_system.h"
#include "sscard/sim/keys.h"
#include "sscard/sim/pboc/payment_card.h"
#include "sscard/sim/profile_error.h"
#include "sscard/sim/security.h"

namespace sscard::sim {

struct ExtraRecord {
  Bytes bytes;                          // tag, length, value
  std::optional<AccessCondition> read;  // overrides the file's read condition
};

// A generic EF placed anywhere in the tree (conformance profiles use these).
struct ExtraFile {
  std::vector<std::string> parent_path;  // e.g. {"3F00", "SSSE"}; segments are FIDs or the aliases of README
  std::uint16_t fid = 0;
  FileKind kind = FileKind::kTransparent;  // kTransparent or kLinearVariable
  std::uint8_t sfi = 0;
  AccessCondition read = AccessCondition::always();
  AccessCondition update = AccessCondition::never();
  Bytes contents;                 // transparent
  std::size_t size = 0;           // transparent: file size (>= contents)
  std::vector<ExtraRecord> records;
  std::size_t record_capacity = 0;  // record EF: room per record (at least each record's own size)
};

struct IssuerProfile {
  std::string region;       // 6 digits, GB/T 2260
  char card_type = '1';
  std::string init_org;     // 12 ASCII characters
  Date issue_date;
  Date expiry_date;
  std::string card_number;  // 9 ASCII characters
  Bytes card_serial;        // 8 bytes: the card-specific tail of 卡识别码
};

struct HolderData {
  std::string ssn;          // 18 characters (citizen ID number)
  std::string name;         // UTF-8
  char sex = '1';           // '1' male, '2' female
  std::string nation;       // 2 digits, GB 3304
  std::string birthplace;   // 6 digits
  Date birth_date;
};

// What the holder's issuer knows beyond the card (cards/README.md "benefits"): the simulated issuer hosts
// (sim/host) seed their holder database with it. Nothing of it is on the card.
struct BenefitSeed {
  enum class CardState : std::uint8_t { kNotActivated, kActive, kLossReported, kBlocked };
  enum class PensionStatus : std::uint8_t { kNotRetired, kReceiving, kSuspended };
  enum class ContributionKind : std::uint8_t { kPension, kMedical };

  struct Contribution {
    std::string period;  // YYYYMM
    ContributionKind kind = ContributionKind::kPension;
    std::uint64_t amount_fen = 0;
  };

  CardState card_state = CardState::kActive;
  PensionStatus pension_status = PensionStatus::kNotRetired;
  std::uint64_t pension_monthly_fen = 0;   // 0 unless receiving or suspended
  std::uint64_t medical_balance_fen = 0;
  std::uint64_t account_fen = 0;           // the debit account of the payment application (PAYMENT.md §2)
  std::optional<Date> last_certification;  // never for a holder who is not retired
  std::vector<Contribution> contributions;  // in the profile's order; (period, kind) unique
};

// The `payment` object (docs/PAYMENT.md §2): the card carries the PBOC debit application.
struct PaymentProfile {
  std::string keys;            // as written: the issuer key file, relative to the profile's folder
  std::string pki;             // as written: the card certificate file
  std::filesystem::path keys_file;  // resolved
  std::filesystem::path pki_file;
  pboc::PaymentCard card;      // what the application is personalised with: PAN, dates, PIN, card keys, objects
};

struct HolderProfile {
  std::filesystem::path path;  // the file it came from (empty when parsed from text)
  std::string description;
  int generation = 2;          // 1, 2 or 3
  CardProtocol protocol = CardProtocol::kT0;
  Bytes atr;
  bool contact = true;
  bool contactless = false;
  std::uint8_t algorithm_id = 0x01;
  IssuerProfile issuer;
  HolderData holder;
  std::string pin;              // digits
  std::uint8_t pin_max_tries = CardOs::kDefaultPinTries;
  std::vector<ExtraFile> extra_files;
  std::string root_keys;                  // as written: the root-key file, relative to the profile's folder
  std::filesystem::path root_keys_file;   // resolved
  CardKeys keys;                          // derived from the root keys (SECURITY.md "Keys"), one per class
  std::optional<BenefitSeed> benefits;    // absent: the issuer seeds defaults (sim/host seed_from_profiles)
  std::optional<PaymentProfile> payment;  // generation 2 and 3 only

  // Derived values, as the card stores them.
  Bytes card_identification_code() const;  // 16 bytes: region BCD + D156000005 + card_serial
  Bytes historical_bytes() const;          // from the ATR
};

inline constexpr std::string_view kProfileFormat = "sscard-profile/1";

// The SSSE's DF name, "sx1.sh.社会保障" in GBK.
Bytes ssse_df_name();

// Loading derives the card keys: it reads the root-key file named by "root_keys" (relative to the folder of
// `file`, or of `file_name_for_errors` for parse_profile) and diversifies with the OpenSSL backend.
Result<HolderProfile, ProfileError> load_profile(const std::filesystem::path& file);
Result<HolderProfile, ProfileError> parse_profile(std::string_view json_text, std::string_view file_name_for_errors);

// A personalised card: files, PIN, the seven card keys (in its Eeprom), a blockable SSSE and, with `payment`,
// the PBOC debit application (sim/pboc). The card uses
// `crypto` for its security commands and challenges; without one it gets its own OpenSSL backend. Never null
// for a profile that parse_profile accepted.
std::unique_ptr<Card> make_card(const HolderProfile& profile);
std::unique_ptr<Card> make_card(const HolderProfile& profile, std::shared_ptr<crypto::Crypto> crypto);
// The same card with its engine type, for tests that reach the Eeprom, the file system or the random source.
std::unique_ptr<CardOs> make_card_os(const HolderProfile& profile);
std::unique_ptr<CardOs> make_card_os(const HolderProfile& profile, std::shared_ptr<crypto::Crypto> crypto);

// The key role and key id under which a card holds its key of class `c` (SECURITY.md "Keys" table).
struct CardKeyReference {
  KeyRole role;
  std::uint8_t id;
};
CardKeyReference card_key_reference(KeyClass c);

// cards_dir/*.json (not subfolders), sorted by file name. Empty if the folder does not exist.
std::vector<std::filesystem::path> holder_profiles(const std::filesystem::path& cards_dir);

}  // namespace sscard::sim

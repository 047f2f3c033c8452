// PSAM profiles: the personalisation of a simulated PSAM as a JSON file under cards/psam/ (format
// "sscard-profile/1", kind "psam", documented in cards/README.md), loaded like holder profiles: never
// throwing, a ProfileError naming the file and the field. Loading derives the province keys from the
// root-key file the profile names (relative to the profile's folder).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/card.h"
#include "sscard/sim/card_os.h"
#include "sscard/sim/profile_error.h"
#include "sscard/sim/psam.h"
#include "sscard/sim/security.h"

namespace sscard::sim {

// The classes of one province the PSAM carries.
struct PsamKeySet {
  std::string province;  // 6 digits ending in 0000
  std::vector<KeyClass> classes;
};

struct PsamProfile {
  std::filesystem::path path;  // the file it came from (empty when parsed from text)
  std::string description;
  CardProtocol protocol = CardProtocol::kT0;  // T=0 if the ATR offers it, else T=1
  Bytes atr;
  Bytes serial;                 // 10 bytes (EF15)
  std::string terminal_number;  // 12 digits (EF16)
  std::string root_keys;        // as written
  std::filesystem::path root_keys_file;
  bool tdes_environment = false;
  bool sm4_environment = false;
  std::vector<PsamKeySet> key_sets;
  std::vector<PsamProvinceKey> keys;  // derived: every (environment, province, class) the PSAM holds

  // Whether the PSAM holds the key of `c` for `province` in the environment of `cipher`.
  bool holds(crypto::Cipher cipher, std::string_view province, KeyClass c) const;
};

Result<PsamProfile, ProfileError> load_psam_profile(const std::filesystem::path& file);
Result<PsamProfile, ProfileError> parse_psam_profile(std::string_view json_text, std::string_view file_name_for_errors);

// A personalised PSAM; without `crypto` it gets its own OpenSSL backend. Never null for a profile that
// parse_psam_profile accepted.
std::unique_ptr<Card> make_psam_card(const PsamProfile& profile, std::shared_ptr<crypto::Crypto> crypto = nullptr);
std::unique_ptr<CardOs> make_psam_card_os(const PsamProfile& profile,
                                          std::shared_ptr<crypto::Crypto> crypto = nullptr);

}  // namespace sscard::sim

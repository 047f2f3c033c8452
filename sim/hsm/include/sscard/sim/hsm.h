// The simulated issuer HSM of HSM mode (docs/SECURITY.md "HSM mode"): it holds province keys like a PSAM, for
// the provinces it serves, and answers the Step1 line of iReadCardBas_HSM_Step1 with `R'|A|`: R' the internal
// authentication result as a PSAM computes it, A the RKSSSE cryptogram of the card's challenge.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/keys.h"
#include "sscard/sim/profile_error.h"
#include "sscard/sim/psam.h"

namespace sscard::sim {

// The Step1 line, field by field:
// region|historical|alg|card id|PF|D|card factor|C|device number|
struct HsmStep1 {
  std::string region;     // 6 digits
  Bytes historical;       // the ATR's historical bytes (at least 8)
  std::uint8_t algorithm_id = 0;
  Bytes card_id;          // 卡识别码, 16 bytes
  Bytes process_factor;   // PF, 8 bytes
  Bytes data;             // D, 8 bytes
  Bytes card_factor;      // 8 bytes: the last 8 historical bytes
  Bytes challenge;        // C, 8 bytes
  std::string device_number;
};

// Parses a Step1 line (one trailing line break allowed). kMalformed: not 9 fields each ended by '|', a field
// of the wrong length or not hex / digits, or fields that contradict each other (region vs 卡识别码, card
// factor vs historical bytes). Hex is accepted in either case.
Result<HsmStep1> parse_hsm_step1(std::string_view line);

class SoftwareHsm {
 public:
  // The HSM of the issuers of `provinces` (6 digits each, NN0000), with keys derived from `roots`.
  // kInvalidArgument: a province that is not NN0000, or no crypto backend.
  static Result<SoftwareHsm> create(const RootKeys& roots, const std::vector<std::string>& provinces,
                                    std::shared_ptr<crypto::Crypto> crypto);
  // The same from a root-key file, with the OpenSSL backend; a ProfileError names the file (and for a bad
  // province the field "provinces[i]").
  static Result<SoftwareHsm, ProfileError> load(const std::filesystem::path& root_keys_file,
                                  const std::vector<std::string>& provinces);

  const std::vector<std::string>& provinces() const { return provinces_; }

  // `R'|A|` in upper-case hex (16 digits each) for a Step1 line.
  // kMalformed: see parse_hsm_step1. kUnsupported: an algorithm other than 01 (3DES) and 03 (SM4).
  // kSecurity: the card's province is not one this HSM serves. Backend errors pass through.
  Result<std::string> answer_step1(std::string_view step1_line);

 private:
  SoftwareHsm() = default;
  const PsamProvinceKey* find(crypto::Cipher cipher, std::string_view province, KeyClass c) const;

  std::vector<std::string> provinces_;
  std::vector<PsamProvinceKey> keys_;  // IRK and RKSSSE of every served province, 3DES and SM4
  std::shared_ptr<crypto::Crypto> crypto_;
};

}  // namespace sscard::sim

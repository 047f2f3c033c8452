// docs/SECURITY.md "HSM mode": the Step1 line in, `R'|A|` out, computed as a PSAM would (S7, S8, S14).
#include "sscard/sim/hsm.h"

#include <algorithm>

#include "sscard/core/bcd.h"
#include "sscard/crypto/openssl.h"

namespace sscard::sim {
namespace {

constexpr std::size_t kStep1Fields = 9;

bool is_province(const std::string& s) {
  return s.size() == 6 && s.ends_with("0000") && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<Bytes> hex_field(std::string_view text, std::size_t size) {
  auto b = from_hex(text);
  if (!b.ok() || (size != 0 && b->size() != size)) return Error::kMalformed;
  return *b;
}

}  // namespace

Result<HsmStep1> parse_hsm_step1(std::string_view line) {
  if (line.ends_with("\r\n")) line.remove_suffix(2);
  else if (line.ends_with('\n')) line.remove_suffix(1);
  std::vector<std::string_view> fields;
  while (!line.empty()) {
    const std::size_t bar = line.find('|');
    if (bar == std::string_view::npos) return Error::kMalformed;  // the last field lacks its '|'
    fields.push_back(line.substr(0, bar));
    line.remove_prefix(bar + 1);
  }
  if (fields.size() != kStep1Fields) return Error::kMalformed;

  HsmStep1 s;
  s.region = std::string(fields[0]);
  if (s.region.size() != 6 || !std::all_of(s.region.begin(), s.region.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Error::kMalformed;
  }
  SSCARD_TRY_ASSIGN(s.historical, hex_field(fields[1], 0));
  if (s.historical.size() < kFactorSize || s.historical.size() > 15) return Error::kMalformed;
  SSCARD_TRY_ASSIGN(const Bytes alg, hex_field(fields[2], 1));
  s.algorithm_id = alg[0];
  SSCARD_TRY_ASSIGN(s.card_id, hex_field(fields[3], 16));
  SSCARD_TRY_ASSIGN(s.process_factor, hex_field(fields[4], kFactorSize));
  SSCARD_TRY_ASSIGN(s.data, hex_field(fields[5], kEnc8Size));
  SSCARD_TRY_ASSIGN(s.card_factor, hex_field(fields[6], kFactorSize));
  SSCARD_TRY_ASSIGN(s.challenge, hex_field(fields[7], kEnc8Size));
  s.device_number = std::string(fields[8]);
  // The region is the first three BCD bytes of 卡识别码, and the card factor the last 8 historical bytes:
  // a line where they disagree was not produced from one card.
  Bytes region_bcd(3);
  if (!bcd::encode_n(s.region, region_bcd).ok() || !std::equal(region_bcd.begin(), region_bcd.end(), s.card_id.begin())) {
    return Error::kMalformed;
  }
  if (!std::equal(s.card_factor.begin(), s.card_factor.end(), s.historical.end() - static_cast<std::ptrdiff_t>(kFactorSize))) {
    return Error::kMalformed;
  }
  return s;
}

Result<SoftwareHsm> SoftwareHsm::create(const RootKeys& roots, const std::vector<std::string>& provinces,
                                        std::shared_ptr<crypto::Crypto> crypto) {
  if (!crypto) return Error::kInvalidArgument;
  SoftwareHsm hsm;
  hsm.crypto_ = std::move(crypto);
  for (const std::string& province : provinces) {
    if (!is_province(province)) return Error::kInvalidArgument;
    hsm.provinces_.push_back(province);
    for (const crypto::Cipher cipher : {crypto::Cipher::kTdes, crypto::Cipher::kSm4}) {
      for (const KeyClass c : {KeyClass::kIrk, KeyClass::kRkssse}) {
        SSCARD_TRY_ASSIGN(Bytes key, province_key(*hsm.crypto_, roots, cipher, c, province));
        hsm.keys_.push_back(PsamProvinceKey{cipher, province, c, std::move(key)});
      }
    }
  }
  return hsm;
}

Result<SoftwareHsm, ProfileError> SoftwareHsm::load(const std::filesystem::path& root_keys_file,
                                      const std::vector<std::string>& provinces) {
  auto roots = load_root_keys(root_keys_file);
  if (!roots.ok()) return roots.error();
  for (std::size_t i = 0; i < provinces.size(); ++i) {
    if (!is_province(provinces[i])) {
      return ProfileError{root_keys_file.string(), "provinces[" + std::to_string(i) + "]",
                          "\"" + provinces[i] + "\" is not a province code (NN0000)"};
    }
  }
  auto hsm = create(roots.value(), provinces, crypto::make_openssl_crypto());
  if (!hsm.ok()) return ProfileError{root_keys_file.string(), "", "cannot derive the province keys"};
  return std::move(*hsm);
}

const PsamProvinceKey* SoftwareHsm::find(crypto::Cipher cipher, std::string_view province, KeyClass c) const {
  for (const PsamProvinceKey& k : keys_) {
    if (k.cipher == cipher && k.province == province && k.key_class == c) return &k;
  }
  return nullptr;
}

Result<std::string> SoftwareHsm::answer_step1(std::string_view step1_line) {
  SSCARD_TRY_ASSIGN(const HsmStep1 s, parse_hsm_step1(step1_line));
  const auto cipher = cipher_of_algorithm(s.algorithm_id);
  if (!cipher) return Error::kUnsupported;
  const auto province = province_of(s.region);
  if (!province) return Error::kMalformed;
  const PsamProvinceKey* irk = find(*cipher, *province, KeyClass::kIrk);
  const PsamProvinceKey* rkssse = find(*cipher, *province, KeyClass::kRkssse);
  if (irk == nullptr || rkssse == nullptr) return Error::kSecurity;

  // R' = Enc8(Div(K_IRK, PF), D) and A = Enc8(K_RKSSSE, C), each card key from the province key, the
  // region (city factor) and the card factor, as the PSAM's DIVERSIFY does.
  std::uint8_t card_key[kKeySize];
  std::uint8_t process_key[kKeySize];
  std::uint8_t r[kEnc8Size];
  std::uint8_t a[kEnc8Size];
  Status st = derive_card_key(*crypto_, *cipher, irk->key, s.region, s.card_factor, card_key);
  if (st.ok()) st = diversify_key(*crypto_, *cipher, card_key, s.process_factor, process_key);
  if (st.ok()) st = enc8(*crypto_, *cipher, process_key, s.data, r);
  if (st.ok()) st = derive_card_key(*crypto_, *cipher, rkssse->key, s.region, s.card_factor, card_key);
  if (st.ok()) st = enc8(*crypto_, *cipher, card_key, s.challenge, a);
  secure_wipe(card_key);
  secure_wipe(process_key);
  SSCARD_TRY(st);
  return to_hex(r) + "|" + to_hex(a) + "|";
}

}  // namespace sscard::sim

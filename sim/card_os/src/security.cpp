// docs/SECURITY.md "Algorithms" and "Keys" on top of the generic constructions of firmware/crypto.
#include "sscard/sim/security.h"

#include <algorithm>
#include <string>

#include "sscard/crypto/diversify.h"
#include "sscard/crypto/mac.h"

namespace sscard::sim {
namespace {

constexpr std::string_view kClassNames[] = {"irk", "eak04", "rkssse", "eak0d", "stk", "puk", "prk"};

bool supported(crypto::Cipher c) { return c == crypto::Cipher::kTdes || c == crypto::Cipher::kSm4; }

bool six_digits(std::string_view s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string_view key_class_name(KeyClass c) { return kClassNames[static_cast<std::size_t>(c)]; }

std::optional<KeyClass> key_class_from_name(std::string_view name) {
  for (KeyClass c : kKeyClasses) {
    if (key_class_name(c) == name) return c;
  }
  return std::nullopt;
}

std::optional<crypto::Cipher> cipher_of_algorithm(std::uint8_t algorithm_id) {
  if (algorithm_id == 0x01) return crypto::Cipher::kTdes;
  if (algorithm_id == 0x03) return crypto::Cipher::kSm4;
  return std::nullopt;
}

Status diversify_key(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan key, ByteSpan factor,
                     MutableByteSpan out) {
  if (!supported(cipher) || key.size() != kKeySize || factor.size() != kFactorSize || out.size() < kKeySize) {
    return Error::kInvalidArgument;
  }
  // One step with an 8-byte factor is exactly EMV option A / the SM4 form of S1.
  SSCARD_TRY(crypto::diversify(crypto, cipher, key, factor, out).status());
  return kOk;
}

Status enc8(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan key, ByteSpan data, MutableByteSpan out) {
  if (!supported(cipher) || key.size() != kKeySize || data.size() != kEnc8Size || out.size() < kEnc8Size) {
    return Error::kInvalidArgument;
  }
  if (cipher == crypto::Cipher::kTdes) return crypto.encrypt_ecb(cipher, key, data, out.first(kEnc8Size));
  // SM4: D || 80 00..00, encrypted, folded 16 -> 8 (S5).
  std::uint8_t block[16] = {};
  std::copy(data.begin(), data.end(), block);
  block[8] = 0x80;
  Status s = crypto.encrypt_ecb(cipher, key, block, block);
  if (s.ok()) {
    for (std::size_t i = 0; i < kEnc8Size; ++i) out[i] = static_cast<std::uint8_t>(block[i] ^ block[i + 8]);
  }
  secure_wipe(block);
  return s;
}

std::size_t mac_iv_size(crypto::Cipher cipher) { return cipher == crypto::Cipher::kSm4 ? 16 : 8; }

Status command_mac4(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan key, ByteSpan iv, ByteSpan message,
                    MutableByteSpan out) {
  if (!supported(cipher) || key.size() != kKeySize || iv.size() != mac_iv_size(cipher) || out.size() < kMacSize) {
    return Error::kInvalidArgument;
  }
  const auto scheme = cipher == crypto::Cipher::kTdes ? crypto::MacScheme::kRetail : crypto::MacScheme::kSm4;
  SSCARD_TRY(crypto::command_mac(crypto, scheme, key, iv, message, out.first(kMacSize)).status());
  return kOk;
}

Status region_factor(std::string_view region, MutableByteSpan out) {
  if (!six_digits(region) || out.size() < kFactorSize) return Error::kInvalidArgument;
  std::copy(region.begin(), region.end(), out.begin());
  out[6] = 0x73;  // "s"
  out[7] = 0x78;  // "x"
  return kOk;
}

Status card_factor(ByteSpan historical_bytes, MutableByteSpan out) {
  if (historical_bytes.size() < kFactorSize || out.size() < kFactorSize) return Error::kInvalidArgument;
  std::copy(historical_bytes.end() - static_cast<std::ptrdiff_t>(kFactorSize), historical_bytes.end(), out.begin());
  return kOk;
}

std::optional<std::string> province_of(std::string_view region) {
  if (!six_digits(region)) return std::nullopt;
  return std::string(region.substr(0, 2)) + "0000";
}

Status derive_province_key(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan root_key,
                           std::string_view province, MutableByteSpan out) {
  std::uint8_t factor[kFactorSize];
  SSCARD_TRY(region_factor(province, factor));
  return diversify_key(crypto, cipher, root_key, factor, out);
}

Status derive_card_key(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan province_key, std::string_view region,
                       ByteSpan card_factor_bytes, MutableByteSpan out) {
  std::uint8_t factor[kFactorSize];
  SSCARD_TRY(region_factor(region, factor));
  std::uint8_t city[kKeySize];
  Status s = diversify_key(crypto, cipher, province_key, factor, city);
  if (s.ok()) s = diversify_key(crypto, cipher, city, card_factor_bytes, out);
  secure_wipe(city);
  return s;
}

}  // namespace sscard::sim

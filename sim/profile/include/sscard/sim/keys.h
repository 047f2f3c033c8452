// The national root keys of the simulated world (cards/keys/*.json, format "sscard-root-keys/1", documented
// in cards/README.md) and the keys derived from them as docs/SECURITY.md "Keys" lays out: province keys for
// PSAMs and HSMs, card keys for holder cards. All of them are test keys.
#pragma once

#include <array>
#include <filesystem>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/profile_error.h"
#include "sscard/sim/security.h"

namespace sscard::sim {

struct RootKeys {
  std::filesystem::path path;  // the file it came from
  std::array<Bytes, kKeyClasses.size()> tdes;  // indexed by KeyClass, 16 bytes each
  std::array<Bytes, kKeyClasses.size()> sm4;
  // The national root key of a class for kTdes or kSm4 (empty for any other cipher).
  ByteSpan root(crypto::Cipher cipher, KeyClass c) const;
};

inline constexpr std::string_view kRootKeysFormat = "sscard-root-keys/1";

// The root-key file: format, test_only, description, and roots.3des / roots.sm4 each with all seven classes
// as 32 hex digits. Errors name the file and the field, e.g. "roots.sm4.irk: must be 16 bytes, not 15".
Result<RootKeys, ProfileError> load_root_keys(const std::filesystem::path& file);
Result<RootKeys, ProfileError> parse_root_keys(std::string_view json_text, std::string_view file_name_for_errors);

// One card's key of every class.
struct CardKeys {
  crypto::Cipher cipher = crypto::Cipher::kTdes;
  std::array<Bytes, kKeyClasses.size()> keys;  // indexed by KeyClass, 16 bytes each
  ByteSpan key(KeyClass c) const { return keys[static_cast<std::size_t>(c)]; }
};

// P = Div(N, province factor) for `province` (6 digits, e.g. "510000").
// kInvalidArgument: not 6 digits, or a cipher other than kTdes/kSm4.
Result<Bytes> province_key(crypto::Crypto& crypto, const RootKeys& roots, crypto::Cipher cipher, KeyClass c,
                           std::string_view province);

// Every card key of a card: national -> province (the region's NN0000) -> city (the card's region) -> card (the
// last 8 historical bytes). kInvalidArgument: region not 6 digits, fewer than 8 historical bytes, bad cipher.
Result<CardKeys> derive_card_keys(crypto::Crypto& crypto, const RootKeys& roots, crypto::Cipher cipher,
                                  std::string_view region, ByteSpan historical_bytes);

}  // namespace sscard::sim

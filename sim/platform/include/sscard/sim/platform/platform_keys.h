// The simulated platform's key file (format "sscard-platform-keys/1", cards/keys/test-platform-keys.json): its
// SM2 signing keys by index and the card-reference key it shares with each province's issuer (docs/ESSC.md
// "Card references").
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sscard/core/result.h"
#include "sscard/crypto/secret_bytes.h"

namespace sscard::sim::platform {

struct SigningKey {
  std::uint8_t index = 0;
  crypto::SecretBytes<32> private_key;
  std::array<std::uint8_t, 64> public_key{};
};

struct PlatformKeys {
  std::string platform;  // 6 digits
  std::vector<SigningKey> signing_keys;
  std::map<std::string, crypto::SecretBytes<16>> reference_keys;  // by province, "500000" / "510000"

  const SigningKey* signing_key(std::uint8_t index) const;
  // The reference key shared with `province`'s issuer; nullptr when the file has none for it.
  const crypto::SecretBytes<16>* reference_key(const std::string& province) const;
};

struct KeyFileError {
  std::string message;  // "<file>: <field>: <what>"
};

Result<PlatformKeys, KeyFileError> load_platform_keys(const std::filesystem::path& file);

}  // namespace sscard::sim::platform

// The kiosk's file of certification-authority public keys ("format": "sscard-ca-keys/1", docs/PAYMENT.md
// §7.1), named by the configuration's `payment.ca_keys`. Each RSA key carries the SHA-1 check value over
// RID || index || modulus || exponent (JR/T 0025.6 table 40); each SM2 key is a point on the recommended curve.
// A key with a wrong check value, length or curve, or one past its expiry on `today`, is refused at load,
// naming the key: a kiosk must not start with a CA key it cannot trust.
#pragma once

#include <filesystem>
#include <string_view>

#include "sscard/config/kiosk_config.h"
#include "sscard/core/date.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/pboc/ca_keys.h"

namespace sscard::config {

inline constexpr std::string_view kCaKeyFormat = "sscard-ca-keys/1";

Result<pboc::CaKeyTable, ConfigError> load_ca_key_file(const std::filesystem::path& file, crypto::Crypto& crypto,
                                                       const Date& today);
Result<pboc::CaKeyTable, ConfigError> parse_ca_key_file(std::string_view json_text, const std::filesystem::path& file,
                                                        crypto::Crypto& crypto, const Date& today);

}  // namespace sscard::config

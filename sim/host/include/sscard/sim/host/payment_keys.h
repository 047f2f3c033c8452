// The keys a home issuer needs for payments (docs/PAYMENT.md §6.1, §6.9): its own province's symmetric issuer
// master keys (3DES and SM4; AC, MAC, ENC) and the test world's online-PIN master key. Test material only.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/crypto/crypto.h"
#include "sscard/sim/host/setup_error.h"

namespace sscard::sim::host {

using SymmetricKey = std::array<std::uint8_t, 16>;

struct IssuerMasterKeys {
  SymmetricKey ac{}, mac{}, enc{};
};

struct PaymentKeys {
  std::string province;  // "500000" / "510000": the only province whose cards these keys serve
  std::uint8_t dki = 0x01;
  IssuerMasterKeys tdes, sm4;
  std::optional<SymmetricKey> pin_master;  // without it, online PINs are refused (`55`, not decrypted)

  PaymentKeys() = default;
  PaymentKeys(const PaymentKeys&) = default;
  PaymentKeys& operator=(const PaymentKeys&) = default;
  ~PaymentKeys();
};

// Reads the symmetric keys of `province` from an issuer key file (cards/keys/test-payment-keys.json,
// format "sscard-payment-keys/1", PAYMENT.md §6.1); the other province's entry and the key pairs are not read.
// Errors name the file and the field.
Result<PaymentKeys, SetupError> load_payment_keys(const std::filesystem::path& path, std::string_view province);

// Reads the online-PIN master key (cards/keys/test-pin-keys.json, format "sscard-pin-keys/1", field "master").
Result<SymmetricKey, SetupError> load_pin_master(const std::filesystem::path& path);

}  // namespace sscard::sim::host

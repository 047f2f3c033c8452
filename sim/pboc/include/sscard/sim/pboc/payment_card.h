// PaymentCard: everything the PBOC 3.0 debit application of a simulated card is personalised with
// (docs/PAYMENT.md §2, §3, §6, §7). The profile loader (sim/profile) fills it from the profile and the key
// files; tests may fill it by hand. Only derived card keys are here, never an issuer master key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sscard/core/bytes.h"

namespace sscard::sim::pboc {

// The three card keys (UDKs) of one algorithm family, 16 bytes each (PAYMENT.md §6.2).
struct CardKeySet {
  Bytes ac;
  Bytes mac;
  Bytes enc;
};

// The RSA/SHA-1 data set's public-key objects (PAYMENT.md §4.2 SFI 3, §7.2) and the ICC's private key.
struct RsaObjects {
  Bytes issuer_certificate;  // 90, 176 bytes
  Bytes issuer_remainder;    // 92, 4 bytes
  Bytes issuer_exponent;     // 9F32, 03
  Bytes ssad;                // 93, 144 bytes
  Bytes icc_certificate;     // 9F46, 144 bytes
  Bytes icc_remainder;       // 9F48, 26 bytes
  Bytes icc_exponent;        // 9F47, 03
  Bytes icc_modulus;         // n, 128 bytes: DDA, CDA and the enciphered PIN
  Bytes icc_private_exponent;  // d, 128 bytes
};

// The SM2/SM3 data set's objects (PAYMENT.md §4.2 SFI 4, §7.3) and the ICC's private key.
struct Sm2Objects {
  Bytes issuer_certificate;  // 90, 142 bytes
  Bytes ssad;                // 93, 67 bytes
  Bytes icc_certificate;     // 9F46, 148 bytes
  Bytes icc_private_key;     // d, 32 bytes
};

// Electronic cash (docs/CONTACTLESS.md §2.4, JR/T 0025.13 5.1): amounts in fen, each at most n12.
struct ECash {
  std::uint64_t balance = 0;          // 9F79
  std::uint64_t balance_limit = 0;    // 9F77
  std::uint64_t single_limit = 0;     // 9F78
  std::uint64_t reset_threshold = 0;  // 9F6D
};

struct PaymentCard {
  int generation = 2;        // 2: the RSA set only; 3: both sets, DF69 in the PDOL picks one (§4.4)
  std::string pan;           // 19 digits (§3)
  std::uint8_t psn = 0x01;   // 5F34
  std::string expiry;        // 5F24, YYMMDD
  std::string effective;     // 5F25, YYMMDD
  std::string pin;           // 4..12 digits: the application's own PIN
  std::uint8_t pin_max_tries = 3;  // 9F17 limit, 1..15
  CardKeySet tdes;                 // the RSA set's keys
  std::optional<CardKeySet> sm4;   // generation 3
  RsaObjects rsa;
  std::optional<Sm2Objects> sm2;   // generation 3
  std::optional<ECash> ecash;      // generation 3 only: the card's e-cash, with the contactless side
};

}  // namespace sscard::sim::pboc

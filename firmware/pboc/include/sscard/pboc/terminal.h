// What the kernel is told by its caller: the terminal's data (the kiosk configuration's `payment` part,
// docs/PAYMENT.md §8.1; never compiled in) and the one transaction to run.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/crypto/secret_bytes.h"

namespace sscard::pboc {

// One AID the terminal accepts ([5] 6.4.2: an exact match unless partial selection is allowed).
struct TerminalAid {
  Bytes aid;                  // 5..16 bytes
  bool partial_match = false;  // accept a card AID that starts with `aid`
};

struct TerminalConfig {
  std::array<std::uint8_t, 3> capabilities{0x20, 0xD8, 0xC8};                          // 9F33
  std::uint8_t terminal_type = 0x14;                                                   // 9F35
  std::array<std::uint8_t, 5> additional_capabilities{0x60, 0x00, 0xA0, 0x50, 0x01};  // 9F40
  std::array<std::uint8_t, 2> country_code{0x01, 0x56};                                // 9F1A, n3
  std::array<std::uint8_t, 2> currency_code{0x01, 0x56};                               // 5F2A, n3
  std::uint8_t currency_exponent = 2;                                                  // 5F36
  std::array<std::uint8_t, 2> application_version{0x00, 0x30};                         // 9F09
  std::array<std::uint8_t, 8> terminal_id{};                                           // 9F1C, an8
  std::array<std::uint8_t, 5> tac_denial{0x00, 0x10, 0x80, 0x00, 0x00};
  std::array<std::uint8_t, 5> tac_online{0xFC, 0xF8, 0xFC, 0xF8, 0x00};
  std::array<std::uint8_t, 5> tac_default{0xFC, 0xF8, 0xFC, 0xF8, 0x00};
  std::uint64_t floor_limit_fen = 0;
  // Random transaction selection ([6] 7.8.2); used on offline-capable terminal types only.
  std::uint64_t random_selection_threshold_fen = 0;
  std::uint8_t random_selection_target_percent = 0;
  std::uint8_t random_selection_max_percent = 0;
  Bytes default_ddol{0x9F, 0x37, 0x04};
  std::vector<TerminalAid> aids{TerminalAid{{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x01}, false}};
  // Merchant name and location (9F4E) as UTF-8; sent in GBK, cut after the last whole character within
  // 20 bytes and 00-filled (P45).
  std::string merchant_name;
  // DF69 = 01 in the GPO when the card's PDOL asks for it (the SM2/SM3/SM4 data set, P5).
  bool national_algorithms = false;
  // The kiosk's PIN encryption key (PEK, `payment.pin_key`, §6.9): online PIN is offered only with it. Wiped
  // with every copy of the configuration that held it.
  std::optional<crypto::SecretBytes<16>> pin_encryption_key;
};

// Terminal types 11, 21 and 14, 24 are online only ([6] A.1).
bool is_online_only(const TerminalConfig& terminal);
// Types x3, x6 have no online capability at all.
bool is_offline_only(const TerminalConfig& terminal);
// Types x4..x6 are unattended.
bool is_unattended(const TerminalConfig& terminal);

// The transaction. Date and time are China Standard Time, taken once by the caller before the GPO (P44).
struct TransactionRequest {
  std::uint64_t amount_fen = 0;        // 9F02, n12
  std::uint64_t other_amount_fen = 0;  // 9F03
  std::uint8_t transaction_type = 0x00;  // 9C: 00 goods and services
  std::array<std::uint8_t, 3> date{};    // 9A, YYMMDD BCD
  std::array<std::uint8_t, 3> time{};    // 9F21, HHMMSS BCD
  // 9F37; absent: 4 bytes from the crypto RNG (one per transaction, shared by the DDOL and CDOLs).
  std::optional<std::array<std::uint8_t, 4>> unpredictable_number;
};

}  // namespace sscard::pboc

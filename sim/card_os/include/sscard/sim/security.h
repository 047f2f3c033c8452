// The key hierarchy and the three primitives of docs/SECURITY.md that the simulated card, the simulated
// PSAM and the simulated HSM share: Div (one diversification step), Enc8 (an 8-byte result from 8 bytes
// of data) and the 4-byte command MAC. Built on the crypto interface only; the backend is the caller's.
//
// Every function returns kInvalidArgument for a cipher other than kTdes/kSm4 or an input of the wrong
// length (nothing written), and passes backend errors through.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"

namespace sscard::sim {

// The key classes of SECURITY.md "Keys": one national root key per class and algorithm.
enum class KeyClass : std::uint8_t { kIrk, kEak04, kRkssse, kEak0d, kStk, kPuk, kPrk };
inline constexpr std::array<KeyClass, 7> kKeyClasses = {KeyClass::kIrk,  KeyClass::kEak04, KeyClass::kRkssse,
                                                        KeyClass::kEak0d, KeyClass::kStk,  KeyClass::kPuk,
                                                        KeyClass::kPrk};

// The spelling of the key files and profiles: "irk", "eak04", "rkssse", "eak0d", "stk", "puk", "prk".
std::string_view key_class_name(KeyClass c);
std::optional<KeyClass> key_class_from_name(std::string_view name);

inline constexpr std::size_t kKeySize = 16;     // every key: 2-key 3DES or SM4
inline constexpr std::size_t kFactorSize = 8;   // every diversification factor
inline constexpr std::size_t kEnc8Size = 8;     // cryptograms
inline constexpr std::size_t kMacSize = 4;      // command MACs

// The card's algorithm identifier (SSSE FCI 9F0C, D1): 01 -> kTdes, 03 -> kSm4; nullopt otherwise.
std::optional<crypto::Cipher> cipher_of_algorithm(std::uint8_t algorithm_id);

// Div(K, F): 3DES `E(K,F) || E(K, F xor FF..FF)`, SM4 `SM4(K, F || F xor FF..FF)`; 16 bytes into `out`.
Status diversify_key(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan key, ByteSpan factor,
                     MutableByteSpan out);

// Enc8(K, D): 3DES-ECB(K, D); SM4: X = SM4(K, D || 80 00..00), X[0..7] xor X[8..15]. 8 bytes into `out`.
Status enc8(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan key, ByteSpan data, MutableByteSpan out);

// The IV length of the command MAC: one block (8 for 3DES, 16 for SM4).
std::size_t mac_iv_size(crypto::Cipher cipher);

// The 4-byte MAC of SECURITY.md "MACs": retail MAC (3DES) or SM4 CBC-MAC, padding method 2, first 4 bytes.
// `iv` is one block (R4 || zeros).
Status command_mac4(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan key, ByteSpan iv, ByteSpan message,
                    MutableByteSpan out);

// ASCII of a 6-digit region or province code, then 73 78 (the city factor; the province factor by analogy).
Status region_factor(std::string_view region, MutableByteSpan out);

// The card factor: the last 8 historical bytes of the ATR (S4). kInvalidArgument: fewer than 8.
Status card_factor(ByteSpan historical_bytes, MutableByteSpan out);

// The province code that owns a region: its first two digits, then 0000. nullopt unless 6 digits.
std::optional<std::string> province_of(std::string_view region);

// P = Div(N, province factor).
Status derive_province_key(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan root_key,
                           std::string_view province, MutableByteSpan out);
// K = Div(Div(P, city factor), card factor).
Status derive_card_key(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan province_key, std::string_view region,
                       ByteSpan card_factor_bytes, MutableByteSpan out);

}  // namespace sscard::sim

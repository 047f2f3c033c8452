// Secure messaging of PBOC issuer scripts (docs/PAYMENT.md 6.5, 6.6; JR/T 0025.5 annex C and B.10,
// JR/T 0025.7 7.2 and 11.1.1, JR/T 0025.17 7.1 and 8.1): the command MAC, the encipherment of command data,
// and the PIN change block.
//
// `cipher` is Cipher::kTdes (the RSA data set: 2- or 3-key triple DES, retail MAC) or Cipher::kSm4 (the SM
// data set: SM4, SM4 CBC-MAC). Keys are session keys derived with session_key() (diversify.h), except
// pin_change_block, which takes the card's ENC UDK. Every function writes nothing past what it returns and
// wipes its local copies of plaintext; backend errors pass through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto {

inline constexpr std::size_t kScriptMacSize = 4;
inline constexpr std::size_t kScriptHeaderSize = 5;       // CLA INS P1 P2 Lc
inline constexpr std::size_t kPinChangeBlockSize = 8;
inline constexpr std::size_t kSmMaxDataSize = 255;        // Ld is one byte
inline constexpr std::size_t kSmMaxCiphertextSize = 256;  // Ld || 255 bytes: a whole number of 8- and 16-byte blocks

// The ciphertext length sm_encipher writes for `data_size` bytes: 1 + data_size rounded up to the block size.
std::size_t sm_enciphered_size(Cipher cipher, std::size_t data_size);

// Enciphers command data for secure messaging (6.5): the plaintext is Ld || data, padded with 80 00.. only when
// its length is not a multiple of the block size, enciphered in ECB mode under `enc_session_key`. Returns the
// ciphertext length (sm_enciphered_size). kInvalidArgument: `cipher` is kAes, the key length does not fit the
// cipher (16 or 24 bytes for kTdes, 16 for kSm4), or `data` is over 255 bytes. kBufferTooSmall: `out` is too
// short (nothing written). `out` must not overlap `data`.
Result<std::size_t> sm_encipher(Crypto& crypto, Cipher cipher, ByteSpan enc_session_key, ByteSpan data,
                                MutableByteSpan out);

// The inverse of sm_encipher: deciphers `ciphertext` and writes the data without Ld and padding; returns its
// length. kMalformed: the ciphertext is empty, over 256 bytes or not whole blocks; Ld goes past the plaintext;
// or what follows Ld || data is not exactly the padding sm_encipher would have added (none when 1 + Ld is a
// block multiple, else 80 00.. up to the next block). kInvalidArgument: as sm_encipher. kBufferTooSmall: `out`
// cannot hold Ld bytes (nothing written).
Result<std::size_t> sm_decipher(Crypto& crypto, Cipher cipher, ByteSpan enc_session_key, ByteSpan ciphertext,
                                MutableByteSpan out);

// The 4-byte MAC of an issuer script command (6.5; [5] C.2.4): the leftmost 4 bytes of the retail MAC (kTdes,
// MacScheme::kRetail) or of the SM4 CBC-MAC (kSm4, MacScheme::kSm4), zero IV, padding method 2, over
//   header (CLA INS P1 P2 Lc, Lc counting the 4 MAC bytes) || ATC || GAC1 cryptogram || data
// where data is the command data before the MAC (ciphertext when enciphered). Writes 4 bytes, returns 4.
// kInvalidArgument: `header` not 5 bytes, its Lc not data.size() + 4, `gac1_cryptogram` not 8 bytes, `data`
// over 251 bytes, kAes, or a key of the wrong length. kBufferTooSmall: `out` under 4 bytes.
Result<std::size_t> script_mac(Crypto& crypto, Cipher cipher, ByteSpan mac_session_key, ByteSpan header,
                               std::uint16_t atc, ByteSpan gac1_cryptogram, ByteSpan data, MutableByteSpan out);

// Recomputes script_mac and compares it with `mac` in constant time (the card's check of a script command).
// kSecurity: `mac` differs or is not 4 bytes; otherwise the errors of script_mac.
Status verify_script_mac(Crypto& crypto, Cipher cipher, ByteSpan mac_session_key, ByteSpan header,
                         std::uint16_t atc, ByteSpan gac1_cryptogram, ByteSpan data, ByteSpan mac);

// The 8-byte PIN block D of PIN CHANGE/UNBLOCK ([5] B.10.3; 6.6), to be enciphered with sm_encipher:
//   D1 = 00 00 00 00 || bytes 5-8 of the ENC UDK (the rightmost 4 bytes of its left half, UDK-A)
//   D2 = 0N || the new PIN's digits || F fill                 (N = the number of digits)
//   D  = D1 xor D2, and with the current PIN (P2 01) also xor D4 = its digits left-justified, 0-filled.
// `current_pin` empty is the P2 02 form, without the current PIN. Writes 8 bytes, returns 8.
// kInvalidArgument: `enc_udk` not 16 bytes, a PIN not 4 to 12 decimal digits. kBufferTooSmall: `out` under 8.
Result<std::size_t> pin_change_block(ByteSpan enc_udk, std::string_view new_pin, std::string_view current_pin,
                                     MutableByteSpan out);

}  // namespace sscard::crypto

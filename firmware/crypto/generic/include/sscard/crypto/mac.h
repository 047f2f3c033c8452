// Message authentication codes of ISO/IEC 9797-1:2011 as PBOC (JR/T 0025) and the social-security card use them.
//
// Every function pads the data itself (`padding`, method 2 unless said otherwise), takes an optional initial
// value (`iv` empty = zeros; PBOC secure messaging uses the card's challenge here), and writes the full MAC
// into `out`, returning its length. Errors: kInvalidArgument for a key or IV of the wrong length,
// kBufferTooSmall when `out` cannot hold the MAC (nothing written); backend errors pass through.
#pragma once

#include <cstddef>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/crypto/padding.h"

namespace sscard::crypto {

// ISO/IEC 9797-1 MAC algorithm 1 (CBC-MAC, output transformation 1) with any block cipher of the
// interface: the last block of the CBC encryption of the padded data (8 bytes for kTdes, 16 for kSm4/kAes).
// With a 16/24-byte kTdes key this is the full triple-DES CBC-MAC; with kSm4 it is the SM4 MAC of PBOC 3.0.
Result<std::size_t> cbc_mac(Crypto& crypto, Cipher cipher, ByteSpan key, ByteSpan iv, ByteSpan data,
                            MutableByteSpan out, Padding padding = Padding::kMethod2);

// ISO/IEC 9797-1 MAC algorithm 3, the "retail MAC" (ANSI X9.19; EMV Book 2 A1.2.1): single-DES CBC with K1,
// then the last block is decrypted with K2 and encrypted again with K1 (16-byte key) or K3 (24-byte key).
// `key` is 16 or 24 bytes; the MAC is 8 bytes.
Result<std::size_t> retail_mac(Crypto& crypto, ByteSpan key, ByteSpan iv, ByteSpan data, MutableByteSpan out,
                               Padding padding = Padding::kMethod2);

// SM4 CBC-MAC with padding method 2 (PBOC 3.0 / SSC 3rd generation): cbc_mac with kSm4, 16 bytes.
Result<std::size_t> sm4_mac(Crypto& crypto, ByteSpan key, ByteSpan iv, ByteSpan data, MutableByteSpan out);

// How a command MAC is computed from the key's cipher.
enum class MacScheme : std::uint8_t {
  kRetail,     // 16/24-byte DES key: retail_mac
  kTdesCbc,    // 16/24-byte DES key: full triple-DES cbc_mac
  kSm4,        // 16-byte SM4 key: sm4_mac
  kSm4Folded,  // 16-byte SM4 key: sm4_mac, then the two halves XORed (xor_fold) as some SM4 PSAMs do
};

// The 4-byte MAC of PBOC / social-security card commands (JR/T 0025.5 secure messaging, PBOC purse
// commands, SSC STK-protected UPDATE): the leftmost 4 bytes of the MAC of `scheme`. Writes exactly 4 bytes.
Result<std::size_t> command_mac(Crypto& crypto, MacScheme scheme, ByteSpan key, ByteSpan iv, ByteSpan data,
                                MutableByteSpan out);

// XOR of the left and right halves of `in` (docs/CARD.md: the 16-byte SM4 result folded to 8 bytes).
// kInvalidArgument: `in` is empty or of odd length. kBufferTooSmall: `out` is shorter than half of `in`.
Result<std::size_t> xor_fold(ByteSpan in, MutableByteSpan out);

}  // namespace sscard::crypto

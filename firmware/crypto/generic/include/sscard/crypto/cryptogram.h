// Application cryptograms of PBOC 3.0 (JR/T 0025.5) / EMV Book 2 8.1 and 8.2.
#pragma once

#include <cstddef>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto {

inline constexpr std::size_t kCryptogramSize = 8;

// ARQC / TC / AAC (EMV Book 2 8.1.2 and A1.2): the MAC over the CDOL-selected data with the session key,
// padding method 2. kTdes (16/24-byte key): retail MAC, 8 bytes. kSm4: leftmost 8 bytes of the SM4 CBC-MAC.
// kInvalidArgument: kAes or a key of the wrong length. kBufferTooSmall: `out` under 8 bytes. Returns 8.
Result<std::size_t> application_cryptogram(Crypto& crypto, Cipher cipher, ByteSpan session_key, ByteSpan data,
                                           MutableByteSpan out);

// Recomputes the cryptogram and compares it in constant time. kSecurity: it differs.
Status verify_application_cryptogram(Crypto& crypto, Cipher cipher, ByteSpan session_key, ByteSpan data,
                                     ByteSpan cryptogram);

// ARPC method 1 (EMV Book 2 8.2.1; docs/SECURITY.md "PBOC-style key derivation"): Y = ARQC xor (ARC || 000000000000), then
// kTdes: 3DES(key, Y); kSm4: leftmost 8 bytes of SM4(key, Y || 0000000000000000).
// kInvalidArgument: ARQC not 8 bytes, ARC not 2 bytes, kAes, or a key of the wrong length.
// kBufferTooSmall: `out` under 8 bytes. Returns 8.
Result<std::size_t> arpc_method1(Crypto& crypto, Cipher cipher, ByteSpan key, ByteSpan arqc, ByteSpan arc,
                                 MutableByteSpan out);

}  // namespace sscard::crypto

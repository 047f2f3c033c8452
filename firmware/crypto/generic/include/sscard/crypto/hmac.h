// HMAC (RFC 2104; FIPS 198-1) over any hash of the crypto interface, and the one-block HKDF-Expand of RFC 5869
// built on it. Every hash of the interface (SHA-1, SHA-256, SM3) has a 64-byte block.
#pragma once

#include <cstddef>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto {

// The longest message hmac() takes: its buffers are fixed-size (the keyed digests of the firmware are over
// short inputs: a PAN, a label).
inline constexpr std::size_t kHmacMaxMessage = 1024;

// Writes HMAC-h(key, message) (digest_size(h) bytes) into `out` and returns its length. A key longer than the
// block is hashed first (FIPS 198-1 step 2). kInvalidArgument: `message` is longer than kHmacMaxMessage;
// kBufferTooSmall: `out` is shorter than the digest (nothing written); backend errors pass through.
Result<std::size_t> hmac(Crypto& crypto, Hash h, ByteSpan key, ByteSpan message, MutableByteSpan out);

// RFC 5869 2.3 HKDF-Expand(PRK, info, L) for L up to one digest: T(1) = HMAC-h(PRK, info || 0x01), of which the
// first out.size() bytes are written. `prk` must already be a uniformly random key (RFC 5869 3.3: then the
// Extract step may be skipped). kInvalidArgument: `out` is empty or longer than the digest, `info` too long.
Status hkdf_expand_one(Crypto& crypto, Hash h, ByteSpan prk, std::string_view info, MutableByteSpan out);

}  // namespace sscard::crypto

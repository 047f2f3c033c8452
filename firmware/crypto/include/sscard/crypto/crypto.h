// The crypto interface: every primitive the firmware and the simulator need, behind one abstract class so
// that backends (OpenSSL 3, Mbed TLS) are chosen at run time and each can be checked against the other.
//
// Keys, PINs and plaintext never appear in errors or logs. Wiping and constant-time comparison come from
// firmware/core (sscard::secure_wipe, sscard::constant_time_equal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::crypto {

enum class Cipher : std::uint8_t {
  kTdes,  // 2-key (16-byte key) or 3-key (24-byte key) triple DES, 8-byte blocks; an 8-byte key is single DES
  kSm4,   // GB/T 32907, 16-byte key and blocks
  kAes,   // 16/24/32-byte key, 16-byte blocks
};

enum class Hash : std::uint8_t { kSha1, kSha256, kSm3 };

// Block size in bytes (8 or 16), digest size in bytes (20 or 32).
std::size_t block_size(Cipher c);
std::size_t digest_size(Hash h);

// The default SM2 distinguishing identifier of GM/T 0009 / GB/T 35276 ("1234567812345678").
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";

class Crypto {
 public:
  virtual ~Crypto() = default;

  virtual std::string_view name() const = 0;

  // Raw block operations, no padding. kInvalidArgument: wrong key length, input not a whole number of
  // blocks, IV not one block, or `out` shorter than `in`. `out` may be the same memory as `in`.
  virtual Status encrypt_ecb(Cipher c, ByteSpan key, ByteSpan in, MutableByteSpan out) = 0;
  virtual Status decrypt_ecb(Cipher c, ByteSpan key, ByteSpan in, MutableByteSpan out) = 0;
  virtual Status encrypt_cbc(Cipher c, ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) = 0;
  virtual Status decrypt_cbc(Cipher c, ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) = 0;

  // Writes the digest of `in` into `out` (at least digest_size(h) bytes); returns its length.
  virtual Result<std::size_t> digest(Hash h, ByteSpan in, MutableByteSpan out) = 0;

  // RSA public operation without padding (EMV certificate recovery): in^e mod n, written left-padded to the
  // modulus length. kInvalidArgument: `in` not the modulus length or not below the modulus.
  virtual Result<std::size_t> rsa_public(ByteSpan modulus, ByteSpan exponent, ByteSpan in, MutableByteSpan out) = 0;

  // PKCS #1 v1.5 signature verification over `message` hashed with `h`. kSecurity: the signature is wrong.
  virtual Status rsa_verify_pkcs1(Hash h, ByteSpan modulus, ByteSpan exponent, ByteSpan message,
                                  ByteSpan signature) = 0;

  // SM2 (GB/T 32918.2) on the recommended curve. Public keys are 64 bytes x||y (a leading 04 is accepted);
  // private keys 32 bytes; signatures 64 bytes r||s. `id` is the distinguishing identifier that enters Z_A:
  // always passed explicitly (OpenSSL's own default is empty, the standard's is kSm2DefaultId).
  // sm2_verify: kSecurity when the signature does not verify; kInvalidArgument for a malformed key.
  virtual Status sm2_verify(ByteSpan public_key, std::string_view id, ByteSpan message, ByteSpan signature) = 0;
  virtual Status sm2_sign(ByteSpan private_key, std::string_view id, ByteSpan message,
                          MutableByteSpan signature) = 0;
  // The public key x||y (64 bytes) of a private key.
  virtual Status sm2_public_key(ByteSpan private_key, MutableByteSpan public_key) = 0;

  // Cryptographically strong random bytes (for challenges and unpredictable numbers).
  virtual Status random(MutableByteSpan out) = 0;
};

}  // namespace sscard::crypto

// The crypto interface: every primitive the firmware and the simulator need, behind one abstract class so
// that backends (OpenSSL 3, Mbed TLS) are chosen at run time and each can be checked against the other.
//
// Keys, PINs and plaintext never appear in errors or logs. Wiping and constant-time comparison come from
// firmware/core (sscard::secure_wipe, sscard::constant_time_equal).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
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

// Authenticated encryption with associated data.
enum class Aead : std::uint8_t {
  kAesGcm,  // AES (FIPS 197) in Galois/Counter Mode (NIST SP 800-38D); a 16/24/32-byte key picks AES-128/192/256
};
// GCM with a 96-bit nonce (SP 800-38D 5.2.1.1, 8.2: the length it recommends, and the only one accepted here)
// and the full 128-bit tag (5.2.1.2), which follows the ciphertext.
inline constexpr std::size_t kAeadNonceSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;

// Block size in bytes (8 or 16), digest size in bytes (20 or 32).
std::size_t block_size(Cipher c);
std::size_t digest_size(Hash h);

// The default SM2 distinguishing identifier of GM/T 0009 / GB/T 35276 ("1234567812345678").
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";

// An SM2 public key prepared for many verifications (GB/T 32918.2-2016 7.1), made by
// Crypto::sm2_prepare_public_key from the point and the distinguishing ID. Preparing checks the point once,
// computes Z_A once (5.5) and builds whatever the backend can keep (OpenSSL's key and verification context,
// Mbed TLS's table of multiples of the point); each verify() then costs one SM3 over Z_A || M and one double
// scalar multiplication. Payment verifies several SM2 signatures per transaction (issuer certificate, card
// certificate, signed data) under keys that recur: the CA's and an issuer's across transactions, a card's
// across the signatures of one transaction; each such key is prepared once.
//
// A prepared key does not depend on the Crypto object that made it and may outlive it. It may be used from
// one thread at a time; separate keys are independent.
class Sm2PublicKey {
 public:
  static constexpr std::size_t kPointSize = 64;      // x || y (GB/T 32918.1-2016 4.2.9, without the 04)
  static constexpr std::size_t kZSize = 32;          // Z_A is an SM3 digest
  static constexpr std::size_t kSignatureSize = 64;  // r || s, 32 bytes each

  virtual ~Sm2PublicKey() = default;
  Sm2PublicKey(const Sm2PublicKey&) = delete;
  Sm2PublicKey& operator=(const Sm2PublicKey&) = delete;

  // Verifies `signature` (r || s) over `message` with this key and ID: e = SM3(Z_A || M), then B1 to B7.
  // kSecurity: the signature does not verify (also when it is not 64 bytes, or r or s is outside [1, n - 1]);
  // kInternal: out of memory or a failure of the library. The key itself is not changed by a failure.
  Status verify(ByteSpan message, ByteSpan signature);

  // The key x || y, and Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (5.5).
  ByteSpan point() const { return point_; }
  ByteSpan z() const { return z_; }

 protected:
  Sm2PublicKey() = default;
  // Filled in by the backend when it prepares the key.
  std::array<std::uint8_t, kPointSize> point_{};
  std::array<std::uint8_t, kZSize> z_{};

 private:
  // Called with a signature of exactly kSignatureSize bytes; the errors of verify().
  virtual Status verify_signature(ByteSpan message, std::span<const std::uint8_t, kSignatureSize> signature) = 0;
};

// The argument checks of Crypto::rsa_private, shared by every backend so that they refuse the same inputs
// with the same error: kOk, kInvalidArgument or kBufferTooSmall as documented there.
Status check_rsa_private_arguments(ByteSpan modulus, ByteSpan private_exponent, ByteSpan in, MutableByteSpan out);

// The argument checks of Crypto::aead_seal and aead_open, shared by every backend: kInvalidArgument for the key
// or nonce, kBufferTooSmall when `out` is shorter than `out_needed`.
Status check_aead_arguments(Aead a, ByteSpan key, ByteSpan nonce, MutableByteSpan out, std::size_t out_needed);

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

  // RSA private operation without padding: in^d mod n, written left-padded to the modulus length, which is
  // returned. The card signs its EMV objects (docs/PAYMENT.md 7.2: DDA, CDA) and deciphers an enciphered PIN
  // (6.8) with it; the key is the modulus and the private exponent alone (no CRT parts), computed in constant
  // time with respect to d where the library offers it. kInvalidArgument: the modulus is empty, over 512 bytes,
  // even or has a leading zero byte; `private_exponent` is empty, zero or longer than the modulus; `in` is not
  // the modulus length or not below the modulus. kBufferTooSmall: `out` is shorter than the modulus. Nothing is
  // written to `out` on an error.
  virtual Result<std::size_t> rsa_private(ByteSpan modulus, ByteSpan private_exponent, ByteSpan in,
                                          MutableByteSpan out) = 0;

  // PKCS #1 v1.5 signature verification over `message` hashed with `h`. kSecurity: the signature is wrong.
  virtual Status rsa_verify_pkcs1(Hash h, ByteSpan modulus, ByteSpan exponent, ByteSpan message,
                                  ByteSpan signature) = 0;

  // SM2 (GB/T 32918.2) on the recommended curve. Public keys are 64 bytes x||y (a leading 04 is accepted);
  // private keys 32 bytes; signatures 64 bytes r||s. `id` is the distinguishing identifier that enters Z_A:
  // always passed explicitly (OpenSSL's own default is empty, the standard's is kSm2DefaultId).
  // sm2_verify: kSecurity when the signature does not verify; kInvalidArgument for a malformed key. It prepares
  // the key for this one call; a caller that verifies more than once with a key prepares it (below).
  virtual Status sm2_verify(ByteSpan public_key, std::string_view id, ByteSpan message, ByteSpan signature) = 0;
  // The same key checks as sm2_verify, done once: a key for many verifications (Sm2PublicKey above).
  // kInvalidArgument: a malformed key or an ID of more than 8191 bytes; kInternal: out of memory;
  // kUnsupported: this backend does not prepare keys (the default), so the caller uses sm2_verify.
  virtual Result<std::unique_ptr<Sm2PublicKey>> sm2_prepare_public_key(ByteSpan public_key, std::string_view id);
  virtual Status sm2_sign(ByteSpan private_key, std::string_view id, ByteSpan message,
                          MutableByteSpan signature) = 0;
  // The public key x||y (64 bytes) of a private key.
  virtual Status sm2_public_key(ByteSpan private_key, MutableByteSpan public_key) = 0;

  // Cryptographically strong random bytes (for challenges and unpredictable numbers).
  virtual Status random(MutableByteSpan out) = 0;

  // AEAD encryption: writes the ciphertext of `plaintext` followed by the kAeadTagSize-byte tag over `aad` and
  // the ciphertext into `out`, and returns that length (plaintext.size() + kAeadTagSize). A nonce must never be
  // used twice with one key (SP 800-38D 8: that reveals the XOR of the plaintexts and lets tags be forged).
  // kInvalidArgument: a key of another length than the algorithm takes, a nonce not kAeadNonceSize bytes;
  // kBufferTooSmall: `out` cannot hold the result; kUnsupported: this backend has no AEAD (the default).
  // Nothing is written to `out` on an error.
  virtual Result<std::size_t> aead_seal(Aead a, ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
                                        MutableByteSpan out);
  // AEAD decryption of `sealed` (ciphertext || tag, as aead_seal wrote it): checks the tag over `aad` and the
  // ciphertext first and writes the plaintext (sealed.size() - kAeadTagSize bytes) into `out` only when it
  // verifies; returns its length. kSecurity: the tag does not verify (the key, nonce, associated data or
  // ciphertext differ from those sealed): `out` holds no plaintext byte. kMalformed: `sealed` is shorter than a
  // tag. The other errors as for aead_seal.
  virtual Result<std::size_t> aead_open(Aead a, ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan sealed,
                                        MutableByteSpan out);
};

}  // namespace sscard::crypto

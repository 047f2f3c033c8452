// SM2 digital signatures (GB/T 32918.2-2016) on the recommended curve (GB/T 32918.5-2017), built on Mbed TLS's
// bignum and ECP code. Mbed TLS has no SM algorithms, so this is our own implementation, proven against the
// GB/T 32918.5 / GM/T 0003.5 example and the OpenSSL backend (tests/unit/crypto).
#pragma once

#include <mbedtls/ecp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/status.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto::gm {

// A source of random bytes in Mbed TLS's form (mbedtls_ctr_drbg_random and its context).
struct RandomSource {
  int (*function)(void*, unsigned char*, std::size_t) = nullptr;
  void* state = nullptr;
};

// The recommended curve as one Mbed TLS group for the whole process: the fast reduction (sm2p256.h) as its
// modp, and the comb table of multiples of G that Mbed TLS keeps in the group (grp->T), built once when the
// curve is first used. From then on Mbed TLS only reads the group, so every backend object and every prepared
// key shares it, in any thread.
class Sm2Curve {
 public:
  static constexpr std::size_t kFieldSize = 32;

  // The curve, built on the first call (thread-safe); nullptr when that ran out of memory.
  static Sm2Curve* get();

  Sm2Curve(const Sm2Curve&) = delete;
  Sm2Curve& operator=(const Sm2Curve&) = delete;
  ~Sm2Curve();

  // Mbed TLS's ECP functions take the group as non-const; none of them changes it once its table exists.
  mbedtls_ecp_group& group() { return group_; }
  // a || b || x_G || y_G, the curve's part of Z_A (GB/T 32918.2-2016 5.5).
  ByteSpan curve_bytes() const { return curve_bytes_; }

 private:
  Sm2Curve();
  Status load();

  bool loaded_ = false;
  mbedtls_ecp_group group_;
  std::array<std::uint8_t, 4 * kFieldSize> curve_bytes_{};
};

// An SM2 public key prepared for many verifications (crypto.h, Sm2PublicKey): the point checked once, Z_A
// computed once with our SM3, and a group of its own whose "generator" is the key's point Q, so that Mbed TLS
// builds the comb table of multiples of Q once (at the first verification) and keeps it with the key. A
// verification is then [s]G and [t]Q, both from kept tables, and one addition.
class Sm2VerifyKey final : public Sm2PublicKey {
 public:
  Sm2VerifyKey();
  ~Sm2VerifyKey() override;

  // x || y or 04 || x || y, and the ID. kInvalidArgument: not a point of the curve, or an ID of more than
  // 8191 bytes; kInternal: the curve could not be built (out of memory).
  Status init(ByteSpan public_key, std::string_view id);

 private:
  Status verify_signature(ByteSpan message, std::span<const std::uint8_t, kSignatureSize> signature) override;

  Sm2Curve* curve_ = nullptr;
  mbedtls_ecp_group key_group_;
};

class Sm2 {
 public:
  static constexpr std::size_t kFieldSize = Sm2Curve::kFieldSize;
  static constexpr std::size_t kSignatureSize = 2 * kFieldSize;  // r || s
  // ENTL_A is a 16-bit count of the ID's bits (GB/T 32918.2-2016 5.5), so the ID is at most 8191 bytes.
  static constexpr std::size_t kMaxIdSize = 0xFFFF / 8;

  // Finds (or builds) the shared curve. kInternal: out of memory. Every other call needs a successful load().
  Status load();

  // The operations of sscard::crypto::Crypto with the same names and the same errors (see crypto.h).
  Status verify(ByteSpan public_key, std::string_view id, ByteSpan message, ByteSpan signature);
  Result<std::unique_ptr<Sm2PublicKey>> prepare(ByteSpan public_key, std::string_view id);
  Status sign(ByteSpan private_key, std::string_view id, ByteSpan message, MutableByteSpan signature,
              RandomSource rng);
  Status public_key(ByteSpan private_key, MutableByteSpan public_key, RandomSource rng);

 private:
  Sm2Curve* curve_ = nullptr;
};

}  // namespace sscard::crypto::gm

// SM2 digital signatures (GB/T 32918.2-2016) on the recommended curve (GB/T 32918.5-2017), built on Mbed TLS's
// bignum and ECP code. Mbed TLS has no SM algorithms, so this is our own implementation, proven against the
// GB/T 32918.5 / GM/T 0003.5 example and the OpenSSL backend (tests/unit/crypto).
#pragma once

#include <mbedtls/ecp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/status.h"

namespace sscard::crypto::gm {

// A source of random bytes in Mbed TLS's form (mbedtls_ctr_drbg_random and its context).
struct RandomSource {
  int (*function)(void*, unsigned char*, std::size_t) = nullptr;
  void* state = nullptr;
};

class Sm2 {
 public:
  static constexpr std::size_t kFieldSize = 32;
  static constexpr std::size_t kSignatureSize = 2 * kFieldSize;  // r || s
  // ENTL_A is a 16-bit count of the ID's bits (GB/T 32918.2-2016 5.5), so the ID is at most 8191 bytes.
  static constexpr std::size_t kMaxIdSize = 0xFFFF / 8;

  Sm2();
  ~Sm2();
  Sm2(const Sm2&) = delete;
  Sm2& operator=(const Sm2&) = delete;

  // Loads the recommended curve. kInternal: out of memory. Every other call needs a successful load().
  Status load();

  // The operations of sscard::crypto::Crypto with the same names and the same errors (see crypto.h).
  // The group caches a precomputed table of multiples of G, so one object serves one thread at a time.
  Status verify(ByteSpan public_key, std::string_view id, ByteSpan message, ByteSpan signature);
  Status sign(ByteSpan private_key, std::string_view id, ByteSpan message, MutableByteSpan signature,
              RandomSource rng);
  Status public_key(ByteSpan private_key, MutableByteSpan public_key, RandomSource rng);

 private:
  bool loaded_ = false;
  mbedtls_ecp_group group_;
  // a || b || x_G || y_G, the curve's part of Z_A (GB/T 32918.2-2016 5.5).
  std::array<std::uint8_t, 4 * kFieldSize> curve_bytes_{};
};

}  // namespace sscard::crypto::gm

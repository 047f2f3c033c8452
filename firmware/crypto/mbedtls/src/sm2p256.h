// Fast reduction modulo the SM2 prime (GB/T 32918.5-2017 / GM/T 0003.5-2012 section 3, the recommended curve):
//
//   p = FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 00000000 FFFFFFFF FFFFFFFF
//     = 2^256 - 2^224 - 2^96 + 2^64 - 1,
//
// a generalised Mersenne prime in Solinas' sense (J. Solinas, "Generalized Mersenne Numbers", CORR 99-39,
// 1999): 2^256 = 2^224 + 2^96 - 2^64 + 1 (mod p), so every 32-bit word above 2^256 folds into a few words
// below it with small signed coefficients, the way FIPS 186-4 D.2 reduces the NIST primes and Mbed TLS's
// ecp_curves.c implements it for them. Mbed TLS has no SM2, so this is our own code; it is registered as
// the SM2 group's `modp` (mbedtls_ecp_group, ecp.h), which Mbed TLS then calls after every field
// multiplication instead of a long division (mbedtls_mpi_mod_mpi).
#pragma once

#include <mbedtls/bignum.h>

#include <array>
#include <cstdint>

namespace sscard::crypto::gm::sm2p256 {

inline constexpr std::size_t kWords = 8;  // 32-bit words of a field element

// kFold[k][j] is the coefficient of 2^(32 j) in 2^(32 (8 + k)) mod p, written as a sum of signed multiples of
// the low words. Derived at compile time from 2^256 = 2^224 + 2^96 - 2^64 + 1: multiplying a row by 2^32
// shifts it up a word, and the word that leaves the top comes back in through that identity.
inline constexpr std::array<std::array<std::int64_t, kWords>, kWords> kFold = [] {
  std::array<std::array<std::int64_t, kWords>, kWords> rows{};
  std::array<std::int64_t, kWords> row = {1, 0, -1, 1, 0, 0, 0, 1};  // 2^256: words 0, 2 (2^64), 3 (2^96), 7 (2^224)
  for (std::size_t k = 0; k < kWords; ++k) {
    rows[k] = row;
    const std::int64_t top = row[kWords - 1];
    for (std::size_t j = kWords - 1; j > 0; --j) row[j] = row[j - 1];
    row[0] = 0;
    for (std::size_t j = 0; j < kWords; ++j) row[j] += top * rows[0][j];
  }
  return rows;
}();

// The mbedtls_ecp_group::modp contract (ecp.h): `n` holds a value in [0, 2^512) (the product of two
// reduced field elements); it is replaced in place by the same value mod p, fully reduced to [0, p), so
// that Mbed TLS's own fix-up loops after modp (ecp_modp) never run. Returns 0, MBEDTLS_ERR_ECP_BAD_INPUT_DATA
// for a negative value or one of more than 512 bits (`n` unchanged), or MBEDTLS_ERR_MPI_ALLOC_FAILED.
//
// Not constant-time: the carry folds and the final subtraction of p depend on the value. Mbed TLS's own NIST
// reductions are used the same way (and the long division this replaces was not constant-time either).
int modp(mbedtls_mpi* n);

}  // namespace sscard::crypto::gm::sm2p256

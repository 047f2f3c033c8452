// Fast reduction modulo the SM2 prime; see sm2p256.h for the method and its sources.
//
// The value is handled as 32-bit words whatever the size of Mbed TLS's limbs (64 bits on x86-64 and aarch64,
// 32 bits on armhf), with signed 64-bit column sums: a column adds at most 15 products of a word (< 2^32) and
// a coefficient of kFold (|c| <= 3), far inside 63 bits. The columns are expanded at compile time from kFold
// (index sequences), so each is a handful of additions with the zero terms gone: Mbed TLS calls this after
// every field multiplication, thousands of times a verification.
#include "sm2p256.h"

#include <mbedtls/ecp.h>

#include <climits>
#include <cstddef>
#include <utility>

namespace sscard::crypto::gm::sm2p256 {
namespace {

constexpr std::size_t kLimbBits = sizeof(mbedtls_mpi_uint) * CHAR_BIT;
static_assert(kLimbBits == 32 || kLimbBits == 64, "Mbed TLS limbs are 32 or 64 bits");
constexpr std::size_t kWordsPerLimb = kLimbBits / 32;
constexpr std::size_t kInputWords = 2 * kWords;  // 512 bits

// p as 32-bit words, least significant first.
constexpr std::array<std::uint32_t, kWords> kP = {0xFFFFFFFF, 0xFFFFFFFF, 0x00000000, 0xFFFFFFFF,
                                                  0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFE};

// The value's 32-bit words, least significant first (missing limbs are zero).
void read_words(const mbedtls_mpi& n, std::array<std::uint32_t, kInputWords>& c) {
  const std::size_t limbs = n.n < kInputWords / kWordsPerLimb ? n.n : kInputWords / kWordsPerLimb;
  for (std::size_t i = 0; i < limbs; ++i) {
    for (std::size_t part = 0; part < kWordsPerLimb; ++part) {
      c[i * kWordsPerLimb + part] = static_cast<std::uint32_t>(n.p[i] >> (32 * part));
    }
  }
}

// Writes the eight words w into n's limbs and zeroes the limbs above them.
void write_words(const std::array<std::uint32_t, kWords>& w, mbedtls_mpi& n) {
  constexpr std::size_t kLimbs = kWords / kWordsPerLimb;
  for (std::size_t i = 0; i < kLimbs; ++i) {
    mbedtls_mpi_uint limb = 0;
    for (std::size_t part = 0; part < kWordsPerLimb; ++part) {
      limb |= static_cast<mbedtls_mpi_uint>(w[i * kWordsPerLimb + part]) << (32 * part);
    }
    n.p[i] = limb;
  }
  for (std::size_t i = kLimbs; i < n.n; ++i) n.p[i] = 0;
}

// sum over k of kFold[k][J] * c[8 + k], every coefficient a compile-time constant.
template <std::size_t J, std::size_t... K>
std::int64_t folded(const std::array<std::uint32_t, kInputWords>& c, std::index_sequence<K...> /*k*/) {
  return (std::int64_t{0} + ... + (kFold[K][J] * static_cast<std::int64_t>(c[kWords + K])));
}

// The low words plus the folded high words, carried into 32-bit words; returns the carry out of word 7.
template <std::size_t... J>
std::int64_t fold_high_words(const std::array<std::uint32_t, kInputWords>& c, std::array<std::uint32_t, kWords>& w,
                             std::index_sequence<J...> /*j*/) {
  std::int64_t carry = 0;
  const auto column = [&](std::size_t j, std::int64_t sum) {
    const std::int64_t v = static_cast<std::int64_t>(c[j]) + sum + carry;
    w[j] = static_cast<std::uint32_t>(v);
    carry = v >> 32;  // arithmetic: a column may be negative (word 2 has coefficient -1)
  };
  (column(J, folded<J>(c, std::make_index_sequence<kWords>())), ...);
  return carry;
}

// Adds coefficient * 2^256 (coefficient >= 0) to w using the first row of kFold, propagating carries; returns
// the new carry out of word 7.
template <std::size_t... J>
std::int64_t fold_carry(std::array<std::uint32_t, kWords>& w, std::int64_t coefficient, std::index_sequence<J...> /*j*/) {
  std::int64_t carry = 0;
  const auto column = [&](std::size_t j, std::int64_t term) {
    const std::int64_t v = static_cast<std::int64_t>(w[j]) + term + carry;
    w[j] = static_cast<std::uint32_t>(v);
    carry = v >> 32;  // arithmetic: word 2 has coefficient -1
  };
  (column(J, kFold[0][J] * coefficient), ...);
  return carry;
}

bool at_least_p(const std::array<std::uint32_t, kWords>& w) {
  for (std::size_t j = kWords; j-- > 0;) {
    if (w[j] != kP[j]) return w[j] > kP[j];
  }
  return true;
}

}  // namespace

int modp(mbedtls_mpi* n) {
  if (n->s < 0) {
    for (std::size_t i = 0; i < n->n; ++i) {
      if (n->p[i] != 0) return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
    }
  }
  for (std::size_t i = kInputWords / kWordsPerLimb; i < n->n; ++i) {
    if (n->p[i] != 0) return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
  }

  std::array<std::uint32_t, kInputWords> c{};
  read_words(*n, c);

  // Column j of the low half plus every high word k times its coefficient for 2^(32 j).
  std::array<std::uint32_t, kWords> w{};
  std::int64_t carry = fold_high_words(c, w, std::make_index_sequence<kWords>());
  // Every row of kFold is a positive number (its top word dominates), so the sum is non-negative and so is
  // `carry` (at most 15). Folding carry * 2^256 back in (about carry * 2^224) leaves a carry of at most 1, and
  // then w is below 2^229, so folding that one carries no more. Three rounds are a safe bound.
  for (int round = 0; carry != 0; ++round) {
    if (round == 3 || carry < 0) return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;  // unreachable, see above
    carry = fold_carry(w, carry, std::make_index_sequence<kWords>());
  }
  // 0 <= w < 2^256 < 2p: one subtraction of p at most.
  if (at_least_p(w)) {
    std::int64_t borrow = 0;
    for (std::size_t j = 0; j < kWords; ++j) {
      const std::int64_t v = static_cast<std::int64_t>(w[j]) - static_cast<std::int64_t>(kP[j]) + borrow;
      w[j] = static_cast<std::uint32_t>(v);
      borrow = v >> 32;
    }
  }

  const int rc = mbedtls_mpi_grow(n, kWords / kWordsPerLimb);
  if (rc != 0) return rc;
  write_words(w, *n);
  n->s = 1;
  return 0;
}

}  // namespace sscard::crypto::gm::sm2p256

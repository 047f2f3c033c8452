// The Mbed TLS backend's fast reduction modulo the SM2 prime (firmware/crypto/mbedtls/src/sm2p256.h), checked
// against Mbed TLS's plain mbedtls_mpi_mod_mpi: its table of folds, edge values (0, p - 1, p, 2p - 1,
// (p - 1)^2, 2^512 - 1), every pattern of all-ones 32-bit words, random values and random products, inputs
// held in fewer or more limbs than usual, and refused inputs. Then the curve group that uses it against the
// same group reducing by long division, on random scalar multiplications.
//
// A white-box test of a backend's internal: it includes the backend's source folder (tests/unit/crypto/
// CMakeLists.txt). The inputs come from a fixed-seed generator, so a failure names a value that can be replayed.
#include <gtest/gtest.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>

#include "sm2.h"
#include "sm2p256.h"
#include "sscard/core/bytes.h"

namespace sscard::crypto::test {
namespace {

namespace sm2p256 = gm::sm2p256;

constexpr const char* kP = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF";

class Mpi {
 public:
  Mpi() { mbedtls_mpi_init(&v_); }
  explicit Mpi(const char* hex_text) : Mpi() { EXPECT_EQ(mbedtls_mpi_read_string(&v_, 16, hex_text), 0); }
  ~Mpi() { mbedtls_mpi_free(&v_); }
  Mpi(const Mpi& other) : Mpi() { EXPECT_EQ(mbedtls_mpi_copy(&v_, &other.v_), 0); }
  Mpi& operator=(const Mpi&) = delete;
  mbedtls_mpi* get() { return &v_; }
  const mbedtls_mpi* get() const { return &v_; }

  std::string hex() const {
    std::array<char, 300> text{};
    std::size_t length = 0;
    if (mbedtls_mpi_write_string(&v_, 16, text.data(), text.size(), &length) != 0) return "?";
    return std::string(text.data());
  }

 private:
  mbedtls_mpi v_;
};

const Mpi& p() {
  static const Mpi v(kP);
  return v;
}

// Reduces `x` both ways and compares: the fast reduction must give the fully reduced value (in [0, p)),
// positive, and the same as the long division.
void expect_reduces(const Mpi& x, const std::string& what) {
  Mpi fast(x), slow;
  ASSERT_EQ(mbedtls_mpi_mod_mpi(slow.get(), x.get(), p().get()), 0) << what;
  ASSERT_EQ(sm2p256::modp(fast.get()), 0) << what << " = " << x.hex();
  EXPECT_EQ(fast.get()->s, 1) << what;
  EXPECT_LT(mbedtls_mpi_cmp_mpi(fast.get(), p().get()), 0) << what << " = " << x.hex();
  EXPECT_EQ(fast.hex(), slow.hex()) << what << " = " << x.hex();
}

Mpi from_words(const std::array<std::uint32_t, 16>& words) {
  std::array<std::uint8_t, 64> bytes{};
  for (std::size_t i = 0; i < 16; ++i) {
    for (std::size_t b = 0; b < 4; ++b) bytes[63 - (4 * i + b)] = static_cast<std::uint8_t>(words[i] >> (8 * b));
  }
  Mpi x;
  EXPECT_EQ(mbedtls_mpi_read_binary(x.get(), bytes.data(), bytes.size()), 0);
  return x;
}

// kFold[k] must be 2^(32 (8 + k)) mod p, as a signed sum of the low words.
TEST(Sm2P256Reduction, FoldTableIsPowersOfTwoModP) {
  for (std::size_t k = 0; k < sm2p256::kWords; ++k) {
    Mpi row, term, power, expected;
    ASSERT_EQ(mbedtls_mpi_lset(row.get(), 0), 0);
    for (std::size_t j = 0; j < sm2p256::kWords; ++j) {
      ASSERT_EQ(mbedtls_mpi_lset(term.get(), static_cast<mbedtls_mpi_sint>(sm2p256::kFold[k][j])), 0);
      ASSERT_EQ(mbedtls_mpi_shift_l(term.get(), 32 * j), 0);
      ASSERT_EQ(mbedtls_mpi_add_mpi(row.get(), row.get(), term.get()), 0);
    }
    ASSERT_EQ(mbedtls_mpi_lset(power.get(), 1), 0);
    ASSERT_EQ(mbedtls_mpi_shift_l(power.get(), 32 * (8 + k)), 0);
    ASSERT_EQ(mbedtls_mpi_mod_mpi(expected.get(), power.get(), p().get()), 0);
    ASSERT_EQ(mbedtls_mpi_mod_mpi(row.get(), row.get(), p().get()), 0);
    EXPECT_EQ(row.hex(), expected.hex()) << "row " << k;
  }
  // The published shape of the first row: 2^256 = 2^224 + 2^96 - 2^64 + 1 (mod p).
  EXPECT_EQ(sm2p256::kFold[0], (std::array<std::int64_t, 8>{1, 0, -1, 1, 0, 0, 0, 1}));
}

TEST(Sm2P256Reduction, EdgeValues) {
  Mpi p_minus_1(p()), p_plus_1(p()), two_p(p()), two_p_minus_1, square, max512, max256, p_squared;
  ASSERT_EQ(mbedtls_mpi_sub_int(p_minus_1.get(), p().get(), 1), 0);
  ASSERT_EQ(mbedtls_mpi_add_int(p_plus_1.get(), p().get(), 1), 0);
  ASSERT_EQ(mbedtls_mpi_shift_l(two_p.get(), 1), 0);
  ASSERT_EQ(mbedtls_mpi_sub_int(two_p_minus_1.get(), two_p.get(), 1), 0);
  ASSERT_EQ(mbedtls_mpi_mul_mpi(square.get(), p_minus_1.get(), p_minus_1.get()), 0);
  ASSERT_EQ(mbedtls_mpi_mul_mpi(p_squared.get(), p().get(), p().get()), 0);
  ASSERT_EQ(mbedtls_mpi_lset(max512.get(), 1), 0);
  ASSERT_EQ(mbedtls_mpi_shift_l(max512.get(), 512), 0);
  ASSERT_EQ(mbedtls_mpi_sub_int(max512.get(), max512.get(), 1), 0);
  ASSERT_EQ(mbedtls_mpi_lset(max256.get(), 1), 0);
  ASSERT_EQ(mbedtls_mpi_shift_l(max256.get(), 256), 0);
  ASSERT_EQ(mbedtls_mpi_sub_int(max256.get(), max256.get(), 1), 0);
  Mpi zero, one;
  ASSERT_EQ(mbedtls_mpi_lset(zero.get(), 0), 0);
  ASSERT_EQ(mbedtls_mpi_lset(one.get(), 1), 0);
  expect_reduces(zero, "0");
  expect_reduces(one, "1");
  expect_reduces(p_minus_1, "p - 1");
  expect_reduces(p(), "p");
  expect_reduces(p_plus_1, "p + 1");
  expect_reduces(two_p_minus_1, "2p - 1");
  expect_reduces(two_p, "2p");
  expect_reduces(max256, "2^256 - 1");
  expect_reduces(square, "(p - 1)^2");
  expect_reduces(p_squared, "p^2");
  expect_reduces(max512, "2^512 - 1");
  // k p and k p - 1 for k up to 2^256 + a bit: the multiples that must all come out as 0 and p - 1.
  for (int shift = 0; shift <= 255; shift += 5) {
    Mpi k, kp;
    ASSERT_EQ(mbedtls_mpi_lset(k.get(), 1), 0);
    ASSERT_EQ(mbedtls_mpi_shift_l(k.get(), static_cast<std::size_t>(shift)), 0);
    ASSERT_EQ(mbedtls_mpi_add_int(k.get(), k.get(), shift), 0);
    ASSERT_EQ(mbedtls_mpi_mul_mpi(kp.get(), k.get(), p().get()), 0);
    expect_reduces(kp, "k p, k = 2^" + std::to_string(shift) + " + " + std::to_string(shift));
    ASSERT_EQ(mbedtls_mpi_sub_int(kp.get(), kp.get(), 1), 0);
    expect_reduces(kp, "k p - 1, k = 2^" + std::to_string(shift) + " + " + std::to_string(shift));
  }
}

// Every one of the 2^16 choices of which 32-bit words are all ones (the others zero): the largest column sums
// and carries the folds can meet, including 2^512 - 1 and every all-ones limb.
TEST(Sm2P256Reduction, EveryPatternOfAllOnesWords) {
  for (std::uint32_t pattern = 0; pattern < (1u << 16); ++pattern) {
    std::array<std::uint32_t, 16> words{};
    for (std::size_t i = 0; i < 16; ++i) words[i] = (pattern >> i) & 1 ? 0xFFFFFFFFu : 0u;
    expect_reduces(from_words(words), "all-ones words " + std::to_string(pattern));
    if (testing::Test::HasFailure()) return;
  }
}

// The words of p (FFFFFFFF, FFFFFFFE, 00000000) placed in every position, high and low half.
TEST(Sm2P256Reduction, WordsOfPInEveryPosition) {
  const std::array<std::uint32_t, 4> values = {0xFFFFFFFEu, 0xFFFFFFFFu, 0x00000001u, 0x80000000u};
  int cases = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    for (std::size_t j = 0; j < 16; ++j) {
      for (std::uint32_t a : values) {
        for (std::uint32_t b : values) {
          std::array<std::uint32_t, 16> words{};
          words[i] = a;
          words[j] ^= b;
          expect_reduces(from_words(words), "words " + std::to_string(i) + "," + std::to_string(j));
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 16 * 16 * 16);
}

class Sm2P256Random : public testing::Test {
 protected:
  Mpi random_below_bits(std::size_t bits) {
    std::array<std::uint8_t, 64> bytes{};
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng_() >> 56);
    Mpi x;
    EXPECT_EQ(mbedtls_mpi_read_binary(x.get(), bytes.data(), bytes.size()), 0);
    EXPECT_EQ(mbedtls_mpi_shift_r(x.get(), 512 - bits), 0);
    return x;
  }
  Mpi random_field_element() {
    Mpi x = random_below_bits(256);
    EXPECT_EQ(mbedtls_mpi_mod_mpi(x.get(), x.get(), p().get()), 0);
    return x;
  }

 private:
  std::mt19937_64 rng_{0x534D32u};  // "SM2"
};

TEST_F(Sm2P256Random, RandomValuesOfEverySize) {
  for (int i = 0; i < 20000; ++i) {
    const std::size_t bits = i < 10000 ? 512 : static_cast<std::size_t>(1 + i % 512);
    expect_reduces(random_below_bits(bits), "sample " + std::to_string(i));
    if (HasFailure()) return;
  }
}

// What Mbed TLS hands to modp: the product of two reduced elements, including elements next to p.
TEST_F(Sm2P256Random, RandomProductsOfFieldElements) {
  Mpi p_minus_1(p());
  ASSERT_EQ(mbedtls_mpi_sub_int(p_minus_1.get(), p().get(), 1), 0);
  for (int i = 0; i < 20000; ++i) {
    const Mpi a = i % 7 == 0 ? Mpi(p_minus_1) : random_field_element();
    const Mpi b = random_field_element();
    Mpi product;
    ASSERT_EQ(mbedtls_mpi_mul_mpi(product.get(), a.get(), b.get()), 0);
    expect_reduces(product, "sample " + std::to_string(i));
    if (HasFailure()) return;
  }
}

// Mbed TLS may hand over a value in fewer limbs than a field element (a small product) or in more, with the
// extra limbs zero (a reused variable); the result must be the same.
TEST(Sm2P256Reduction, ShortAndLongLimbArrays) {
  Mpi small;
  ASSERT_EQ(mbedtls_mpi_lset(small.get(), 12345), 0);
  ASSERT_EQ(small.get()->n, 1u);
  expect_reduces(small, "one limb");
  Mpi wide(p());
  ASSERT_EQ(mbedtls_mpi_grow(wide.get(), 40), 0);
  ASSERT_EQ(wide.get()->n, 40u);
  expect_reduces(wide, "p in 40 limbs");
  Mpi empty;  // no limbs at all: zero
  Mpi reduced(empty);
  ASSERT_EQ(sm2p256::modp(reduced.get()), 0);
  EXPECT_EQ(mbedtls_mpi_cmp_int(reduced.get(), 0), 0);
}

// Outside modp's contract: refused, the value unchanged.
TEST(Sm2P256Reduction, RefusesNegativeAndTooLongValues) {
  Mpi negative;
  ASSERT_EQ(mbedtls_mpi_lset(negative.get(), -5), 0);
  EXPECT_EQ(sm2p256::modp(negative.get()), MBEDTLS_ERR_ECP_BAD_INPUT_DATA);
  EXPECT_EQ(negative.hex(), "-05");
  Mpi big;
  ASSERT_EQ(mbedtls_mpi_lset(big.get(), 1), 0);
  ASSERT_EQ(mbedtls_mpi_shift_l(big.get(), 512), 0);
  EXPECT_EQ(sm2p256::modp(big.get()), MBEDTLS_ERR_ECP_BAD_INPUT_DATA);
  Mpi minus_zero;  // -0 is zero
  ASSERT_EQ(mbedtls_mpi_lset(minus_zero.get(), 0), 0);
  minus_zero.get()->s = -1;
  EXPECT_EQ(sm2p256::modp(minus_zero.get()), 0);
  EXPECT_EQ(mbedtls_mpi_cmp_int(minus_zero.get(), 0), 0);
}

// The SM2 group of the backend (fast reduction, kept table of G) against a copy that reduces by long division
// and has no kept table: the same [k]P on random points and scalars.
TEST_F(Sm2P256Random, CurveGroupAgreesWithLongDivision) {
  gm::Sm2Curve* curve = gm::Sm2Curve::get();
  ASSERT_NE(curve, nullptr);
  mbedtls_ecp_group& fast = curve->group();
  ASSERT_NE(fast.modp, nullptr);
  mbedtls_ecp_group slow;
  mbedtls_ecp_group_init(&slow);
  ASSERT_EQ(mbedtls_mpi_copy(&slow.P, &fast.P), 0);
  ASSERT_EQ(mbedtls_mpi_copy(&slow.B, &fast.B), 0);
  ASSERT_EQ(mbedtls_mpi_copy(&slow.N, &fast.N), 0);
  ASSERT_EQ(mbedtls_ecp_copy(&slow.G, &fast.G), 0);
  slow.pbits = fast.pbits;
  slow.nbits = fast.nbits;
  const auto constant = [](void*, unsigned char* out, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) out[i] = 0x3C;
    return 0;
  };
  mbedtls_ecp_point point, a, b;
  mbedtls_ecp_point_init(&point);
  mbedtls_ecp_point_init(&a);
  mbedtls_ecp_point_init(&b);
  ASSERT_EQ(mbedtls_ecp_copy(&point, &fast.G), 0);
  for (int i = 0; i < 40; ++i) {
    Mpi k = random_below_bits(256);
    ASSERT_EQ(mbedtls_mpi_mod_mpi(k.get(), k.get(), &fast.N), 0);
    if (mbedtls_mpi_cmp_int(k.get(), 0) == 0) continue;
    ASSERT_EQ(mbedtls_ecp_mul(&fast, &a, k.get(), &point, constant, nullptr), 0) << i;
    ASSERT_EQ(mbedtls_ecp_mul(&slow, &b, k.get(), &point, constant, nullptr), 0) << i;
    ASSERT_EQ(mbedtls_ecp_point_cmp(&a, &b), 0) << "sample " << i << ", k " << k.hex();
    ASSERT_EQ(mbedtls_ecp_check_pubkey(&fast, &a), 0);
    ASSERT_EQ(mbedtls_ecp_copy(&point, &a), 0);  // the next sample multiplies another point
  }
  mbedtls_ecp_point_free(&point);
  mbedtls_ecp_point_free(&a);
  mbedtls_ecp_point_free(&b);
  mbedtls_ecp_group_free(&slow);
}

}  // namespace
}  // namespace sscard::crypto::test

// Authenticated encryption of every backend against the GCM specification's test cases
// (tests/data/crypto/aead_vectors.txt), each ciphertext opened back, every kind of tampering refused, the
// argument checks, and the two backends against each other on generated inputs.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "crypto_vectors.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto::test {
namespace {

const std::vector<Vector>& vectors() {
  static const auto v = load_vectors("aead_vectors.txt", 7);
  return v;
}

// description | aead | key | nonce | aad | plaintext | expected
struct Inputs {
  Bytes key, nonce, aad, plaintext;
};
Inputs inputs(const Vector& v) {
  EXPECT_EQ(v[1], "aes-gcm") << "unknown AEAD in vector";
  return {hex(v[2]), hex(v[3]), optional_hex(v[4]), optional_hex(v[5])};
}

class AeadVector : public VectorTest {};

TEST_P(AeadVector, SealsToExpected) {
  const Inputs in = inputs(vec());
  HeapCopy plain(in.plaintext);
  Bytes out(in.plaintext.size() + kAeadTagSize);
  EXPECT_EQ(outcome(crypto().aead_seal(Aead::kAesGcm, in.key, in.nonce, in.aad, plain.span(), out), out),
            vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, AeadVector, over_backends(vectors()), vector_test_name);

class AeadValidVector : public VectorTest {};

TEST_P(AeadValidVector, OpensBack) {
  const Inputs in = inputs(vec());
  HeapCopy sealed(hex(vec().expected_value()));
  Bytes out(in.plaintext.size());
  auto n = crypto().aead_open(Aead::kAesGcm, in.key, in.nonce, in.aad, sealed.span(), out);
  ASSERT_TRUE(n.ok()) << n.status().name();
  EXPECT_EQ(*n, in.plaintext.size());
  EXPECT_EQ(to_hex(out), to_hex(in.plaintext));
}

// One flipped bit anywhere (tag, ciphertext, associated data, nonce, key) and nothing is opened; the output
// holds no byte of the plaintext.
TEST_P(AeadValidVector, RefusesEveryTamperedInput) {
  const Inputs in = inputs(vec());
  const Bytes sealed = hex(vec().expected_value());
  const auto refused = [&](const Bytes& key, const Bytes& nonce, const Bytes& aad, const Bytes& s) {
    Bytes out(in.plaintext.size(), 0xEE);
    auto n = crypto().aead_open(Aead::kAesGcm, key, nonce, aad, s, out);
    EXPECT_EQ(n.status(), Error::kSecurity);
    for (std::uint8_t b : out) EXPECT_TRUE(b == 0xEE || b == 0x00) << "unauthenticated bytes left in the output";
    return n.status() == Error::kSecurity;
  };
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes s = sealed;
    s[i] ^= 0x01;
    EXPECT_TRUE(refused(in.key, in.nonce, in.aad, s)) << "byte " << i;
  }
  Bytes aad = in.aad;
  aad.push_back(0x00);  // one more byte of associated data
  EXPECT_TRUE(refused(in.key, in.nonce, aad, sealed));
  Bytes nonce = in.nonce;
  nonce[11] ^= 0x80;
  EXPECT_TRUE(refused(in.key, nonce, in.aad, sealed));
  Bytes key = in.key;
  key[0] ^= 0x01;
  EXPECT_TRUE(refused(key, in.nonce, in.aad, sealed));
  // A truncated tag is a wrong tag; a value shorter than any tag is not a sealed value at all.
  if (!in.plaintext.empty()) {
    EXPECT_TRUE(refused(in.key, in.nonce, in.aad, Bytes(sealed.begin(), sealed.end() - 1)));
  }
  Bytes out(16);
  EXPECT_EQ(crypto().aead_open(Aead::kAesGcm, in.key, in.nonce, in.aad, ByteSpan(sealed).first(15), out).status(),
            Error::kMalformed);
}

TEST_P(AeadValidVector, RefusesShortOutput) {
  const Inputs in = inputs(vec());
  Bytes out(in.plaintext.size() + kAeadTagSize - 1, 0x55);
  EXPECT_EQ(crypto().aead_seal(Aead::kAesGcm, in.key, in.nonce, in.aad, in.plaintext, out).status(),
            Error::kBufferTooSmall);
  for (std::uint8_t b : out) EXPECT_EQ(b, 0x55) << "written on an error";
  if (in.plaintext.empty()) return;
  Bytes shorter(in.plaintext.size() - 1);
  EXPECT_EQ(crypto().aead_open(Aead::kAesGcm, in.key, in.nonce, in.aad, hex(vec().expected_value()), shorter).status(),
            Error::kBufferTooSmall);
}

INSTANTIATE_TEST_SUITE_P(Vectors, AeadValidVector, over_backends(only_valid(vectors())), vector_test_name);

class AeadInvalidVector : public VectorTest {};

TEST_P(AeadInvalidVector, OpeningIsRefusedAlike) {
  const Inputs in = inputs(vec());
  Bytes out(in.plaintext.size() + kAeadTagSize);
  const Bytes sealed(in.plaintext.size() + kAeadTagSize, 0x00);
  EXPECT_EQ(outcome(crypto().aead_open(Aead::kAesGcm, in.key, in.nonce, in.aad, sealed, out), out),
            vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, AeadInvalidVector, over_backends(only_invalid(vectors())), vector_test_name);

#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
// OpenSSL and Mbed TLS seal alike and each opens what the other sealed, on generated keys, nonces, associated
// data and plaintexts of every length up to four blocks and a half (partial blocks at every offset).
TEST(AeadDifferential, TheBackendsAgreeAndOpenEachOthersValues) {
  auto openssl = make_openssl_crypto();
  auto mbedtls = make_mbedtls_crypto();
  ASSERT_NE(openssl, nullptr);
  ASSERT_NE(mbedtls, nullptr);
  std::mt19937 rng(20260514);  // fixed: a failure is reproducible
  const auto bytes = [&rng](std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
  };
  int compared = 0;
  for (std::size_t key_size : {16u, 24u, 32u}) {
    for (std::size_t length = 0; length <= 72; ++length) {
      const Bytes key = bytes(key_size), nonce = bytes(kAeadNonceSize), aad = bytes(length % 23),
                  plain = bytes(length);
      Bytes a(length + kAeadTagSize), b(length + kAeadTagSize);
      ASSERT_TRUE(openssl->aead_seal(Aead::kAesGcm, key, nonce, aad, plain, a).ok());
      ASSERT_TRUE(mbedtls->aead_seal(Aead::kAesGcm, key, nonce, aad, plain, b).ok());
      ASSERT_EQ(to_hex(a), to_hex(b)) << "key " << key_size << " length " << length;
      Bytes back(length);
      ASSERT_TRUE(openssl->aead_open(Aead::kAesGcm, key, nonce, aad, b, back).ok());
      EXPECT_EQ(back, plain);
      ASSERT_TRUE(mbedtls->aead_open(Aead::kAesGcm, key, nonce, aad, a, back).ok());
      EXPECT_EQ(back, plain);
      a.back() ^= 0x40;
      EXPECT_EQ(mbedtls->aead_open(Aead::kAesGcm, key, nonce, aad, a, back).status(), Error::kSecurity);
      EXPECT_EQ(openssl->aead_open(Aead::kAesGcm, key, nonce, aad, a, back).status(), Error::kSecurity);
      ++compared;
    }
  }
  EXPECT_EQ(compared, 3 * 73);
}
#endif

}  // namespace
}  // namespace sscard::crypto::test

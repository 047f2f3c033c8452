// Block ciphers of every backend against published vectors (FIPS 81, SP 800-20, SP 800-67, GB/T 32907,
// FIPS 197, SP 800-38A) and the argument checks of the interface.
#include <gtest/gtest.h>

#include <string>

#include "crypto_vectors.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto::test {
namespace {

Cipher cipher_of(const std::string& name) {
  if (name == "tdes") return Cipher::kTdes;
  if (name == "sm4") return Cipher::kSm4;
  EXPECT_EQ(name, "aes") << "unknown cipher in vector";
  return Cipher::kAes;
}

const std::vector<Vector>& cipher_vectors() {
  static const auto v = load_vectors("cipher_vectors.txt", 7);
  return v;
}

// description | cipher | mode | key | iv | plaintext | expected
Status run(Crypto& crypto, const Vector& v, bool encrypt, ByteSpan in, MutableByteSpan out) {
  const Cipher c = cipher_of(v[1]);
  const Bytes key = hex(v[3]);
  const Bytes iv = optional_hex(v[4]);
  if (v[2] == "ecb") return encrypt ? crypto.encrypt_ecb(c, key, in, out) : crypto.decrypt_ecb(c, key, in, out);
  return encrypt ? crypto.encrypt_cbc(c, key, iv, in, out) : crypto.decrypt_cbc(c, key, iv, in, out);
}

class CipherVector : public VectorTest {};

TEST_P(CipherVector, EncryptsToExpected) {
  const Bytes plain = hex(vec()[5]);
  HeapCopy in(plain);
  Bytes out(plain.size());
  EXPECT_EQ(outcome(run(crypto(), vec(), true, in.span(), out), out), vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, CipherVector, over_backends(cipher_vectors()), vector_test_name);

class CipherValidVector : public VectorTest {};

TEST_P(CipherValidVector, DecryptsBack) {
  const Bytes cipher_text = hex(vec().expected_value());
  HeapCopy in(cipher_text);
  Bytes out(cipher_text.size());
  ASSERT_TRUE(run(crypto(), vec(), false, in.span(), out).ok());
  EXPECT_EQ(to_hex(out), to_hex(hex(vec()[5])));
}

// The interface allows `out` to be the same memory as `in`.
TEST_P(CipherValidVector, WorksInPlace) {
  Bytes buffer = hex(vec()[5]);
  ASSERT_TRUE(run(crypto(), vec(), true, buffer, buffer).ok());
  EXPECT_EQ(outcome(kOk, buffer), vec().expected());
  ASSERT_TRUE(run(crypto(), vec(), false, buffer, buffer).ok());
  EXPECT_EQ(to_hex(buffer), to_hex(hex(vec()[5])));
}

INSTANTIATE_TEST_SUITE_P(Vectors, CipherValidVector,
                         over_backends(where(cipher_vectors(), [](const Vector& v) { return v.expects_ok(); })),
                         vector_test_name);

class CipherNonEmptyVector : public VectorTest {};

TEST_P(CipherNonEmptyVector, RejectsShortOutput) {
  const Bytes plain = hex(vec()[5]);
  Bytes out(plain.size() - 1);
  EXPECT_EQ(run(crypto(), vec(), true, plain, out), Error::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Vectors, CipherNonEmptyVector, over_backends(where(cipher_vectors(), [](const Vector& v) {
                           return v.expects_ok() && !v[5].empty();
                         })),
                         vector_test_name);

// GB/T 32907-2016 Appendix A example 2, run as one test: 1,000,000 chained encryptions.
class Sm4Iterated : public VectorTest {};

TEST_P(Sm4Iterated, MatchesPublishedValue) {
  const Bytes key = hex(vec()[1]);
  Bytes block = hex(vec()[2]);
  const long iterations = std::stol(vec()[3]);
  for (long i = 0; i < iterations; ++i) ASSERT_TRUE(crypto().encrypt_ecb(Cipher::kSm4, key, block, block).ok());
  EXPECT_EQ(to_hex(block), vec()[4]);
}

INSTANTIATE_TEST_SUITE_P(Vectors, Sm4Iterated, over_backends(load_vectors("sm4_iterated_vectors.txt", 5)),
                         vector_test_name);

class CipherBackend : public BackendTest {};

TEST_P(CipherBackend, ReportsItsName) { EXPECT_EQ(crypto().name(), GetParam().name); }

// Single DES is DES-EDE with K1 = K2 = K3 (SP 800-67 keying option 3): an 8-byte key and the same key three
// times must agree.
TEST_P(CipherBackend, SingleDesEqualsTripleDesWithEqualKeys) {
  const Bytes k = hex("133457799BBCDFF1");
  const Bytes k3 = hex("133457799BBCDFF1133457799BBCDFF1133457799BBCDFF1");
  const Bytes in = hex("0123456789ABCDEF");
  Bytes a(8), b(8);
  ASSERT_TRUE(crypto().encrypt_ecb(Cipher::kTdes, k, in, a).ok());
  ASSERT_TRUE(crypto().encrypt_ecb(Cipher::kTdes, k3, in, b).ok());
  EXPECT_EQ(to_hex(a), to_hex(b));
}

// CBC over several calls, each starting from the last cipher block, equals one call (how MACs chain chunks).
TEST_P(CipherBackend, CbcChainsAcrossCalls) {
  const Bytes key = hex("0123456789ABCDEFFEDCBA9876543210");
  Bytes in(64);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint8_t>(i * 11);
  Bytes iv(16, 0x5A), whole(64), parts(64);
  ASSERT_TRUE(crypto().encrypt_cbc(Cipher::kSm4, key, iv, in, whole).ok());
  ASSERT_TRUE(crypto().encrypt_cbc(Cipher::kSm4, key, iv, ByteSpan(in).first(32), MutableByteSpan(parts).first(32)).ok());
  ASSERT_TRUE(crypto().encrypt_cbc(Cipher::kSm4, key, ByteSpan(parts).subspan(16, 16), ByteSpan(in).subspan(32),
                                   MutableByteSpan(parts).subspan(32)).ok());
  EXPECT_EQ(to_hex(parts), to_hex(whole));
}

TEST_P(CipherBackend, RandomFillsAndDiffers) {
  Bytes a(32, 0), b(32, 0);
  ASSERT_TRUE(crypto().random(a).ok());
  ASSERT_TRUE(crypto().random(b).ok());
  EXPECT_NE(a, b);  // equal only with probability 2^-256
  EXPECT_NE(a, Bytes(32, 0));
  EXPECT_TRUE(crypto().random(MutableByteSpan()).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, CipherBackend, testing::ValuesIn(all_backends()), backend_name);

TEST(CryptoSizes, BlockAndDigestSizes) {
  EXPECT_EQ(block_size(Cipher::kTdes), 8u);
  EXPECT_EQ(block_size(Cipher::kSm4), 16u);
  EXPECT_EQ(block_size(Cipher::kAes), 16u);
  EXPECT_EQ(digest_size(Hash::kSha1), 20u);
  EXPECT_EQ(digest_size(Hash::kSha256), 32u);
  EXPECT_EQ(digest_size(Hash::kSm3), 32u);
}

}  // namespace
}  // namespace sscard::crypto::test

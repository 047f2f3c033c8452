// ARQC/TC/AAC and ARPC method 1 on every backend, against values computed with the openssl CLI.
#include "sscard/crypto/cryptogram.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto_vectors.h"

namespace sscard::crypto::test {
namespace {

Cipher cipher_of(const std::string& name) {
  if (name == "tdes") return Cipher::kTdes;
  if (name == "sm4") return Cipher::kSm4;
  return Cipher::kAes;
}

// description | operation | cipher | key | input 1 | input 2 | expected
Result<std::size_t> run(Crypto& crypto, const Vector& v, MutableByteSpan out) {
  HeapCopy first(hex(v[4]));
  if (v[1] == "ac") return application_cryptogram(crypto, cipher_of(v[2]), hex(v[3]), first.span(), out);
  HeapCopy second(hex(v[5]));
  return arpc_method1(crypto, cipher_of(v[2]), hex(v[3]), first.span(), second.span(), out);
}

const std::vector<Vector>& vectors() {
  static const auto v = load_vectors("cryptogram_vectors.txt", 7);
  return v;
}

class CryptogramVector : public VectorTest {};

TEST_P(CryptogramVector, GivesExpectedValue) {
  Bytes out(8);
  EXPECT_EQ(outcome(run(crypto(), vec(), out), out), vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, CryptogramVector, over_backends(vectors()), vector_test_name);

class CryptogramValidVector : public VectorTest {};

TEST_P(CryptogramValidVector, RejectsShortOutput) {
  Bytes out(7);
  EXPECT_EQ(run(crypto(), vec(), out).status(), Error::kBufferTooSmall);
}

INSTANTIATE_TEST_SUITE_P(Vectors, CryptogramValidVector,
                         over_backends(where(vectors(), [](const Vector& v) { return v.expects_ok(); })),
                         vector_test_name);

class CryptogramVerify : public VectorTest {};

// The issuer's check of an ARQC: the expected value passes; any other value, or a truncated one, fails.
TEST_P(CryptogramVerify, AcceptsOnlyTheCryptogram) {
  const Cipher c = cipher_of(vec()[2]);
  const Bytes key = hex(vec()[3]);
  const Bytes data = hex(vec()[4]);
  Bytes ac = hex(vec().expected_value());
  EXPECT_TRUE(verify_application_cryptogram(crypto(), c, key, data, ac).ok());
  EXPECT_EQ(verify_application_cryptogram(crypto(), c, key, data, ByteSpan(ac).first(7)), Error::kSecurity);
  ac[7] ^= 0x01;
  EXPECT_EQ(verify_application_cryptogram(crypto(), c, key, data, ac), Error::kSecurity);
}

INSTANTIATE_TEST_SUITE_P(Vectors, CryptogramVerify, over_backends(where(vectors(), [](const Vector& v) {
                           return v.expects_ok() && v[1] == "ac";
                         })),
                         vector_test_name);

}  // namespace
}  // namespace sscard::crypto::test

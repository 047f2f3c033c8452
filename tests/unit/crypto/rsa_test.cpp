// RSA public operation and PKCS #1 v1.5 verification of every backend, with test keys made by the openssl CLI.
#include <gtest/gtest.h>

#include <string>

#include "crypto_vectors.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto::test {
namespace {

Hash hash_of(const std::string& name) { return name == "sha1" ? Hash::kSha1 : Hash::kSha256; }

const std::vector<Vector>& public_vectors() {
  static const auto v = load_vectors("rsa_public_vectors.txt", 5);
  return v;
}

// description | modulus | exponent | input | expected
class RsaPublicVector : public VectorTest {};

TEST_P(RsaPublicVector, GivesExpectedOutput) {
  const Bytes modulus = hex(vec()[1]);
  HeapCopy in(hex(vec()[3]));
  Bytes out(modulus.size());
  EXPECT_EQ(outcome(crypto().rsa_public(modulus, hex(vec()[2]), in.span(), out), out), vec().expected());
}

// A recovered certificate is read from outside: every shorter input is refused, never read past.
TEST_P(RsaPublicVector, RefusesEveryTruncatedInput) {
  const Bytes modulus = hex(vec()[1]);
  const Bytes input = hex(vec()[3]);
  Bytes out(modulus.size());
  for (std::size_t n = 0; n < input.size(); ++n) {
    HeapCopy prefix(ByteSpan(input).first(n));
    EXPECT_EQ(crypto().rsa_public(modulus, hex(vec()[2]), prefix.span(), out).status(), Error::kInvalidArgument)
        << n << " bytes";
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, RsaPublicVector, over_backends(public_vectors()), vector_test_name);

class RsaValidPublicVector : public VectorTest {};

TEST_P(RsaValidPublicVector, RejectsShortOutput) {
  const Bytes modulus = hex(vec()[1]);
  Bytes out(modulus.size() - 1);
  EXPECT_EQ(crypto().rsa_public(modulus, hex(vec()[2]), hex(vec()[3]), out).status(), Error::kBufferTooSmall);
}

INSTANTIATE_TEST_SUITE_P(Vectors, RsaValidPublicVector,
                         over_backends(where(public_vectors(), [](const Vector& v) { return v.expects_ok(); })),
                         vector_test_name);

class RsaKeyChecks : public BackendTest {};

TEST_P(RsaKeyChecks, RejectsMalformedKeys) {
  const Vector& v = public_vectors().front();
  const Bytes modulus = hex(v[1]);
  const Bytes in = hex(v[3]);
  Bytes out(modulus.size() + 1);
  Bytes with_zero = modulus;
  with_zero.insert(with_zero.begin(), 0x00);
  Bytes with_zero_in = in;
  with_zero_in.insert(with_zero_in.begin(), 0x00);
  EXPECT_EQ(crypto().rsa_public(with_zero, hex(v[2]), with_zero_in, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(crypto().rsa_public(modulus, Bytes{}, in, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(crypto().rsa_public(modulus, Bytes{0x00}, in, out).status(), Error::kInvalidArgument);
  Bytes even = modulus;
  even.back() = static_cast<std::uint8_t>(even.back() & 0xFE);
  EXPECT_EQ(crypto().rsa_public(even, hex(v[2]), in, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(crypto().rsa_public(Bytes{}, hex(v[2]), Bytes{}, out).status(), Error::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, RsaKeyChecks, testing::ValuesIn(all_backends()), backend_name);

// description | hash | modulus | exponent | message | signature | expected
class RsaPkcs1Vector : public VectorTest {};

TEST_P(RsaPkcs1Vector, VerifiesAsExpected) {
  HeapCopy message(hex(vec()[4]));
  HeapCopy signature(hex(vec()[5]));
  EXPECT_EQ(outcome(crypto().rsa_verify_pkcs1(hash_of(vec()[1]), hex(vec()[2]), hex(vec()[3]), message.span(),
                                              signature.span())),
            vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, RsaPkcs1Vector, over_backends(load_vectors("rsa_pkcs1_vectors.txt", 7)),
                         vector_test_name);

}  // namespace
}  // namespace sscard::crypto::test

// HMAC over the interface's digests against RFC 4231 (tests/data/crypto/hmac_vectors.txt) on every backend, and
// the one-block HKDF-Expand built on it against RFC 5869's definition.
#include "sscard/crypto/hmac.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto_vectors.h"

namespace sscard::crypto::test {
namespace {

const std::vector<Vector>& vectors() {
  static const auto v = load_vectors("hmac_vectors.txt", 5);
  return v;
}

// description | hash | key | data | expected
Hash hash_of(const std::string& name) {
  if (name == "sm3") return Hash::kSm3;
  EXPECT_EQ(name, "sha256") << "unknown hash in vector";
  return Hash::kSha256;
}

class HmacVector : public VectorTest {};

TEST_P(HmacVector, GivesExpectedHmac) {
  HeapCopy key(optional_hex(vec()[2]));
  HeapCopy data(optional_hex(vec()[3]));
  Bytes out(32);
  EXPECT_EQ(outcome(hmac(crypto(), hash_of(vec()[1]), key.span(), data.span(), out), out), vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, HmacVector, over_backends(vectors()), vector_test_name);

class HmacTest : public BackendTest {};

TEST_P(HmacTest, RefusesAShortOutputWithoutWriting) {
  Bytes out(31, 0x55);
  EXPECT_EQ(hmac(crypto(), Hash::kSha256, Bytes{1}, Bytes{2}, out).status(), Error::kBufferTooSmall);
  EXPECT_EQ(out, Bytes(31, 0x55));
}

// T(1) = HMAC(PRK, info || 01), cut to the length asked (RFC 5869 2.3), computed here with hmac() itself.
TEST_P(HmacTest, HkdfExpandIsTheFirstBlockOfRfc5869) {
  const Bytes prk(32, 0x0B);
  const std::string info = "sscard test";
  Bytes message(info.begin(), info.end());
  message.push_back(0x01);
  Bytes t(32);
  ASSERT_TRUE(hmac(crypto(), Hash::kSha256, prk, message, t).ok());
  Bytes okm(32);
  ASSERT_TRUE(hkdf_expand_one(crypto(), Hash::kSha256, prk, info, okm).ok());
  EXPECT_EQ(okm, t);
  Bytes first(16);
  ASSERT_TRUE(hkdf_expand_one(crypto(), Hash::kSha256, prk, info, first).ok());
  EXPECT_EQ(first, Bytes(t.begin(), t.begin() + 16));
  Bytes other(32);
  ASSERT_TRUE(hkdf_expand_one(crypto(), Hash::kSha256, prk, "sscard other", other).ok());
  EXPECT_NE(other, okm);
  Bytes too_long(33);
  EXPECT_EQ(hkdf_expand_one(crypto(), Hash::kSha256, prk, info, too_long), Error::kInvalidArgument);
  EXPECT_EQ(hkdf_expand_one(crypto(), Hash::kSha256, prk, info, MutableByteSpan()), Error::kInvalidArgument);
}

// RFC 5869 Appendix A.1 (SHA-256): its PRK and info, the first 32 bytes of its OKM are T(1).
TEST_P(HmacTest, HkdfExpandMatchesRfc5869TestCase1) {
  const Bytes prk = hex("077709362C2E32DF0DDC3F0DC47BBA6390B6C73BB50F9C3122EC844AD7C2B3E5");
  const Bytes info_bytes = hex("F0F1F2F3F4F5F6F7F8F9");
  const std::string info(info_bytes.begin(), info_bytes.end());
  Bytes okm(32);
  ASSERT_TRUE(hkdf_expand_one(crypto(), Hash::kSha256, prk, info, okm).ok());
  EXPECT_EQ(to_hex(okm), "3CB25F25FAACD57A90434F64D0362F2A2D2D0A90CF1A5A4C5DB02D56ECC4C5BF");
}

INSTANTIATE_TEST_SUITE_P(Backends, HmacTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace sscard::crypto::test

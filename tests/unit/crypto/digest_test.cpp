// Hashes of every backend against FIPS 180 and GB/T 32905 vectors.
#include <gtest/gtest.h>

#include <string>

#include "crypto_vectors.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto::test {
namespace {

Hash hash_of(const std::string& name) {
  if (name == "sha1") return Hash::kSha1;
  if (name == "sha256") return Hash::kSha256;
  EXPECT_EQ(name, "sm3") << "unknown hash in vector";
  return Hash::kSm3;
}

// description | hash | message hex | repeat count | expected digest
class DigestVector : public VectorTest {};

TEST_P(DigestVector, GivesPublishedDigest) {
  const Bytes unit = hex(vec()[2]);
  const auto repeat = std::stoul(vec()[3]);
  Bytes message;
  message.reserve(unit.size() * repeat);
  for (unsigned long i = 0; i < repeat; ++i) message.insert(message.end(), unit.begin(), unit.end());
  HeapCopy in(message);
  const Hash h = hash_of(vec()[1]);
  Bytes out(digest_size(h));
  auto n = crypto().digest(h, in.span(), out);
  ASSERT_TRUE(n.ok()) << n.status().name();
  EXPECT_EQ(*n, digest_size(h));
  EXPECT_EQ(to_hex(out), vec()[4]);
}

TEST_P(DigestVector, RejectsShortOutput) {
  const Hash h = hash_of(vec()[1]);
  Bytes out(digest_size(h) - 1);
  EXPECT_EQ(crypto().digest(h, hex(vec()[2]), out).status(), Error::kBufferTooSmall);
}

INSTANTIATE_TEST_SUITE_P(Vectors, DigestVector, over_backends(load_vectors("digest_vectors.txt", 5)),
                         vector_test_name);

}  // namespace
}  // namespace sscard::crypto::test

// Key diversification on every backend, against values computed independently with the openssl CLI.
#include "sscard/crypto/diversify.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto_vectors.h"

namespace sscard::crypto::test {
namespace {

Cipher cipher_of(const std::string& name) {
  if (name == "tdes") return Cipher::kTdes;
  if (name == "sm4") return Cipher::kSm4;
  return Cipher::kAes;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string::npos ? at : at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

// description | operation | cipher | key | input | expected
Result<std::size_t> run(Crypto& crypto, const Vector& v, MutableByteSpan out) {
  const std::string& op = v[1];
  const Cipher c = cipher_of(v[2]);
  const Bytes key = optional_hex(v[3]);
  if (op == "diversify") {
    HeapCopy factor(hex(v[4]));
    return diversify(crypto, c, key, factor.span(), out);
  }
  if (op == "session") {
    const Bytes atc = hex(v[4]);
    return session_key(crypto, c, key, static_cast<std::uint16_t>(atc.at(0) << 8 | atc.at(1)), out);
  }
  if (op == "chain") {
    std::vector<Bytes> factors;
    for (const auto& f : split(v[4], ',')) factors.push_back(hex(f));
    std::vector<ByteSpan> spans(factors.begin(), factors.end());
    return diversify_chain(crypto, c, key, spans, out);
  }
  if (op == "udk_factor") {
    const auto parts = split(v[4], ',');
    const unsigned long psn = std::stoul(parts.at(1));
    if (psn > 255) return Error::kInvalidArgument;
    return udk_factor(parts.at(0), static_cast<std::uint8_t>(psn), out);
  }
  if (op == "city_factor") return ssc_city_factor(v[4], out);
  EXPECT_EQ(op, "card_factor") << "unknown operation in vector";
  HeapCopy atr(hex(v[4]));
  return ssc_card_factor(atr.span(), out);
}

const std::vector<Vector>& vectors() {
  static const auto v = load_vectors("diversify_vectors.txt", 6);
  return v;
}

class DiversifyVector : public VectorTest {};

TEST_P(DiversifyVector, GivesExpectedValue) {
  Bytes out(16);
  EXPECT_EQ(outcome(run(crypto(), vec(), out), out), vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, DiversifyVector, over_backends(vectors()), vector_test_name);

class DiversifyValidVector : public VectorTest {};

TEST_P(DiversifyValidVector, RejectsShortOutputWithoutWriting) {
  const std::size_t size = hex(vec().expected_value()).size();
  Bytes out(size - 1, 0xEE);
  EXPECT_EQ(run(crypto(), vec(), out).status(), Error::kBufferTooSmall);
  EXPECT_EQ(out, Bytes(size - 1, 0xEE));
}

INSTANTIATE_TEST_SUITE_P(Vectors, DiversifyValidVector,
                         over_backends(where(vectors(), [](const Vector& v) { return v.expects_ok(); })),
                         vector_test_name);

class DiversifyBackend : public BackendTest {};

// A chain of one factor is the single step; a chain of three is three single steps.
TEST_P(DiversifyBackend, ChainIsRepeatedSingleStep) {
  for (Cipher c : {Cipher::kTdes, Cipher::kSm4}) {
    const Bytes root = hex("404142434445464748494A4B4C4D4E4F");
    const std::vector<Bytes> factors = {hex("0102030405060708"), hex("1112131415161718"), hex("2122232425262728")};
    Bytes step(16), next(16);
    ASSERT_TRUE(diversify(crypto(), c, root, factors[0], step).ok());
    ASSERT_TRUE(diversify(crypto(), c, step, factors[1], next).ok());
    ASSERT_TRUE(diversify(crypto(), c, next, factors[2], step).ok());
    std::vector<ByteSpan> spans(factors.begin(), factors.end());
    Bytes chained(16), single(16), one(16);
    ASSERT_TRUE(diversify_chain(crypto(), c, root, spans, chained).ok());
    EXPECT_EQ(to_hex(chained), to_hex(step));
    ASSERT_TRUE(diversify_chain(crypto(), c, root, std::span(spans).first(1), one).ok());
    ASSERT_TRUE(diversify(crypto(), c, root, factors[0], single).ok());
    EXPECT_EQ(to_hex(one), to_hex(single));
  }
}

TEST_P(DiversifyBackend, ChainNeedsAFactor) {
  Bytes out(16);
  EXPECT_EQ(diversify_chain(crypto(), Cipher::kSm4, hex("404142434445464748494A4B4C4D4E4F"), {}, out).status(),
            Error::kInvalidArgument);
}

// The UDK factor feeds diversify(): PAN 6214830000000001, PSN 01 through the 3DES step.
TEST_P(DiversifyBackend, UdkFromPanAndPsn) {
  Bytes factor(8);
  ASSERT_TRUE(udk_factor("6214830000000001", 1, factor).ok());
  const Bytes mk = hex("00112233445566778899AABBCCDDEEFF");
  Bytes udk(16), left(8), right(8);
  ASSERT_TRUE(diversify(crypto(), Cipher::kTdes, mk, factor, udk).ok());
  ASSERT_TRUE(crypto().encrypt_ecb(Cipher::kTdes, mk, factor, left).ok());
  Bytes inverse = factor;
  for (auto& b : inverse) b = static_cast<std::uint8_t>(~b);
  ASSERT_TRUE(crypto().encrypt_ecb(Cipher::kTdes, mk, inverse, right).ok());
  EXPECT_EQ(to_hex(udk), to_hex(left) + to_hex(right));
}

INSTANTIATE_TEST_SUITE_P(Backends, DiversifyBackend, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace sscard::crypto::test

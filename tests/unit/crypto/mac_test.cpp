// ISO/IEC 9797-1 MACs (retail, CBC-MAC with 3DES / SM4 / AES), the 4-byte command MAC and XOR folding, on
// every backend, against values computed independently with the openssl command line.
#include "sscard/crypto/mac.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto_vectors.h"

namespace sscard::crypto::test {
namespace {

// description | algorithm | padding | key | IV | data | expected
Result<std::size_t> run(Crypto& crypto, const Vector& v, ByteSpan data, MutableByteSpan out) {
  const Padding padding = v[2] == "m1" ? Padding::kMethod1 : Padding::kMethod2;
  const Bytes key = hex(v[3]);
  const Bytes iv = optional_hex(v[4]);
  const std::string& a = v[1];
  if (a == "retail") return retail_mac(crypto, key, iv, data, out, padding);
  if (a == "cbc-tdes") return cbc_mac(crypto, Cipher::kTdes, key, iv, data, out, padding);
  if (a == "cbc-sm4") {
    return padding == Padding::kMethod2 ? sm4_mac(crypto, key, iv, data, out)
                                        : cbc_mac(crypto, Cipher::kSm4, key, iv, data, out, padding);
  }
  if (a == "cbc-aes") return cbc_mac(crypto, Cipher::kAes, key, iv, data, out, padding);
  if (a == "command-retail") return command_mac(crypto, MacScheme::kRetail, key, iv, data, out);
  if (a == "command-tdes") return command_mac(crypto, MacScheme::kTdesCbc, key, iv, data, out);
  if (a == "command-sm4") return command_mac(crypto, MacScheme::kSm4, key, iv, data, out);
  EXPECT_EQ(a, "command-sm4-folded") << "unknown algorithm in vector";
  return command_mac(crypto, MacScheme::kSm4Folded, key, iv, data, out);
}

const std::vector<Vector>& vectors() {
  static const auto v = load_vectors("mac_vectors.txt", 7);
  return v;
}

class MacVector : public VectorTest {};

TEST_P(MacVector, GivesExpectedMac) {
  HeapCopy data(hex(vec()[5]));
  Bytes out(16);
  EXPECT_EQ(outcome(run(crypto(), vec(), data.span(), out), out), vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, MacVector, over_backends(vectors()), vector_test_name);

class MacValidVector : public VectorTest {};

TEST_P(MacValidVector, RejectsShortOutputWithoutWriting) {
  const std::size_t size = hex(vec().expected_value()).size();
  Bytes out(size - 1, 0xEE);
  EXPECT_EQ(run(crypto(), vec(), hex(vec()[5]), out).status(), Error::kBufferTooSmall);
  EXPECT_EQ(out, Bytes(size - 1, 0xEE));
}

// A MAC detects a change of any data byte.
TEST_P(MacValidVector, ChangesWithEveryDataByte) {
  const Bytes data = hex(vec()[5]);
  for (std::size_t i = 0; i < data.size(); i += 1 + data.size() / 16) {
    Bytes changed = data;
    changed[i] ^= 0x01;
    Bytes out(16);
    auto r = run(crypto(), vec(), changed, out);
    ASSERT_TRUE(r.ok());
    EXPECT_NE(outcome(r, out), vec().expected()) << "byte " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, MacValidVector,
                         over_backends(where(vectors(), [](const Vector& v) { return v.expects_ok(); })),
                         vector_test_name);

class MacBackend : public BackendTest {};

// Retail MAC with K1 = K2 is a single-DES CBC-MAC (the final decrypt/encrypt cancel): ISO/IEC 9797-1 B.3.
TEST_P(MacBackend, RetailWithEqualHalvesIsSingleDesCbcMac) {
  const Bytes k = hex("0123456789ABCDEF");
  const Bytes kk = hex("0123456789ABCDEF0123456789ABCDEF");
  Bytes data(37);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(0xC3 ^ i);
  Bytes a(8), b(8);
  ASSERT_TRUE(retail_mac(crypto(), kk, {}, data, a).ok());
  ASSERT_TRUE(cbc_mac(crypto(), Cipher::kTdes, k, {}, data, b).ok());
  EXPECT_EQ(to_hex(a), to_hex(b));
}

// Data longer than the chunk handed to the backend per call gives the same MAC as a one-shot CBC.
TEST_P(MacBackend, LongDataMatchesOneShotCbc) {
  const Bytes key = hex("0123456789ABCDEFFEDCBA9876543210");
  Bytes data(1024 + 5);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31 + 7);
  Bytes padded(padded_size(Padding::kMethod2, data.size(), 16));
  ASSERT_TRUE(pad(Padding::kMethod2, data, 16, padded).ok());
  Bytes cipher_text(padded.size());
  ASSERT_TRUE(crypto().encrypt_cbc(Cipher::kSm4, key, Bytes(16, 0), padded, cipher_text).ok());
  Bytes mac(16);
  ASSERT_TRUE(sm4_mac(crypto(), key, {}, data, mac).ok());
  EXPECT_EQ(to_hex(mac), to_hex(ByteSpan(cipher_text).last(16)));
}

TEST_P(MacBackend, CommandMacRejectsShortOutput) {
  Bytes out(3);
  EXPECT_EQ(command_mac(crypto(), MacScheme::kRetail, hex("0123456789ABCDEFFEDCBA9876543210"), {}, Bytes{1}, out)
                .status(),
            Error::kBufferTooSmall);
}

INSTANTIATE_TEST_SUITE_P(Backends, MacBackend, testing::ValuesIn(all_backends()), backend_name);

TEST(XorFold, FoldsHalves) {
  Bytes out(8);
  auto r = xor_fold(hex("0123456789ABCDEFFEDCBA9876543210"), out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 8u);
  EXPECT_EQ(to_hex(out), "FFFFFFFFFFFFFFFF");  // each byte xor its complement
  Bytes small(8);
  ASSERT_TRUE(xor_fold(hex("0102"), small).ok());
  EXPECT_EQ(small[0], 0x03);
}

TEST(XorFold, RejectsOddEmptyAndShort) {
  Bytes out(8);
  EXPECT_EQ(xor_fold(Bytes{}, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(xor_fold(Bytes{1, 2, 3}, out).status(), Error::kInvalidArgument);
  Bytes small(7);
  EXPECT_EQ(xor_fold(Bytes(16, 1), small).status(), Error::kBufferTooSmall);
}

}  // namespace
}  // namespace sscard::crypto::test

// Base32 of the code's text form (firmware/essc base32.h) against the published vectors of RFC 4648 §10
// (tests/data/essc/base32-rfc4648.txt), without padding, and the texts the decoder refuses.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "essc_test_support.h"
#include "sscard/essc/base32.h"
#include "vector_file.h"

namespace sscard::essc {
namespace {

using sscard::test::Vector;

std::string unpadded(std::string text) {
  text.erase(text.find_last_not_of('=') + 1);
  return text;
}

std::string decoded_text(std::string_view base32) {
  auto bytes = base32_decode(base32);
  if (!bytes.ok()) return "error " + std::string(bytes.status().name());
  return std::string(bytes->begin(), bytes->end());
}

class Rfc4648 : public ::testing::TestWithParam<Vector> {};

TEST_P(Rfc4648, EncodesToThePublishedTextWithoutPadding) {
  const Vector& v = GetParam();
  EXPECT_EQ(base32_encode(as_bytes(v[1])), unpadded(v[2]));
}

TEST_P(Rfc4648, DecodesThePublishedTextWithoutPadding) {
  const Vector& v = GetParam();
  EXPECT_EQ(decoded_text(unpadded(v[2])), v[1]);
}

TEST_P(Rfc4648, RefusesThePaddedText) {
  const Vector& v = GetParam();
  if (unpadded(v[2]) == v[2]) {
    // Nothing to pad (a whole number of 40-bit groups): the published text is the code's text.
    EXPECT_EQ(decoded_text(v[2]), v[1]);
  } else {
    EXPECT_EQ(decoded_text(v[2]), "error malformed");
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, Rfc4648,
                         ::testing::ValuesIn(support::vectors("base32-rfc4648.txt", 3)),
                         sscard::test::vector_name);

TEST(Base32, EveryByteValueAndEveryLengthRoundTrips) {
  Bytes all(256);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const ByteSpan prefix = ByteSpan(all).first(n);
    const std::string text = base32_encode(prefix);
    ASSERT_EQ(text.size(), (n * 8 + 4) / 5) << n;
    auto back = base32_decode(text);
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, Bytes(prefix.begin(), prefix.end())) << n;
  }
}

TEST(Base32, KnownBytesGiveKnownText) {
  // RFC 4648 §6: 00 is "AA" (then zero bits), FF FF FF FF FF is eight '7's; 0xF8 is 11111 000 -> "7A".
  EXPECT_EQ(base32_encode(Bytes{0x00}), "AA");
  EXPECT_EQ(base32_encode(Bytes{0xF8}), "7A");
  EXPECT_EQ(base32_encode(Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), "77777777");
  EXPECT_EQ(decoded_text("77777777"), std::string(5, '\xFF'));
}

TEST(Base32, RefusesCharactersOutsideTheUpperCaseAlphabet) {
  EXPECT_EQ(decoded_text("my"), "error malformed");        // lower case
  EXPECT_EQ(decoded_text("MZXW6YT0"), "error malformed");  // '0' is not in the alphabet
  EXPECT_EQ(decoded_text("MZXW6YT1"), "error malformed");  // nor '1'
  EXPECT_EQ(decoded_text("MZXW6YT8"), "error malformed");  // nor '8'
  EXPECT_EQ(decoded_text("MZXW6YT9"), "error malformed");  // nor '9'
  EXPECT_EQ(decoded_text("MZXW 6YTB"), "error malformed");
  EXPECT_EQ(decoded_text("MZXW6YTB\n"), "error malformed");
  EXPECT_EQ(decoded_text(std::string_view("MZ\0W6YTB", 8)), "error malformed");
}

TEST(Base32, RefusesLengthsNoByteStringEncodesTo) {
  EXPECT_EQ(decoded_text("M"), "error malformed");
  EXPECT_EQ(decoded_text("MZX"), "error malformed");
  EXPECT_EQ(decoded_text("MZXW6Y"), "error malformed");
  EXPECT_EQ(decoded_text("MZXW6YTBM"), "error malformed");
}

TEST(Base32, RefusesSetBitsAfterTheLastByte) {
  // "MY" is 01100 11000: 'f' and two zero bits. "MZ" is 01100 11001: 'f' and the bits 01.
  EXPECT_EQ(decoded_text("MY"), "f");
  EXPECT_EQ(decoded_text("MZ"), "error malformed");
  // "MZXW6YQ" is "foob" and three zero bits; "MZXW6YR" sets the last of them.
  EXPECT_EQ(decoded_text("MZXW6YQ"), "foob");
  EXPECT_EQ(decoded_text("MZXW6YR"), "error malformed");
}

}  // namespace
}  // namespace sscard::essc

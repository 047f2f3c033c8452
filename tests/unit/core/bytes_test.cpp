// Hex text, constant-time comparison and wiping.
#include "sscard/core/bytes.h"

#include <gtest/gtest.h>

#include <array>

namespace sscard {
namespace {

TEST(Hex, ToHexIsUpperCaseWithoutSeparators) {
  EXPECT_EQ(to_hex({}), "");
  const Bytes b{0x00, 0xA4, 0x04, 0x0F, 0xFF};
  EXPECT_EQ(to_hex(b), "00A4040FFF");
}

TEST(Hex, FromHexAcceptsSpacesAndLowerCase) {
  EXPECT_EQ(*from_hex("00 A4 04 00"), (Bytes{0x00, 0xA4, 0x04, 0x00}));
  EXPECT_EQ(*from_hex("d5c5c8fd"), (Bytes{0xD5, 0xC5, 0xC8, 0xFD}));
  EXPECT_EQ(*from_hex("90:00"), (Bytes{0x90, 0x00}));
  EXPECT_EQ(*from_hex("  6A\t82\n"), (Bytes{0x6A, 0x82}));
  EXPECT_TRUE(from_hex("")->empty());
}

TEST(Hex, FromHexRejectsBadText) {
  EXPECT_EQ(from_hex("0").status(), Error::kMalformed);       // odd digit count
  EXPECT_EQ(from_hex("9000F").status(), Error::kMalformed);
  EXPECT_EQ(from_hex("0G").status(), Error::kMalformed);      // not a hex digit
  EXPECT_EQ(from_hex("0x90").status(), Error::kMalformed);
  EXPECT_EQ(from_hex("9 000").status(), Error::kMalformed);   // a separator splitting a byte
}

TEST(Hex, FromHexIntoSpan) {
  std::array<std::uint8_t, 2> exact{};
  auto n = from_hex("6C 12", exact);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(exact[0], 0x6C);
  EXPECT_EQ(exact[1], 0x12);

  std::array<std::uint8_t, 4> larger{};
  EXPECT_EQ(*from_hex("AB", larger), 1u);

  std::array<std::uint8_t, 1> small{};
  EXPECT_EQ(from_hex("6C12", small).status(), Error::kBufferTooSmall);
}

TEST(Hex, RoundTripOfEveryByteValue) {
  Bytes all(256);
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint8_t>(i);
  const std::string text = to_hex(all);
  EXPECT_EQ(text.size(), 512u);
  EXPECT_EQ(text.substr(0, 6), "000102");
  EXPECT_EQ(text.substr(506), "FDFEFF");
  EXPECT_EQ(*from_hex(text), all);
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  const Bytes mac{0x11, 0x22, 0x33, 0x44};
  EXPECT_TRUE(constant_time_equal(mac, Bytes{0x11, 0x22, 0x33, 0x44}));
  EXPECT_FALSE(constant_time_equal(mac, Bytes{0x10, 0x22, 0x33, 0x44}));  // first byte differs
  EXPECT_FALSE(constant_time_equal(mac, Bytes{0x11, 0x22, 0x33, 0x45}));  // last byte differs
  EXPECT_FALSE(constant_time_equal(mac, Bytes{0x11, 0x22, 0x33}));        // prefix
  EXPECT_FALSE(constant_time_equal(mac, Bytes{0x11, 0x22, 0x33, 0x44, 0x00}));
  EXPECT_TRUE(constant_time_equal({}, {}));
}

TEST(SecureWipe, ZeroesEveryByte) {
  Bytes pin_block{0x06, 0x12, 0x34, 0x56, 0xFF, 0xFF, 0xFF, 0xFF};
  secure_wipe(pin_block);
  EXPECT_EQ(pin_block, Bytes(8, 0x00));
  secure_wipe(MutableByteSpan{});  // nothing to wipe, nothing touched
  std::array<std::uint8_t, 3> key{0xAA, 0xBB, 0xCC};
  secure_wipe(MutableByteSpan(key).subspan(1));
  EXPECT_EQ(key[0], 0xAA);
  EXPECT_EQ(key[1], 0x00);
  EXPECT_EQ(key[2], 0x00);
}

TEST(AsBytes, ViewsTheCharacters) {
  const auto b = as_bytes("sx1");
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(to_hex(b), "737831");
}

}  // namespace
}  // namespace sscard

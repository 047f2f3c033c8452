// FixedString<N> and FixedBytes<N>: bounded values stored inline; a value that does not fit is refused.
#include "sscard/core/fixed_string.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace sscard {
namespace {

static_assert(std::is_trivially_copyable_v<FixedString<18>>);
static_assert(std::is_trivially_copyable_v<FixedBytes<15>>);
static_assert(FixedString<9>::capacity() == 9);

TEST(FixedStringTest, StartsEmpty) {
  const FixedString<4> s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.view(), "");
  EXPECT_EQ(s, "");
}

TEST(FixedStringTest, HoldsUpToItsCapacity) {
  auto s = FixedString<9>::from("X00000019");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size(), 9u);
  EXPECT_EQ(s->view(), "X00000019");
  EXPECT_EQ(*s, "X00000019");
  EXPECT_EQ(*s, std::string("X00000019"));
  EXPECT_FALSE(*s == "X0000001");
  EXPECT_EQ(FixedString<9>::from("A1").value(), "A1");
}

TEST(FixedStringTest, RefusesWhatDoesNotFit) {
  EXPECT_EQ(FixedString<9>::from("X000000190").status(), Error::kInvalidArgument);
  EXPECT_EQ(FixedString<1>::from("12").status(), Error::kInvalidArgument);
}

TEST(FixedStringTest, AppendsWithinItsCapacityOnly) {
  FixedString<6> s = "ab";
  ASSERT_TRUE(s.append("cd").ok());
  EXPECT_EQ(s, "abcd");
  EXPECT_EQ(s.append("efg"), Error::kInvalidArgument);
  EXPECT_EQ(s, "abcd");  // unchanged
  ASSERT_TRUE(s.append("ef").ok());
  EXPECT_EQ(s, "abcdef");
  EXPECT_EQ(s.append(""), kOk);
  s.clear();
  EXPECT_TRUE(s.empty());
}

TEST(FixedStringTest, HoldsUtf8Bytes) {
  FixedString<12> s = "张三";
  EXPECT_EQ(s.size(), 6u);
  EXPECT_EQ(s, "张三");
}

TEST(FixedStringTest, LiteralsAreCheckedWhenCompiling) {
  constexpr FixedString<4> version = "2.00";
  static_assert(version.size() == 4);
  static_assert(version.view() == "2.00");
  EXPECT_EQ(version, "2.00");
}

TEST(FixedStringTest, ComparesWithOtherCapacities) {
  const FixedString<4> a = "1.00";
  const FixedString<8> b = "1.00";
  const FixedString<8> c = "1.0";
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
}

TEST(FixedStringTest, PrintsItsText) {
  std::ostringstream out;
  out << FixedString<9>("CQ1506011") << '|' << FixedString<3>();
  EXPECT_EQ(out.str(), "CQ1506011|");
}

TEST(FixedBytesTest, HoldsUpToItsCapacity) {
  const Bytes historical = from_hex("00814E43238697159900BF7C7A").value();
  auto b = FixedBytes<15>::from(historical);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->size(), 13u);
  EXPECT_EQ(to_hex(b->span()), "00814E43238697159900BF7C7A");
  EXPECT_TRUE(FixedBytes<15>().empty());
  EXPECT_EQ(FixedBytes<15>::from(Bytes(15, 0xAB)).value().size(), 15u);
}

TEST(FixedBytesTest, RefusesWhatDoesNotFit) {
  EXPECT_EQ(FixedBytes<15>::from(Bytes(16, 0x00)).status(), Error::kInvalidArgument);
}

TEST(FixedBytesTest, EqualWhenTheBytesAreEqual) {
  const auto a = FixedBytes<4>::from(from_hex("0102").value()).value();
  const auto b = FixedBytes<4>::from(from_hex("0102").value()).value();
  const auto c = FixedBytes<4>::from(from_hex("010200").value()).value();
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == FixedBytes<4>());
}

}  // namespace
}  // namespace sscard

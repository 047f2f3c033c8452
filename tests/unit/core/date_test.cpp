// BCD YYYYMMDD dates (EF05 issue and expiry dates, EF06 birth date).
#include "sscard/core/date.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "vectors.h"

namespace sscard {
namespace {

using test::HeapCopy;
using test::Vector;
using test::hex;

std::string render(const Result<Date>& r) {
  if (!r.ok()) return std::string(r.status().name());
  std::ostringstream out;
  out << "ok " << r->year << " " << static_cast<int>(r->month) << " " << static_cast<int>(r->day);
  return out.str();
}

class DateVectors : public testing::TestWithParam<Vector> {};

TEST_P(DateVectors, DecodeGivesExpectedDate) {
  const Vector& v = GetParam();
  if (v[0] == "bcd") {
    const Bytes in = hex(v[1]);
    HeapCopy copy(in);
    EXPECT_EQ(render(decode_bcd_date(copy.span())), v[2]);
  } else {
    EXPECT_EQ(render(parse_yyyymmdd(v[1])), v[2]);
  }
}

const std::vector<Vector>& all_vectors() {
  static const auto v = test::load_vectors("date_vectors.txt", 3);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Vectors, DateVectors, testing::ValuesIn(all_vectors()), test::vector_name);

class ValidDates : public testing::TestWithParam<Vector> {};

// Both encodings of a valid date come back unchanged.
TEST_P(ValidDates, RoundTrip) {
  const Vector& v = GetParam();
  const auto d = v[0] == "bcd" ? decode_bcd_date(hex(v[1])) : parse_yyyymmdd(v[1]);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(is_valid(*d));
  std::uint8_t out[4];
  ASSERT_TRUE(encode_bcd_date(*d, out).ok());
  const std::string text = to_yyyymmdd(*d);
  EXPECT_EQ(to_hex(out), text);  // BCD of YYYYMMDD reads as the same digits
  if (v[0] == "bcd") {
    EXPECT_EQ(to_hex(out), v[1]);
  }
  if (v[0] == "text") {
    EXPECT_EQ(text, v[1]);
  }
  EXPECT_EQ(*parse_yyyymmdd(text), *d);
}

// The field is exactly 4 bytes (8 characters as text): every shorter prefix is malformed.
TEST_P(ValidDates, EveryPrefixIsMalformed) {
  const Vector& v = GetParam();
  const bool bcd = v[0] == "bcd";
  const Bytes in = bcd ? hex(v[1]) : Bytes(v[1].begin(), v[1].end());
  for (std::size_t n = 0; n < in.size(); ++n) {
    HeapCopy prefix(ByteSpan(in).first(n));
    if (bcd) {
      EXPECT_EQ(decode_bcd_date(prefix.span()).status(), Error::kMalformed);
    } else {
      const std::string_view text(reinterpret_cast<const char*>(prefix.span().data()), n);
      EXPECT_EQ(parse_yyyymmdd(text).status(), Error::kMalformed);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, ValidDates, testing::ValuesIn(test::only_valid(all_vectors())),
                         test::vector_name);

TEST(Date, Validity) {
  EXPECT_TRUE(is_valid(Date{2000, 2, 29}));
  EXPECT_FALSE(is_valid(Date{2100, 1, 1}));
  EXPECT_FALSE(is_valid(Date{1899, 12, 31}));
  EXPECT_FALSE(is_valid(Date{2023, 2, 29}));
  EXPECT_FALSE(is_valid(Date{2023, 0, 1}));
  EXPECT_FALSE(is_valid(Date{2023, 6, 31}));
  EXPECT_TRUE(is_valid(Date{2023, 7, 31}));
  EXPECT_FALSE(is_valid(Date{}));
}

TEST(Date, EncodeRejectsBadArguments) {
  std::uint8_t four[4] = {0xAA, 0xAA, 0xAA, 0xAA};
  std::uint8_t three[3];
  std::uint8_t five[5];
  EXPECT_EQ(encode_bcd_date(Date{2010, 10, 1}, three), Error::kInvalidArgument);
  EXPECT_EQ(encode_bcd_date(Date{2010, 10, 1}, five), Error::kInvalidArgument);
  EXPECT_EQ(encode_bcd_date(Date{2010, 2, 30}, four), Error::kInvalidArgument);
  EXPECT_EQ(to_hex(four), "AAAAAAAA");
  ASSERT_TRUE(encode_bcd_date(Date{2010, 10, 1}, four).ok());
  EXPECT_EQ(to_hex(four), "20101001");
}

TEST(Date, TextIsZeroPadded) {
  EXPECT_EQ(to_yyyymmdd(Date{2010, 1, 5}), "20100105");
  EXPECT_EQ(to_yyyymmdd(Date{1981, 12, 31}), "19811231");
}

}  // namespace
}  // namespace sscard

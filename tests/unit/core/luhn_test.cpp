// The Luhn check digit, against tests/data/pboc/luhn.txt (tools/payment-vectors.py: the bundled cards' PANs of
// docs/PAYMENT.md section 2 and the ISO/IEC 7812-1 annex B example).
#include "sscard/core/luhn.h"

#include <gtest/gtest.h>

#include <string>

#include "vectors.h"

namespace sscard {
namespace {

using test::Vector;

// name | luhn | body=<digits> | check digit
std::string body_of(const Vector& v) { return v[2].substr(std::string("body=").size()); }

const std::vector<Vector>& vectors() {
  static const auto v = test::load_vector_file("pboc", "luhn.txt", 4);
  return v;
}

class LuhnVector : public testing::TestWithParam<Vector> {};

TEST_P(LuhnVector, GivesTheCheckDigit) {
  EXPECT_EQ(std::string(1, luhn_check_digit(body_of(GetParam()))), GetParam().expected());
}

TEST_P(LuhnVector, AcceptsTheCompletePanOnly) {
  const std::string pan = body_of(GetParam()) + GetParam().expected();
  EXPECT_TRUE(luhn_valid(pan));
  // Every other last digit, and every single-digit change elsewhere, is refused (Luhn catches all of them).
  for (char c = '0'; c <= '9'; ++c) {
    if (c != pan.back()) {
      EXPECT_FALSE(luhn_valid(pan.substr(0, pan.size() - 1) + c)) << c;
    }
  }
  for (std::size_t i = 0; i + 1 < pan.size(); ++i) {
    std::string changed = pan;
    changed[i] = static_cast<char>('0' + (changed[i] - '0' + 1) % 10);
    EXPECT_FALSE(luhn_valid(changed)) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, LuhnVector, testing::ValuesIn(vectors()), test::vector_name);

TEST(Luhn, EmptyBodyGivesZero) { EXPECT_EQ(luhn_check_digit(""), '0'); }

TEST(Luhn, NonDigitBodyGivesNoDigit) {
  EXPECT_EQ(luhn_check_digit("62005151010080920F"), '\0');
  EXPECT_EQ(luhn_check_digit(" 1"), '\0');
}

TEST(Luhn, RefusesShortOrNonDecimalPans) {
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("0"));
  EXPECT_TRUE(luhn_valid("00"));
  EXPECT_FALSE(luhn_valid("6200515101008092011F"));  // the F padding of tag 5A is not part of the PAN
  EXPECT_FALSE(luhn_valid("620051510100809201A"));
  EXPECT_FALSE(luhn_valid("62005151010080920-1"));
}

}  // namespace
}  // namespace sscard

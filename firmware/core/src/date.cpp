#include "sscard/core/date.h"

#include <array>

#include "sscard/core/bcd.h"

namespace sscard {
namespace {

constexpr std::size_t kBcdDateSize = 4;  // YYYYMMDD, 8 nibbles
constexpr std::size_t kTextSize = 8;

bool is_leap(unsigned year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(unsigned year, unsigned month) {
  static constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

unsigned number(std::string_view digits) {
  unsigned v = 0;
  for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

// The `width` low decimal digits of `v`, zero-filled on the left.
std::string fixed_width(unsigned v, std::size_t width) {
  std::string text(width, '0');
  for (std::size_t i = width; i > 0; --i, v /= 10) text[i - 1] = static_cast<char>('0' + v % 10);
  return text;
}

}  // namespace

bool is_valid(const Date& d) {
  if (d.year < 1900 || d.year > 2099) return false;
  if (d.month < 1 || d.month > 12) return false;
  return d.day >= 1 && d.day <= days_in_month(d.year, d.month);
}

Result<Date> decode_bcd_date(ByteSpan bcd) {
  if (bcd.size() != kBcdDateSize) return Error::kMalformed;
  SSCARD_TRY_ASSIGN(const std::string digits, bcd::decode_n(bcd));
  return parse_yyyymmdd(digits);
}

Status encode_bcd_date(const Date& d, MutableByteSpan out) {
  if (out.size() != kBcdDateSize || !is_valid(d)) return Error::kInvalidArgument;
  return bcd::encode_n(to_yyyymmdd(d), out);
}

std::string to_yyyymmdd(const Date& d) {
  return fixed_width(d.year, 4) + fixed_width(d.month, 2) + fixed_width(d.day, 2);
}

Result<Date> parse_yyyymmdd(std::string_view text) {
  if (text.size() != kTextSize) return Error::kMalformed;
  for (char c : text) {
    if (c < '0' || c > '9') return Error::kMalformed;
  }
  Date d;
  d.year = static_cast<std::uint16_t>(number(text.substr(0, 4)));
  d.month = static_cast<std::uint8_t>(number(text.substr(4, 2)));
  d.day = static_cast<std::uint8_t>(number(text.substr(6, 2)));
  if (!is_valid(d)) return Error::kMalformed;
  return d;
}

}  // namespace sscard

// Calendar dates as the card stores them: 4 bytes packed BCD YYYYMMDD (EF05 issue/expiry, EF06 birth date).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard {

struct Date {
  std::uint16_t year = 0;
  std::uint8_t month = 0;
  std::uint8_t day = 0;

  friend bool operator==(const Date&, const Date&) = default;
};

// Gregorian validity: year 1900..2099 (the span a card can carry), month 1..12, day within the month,
// leap years included.
bool is_valid(const Date& d);

// Decodes exactly 4 BCD bytes. kMalformed: wrong size, non-decimal nibble, or not a valid date.
Result<Date> decode_bcd_date(ByteSpan bcd);

// Encodes into exactly 4 bytes. kInvalidArgument: invalid date or out.size() != 4.
Status encode_bcd_date(const Date& d, MutableByteSpan out);

// "YYYYMMDD" text, both ways. kMalformed on anything but 8 digits forming a valid date.
std::string to_yyyymmdd(const Date& d);
Result<Date> parse_yyyymmdd(std::string_view text);

}  // namespace sscard

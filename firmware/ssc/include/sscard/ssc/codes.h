// The numeric codes the card stores in BCD (docs/CARD.md "Record format", "Regions"): GB/T 2260 region
// codes of 6 digits (the issuing region in 卡识别码, the birthplace; a province is one of them, e.g. 510000)
// and GB/T 3304 ethnic-group codes of 2 digits. Always exactly that many ASCII digits, stored inline.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::ssc {

namespace detail {
// Not constexpr: reaching it while evaluating a literal code makes that literal a compile error.
inline void not_a_decimal_digit() {}
}  // namespace detail

template <std::size_t Digits>
class NumericCode {
  static_assert(Digits > 0 && Digits % 2 == 0, "stored as whole BCD bytes");

 public:
  static constexpr std::size_t kDigits = Digits;
  static constexpr std::size_t kBcdBytes = Digits / 2;

  // A literal, checked when compiling: RegionCode("510900").
  template <std::size_t M>
    requires(M == Digits + 1)
  explicit consteval NumericCode(const char (&text)[M]) {
    for (std::size_t i = 0; i < Digits; ++i) {
      if (text[i] < '0' || text[i] > '9') detail::not_a_decimal_digit();
      digits_[i] = text[i];
    }
  }

  // kInvalidArgument: not exactly Digits ASCII digits.
  static Result<NumericCode> parse(std::string_view text) {
    if (text.size() != Digits) return Error::kInvalidArgument;
    NumericCode code;
    for (std::size_t i = 0; i < Digits; ++i) {
      if (text[i] < '0' || text[i] > '9') return Error::kInvalidArgument;
      code.digits_[i] = text[i];
    }
    return code;
  }

  // Packed BCD, two digits a byte (format `n`). kMalformed: not Digits / 2 bytes, or a nibble above 9.
  static Result<NumericCode> from_bcd(ByteSpan bcd) {
    NumericCode code;
    bool valid = bcd.size() == kBcdBytes;
    for (std::size_t i = 0; valid && i < kBcdBytes; ++i) {
      const unsigned high = bcd[i] >> 4;
      const unsigned low = bcd[i] & 0x0F;
      valid = high <= 9 && low <= 9;
      code.digits_[2 * i] = static_cast<char>('0' + high);
      code.digits_[2 * i + 1] = static_cast<char>('0' + low);
    }
    if (!valid) return Error::kMalformed;
    return code;
  }

  constexpr std::string_view digits() const { return std::string_view(digits_.data(), Digits); }
  std::string to_string() const { return std::string(digits()); }

  // The province of a region code: its first two digits and 0000 (510900 -> 510000); the province whose
  // keys a PSAM holds (docs/SECURITY.md "Keys").
  constexpr NumericCode province() const
    requires(Digits == 6)
  {
    NumericCode p = *this;
    for (std::size_t i = 2; i < Digits; ++i) p.digits_[i] = '0';
    return p;
  }

  friend constexpr bool operator==(const NumericCode&, const NumericCode&) = default;
  friend constexpr bool operator==(const NumericCode& a, std::string_view b) { return a.digits() == b; }

 private:
  constexpr NumericCode() = default;

  std::array<char, Digits> digits_{};
};

using RegionCode = NumericCode<6>;  // GB/T 2260
using NationCode = NumericCode<2>;  // GB/T 3304

}  // namespace sscard::ssc

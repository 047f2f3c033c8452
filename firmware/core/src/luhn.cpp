#include "sscard/core/luhn.h"

namespace sscard {

char luhn_check_digit(std::string_view digits) {
  unsigned total = 0;
  bool doubled = true;  // the rightmost digit of the body is next to the check digit: it is doubled
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return '\0';
    unsigned d = static_cast<unsigned>(*it - '0');
    if (doubled) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
    doubled = !doubled;
  }
  return static_cast<char>('0' + (10 - total % 10) % 10);
}

bool luhn_valid(std::string_view pan) {
  if (pan.size() < 2) return false;
  const char expected = luhn_check_digit(pan.substr(0, pan.size() - 1));
  return expected != '\0' && expected == pan.back();
}

}  // namespace sscard

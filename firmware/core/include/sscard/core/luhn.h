// The Luhn check digit of ISO/IEC 7812-1:2017 annex B, closing a payment card's PAN (docs/PAYMENT.md 3).
#pragma once

#include <string_view>

namespace sscard {

// The check digit ('0'..'9') to append to `digits`: from the right, every second digit starting with the
// rightmost is doubled (a two-digit product counts as the sum of its digits), and the check digit brings the
// total to a multiple of 10. Precondition: `digits` holds only '0'..'9' (it may be empty: '0'). A string that
// breaks it is not a PAN body: the answer is then '\0', which no caller can mistake for a digit.
char luhn_check_digit(std::string_view digits);

// True when `pan` is at least two decimal digits whose last one is the Luhn check digit of the others.
bool luhn_valid(std::string_view pan);

}  // namespace sscard

// Who enters a scenic spot for what (CONTACTLESS.md §6): holders of a 50xxxx or 51xxxx card aged the free age
// or more at today's date enter free; other Chuan–Yu holders pay the discounted price; everyone else the full
// price. The age is read from the birth date in the SSN (GB 11643: digits 7-14, YYYYMMDD).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/core/date.h"

namespace sscard::gate {

enum class Admission : std::uint8_t { kFree, kDiscounted, kFull };
std::string_view admission_name(Admission a);  // "free", "discounted", "full"

// Whole years from `birth` to `today` (the birthday counts on its day; 29 February on 1 March in other
// years); nullopt for a birth after today.
std::optional<int> age_on(const Date& birth, const Date& today);

// The birth date of an 18-character SSN; nullopt when digits 7-14 are not a valid date.
std::optional<Date> birth_date_of_ssn(std::string_view ssn);

struct Ticket {
  Admission admission = Admission::kFull;
  std::uint64_t price_fen = 0;
  std::optional<int> age;  // when the SSN gave one
};

// `card_region`: the first 6 digits of 卡识别码. A holder whose SSN gives no age pays as a Chuan–Yu holder.
Ticket ticket_for(std::string_view card_region, std::string_view ssn, const Date& today, int free_age,
                  std::uint64_t price_fen, std::uint64_t discounted_fen);
// The same from a birth date (an electronic card's holder, whose home issuer gives the birth date and no SSN);
// nullopt: no age, the holder pays as a Chuan–Yu holder.
Ticket ticket_for_birth(std::string_view card_region, const std::optional<Date>& birth, const Date& today,
                        int free_age, std::uint64_t price_fen, std::uint64_t discounted_fen);

// The PAN a card's payment application carries (PAYMENT.md §3): "6200" ‖ region's first two digits ‖ region ‖
// the card number's last 6 characters (digits) ‖ Luhn digit; nullopt when they are not digits.
std::optional<std::string> pan_of_card(std::string_view card_region, std::string_view card_number);

}  // namespace sscard::gate

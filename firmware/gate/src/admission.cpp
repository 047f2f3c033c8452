#include "sscard/gate/admission.h"

#include <algorithm>

namespace sscard::gate {

std::string_view admission_name(Admission a) {
  switch (a) {
    case Admission::kFree: return "free";
    case Admission::kDiscounted: return "discounted";
    case Admission::kFull: return "full";
  }
  return "full";
}

std::optional<int> age_on(const Date& birth, const Date& today) {
  if (!is_valid(birth) || !is_valid(today)) return std::nullopt;
  int age = today.year - birth.year;
  // Before the birthday this year (a 29 February birthday falls on 1 March in other years).
  if (today.month < birth.month || (today.month == birth.month && today.day < birth.day)) --age;
  if (age < 0) return std::nullopt;
  return age;
}

std::optional<Date> birth_date_of_ssn(std::string_view ssn) {
  if (ssn.size() != 18) return std::nullopt;
  auto d = parse_yyyymmdd(ssn.substr(6, 8));
  if (!d.ok()) return std::nullopt;
  return *d;
}

Ticket ticket_for(std::string_view card_region, std::string_view ssn, const Date& today, int free_age,
                  std::uint64_t price_fen, std::uint64_t discounted_fen) {
  return ticket_for_birth(card_region, birth_date_of_ssn(ssn), today, free_age, price_fen, discounted_fen);
}

Ticket ticket_for_birth(std::string_view card_region, const std::optional<Date>& birth, const Date& today,
                        int free_age, std::uint64_t price_fen, std::uint64_t discounted_fen) {
  Ticket t;
  if (birth) t.age = age_on(*birth, today);
  const bool chuan_yu = card_region.size() == 6 && (card_region.substr(0, 2) == "50" || card_region.substr(0, 2) == "51");
  if (!chuan_yu) {
    t.admission = Admission::kFull;
    t.price_fen = price_fen;
  } else if (t.age && *t.age >= free_age) {
    t.admission = Admission::kFree;
    t.price_fen = 0;
  } else {
    t.admission = Admission::kDiscounted;
    t.price_fen = discounted_fen;
  }
  return t;
}

std::optional<std::string> pan_of_card(std::string_view card_region, std::string_view card_number) {
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (card_region.size() != 6 || !digits(card_region) || card_number.size() < 6) return std::nullopt;
  const std::string_view tail = card_number.substr(card_number.size() - 6);
  if (!digits(tail)) return std::nullopt;
  std::string pan = "6200";
  pan.append(card_region.substr(0, 2)).append(card_region).append(tail);
  // ISO/IEC 7812-1 annex B: double every second digit from the right of the payload.
  unsigned sum = 0;
  bool twice = true;
  for (auto it = pan.rbegin(); it != pan.rend(); ++it) {
    unsigned d = static_cast<unsigned>(*it - '0');
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  pan.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return pan;
}

}  // namespace sscard::gate

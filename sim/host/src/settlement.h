// Internal: the medical settlement rule of each home province (docs/PAYMENT.md §11), in one table, and the
// quote it gives for a bill.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sscard/wire/payment.h"

namespace sscard::sim::host::detail {

// Per bill: nothing insured up to the deductible, `percent` of what exceeds it.
struct MedicalRule {
  std::uint64_t deductible_fen = 0;
  std::uint64_t percent = 0;  // 0..100
};

// The rule of the home `province` ("500000", "510000") for `category`; nullopt for another province.
std::optional<MedicalRule> medical_rule(std::string_view province, sscard::wire::SettleCategory category);

struct SettlementQuote {
  std::uint64_t insured_fen = 0;
  std::uint64_t medical_fen = 0;  // from the holder's medical-insurance account
  std::uint64_t card_fen = 0;     // what the PBOC card pays

  friend bool operator==(const SettlementQuote&, const SettlementQuote&) = default;
};

// insured = floor((total - deductible) x percent / 100) above the deductible, else 0; the personal rest is paid
// from the medical balance first, the card pays what the balance does not cover. Exact for every 64-bit total.
SettlementQuote quote_settlement(const MedicalRule& rule, std::uint64_t total_fen, std::uint64_t medical_balance_fen);

}  // namespace sscard::sim::host::detail

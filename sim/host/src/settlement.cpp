// The home issuer's medical settlement (docs/PAYMENT.md §11): settle_quote (08) and settle (09), and the
// medical half of a settlement's reversal. The card part is decided by PaymentIssuer::decide, as an authorise.
#include "settlement.h"

#include <array>
#include <utility>

#include "payment_issuer.h"
#include "sscard/wire/wire.h"

namespace sscard::sim::host::detail {
namespace {

using wire::Operation;
using wire::ResultCode;
using wire::SettleCategory;
namespace rc = wire::rc;

// PAYMENT.md §11, the rule of the insured's home province (chosen figures, not public ones).
struct ProvinceRule {
  std::string_view province;
  std::array<MedicalRule, 3> by_category;  // outpatient, pharmacy, inpatient
};
constexpr std::array<ProvinceRule, 2> kMedicalRules = {{
    {wire::kChongqing, {{{10000, 50}, {0, 0}, {80000, 85}}}},
    {wire::kSichuan, {{{15000, 60}, {0, 0}, {100000, 80}}}},
}};

// The holder a settlement names (DF06-DF08 must all match the issuer's record), or nullopt. A code's settlement
// names the holder `code_holder` its reference opened to ("" when it did not open), in the code's region.
Result<std::optional<HolderRecord>, SetupError> named_holder(HolderStore& store, const wire::Request& r,
                                                             const std::optional<std::string>& code_holder) {
  if (code_holder && code_holder->empty()) return std::optional<HolderRecord>();
  auto found = store.find_holder(code_holder ? *code_holder : r.ssn);
  if (!found.ok()) return found.error();
  if (!*found || (*found)->region != r.card_region) return std::optional<HolderRecord>();
  if (!code_holder && ((*found)->card_number != r.card_number || (*found)->card_id != r.card_id)) {
    return std::optional<HolderRecord>();
  }
  return found;
}

void put_shares(wire::Response& out, const SettlementQuote& q) {
  out.insured_fen = q.insured_fen;
  out.medical_share_fen = q.medical_fen;
  out.card_share_fen = q.card_fen;
}

}  // namespace

std::optional<MedicalRule> medical_rule(std::string_view province, SettleCategory category) {
  const auto index = static_cast<std::size_t>(category) - 1;
  if (index >= 3) return std::nullopt;
  for (const ProvinceRule& p : kMedicalRules) {
    if (p.province == province) return p.by_category[index];
  }
  return std::nullopt;
}

SettlementQuote quote_settlement(const MedicalRule& rule, std::uint64_t total_fen, std::uint64_t medical_balance_fen) {
  SettlementQuote q;
  if (total_fen > rule.deductible_fen) {
    const std::uint64_t over = total_fen - rule.deductible_fen;
    // floor(over x percent / 100) without the 64-bit product overflowing.
    q.insured_fen = over / 100 * rule.percent + over % 100 * rule.percent / 100;
  }
  const std::uint64_t personal = total_fen - q.insured_fen;
  q.medical_fen = personal < medical_balance_fen ? personal : medical_balance_fen;
  q.card_fen = personal - q.medical_fen;
  return q;
}

wire::Response PaymentIssuer::settle_quote(const wire::Request& r, const wire::Response& base,
                                          const std::optional<std::string>& code_holder) {
  wire::Response out = base;
  auto holder = named_holder(store_, r, code_holder);
  const auto rule = medical_rule(province_, *r.category);
  if (!holder.ok()) {
    out.result = ResultCode::kIssuerUnavailable;
  } else if (!*holder || !rule) {
    out.result = ResultCode::kUnknownCard;
  } else if (code_holder && (*holder)->card_state != wire::CardState::kActive) {
    // A code stands for an active card only, as in a query (docs/ESSC.md "Online check").
    out.result = ResultCode::kInvalidState;
    out.card_state = (*holder)->card_state;
  } else {
    put_shares(out, quote_settlement(*rule, *r.bill_total_fen, (*holder)->medical_balance_fen));
    out.medical_balance_fen = (*holder)->medical_balance_fen;  // DF28: now
    out.card_state = (*holder)->card_state;
  }
  return out;
}

wire::Response PaymentIssuer::settle(const wire::Request& r, const wire::Response& base,
                                    const std::optional<std::string>& code_holder) {
  return answer_once(r, base, [&](const std::string& pan, wire::Response& out) -> Result<void, SetupError> {
    auto tomb = store_.find_tombstone(r.key);
    if (!tomb.ok()) return tomb.error();
    if (*tomb) {
      out.response_code = std::string(rc::kInvalid);  // reversed before it arrived: never applied
      return store_answer(store_, r, pan, out);
    }
    PaymentRecord record;
    record.key = r.key;
    record.operation = Operation::kSettle;
    record.pan = pan;
    record.terminal = r.terminal;
    record.business_date = r.date;
    // An answer under which nothing was applied: kept as a declined original, so its reversal is `02`.
    auto nothing_applied = [&]() -> Result<void, SetupError> {
      if (auto s = store_.store_payment(record); !s.ok()) return s;
      return store_answer(store_, r, pan, out);
    };

    auto found = named_holder(store_, r, code_holder);
    if (!found.ok()) return found.error();
    const auto rule = medical_rule(province_, *r.category);
    if (!*found || !rule) {
      out.result = ResultCode::kUnknownCard;
      return nothing_applied();
    }
    HolderRecord holder = std::move(**found);
    if (code_holder && holder.card_state != wire::CardState::kActive) {
      out.result = ResultCode::kInvalidState;
      out.card_state = holder.card_state;
      return nothing_applied();
    }

    // 5. The quote again, on the balance as it is now: a bill quoted on another balance is not applied.
    const SettlementQuote quote = quote_settlement(*rule, *r.bill_total_fen, holder.medical_balance_fen);
    if (quote != SettlementQuote{*r.insured_fen, *r.medical_fen, *r.card_fen}) {
      out.result = ResultCode::kQuoteChanged;
      put_shares(out, quote);
      out.medical_balance_fen = holder.medical_balance_fen;
      return nothing_applied();
    }
    if (quote.card_fen == 0) {
      record.approved = true;  // nothing for the card to decide
      out.response_code = std::string(rc::kApproved);
    } else if (code_holder) {
      // An electronic card makes no cryptogram: the holder's bank account behind it pays the card share,
      // decided here as the account's funds allow (docs/ESSC.md "At the kiosk").
      auto account = store_.find_account_of_holder(holder.ssn);
      if (!account.ok()) return account.error();
      record.amount_fen = quote.card_fen;
      if (!*account) {
        out.response_code = std::string(rc::kUnknownPan);
      } else if ((*account)->balance_fen < quote.card_fen) {
        out.response_code = std::string(rc::kInsufficientFunds);
      } else {
        (*account)->balance_fen -= quote.card_fen;
        if (auto u = store_.update_account(**account); !u.ok()) return u;
        record.pan = (*account)->pan;  // the reversal credits it back
        record.approved = true;
        out.response_code = std::string(rc::kApproved);
      }
    } else {
      // §9.2 step 3 for settle: the card pays exactly DF48, and the card is the holder's.
      auto icc = wire::IccData::parse(*r.icc_data);
      const auto amount = icc.ok() && icc->get(0x9F02) ? bcd_amount(*icc->get(0x9F02)) : std::nullopt;
      auto account = store_.find_account(pan);
      if (!account.ok()) return account.error();
      if (!amount || *amount != quote.card_fen || (*account && (*account)->ssn != holder.ssn)) {
        out.response_code = std::string(rc::kInvalid);
        record.amount_fen = quote.card_fen;
      } else if (auto d = decide(r, out, record); !d.ok()) {
        return d;
      }
    }
    if (record.approved) {
      holder.medical_balance_fen -= quote.medical_fen;
      if (auto u = store_.update_holder(holder); !u.ok()) return u;
    }
    put_shares(out, quote);
    out.medical_balance_fen = holder.medical_balance_fen;  // DF28: after
    if (auto s = store_.store_payment(record); !s.ok()) return s;
    const SettlementRecord settlement{r.key,           holder.ssn,       *r.category,   *r.bill_total_fen,
                                      quote.insured_fen, quote.medical_fen, quote.card_fen};
    if (auto s = store_.store_settlement(settlement); !s.ok()) return s;
    return store_answer(store_, r, pan, out);
  });
}

Result<void, SetupError> PaymentIssuer::undo_settlement(const PaymentRecord& original) {
  auto settlement = store_.find_settlement(original.key);
  if (!settlement.ok()) return settlement.error();
  if (!*settlement) return SetupError{"the shares of an approved settlement are gone"};
  auto holder = store_.find_holder((*settlement)->ssn);
  if (!holder.ok()) return holder.error();
  if (!*holder) return SetupError{"the holder of an approved settlement is gone"};
  (*holder)->medical_balance_fen += (*settlement)->medical_fen;
  return store_.update_holder(**holder);
}

}  // namespace sscard::sim::host::detail

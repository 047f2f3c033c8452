#include "sscard/wire/messages.h"

#include <algorithm>
#include <cstddef>
#include <span>

#include "sscard/core/date.h"
#include "sscard/core/tlv.h"
#include "transit_fields.h"

namespace sscard::wire {
namespace {

// HOST-PROTOCOL.md "Payload: requests" / "Payload: responses".
constexpr tlv::Tag kTagOperation = 0xDF01;
constexpr tlv::Tag kTagKey = 0xDF02;
constexpr tlv::Tag kTagTerminal = 0xDF03;
constexpr tlv::Tag kTagServing = 0xDF04;
constexpr tlv::Tag kTagRegion = 0xDF05;
constexpr tlv::Tag kTagSsn = 0xDF06;
constexpr tlv::Tag kTagCardNumber = 0xDF07;
constexpr tlv::Tag kTagCardId = 0xDF08;
constexpr tlv::Tag kTagDate = 0xDF09;
constexpr tlv::Tag kTagResidence = 0xDF0A;
constexpr tlv::Tag kTagEsscReference = 0xDF0B;  // docs/ESSC.md "Online check"
constexpr tlv::Tag kTagEsscNonce = 0xDF0C;
// PAYMENT.md §9.1.
constexpr tlv::Tag kTagIccData = 0xFF40;
constexpr tlv::Tag kTagPinBlock = 0xDF41;
constexpr tlv::Tag kTagOriginalKey = 0xDF42;
constexpr tlv::Tag kTagReversalReason = 0xDF43;
constexpr tlv::Tag kTagBillTotal = 0xDF44;
constexpr tlv::Tag kTagCategory = 0xDF45;
constexpr tlv::Tag kTagInsuredQuoted = 0xDF46;
constexpr tlv::Tag kTagMedicalQuoted = 0xDF47;
constexpr tlv::Tag kTagCardQuoted = 0xDF48;
constexpr tlv::Tag kTagBusinessDate = 0xDF4A;
constexpr tlv::Tag kTagKioskTotals = 0xFF4B;

constexpr tlv::Tag kTagResult = 0xDF21;
constexpr tlv::Tag kTagHomeIssuer = 0xDF22;
constexpr tlv::Tag kTagServedBy = 0xDF23;
constexpr tlv::Tag kTagName = 0xDF24;
constexpr tlv::Tag kTagCardState = 0xDF25;
constexpr tlv::Tag kTagPensionStatus = 0xDF26;
constexpr tlv::Tag kTagPension = 0xDF27;
constexpr tlv::Tag kTagMedical = 0xDF28;
constexpr tlv::Tag kTagContributions = 0xFF29;  // the constructed form of DF29
constexpr tlv::Tag kTagLastCertification = 0xDF2A;
constexpr tlv::Tag kTagDuplicate = 0xDF2B;
constexpr tlv::Tag kTagSsnMasked = 0xDF2F;  // docs/ESSC.md "Online check": a code's holder
constexpr tlv::Tag kTagSex = 0xDF30;
constexpr tlv::Tag kTagBirthDate = 0xDF31;
constexpr tlv::Tag kTagEntry = 0xE1;
constexpr tlv::Tag kTagPeriod = 0xDF2C;
constexpr tlv::Tag kTagKind = 0xDF2D;
constexpr tlv::Tag kTagAmount = 0xDF2E;
constexpr tlv::Tag kTagResponseCode = 0xDF50;
constexpr tlv::Tag kTagIssuerAuth = 0xDF51;
constexpr tlv::Tag kTagScripts = 0xDF52;
constexpr tlv::Tag kTagReversalStatus = 0xDF53;
constexpr tlv::Tag kTagInsuredShare = 0xDF54;
constexpr tlv::Tag kTagMedicalShare = 0xDF55;
constexpr tlv::Tag kTagCardShare = 0xDF56;
constexpr tlv::Tag kTagIssuerTotals = 0xFF58;
constexpr tlv::Tag kTagComparison = 0xDF59;
constexpr tlv::Tag kTagScriptTemplate = 0x72;

// Inside FF4B and FF58 (DF69 is left out on purpose: it is the card's SM indicator elsewhere).
constexpr std::array<tlv::Tag, 10> kTotalsTags = {0xDF61, 0xDF62, 0xDF63, 0xDF64, 0xDF65,
                                                  0xDF66, 0xDF67, 0xDF68, 0xDF6A, 0xDF6B};

constexpr std::size_t kCardIdSize = 16;
constexpr std::size_t kAmountSize = 8;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool digits(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), is_digit);
}

// GB 11643: 17 digits and a check character that is a digit or X.
bool valid_ssn(std::string_view s) {
  return s.size() == 18 && digits(s.substr(0, 17), 17) && (is_digit(s[17]) || s[17] == 'X');
}

bool valid_card_number(std::string_view s) {
  return s.size() == 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

bool valid_date(std::string_view s) { return digits(s, 8) && parse_yyyymmdd(s).ok(); }

bool valid_period(std::string_view s) {
  if (!digits(s, 6)) return false;
  const int month = (s[4] - '0') * 10 + (s[5] - '0');
  return month >= 1 && month <= 12;
}

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<std::uint8_t>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      n = 1, cp = b0 & 0x1Fu, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 2, cp = b0 & 0x0Fu, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 3, cp = b0 & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i - 1 < n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<std::uint8_t>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

std::array<std::uint8_t, kAmountSize> be64(std::uint64_t v) {
  std::array<std::uint8_t, kAmountSize> out{};
  for (std::size_t i = 0; i < kAmountSize; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * (7 - i)));
  return out;
}

std::uint64_t read_be64(ByteSpan b) {
  std::uint64_t v = 0;
  for (std::uint8_t x : b) v = (v << 8) | x;
  return v;
}

std::string text(ByteSpan b) { return std::string(b.begin(), b.end()); }

// The elements of one TLV level whose tags the caller knows, each at most once; other tags are skipped.
// tlv::Parser is not used: it skips FF bytes as padding, and FF29 begins with one.
template <std::size_t N>
class Fields {
 public:
  explicit Fields(const std::array<tlv::Tag, N>& tags) : tags_(tags) {}

  Status read(ByteSpan data) {
    while (!data.empty()) {
      auto e = tlv::decode(data);
      if (!e.ok()) return e.status() == Error::kTruncated ? Error::kTruncated : Error::kMalformed;
      data = data.subspan(e->encoded.size());
      const auto at = std::find(tags_.begin(), tags_.end(), e->tag);
      if (at == tags_.end()) continue;  // unknown: forward compatibility
      auto& slot = found_[static_cast<std::size_t>(at - tags_.begin())];
      if (slot) return Error::kMalformed;  // duplicated
      slot = e->value;
    }
    return kOk;
  }

  std::optional<ByteSpan> get(tlv::Tag tag) const {
    const auto at = std::find(tags_.begin(), tags_.end(), tag);
    return found_[static_cast<std::size_t>(at - tags_.begin())];
  }

 private:
  const std::array<tlv::Tag, N>& tags_;
  std::array<std::optional<ByteSpan>, N> found_{};
};

constexpr std::array<tlv::Tag, 24> kRequestTags = {
    kTagOperation,     kTagKey,          kTagTerminal,   kTagServing,       kTagRegion,         kTagSsn,
    kTagCardNumber,    kTagCardId,       kTagDate,       kTagResidence,     kTagIccData,        kTagPinBlock,
    kTagOriginalKey,   kTagReversalReason, kTagBillTotal, kTagCategory,     kTagInsuredQuoted,  kTagMedicalQuoted,
    kTagCardQuoted,    kTagBusinessDate, kTagKioskTotals, detail::kTagRides, kTagEsscReference, kTagEsscNonce};
constexpr std::array<tlv::Tag, 25> kResponseTags = {
    kTagResult,        kTagHomeIssuer,   kTagServedBy,   kTagName,          kTagCardState,      kTagPensionStatus,
    kTagPension,       kTagMedical,      kTagContributions, kTagLastCertification, kTagDuplicate, kTagResponseCode,
    kTagIssuerAuth,    kTagScripts,      kTagReversalStatus, kTagInsuredShare, kTagMedicalShare, kTagCardShare,
    kTagIssuerTotals,  kTagComparison,   detail::kTagRideAnswers, detail::kTagDenyList, kTagSsnMasked,
    kTagSex,           kTagBirthDate};
constexpr std::array<tlv::Tag, 3> kContributionTags = {kTagPeriod, kTagKind, kTagAmount};

bool valid_operation(std::uint8_t v) { return v >= 0x01 && v <= 0x0F; }
bool valid_result(std::uint8_t v) { return v <= 0x08; }
bool valid_reversal_reason(std::uint8_t v) { return v >= 0x01 && v <= 0x04; }
bool valid_reversal_status(std::uint8_t v) { return v >= 0x01 && v <= 0x04; }
bool valid_category(std::uint8_t v) { return v >= 0x01 && v <= 0x03; }
bool valid_comparison(std::uint8_t v) { return v <= 0x01; }

bool valid_response_code(std::string_view s) {
  const auto alnum = [](char c) { return is_digit(c) || (c >= 'A' && c <= 'Z'); };
  return s.size() == 2 && alnum(s[0]) && alnum(s[1]);
}

// DF52: one or more whole script templates (tag 72), nothing else.
bool valid_scripts(ByteSpan v) {
  if (v.empty()) return false;
  while (!v.empty()) {
    auto e = tlv::decode(v);
    if (!e.ok() || e->tag != kTagScriptTemplate) return false;
    v = v.subspan(e->encoded.size());
  }
  return true;
}

// Which optional parts an operation carries (PAYMENT.md §9.1).
enum class Need : std::uint8_t { kNever, kMay, kMust };

bool fits(Need need, bool present) { return need == Need::kMay || present == (need == Need::kMust); }

// DF06-DF08.
Need holder_need(Operation op) {
  switch (op) {
    case Operation::kAuthorise:
    case Operation::kReverse:
    case Operation::kConfirm:
    case Operation::kEcashLoad:
    case Operation::kEcashClear:
      return Need::kMay;
    case Operation::kTotals:
    case Operation::kTransitBatch:
    case Operation::kDenyList:
      return Need::kNever;
    default:
      return Need::kMust;
  }
}

struct PaymentShape {
  Need icc = Need::kNever, pin = Need::kNever, original = Need::kNever, reason = Need::kNever,
       quote = Need::kNever, shares = Need::kNever, totals = Need::kNever;
};

PaymentShape shape_of(Operation op) {
  PaymentShape s;
  switch (op) {
    case Operation::kAuthorise:
    case Operation::kEcashLoad:
      s.icc = Need::kMust;
      s.pin = Need::kMay;
      break;
    case Operation::kEcashClear:
      s.icc = Need::kMust;
      break;
    case Operation::kReverse:
      s.icc = Need::kMay;
      s.original = s.reason = Need::kMust;
      break;
    case Operation::kSettleQuote:
      s.quote = Need::kMust;
      break;
    case Operation::kSettle:
      s.icc = s.pin = Need::kMay;  // the card part: checked against DF48 below
      s.quote = s.shares = Need::kMust;
      break;
    case Operation::kConfirm:
      s.icc = s.original = Need::kMust;
      break;
    case Operation::kTotals:
      s.totals = Need::kMust;
      break;
    default:
      break;
  }
  return s;
}

bool valid_holder_fields(const Request& r) {
  // The electronic card's reference stands for the card in a query and a medical settlement's quote and
  // settlement, and only there (docs/ESSC.md).
  if (r.essc_reference.has_value() != r.essc_nonce.has_value()) return false;
  if (r.essc_reference) {
    const bool by_code = r.operation == Operation::kQuery || r.operation == Operation::kSettleQuote ||
                         r.operation == Operation::kSettle;
    return by_code && r.ssn.empty() && r.card_number.empty() && r.card_id.empty();
  }
  const bool ssn_ok = valid_ssn(r.ssn);
  const bool card_ok = valid_card_number(r.card_number);
  const bool id_ok = r.card_id.size() == kCardIdSize;
  switch (holder_need(r.operation)) {
    case Need::kMust: return ssn_ok && card_ok && id_ok;
    case Need::kMay: return (r.ssn.empty() || ssn_ok) && (r.card_number.empty() || card_ok) &&
                            (r.card_id.empty() || id_ok);
    case Need::kNever: return r.ssn.empty() && r.card_number.empty() && r.card_id.empty();
  }
  return false;
}

bool valid_payment_fields(const Request& r) {
  const PaymentShape s = shape_of(r.operation);
  const bool has_shares = r.insured_fen || r.medical_fen || r.card_fen;
  if (!fits(s.icc, r.icc_data.has_value()) || !fits(s.pin, r.pin_block.has_value()) ||
      !fits(s.original, r.original_key.has_value()) || !fits(s.reason, r.reversal_reason.has_value()) ||
      !fits(s.quote, r.bill_total_fen.has_value()) || !fits(s.quote, r.category.has_value()) ||
      !fits(s.totals, r.kiosk_totals.has_value()) || !fits(s.totals, !r.business_date.empty())) {
    return false;
  }
  if (s.shares == Need::kMust ? !(r.insured_fen && r.medical_fen && r.card_fen) : has_shares) return false;
  if (r.operation == Operation::kSettle) {
    // FF40 exactly when the card pays a part; an online PIN only with the card part. A code's settlement has
    // no card to make a cryptogram: its holder's account pays that part without FF40 (docs/ESSC.md).
    const bool card_part = *r.card_fen > 0 && !r.essc_reference;
    if (r.icc_data.has_value() != card_part) return false;
    if (r.pin_block && !r.icc_data) return false;
  }
  const bool names_province = r.operation == Operation::kTotals || r.operation == Operation::kTransitBatch ||
                              r.operation == Operation::kDenyList;
  if (names_province && r.card_region != kChongqing && r.card_region != kSichuan) return false;
  // FF4C exactly in a transit batch (CONTACTLESS.md §7).
  if ((r.operation == Operation::kTransitBatch) != !r.rides.empty()) return false;
  if (!r.rides.empty() && !detail::valid_rides(r.rides)) return false;
  if (r.icc_data && !IccData::parse(*r.icc_data).ok()) return false;
  if (r.reversal_reason && !valid_reversal_reason(static_cast<std::uint8_t>(*r.reversal_reason))) return false;
  if (r.category && !valid_category(static_cast<std::uint8_t>(*r.category))) return false;
  return r.business_date.empty() || valid_date(r.business_date);
}
bool valid_card_state(std::uint8_t v) { return v <= 0x03; }
bool valid_sex(char c) { return c == '1' || c == '2'; }
bool valid_pension_status(std::uint8_t v) { return v <= 0x02; }
bool valid_kind(std::uint8_t v) { return v == 0x01 || v == 0x02; }

bool valid(const Request& r) {
  if (!valid_operation(static_cast<std::uint8_t>(r.operation))) return false;
  const bool residence_ok = r.operation == Operation::kCertify ? digits(r.residence, 6) : r.residence.empty();
  return digits(r.terminal, 12) && digits(r.serving_province, 6) && digits(r.card_region, 6) &&
         valid_holder_fields(r) && valid_date(r.date) && residence_ok && valid_payment_fields(r);
}

bool valid(const Response& r) {
  if (!valid_result(static_cast<std::uint8_t>(r.result))) return false;
  if (!r.home_issuer.empty() && !digits(r.home_issuer, 6)) return false;
  if (!digits(r.served_by, 6)) return false;
  if (r.name && !valid_utf8(*r.name)) return false;
  if (r.card_state && !valid_card_state(static_cast<std::uint8_t>(*r.card_state))) return false;
  if (r.pension_status && !valid_pension_status(static_cast<std::uint8_t>(*r.pension_status))) return false;
  if (r.contributions.size() > kMaxContributions) return false;
  for (const Contribution& c : r.contributions) {
    if (!valid_period(c.period) || !valid_kind(static_cast<std::uint8_t>(c.kind))) return false;
  }
  if (r.last_certification && !valid_date(*r.last_certification)) return false;
  if (r.ssn_masked && !valid_masked_ssn(*r.ssn_masked)) return false;
  if (r.sex && !valid_sex(*r.sex)) return false;
  if (r.birth_date && !valid_date(*r.birth_date)) return false;
  if (!r.response_code.empty() && !valid_response_code(r.response_code)) return false;
  if (!detail::valid_ride_answers(r.rides)) return false;
  if (r.deny_list && r.deny_list->size() > kMaxDenyDigests) return false;
  if (r.scripts && !valid_scripts(*r.scripts)) return false;
  if (r.reversal_status && !valid_reversal_status(static_cast<std::uint8_t>(*r.reversal_status))) return false;
  return !r.totals_comparison || valid_comparison(static_cast<std::uint8_t>(*r.totals_comparison));
}

void add_amount(tlv::Builder& b, tlv::Tag tag, const std::optional<std::uint64_t>& v) {
  if (v) b.add(tag, be64(*v));
}

template <typename Enum>
void add_enum(tlv::Builder& b, tlv::Tag tag, const std::optional<Enum>& v) {
  if (!v) return;
  const auto byte = static_cast<std::uint8_t>(*v);
  b.add(tag, ByteSpan(&byte, 1));
}

void add_totals(tlv::Builder& b, tlv::Tag tag, const Totals& t) {
  const std::array<std::uint64_t, kTotalsTags.size()> values = {
      t.approved_count, t.approved_fen,          t.reversed_count,           t.reversed_fen,
      t.settled_count,  t.settled_medical_fen,   t.settled_card_fen,         t.settle_reversed_count,
      t.settle_reversed_medical_fen, t.settle_reversed_card_fen};
  b.open(tag);
  for (std::size_t i = 0; i < values.size(); ++i) b.add(kTotalsTags[i], be64(values[i]));
  b.close();
}

// Writes `build`'s elements into a buffer of `capacity` bytes and appends them to `out`.
template <typename Build>
Status append(std::size_t capacity, Bytes& out, Build build) {
  Bytes buffer(capacity);
  tlv::Builder b(buffer);
  build(b);
  if (!b.status().ok()) return Error::kInvalidArgument;
  out.insert(out.end(), b.bytes().begin(), b.bytes().end());
  return kOk;
}

// A one-byte value that must be in range.
template <typename Enum>
Status read_byte(std::optional<ByteSpan> v, bool (*in_range)(std::uint8_t), Enum& out) {
  if (!v || v->size() != 1 || !in_range((*v)[0])) return Error::kMalformed;
  out = static_cast<Enum>((*v)[0]);
  return kOk;
}

Status read_text(std::optional<ByteSpan> v, bool (*ok)(std::string_view), std::string& out) {
  if (!v) return Error::kMalformed;
  std::string s = text(*v);
  if (!ok(s)) return Error::kMalformed;
  out = std::move(s);
  return kOk;
}

bool six_digits(std::string_view s) { return digits(s, 6); }
bool twelve_digits(std::string_view s) { return digits(s, 12); }

Result<Contribution> decode_contribution(ByteSpan value) {
  Fields<kContributionTags.size()> f(kContributionTags);
  SSCARD_TRY(f.read(value));
  Contribution c;
  SSCARD_TRY(read_text(f.get(kTagPeriod), valid_period, c.period));
  SSCARD_TRY(read_byte(f.get(kTagKind), valid_kind, c.kind));
  const auto amount = f.get(kTagAmount);
  if (!amount || amount->size() != kAmountSize) return Error::kMalformed;
  c.amount_fen = read_be64(*amount);
  return c;
}

Status decode_contributions(ByteSpan value, std::vector<Contribution>& out) {
  while (!value.empty()) {
    auto e = tlv::decode(value);
    if (!e.ok()) return e.status() == Error::kTruncated ? Error::kTruncated : Error::kMalformed;
    value = value.subspan(e->encoded.size());
    if (e->tag != kTagEntry) continue;
    if (out.size() == kMaxContributions) return Error::kMalformed;
    SSCARD_TRY_ASSIGN(Contribution c, decode_contribution(e->value));
    out.push_back(std::move(c));
  }
  return kOk;
}

Result<std::uint64_t> read_amount(ByteSpan v) {
  if (v.size() != kAmountSize) return Error::kMalformed;
  return read_be64(v);
}

Status read_optional_amount(std::optional<ByteSpan> v, std::optional<std::uint64_t>& out) {
  if (!v) return kOk;
  SSCARD_TRY_ASSIGN(out, read_amount(*v));
  return kOk;
}

template <typename Enum>
Status read_optional_byte(std::optional<ByteSpan> v, bool (*in_range)(std::uint8_t), std::optional<Enum>& out) {
  if (!v) return kOk;
  Enum e{};
  SSCARD_TRY(read_byte(v, in_range, e));
  out = e;
  return kOk;
}

template <std::size_t N>
Status read_array(std::optional<ByteSpan> v, std::optional<std::array<std::uint8_t, N>>& out) {
  if (!v) return kOk;
  if (v->size() != N) return Error::kMalformed;
  std::array<std::uint8_t, N> a{};
  std::copy(v->begin(), v->end(), a.begin());
  out = a;
  return kOk;
}

// FF4B / FF58: all ten counters, 8 bytes each.
Result<Totals> decode_totals(ByteSpan value) {
  Fields<kTotalsTags.size()> f(kTotalsTags);
  SSCARD_TRY(f.read(value));
  std::array<std::uint64_t, kTotalsTags.size()> v{};
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto field = f.get(kTotalsTags[i]);
    if (!field) return Error::kMalformed;
    SSCARD_TRY_ASSIGN(v[i], read_amount(*field));
  }
  return Totals{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]};
}

Status read_optional_totals(std::optional<ByteSpan> v, std::optional<Totals>& out) {
  if (!v) return kOk;
  SSCARD_TRY_ASSIGN(out, decode_totals(*v));
  return kOk;
}

}  // namespace

std::string_view operation_name(Operation op) {
  switch (op) {
    case Operation::kQuery: return "query";
    case Operation::kActivate: return "activate";
    case Operation::kReportLoss: return "report-loss";
    case Operation::kCancelLoss: return "cancel-loss";
    case Operation::kCertify: return "certify";
    case Operation::kAuthorise: return "authorise";
    case Operation::kReverse: return "reverse";
    case Operation::kSettleQuote: return "settle-quote";
    case Operation::kSettle: return "settle";
    case Operation::kConfirm: return "confirm";
    case Operation::kTotals: return "totals";
    case Operation::kEcashLoad: return "ecash-load";
    case Operation::kEcashClear: return "ecash-clear";
    case Operation::kTransitBatch: return "transit-batch";
    case Operation::kDenyList: return "deny-list";
  }
  return "unknown";
}

bool changes_state(Operation op) {
  return op != Operation::kQuery && op != Operation::kSettleQuote && op != Operation::kTotals &&
         op != Operation::kTransitBatch && op != Operation::kDenyList;
}

bool is_payment(Operation op) {
  return (static_cast<std::uint8_t>(op) >= static_cast<std::uint8_t>(Operation::kAuthorise) &&
          static_cast<std::uint8_t>(op) <= static_cast<std::uint8_t>(Operation::kTotals)) ||
         op == Operation::kEcashLoad || op == Operation::kEcashClear;
}

std::string_view result_name(ResultCode r) {
  switch (r) {
    case ResultCode::kOk: return "ok";
    case ResultCode::kUnknownCard: return "unknown_card";
    case ResultCode::kUnknownRegion: return "unknown_region";
    case ResultCode::kCardNotActiveForChange: return "card_not_active_for_change";
    case ResultCode::kInvalidState: return "invalid_state";
    case ResultCode::kIssuerUnavailable: return "issuer_unavailable";
    case ResultCode::kKeyConflict: return "key_conflict";
    case ResultCode::kNotEligible: return "not_eligible";
    case ResultCode::kQuoteChanged: return "quote_changed";
  }
  return "unknown";
}

std::string_view card_state_name(CardState s) {
  switch (s) {
    case CardState::kNotActivated: return "not_activated";
    case CardState::kActive: return "active";
    case CardState::kLossReported: return "loss_reported";
    case CardState::kBlocked: return "blocked";
  }
  return "unknown";
}

std::string_view pension_status_name(PensionStatus s) {
  switch (s) {
    case PensionStatus::kNotRetired: return "not_retired";
    case PensionStatus::kReceiving: return "receiving";
    case PensionStatus::kSuspended: return "suspended";
  }
  return "unknown";
}

std::string_view contribution_kind_name(ContributionKind k) {
  switch (k) {
    case ContributionKind::kPension: return "pension";
    case ContributionKind::kMedical: return "medical";
  }
  return "unknown";
}

std::optional<std::string> home_province(std::string_view region) {
  if (!digits(region, 6)) return std::nullopt;
  if (region.substr(0, 2) == "50") return std::string(kChongqing);
  if (region.substr(0, 2) == "51") return std::string(kSichuan);
  return std::nullopt;
}

std::string mask_ssn(std::string_view ssn) {
  if (ssn.size() != 18) return {};
  return std::string(ssn.substr(0, 2)) + std::string(14, '*') + std::string(ssn.substr(16));
}

bool valid_masked_ssn(std::string_view m) {
  if (m.size() != 18 || !digits(m.substr(0, 2), 2) || m.substr(2, 14) != std::string_view("**************")) return false;
  return is_digit(m[16]) && (is_digit(m[17]) || m[17] == 'X');
}

Status encode(const Request& r, Bytes& out) {
  if (!valid(r)) return Error::kInvalidArgument;
  const std::uint8_t op = static_cast<std::uint8_t>(r.operation);
  const std::size_t capacity = 400 + (r.icc_data ? r.icc_data->size() : 0) + detail::rides_capacity(r.rides);
  return append(capacity, out, [&](tlv::Builder& b) {
    b.add(kTagOperation, ByteSpan(&op, 1))
        .add(kTagKey, r.key)
        .add(kTagTerminal, as_bytes(r.terminal))
        .add(kTagServing, as_bytes(r.serving_province))
        .add(kTagRegion, as_bytes(r.card_region));
    if (!r.ssn.empty()) b.add(kTagSsn, as_bytes(r.ssn));
    if (!r.card_number.empty()) b.add(kTagCardNumber, as_bytes(r.card_number));
    if (!r.card_id.empty()) b.add(kTagCardId, r.card_id);
    b.add(kTagDate, as_bytes(r.date));
    if (r.operation == Operation::kCertify) b.add(kTagResidence, as_bytes(r.residence));
    if (r.essc_reference) b.add(kTagEsscReference, *r.essc_reference);
    if (r.essc_nonce) b.add(kTagEsscNonce, *r.essc_nonce);
    if (r.icc_data) b.add(kTagIccData, *r.icc_data);
    if (r.pin_block) b.add(kTagPinBlock, *r.pin_block);
    if (r.original_key) b.add(kTagOriginalKey, *r.original_key);
    add_enum(b, kTagReversalReason, r.reversal_reason);
    add_amount(b, kTagBillTotal, r.bill_total_fen);
    add_enum(b, kTagCategory, r.category);
    add_amount(b, kTagInsuredQuoted, r.insured_fen);
    add_amount(b, kTagMedicalQuoted, r.medical_fen);
    add_amount(b, kTagCardQuoted, r.card_fen);
    if (!r.business_date.empty()) b.add(kTagBusinessDate, as_bytes(r.business_date));
    if (r.kiosk_totals) add_totals(b, kTagKioskTotals, *r.kiosk_totals);
    if (!r.rides.empty()) detail::add_rides(b, r.rides);
  });
}

Status encode(const Response& r, Bytes& out) {
  if (!valid(r)) return Error::kInvalidArgument;
  const std::size_t name_size = r.name ? r.name->size() : 0;
  const std::size_t capacity =
      480 + name_size + 32 * r.contributions.size() + (r.scripts ? r.scripts->size() : 0) +
      detail::ride_answers_capacity(r.rides) + (r.deny_list ? 8 + 16 * r.deny_list->size() : 0);
  const std::uint8_t result = static_cast<std::uint8_t>(r.result);
  return append(capacity, out, [&](tlv::Builder& b) {
    b.add(kTagResult, ByteSpan(&result, 1));
    if (!r.home_issuer.empty()) b.add(kTagHomeIssuer, as_bytes(r.home_issuer));
    b.add(kTagServedBy, as_bytes(r.served_by));
    if (r.name) b.add(kTagName, as_bytes(*r.name));
    if (r.card_state) {
      const auto v = static_cast<std::uint8_t>(*r.card_state);
      b.add(kTagCardState, ByteSpan(&v, 1));
    }
    if (r.pension_status) {
      const auto v = static_cast<std::uint8_t>(*r.pension_status);
      b.add(kTagPensionStatus, ByteSpan(&v, 1));
    }
    if (r.pension_monthly_fen) b.add(kTagPension, be64(*r.pension_monthly_fen));
    if (r.medical_balance_fen) b.add(kTagMedical, be64(*r.medical_balance_fen));
    if (!r.contributions.empty()) {
      b.open(kTagContributions);
      for (const Contribution& c : r.contributions) {
        const auto kind = static_cast<std::uint8_t>(c.kind);
        b.open(kTagEntry)
            .add(kTagPeriod, as_bytes(c.period))
            .add(kTagKind, ByteSpan(&kind, 1))
            .add(kTagAmount, be64(c.amount_fen))
            .close();
      }
      b.close();
    }
    if (r.last_certification) b.add(kTagLastCertification, as_bytes(*r.last_certification));
    if (r.duplicate) {
      const std::uint8_t one = 0x01;
      b.add(kTagDuplicate, ByteSpan(&one, 1));
    }
    if (r.ssn_masked) b.add(kTagSsnMasked, as_bytes(*r.ssn_masked));
    if (r.sex) {
      const auto v = static_cast<std::uint8_t>(*r.sex);
      b.add(kTagSex, ByteSpan(&v, 1));
    }
    if (r.birth_date) b.add(kTagBirthDate, as_bytes(*r.birth_date));
    if (!r.response_code.empty()) b.add(kTagResponseCode, as_bytes(r.response_code));
    if (r.issuer_authentication) b.add(kTagIssuerAuth, *r.issuer_authentication);
    if (r.scripts) b.add(kTagScripts, *r.scripts);
    add_enum(b, kTagReversalStatus, r.reversal_status);
    add_amount(b, kTagInsuredShare, r.insured_fen);
    add_amount(b, kTagMedicalShare, r.medical_share_fen);
    add_amount(b, kTagCardShare, r.card_share_fen);
    if (r.issuer_totals) add_totals(b, kTagIssuerTotals, *r.issuer_totals);
    add_enum(b, kTagComparison, r.totals_comparison);
    if (!r.rides.empty()) detail::add_ride_answers(b, r.rides);
    if (r.deny_list) detail::add_deny_list(b, *r.deny_list);
  });
}

Result<Request> decode_request(ByteSpan payload) {
  Fields<kRequestTags.size()> f(kRequestTags);
  SSCARD_TRY(f.read(payload));
  Request r;
  SSCARD_TRY(read_byte(f.get(kTagOperation), valid_operation, r.operation));
  const auto key = f.get(kTagKey);
  if (!key || key->size() != r.key.size()) return Error::kMalformed;
  std::copy(key->begin(), key->end(), r.key.begin());
  SSCARD_TRY(read_text(f.get(kTagTerminal), twelve_digits, r.terminal));
  SSCARD_TRY(read_text(f.get(kTagServing), six_digits, r.serving_province));
  SSCARD_TRY(read_text(f.get(kTagRegion), six_digits, r.card_region));
  // DF06-DF08 are read when present; whether the operation needs them is checked with the rest below.
  if (const auto v = f.get(kTagSsn)) SSCARD_TRY(read_text(v, valid_ssn, r.ssn));
  if (const auto v = f.get(kTagCardNumber)) SSCARD_TRY(read_text(v, valid_card_number, r.card_number));
  if (const auto card_id = f.get(kTagCardId)) {
    if (card_id->size() != kCardIdSize) return Error::kMalformed;
    r.card_id.assign(card_id->begin(), card_id->end());
  }
  SSCARD_TRY(read_text(f.get(kTagDate), valid_date, r.date));
  // Residence belongs to certify only; elsewhere it would be a field the request's meaning does not carry.
  const auto residence = f.get(kTagResidence);
  if (r.operation == Operation::kCertify) {
    SSCARD_TRY(read_text(residence, six_digits, r.residence));
  } else if (residence) {
    return Error::kMalformed;
  }
  SSCARD_TRY(read_array(f.get(kTagEsscReference), r.essc_reference));
  SSCARD_TRY(read_array(f.get(kTagEsscNonce), r.essc_nonce));
  if (const auto v = f.get(kTagIccData)) {
    if (!IccData::parse(*v).ok()) return Error::kMalformed;
    r.icc_data = Bytes(v->begin(), v->end());
  }
  SSCARD_TRY(read_array(f.get(kTagPinBlock), r.pin_block));
  SSCARD_TRY(read_array(f.get(kTagOriginalKey), r.original_key));
  SSCARD_TRY(read_optional_byte(f.get(kTagReversalReason), valid_reversal_reason, r.reversal_reason));
  SSCARD_TRY(read_optional_amount(f.get(kTagBillTotal), r.bill_total_fen));
  SSCARD_TRY(read_optional_byte(f.get(kTagCategory), valid_category, r.category));
  SSCARD_TRY(read_optional_amount(f.get(kTagInsuredQuoted), r.insured_fen));
  SSCARD_TRY(read_optional_amount(f.get(kTagMedicalQuoted), r.medical_fen));
  SSCARD_TRY(read_optional_amount(f.get(kTagCardQuoted), r.card_fen));
  if (const auto v = f.get(kTagBusinessDate)) SSCARD_TRY(read_text(v, valid_date, r.business_date));
  SSCARD_TRY(read_optional_totals(f.get(kTagKioskTotals), r.kiosk_totals));
  if (const auto v = f.get(detail::kTagRides)) SSCARD_TRY(detail::decode_rides(*v, r.rides));
  // Which fields the operation must, may or must not carry.
  if (!valid(r)) return Error::kMalformed;
  return r;
}

Result<Response> decode_response(ByteSpan payload) {
  Fields<kResponseTags.size()> f(kResponseTags);
  SSCARD_TRY(f.read(payload));
  Response r;
  SSCARD_TRY(read_byte(f.get(kTagResult), valid_result, r.result));
  if (const auto home = f.get(kTagHomeIssuer)) SSCARD_TRY(read_text(home, six_digits, r.home_issuer));
  SSCARD_TRY(read_text(f.get(kTagServedBy), six_digits, r.served_by));
  if (const auto name = f.get(kTagName)) {
    std::string s = text(*name);
    if (!valid_utf8(s)) return Error::kMalformed;
    r.name = std::move(s);
  }
  if (const auto v = f.get(kTagCardState)) {
    CardState s{};
    SSCARD_TRY(read_byte(v, valid_card_state, s));
    r.card_state = s;
  }
  if (const auto v = f.get(kTagPensionStatus)) {
    PensionStatus s{};
    SSCARD_TRY(read_byte(v, valid_pension_status, s));
    r.pension_status = s;
  }
  if (const auto v = f.get(kTagPension)) {
    SSCARD_TRY_ASSIGN(r.pension_monthly_fen, read_amount(*v));
  }
  if (const auto v = f.get(kTagMedical)) {
    SSCARD_TRY_ASSIGN(r.medical_balance_fen, read_amount(*v));
  }
  if (const auto v = f.get(kTagContributions)) SSCARD_TRY(decode_contributions(*v, r.contributions));
  if (const auto v = f.get(kTagLastCertification)) {
    std::string s;
    SSCARD_TRY(read_text(v, valid_date, s));
    r.last_certification = std::move(s);
  }
  if (const auto v = f.get(kTagDuplicate)) {
    if (v->size() != 1 || (*v)[0] != 0x01) return Error::kMalformed;
    r.duplicate = true;
  }
  if (const auto v = f.get(kTagSsnMasked)) {
    std::string s;
    SSCARD_TRY(read_text(v, valid_masked_ssn, s));
    r.ssn_masked = std::move(s);
  }
  if (const auto v = f.get(kTagSex)) {
    if (v->size() != 1 || !valid_sex(static_cast<char>((*v)[0]))) return Error::kMalformed;
    r.sex = static_cast<char>((*v)[0]);
  }
  if (const auto v = f.get(kTagBirthDate)) {
    std::string s;
    SSCARD_TRY(read_text(v, valid_date, s));
    r.birth_date = std::move(s);
  }
  if (const auto v = f.get(kTagResponseCode)) SSCARD_TRY(read_text(v, valid_response_code, r.response_code));
  SSCARD_TRY(read_array(f.get(kTagIssuerAuth), r.issuer_authentication));
  if (const auto v = f.get(kTagScripts)) {
    if (!valid_scripts(*v)) return Error::kMalformed;
    r.scripts = Bytes(v->begin(), v->end());
  }
  SSCARD_TRY(read_optional_byte(f.get(kTagReversalStatus), valid_reversal_status, r.reversal_status));
  SSCARD_TRY(read_optional_amount(f.get(kTagInsuredShare), r.insured_fen));
  SSCARD_TRY(read_optional_amount(f.get(kTagMedicalShare), r.medical_share_fen));
  SSCARD_TRY(read_optional_amount(f.get(kTagCardShare), r.card_share_fen));
  SSCARD_TRY(read_optional_totals(f.get(kTagIssuerTotals), r.issuer_totals));
  SSCARD_TRY(read_optional_byte(f.get(kTagComparison), valid_comparison, r.totals_comparison));
  if (const auto v = f.get(detail::kTagRideAnswers)) SSCARD_TRY(detail::decode_ride_answers(*v, r.rides));
  if (const auto v = f.get(detail::kTagDenyList)) {
    r.deny_list.emplace();
    SSCARD_TRY(detail::decode_deny_list(*v, *r.deny_list));
  }
  return r;
}

}  // namespace sscard::wire

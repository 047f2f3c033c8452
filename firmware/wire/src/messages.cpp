#include "sscard/wire/messages.h"

#include <algorithm>
#include <cstddef>
#include <span>

#include "sscard/core/date.h"
#include "sscard/core/tlv.h"

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
constexpr tlv::Tag kTagEntry = 0xE1;
constexpr tlv::Tag kTagPeriod = 0xDF2C;
constexpr tlv::Tag kTagKind = 0xDF2D;
constexpr tlv::Tag kTagAmount = 0xDF2E;

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

constexpr std::array<tlv::Tag, 10> kRequestTags = {kTagOperation, kTagKey,        kTagTerminal, kTagServing,
                                                   kTagRegion,    kTagSsn,        kTagCardNumber, kTagCardId,
                                                   kTagDate,      kTagResidence};
constexpr std::array<tlv::Tag, 11> kResponseTags = {
    kTagResult,    kTagHomeIssuer, kTagServedBy,      kTagName,          kTagCardState, kTagPensionStatus,
    kTagPension,   kTagMedical,    kTagContributions, kTagLastCertification, kTagDuplicate};
constexpr std::array<tlv::Tag, 1> kEntryTags = {kTagEntry};
constexpr std::array<tlv::Tag, 3> kContributionTags = {kTagPeriod, kTagKind, kTagAmount};

bool valid_operation(std::uint8_t v) { return v >= 0x01 && v <= 0x05; }
bool valid_result(std::uint8_t v) { return v <= 0x07; }
bool valid_card_state(std::uint8_t v) { return v <= 0x03; }
bool valid_pension_status(std::uint8_t v) { return v <= 0x02; }
bool valid_kind(std::uint8_t v) { return v == 0x01 || v == 0x02; }

bool valid(const Request& r) {
  if (!valid_operation(static_cast<std::uint8_t>(r.operation))) return false;
  const bool residence_ok = r.operation == Operation::kCertify ? digits(r.residence, 6) : r.residence.empty();
  return digits(r.terminal, 12) && digits(r.serving_province, 6) && digits(r.card_region, 6) &&
         valid_ssn(r.ssn) && valid_card_number(r.card_number) && r.card_id.size() == kCardIdSize &&
         valid_date(r.date) && residence_ok;
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
  return !r.last_certification || valid_date(*r.last_certification);
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

}  // namespace

std::string_view operation_name(Operation op) {
  switch (op) {
    case Operation::kQuery: return "query";
    case Operation::kActivate: return "activate";
    case Operation::kReportLoss: return "report-loss";
    case Operation::kCancelLoss: return "cancel-loss";
    case Operation::kCertify: return "certify";
  }
  return "unknown";
}

bool changes_state(Operation op) { return op != Operation::kQuery; }

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

Status encode(const Request& r, Bytes& out) {
  if (!valid(r)) return Error::kInvalidArgument;
  const std::uint8_t op = static_cast<std::uint8_t>(r.operation);
  return append(160, out, [&](tlv::Builder& b) {
    b.add(kTagOperation, ByteSpan(&op, 1))
        .add(kTagKey, r.key)
        .add(kTagTerminal, as_bytes(r.terminal))
        .add(kTagServing, as_bytes(r.serving_province))
        .add(kTagRegion, as_bytes(r.card_region))
        .add(kTagSsn, as_bytes(r.ssn))
        .add(kTagCardNumber, as_bytes(r.card_number))
        .add(kTagCardId, r.card_id)
        .add(kTagDate, as_bytes(r.date));
    if (r.operation == Operation::kCertify) b.add(kTagResidence, as_bytes(r.residence));
  });
}

Status encode(const Response& r, Bytes& out) {
  if (!valid(r)) return Error::kInvalidArgument;
  const std::size_t name_size = r.name ? r.name->size() : 0;
  const std::size_t capacity = 160 + name_size + 32 * r.contributions.size();
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
  SSCARD_TRY(read_text(f.get(kTagSsn), valid_ssn, r.ssn));
  SSCARD_TRY(read_text(f.get(kTagCardNumber), valid_card_number, r.card_number));
  const auto card_id = f.get(kTagCardId);
  if (!card_id || card_id->size() != kCardIdSize) return Error::kMalformed;
  r.card_id.assign(card_id->begin(), card_id->end());
  SSCARD_TRY(read_text(f.get(kTagDate), valid_date, r.date));
  // Residence belongs to certify only; elsewhere it would be a field the request's meaning does not carry.
  const auto residence = f.get(kTagResidence);
  if (r.operation == Operation::kCertify) {
    SSCARD_TRY(read_text(residence, six_digits, r.residence));
  } else if (residence) {
    return Error::kMalformed;
  }
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
  return r;
}

}  // namespace sscard::wire

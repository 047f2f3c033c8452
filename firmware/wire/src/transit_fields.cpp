#include "transit_fields.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "sscard/wire/payment.h"

namespace sscard::wire {
namespace detail {
namespace {

constexpr tlv::Tag kTagEntry = 0xE2;
constexpr tlv::Tag kTagRideNumber = 0xDF4D;
constexpr tlv::Tag kTagRideKind = 0xDF4E;
constexpr tlv::Tag kTagIccData = 0xFF40;
constexpr tlv::Tag kTagResult = 0xDF21;
constexpr tlv::Tag kTagHomeIssuer = 0xDF22;
constexpr tlv::Tag kTagResponseCode = 0xDF50;
constexpr tlv::Tag kTagDuplicate = 0xDF2B;
constexpr std::size_t kNumberSize = 8;
// Tag, length and value of the fixed elements of an answer entry, with room for the entry's own header.
constexpr std::size_t kAnswerEntrySize = 2 + 4 + (3 + kNumberSize) + (3 + 1) + (3 + 6) + (3 + 2) + (3 + 1);

std::array<std::uint8_t, kNumberSize> be64(std::uint64_t v) {
  std::array<std::uint8_t, kNumberSize> out{};
  for (std::size_t i = 0; i < kNumberSize; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * (7 - i)));
  return out;
}

std::uint64_t read_be64(ByteSpan b) {
  std::uint64_t v = 0;
  for (std::uint8_t x : b) v = (v << 8) | x;
  return v;
}

bool six_digits(std::string_view s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_code(std::string_view s) {
  const auto alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); };
  return s.size() == 2 && alnum(s[0]) && alnum(s[1]);
}

// The elements of one entry, each known tag at most once; unknown tags are skipped.
template <std::size_t N>
Status read_entry(ByteSpan data, const std::array<tlv::Tag, N>& tags, std::array<std::optional<ByteSpan>, N>& found) {
  while (!data.empty()) {
    auto e = tlv::decode(data);
    if (!e.ok()) return e.status() == Error::kTruncated ? Error::kTruncated : Error::kMalformed;
    data = data.subspan(e->encoded.size());
    const auto at = std::find(tags.begin(), tags.end(), e->tag);
    if (at == tags.end()) continue;
    auto& slot = found[static_cast<std::size_t>(at - tags.begin())];
    if (slot) return Error::kMalformed;
    slot = e->value;
  }
  return kOk;
}

// Calls `each` with the value of every E2 entry of `value` (other tags skipped).
template <typename Each>
Status for_each_entry(ByteSpan value, Each each) {
  while (!value.empty()) {
    auto e = tlv::decode(value);
    if (!e.ok()) return e.status() == Error::kTruncated ? Error::kTruncated : Error::kMalformed;
    value = value.subspan(e->encoded.size());
    if (e->tag != kTagEntry) continue;
    SSCARD_TRY(each(e->value));
  }
  return kOk;
}

}  // namespace

std::size_t rides_capacity(const std::vector<Ride>& rides) {
  std::size_t n = 8;
  for (const Ride& r : rides) n += 8 + (3 + kNumberSize) + (3 + 1) + (6 + r.icc_data.size());
  return n;
}

std::size_t ride_answers_capacity(const std::vector<RideAnswer>& answers) {
  return 8 + kAnswerEntrySize * answers.size();
}

bool valid_rides(const std::vector<Ride>& rides) {
  if (rides.empty() || rides.size() > kMaxRides) return false;
  std::set<std::uint64_t> numbers;
  for (const Ride& r : rides) {
    if (r.kind != RideKind::kOffline && r.kind != RideKind::kDeferred) return false;
    if (!numbers.insert(r.number).second || !IccData::parse(r.icc_data).ok()) return false;
  }
  return true;
}

bool valid_ride_answers(const std::vector<RideAnswer>& answers) {
  if (answers.size() > kMaxRides) return false;
  return std::all_of(answers.begin(), answers.end(), [](const RideAnswer& a) {
    return static_cast<std::uint8_t>(a.result) <= static_cast<std::uint8_t>(ResultCode::kQuoteChanged) &&
           (a.home_issuer.empty() || six_digits(a.home_issuer)) &&
           (a.response_code.empty() || valid_code(a.response_code));
  });
}

void add_rides(tlv::Builder& b, const std::vector<Ride>& rides) {
  b.open(kTagRides);
  for (const Ride& r : rides) {
    const auto kind = static_cast<std::uint8_t>(r.kind);
    b.open(kTagEntry).add(kTagRideNumber, be64(r.number)).add(kTagRideKind, ByteSpan(&kind, 1));
    b.add(kTagIccData, r.icc_data).close();
  }
  b.close();
}

void add_ride_answers(tlv::Builder& b, const std::vector<RideAnswer>& answers) {
  b.open(kTagRideAnswers);
  for (const RideAnswer& a : answers) {
    const auto result = static_cast<std::uint8_t>(a.result);
    b.open(kTagEntry).add(kTagRideNumber, be64(a.number)).add(kTagResult, ByteSpan(&result, 1));
    if (!a.home_issuer.empty()) b.add(kTagHomeIssuer, as_bytes(a.home_issuer));
    if (!a.response_code.empty()) b.add(kTagResponseCode, as_bytes(a.response_code));
    if (a.duplicate) {
      const std::uint8_t one = 0x01;
      b.add(kTagDuplicate, ByteSpan(&one, 1));
    }
    b.close();
  }
  b.close();
}

void add_deny_list(tlv::Builder& b, const std::vector<DenyDigest>& digests) {
  Bytes flat;
  flat.reserve(digests.size() * DenyDigest{}.size());
  for (const DenyDigest& d : digests) flat.insert(flat.end(), d.begin(), d.end());
  b.add(kTagDenyList, flat);
}

Status decode_rides(ByteSpan value, std::vector<Ride>& out) {
  static constexpr std::array<tlv::Tag, 3> kTags = {kTagRideNumber, kTagRideKind, kTagIccData};
  const Status read = for_each_entry(value, [&out](ByteSpan entry) -> Status {
    std::array<std::optional<ByteSpan>, 3> f{};
    SSCARD_TRY(read_entry(entry, kTags, f));
    if (!f[0] || f[0]->size() != kNumberSize || !f[1] || f[1]->size() != 1 || !f[2]) return Error::kMalformed;
    if (out.size() == kMaxRides) return Error::kMalformed;
    Ride r;
    r.number = read_be64(*f[0]);
    r.kind = static_cast<RideKind>((*f[1])[0]);
    r.icc_data.assign(f[2]->begin(), f[2]->end());
    out.push_back(std::move(r));
    return kOk;
  });
  if (!read.ok()) return read;
  return valid_rides(out) ? kOk : Status(Error::kMalformed);
}

Status decode_ride_answers(ByteSpan value, std::vector<RideAnswer>& out) {
  static constexpr std::array<tlv::Tag, 5> kTags = {kTagRideNumber, kTagResult, kTagHomeIssuer, kTagResponseCode,
                                                    kTagDuplicate};
  const Status read = for_each_entry(value, [&out](ByteSpan entry) -> Status {
    std::array<std::optional<ByteSpan>, 5> f{};
    SSCARD_TRY(read_entry(entry, kTags, f));
    if (!f[0] || f[0]->size() != kNumberSize || !f[1] || f[1]->size() != 1) return Error::kMalformed;
    if (out.size() == kMaxRides) return Error::kMalformed;
    RideAnswer a;
    a.number = read_be64(*f[0]);
    a.result = static_cast<ResultCode>((*f[1])[0]);
    if (f[2]) a.home_issuer.assign(f[2]->begin(), f[2]->end());
    if (f[3]) a.response_code.assign(f[3]->begin(), f[3]->end());
    if (f[4]) {
      if (f[4]->size() != 1 || (*f[4])[0] != 0x01) return Error::kMalformed;
      a.duplicate = true;
    }
    out.push_back(std::move(a));
    return kOk;
  });
  if (!read.ok()) return read;
  return valid_ride_answers(out) ? kOk : Status(Error::kMalformed);
}

Status decode_deny_list(ByteSpan value, std::vector<DenyDigest>& out) {
  const std::size_t n = DenyDigest{}.size();
  if (value.size() % n != 0 || value.size() / n > kMaxDenyDigests) return Error::kMalformed;
  for (std::size_t at = 0; at < value.size(); at += n) {
    DenyDigest d{};
    std::copy_n(value.begin() + static_cast<std::ptrdiff_t>(at), n, d.begin());
    out.push_back(d);
  }
  return kOk;
}

}  // namespace detail

IdempotencyKey transit_ride_key(std::string_view terminal, std::uint64_t ride_number) {
  IdempotencyKey key{};
  key[0] = 'T';
  key[1] = 'R';
  for (std::size_t i = 0; i < 6 && 2 * i + 1 < terminal.size(); ++i) {
    key[2 + i] = static_cast<std::uint8_t>(((terminal[2 * i] - '0') << 4) | ((terminal[2 * i + 1] - '0') & 0x0F));
  }
  for (std::size_t i = 0; i < 8; ++i) key[8 + i] = static_cast<std::uint8_t>(ride_number >> (8 * (7 - i)));
  return key;
}

}  // namespace sscard::wire

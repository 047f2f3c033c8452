#include "sscard/wire/payment.h"

#include <algorithm>

namespace sscard::wire {
namespace {

// `approved - reversed` when it does not go below zero.
std::optional<std::uint64_t> net(std::uint64_t approved, std::uint64_t reversed) {
  if (reversed > approved) return std::nullopt;
  return approved - reversed;
}

bool same_net(std::uint64_t a_approved, std::uint64_t a_reversed, std::uint64_t b_approved,
              std::uint64_t b_reversed) {
  const auto a = net(a_approved, a_reversed);
  const auto b = net(b_approved, b_reversed);
  return a && b && *a == *b;
}

}  // namespace

std::string_view reversal_status_name(ReversalStatus s) {
  switch (s) {
    case ReversalStatus::kReversed: return "reversed";
    case ReversalStatus::kNothingToReverse: return "nothing_to_reverse";
    case ReversalStatus::kUnknownOriginal: return "unknown_original";
    case ReversalStatus::kAlreadyReversed: return "already_reversed";
  }
  return "unknown";
}

bool totals_balance(const Totals& k, const Totals& i) {
  return same_net(k.approved_count, k.reversed_count, i.approved_count, i.reversed_count) &&
         same_net(k.approved_fen, k.reversed_fen, i.approved_fen, i.reversed_fen) &&
         same_net(k.settled_count, k.settle_reversed_count, i.settled_count, i.settle_reversed_count) &&
         same_net(k.settled_medical_fen, k.settle_reversed_medical_fen, i.settled_medical_fen,
                  i.settle_reversed_medical_fen) &&
         same_net(k.settled_card_fen, k.settle_reversed_card_fen, i.settled_card_fen, i.settle_reversed_card_fen);
}

Result<IccData> IccData::parse(ByteSpan value) {
  IccData out;
  while (!value.empty()) {
    // tlv::decode does not skip padding: a 00 or FF byte here is a malformed tag, as it must be.
    auto e = tlv::decode(value);
    if (!e.ok()) return e.status() == Error::kTruncated ? Error::kTruncated : Error::kMalformed;
    if (e->constructed) return Error::kMalformed;
    if (out.get(e->tag)) return Error::kMalformed;  // repeated
    out.items_.push_back(Item{e->tag, e->value});
    value = value.subspan(e->encoded.size());
  }
  return out;
}

std::optional<ByteSpan> IccData::get(tlv::Tag tag) const {
  const auto at = std::find_if(items_.begin(), items_.end(), [tag](const Item& i) { return i.tag == tag; });
  if (at == items_.end()) return std::nullopt;
  return at->value;
}

bool IccData::has_all(std::span<const tlv::Tag> tags) const {
  return std::all_of(tags.begin(), tags.end(), [this](tlv::Tag t) { return get(t).has_value(); });
}

Result<Bytes> build_icc_data(std::span<const IccItem> items) {
  std::size_t capacity = 0;
  for (const IccItem& i : items) capacity += tlv::kMaxTagSize + tlv::kMaxLengthSize + i.value.size();
  Bytes buffer(capacity);
  tlv::Builder b(buffer);
  for (const IccItem& i : items) {
    if (i.tag == 0 || (tlv::tag_size(i.tag) > 0 && ((i.tag >> (8 * (tlv::tag_size(i.tag) - 1))) & 0x20) != 0)) {
      return Error::kInvalidArgument;  // constructed
    }
    b.add(i.tag, i.value);
  }
  if (!b.status().ok()) return Error::kInvalidArgument;
  return Bytes(b.bytes().begin(), b.bytes().end());
}

}  // namespace sscard::wire

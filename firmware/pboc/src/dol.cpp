#include "sscard/pboc/dol.h"

#include <algorithm>

namespace sscard::pboc {
namespace {

// The tag at the start of `in` and its size (the rules of tlv::decode: at most 4 bytes).
Result<std::size_t> tag_length(ByteSpan in) {
  if (in.empty()) return Error::kTruncated;
  if (in[0] == 0x00 || in[0] == 0xFF) return Error::kMalformed;
  if ((in[0] & 0x1F) != 0x1F) return std::size_t{1};
  std::size_t n = 1;
  while (true) {
    if (n >= in.size()) return Error::kTruncated;
    const std::uint8_t b = in[n++];
    if ((b & 0x80) == 0) break;
    if (n >= tlv::kMaxTagSize) return Error::kUnsupported;
  }
  return n;
}

}  // namespace

Result<std::optional<DolEntry>> DolParser::next() {
  if (rest_.empty()) return std::optional<DolEntry>{};
  SSCARD_TRY_ASSIGN(const std::size_t tag_size, tag_length(rest_));
  if (tag_size >= rest_.size()) return Error::kTruncated;
  tlv::Tag tag = 0;
  for (std::size_t i = 0; i < tag_size; ++i) tag = (tag << 8) | rest_[i];
  const std::uint8_t length = rest_[tag_size];
  // A DOL length is one byte; 81 xx would be longer than any element the kernel sends.
  if ((length & 0x80) != 0) return Error::kMalformed;
  rest_ = rest_.subspan(tag_size + 1);
  return std::optional<DolEntry>{DolEntry{tag, length}};
}

Result<std::size_t> dol_data_length(ByteSpan dol) {
  DolParser parser(dol);
  std::size_t total = 0;
  while (true) {
    SSCARD_TRY_ASSIGN(const auto entry, parser.next());
    if (!entry) return total;
    total += entry->length;
  }
}

bool is_numeric_tag(tlv::Tag tag) {
  switch (tag) {
    case 0x9F02: case 0x9F03: case 0x9F1A: case 0x5F2A: case 0x9A: case 0x9C: case 0x9F21: case 0x5F36:
    case 0x9F41:
      return true;
    default:
      return false;
  }
}

Result<std::size_t> build_dol_data(ByteSpan dol, const DolSource& source, MutableByteSpan out) {
  DolParser parser(dol);
  std::size_t used = 0;
  while (true) {
    SSCARD_TRY_ASSIGN(const auto entry, parser.next());
    if (!entry) return used;
    if (entry->length > out.size() - used) return Error::kBufferTooSmall;
    MutableByteSpan field = out.subspan(used, entry->length);
    std::fill(field.begin(), field.end(), std::uint8_t{0});
    used += entry->length;
    const bool constructed = ((entry->tag >> (8 * (tlv::tag_size(entry->tag) - 1))) & 0x20) != 0;
    if (constructed) continue;
    const std::optional<ByteSpan> value = source(entry->tag);
    if (!value) continue;
    const std::size_t n = std::min(value->size(), field.size());
    if (is_numeric_tag(entry->tag)) {
      // Right-aligned: keep the rightmost digits.
      std::copy(value->end() - static_cast<std::ptrdiff_t>(n), value->end(), field.end() - static_cast<std::ptrdiff_t>(n));
    } else {
      std::copy(value->begin(), value->begin() + static_cast<std::ptrdiff_t>(n), field.begin());
    }
  }
}

}  // namespace sscard::pboc

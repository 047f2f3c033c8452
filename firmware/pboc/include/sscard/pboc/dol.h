// Data object lists (PDOL 9F38, CDOL1 8C, CDOL2 8D, DDOL 9F49): a list of tag and length; the terminal sends
// the values concatenated, each fitted to the length asked ([4] 5.3, [EMV-3] 5.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/tlv.h"

namespace sscard::pboc {

struct DolEntry {
  tlv::Tag tag = 0;
  std::size_t length = 0;
};

// Walks a DOL. kMalformed / kTruncated / kUnsupported for a bad tag or length field.
class DolParser {
 public:
  explicit DolParser(ByteSpan dol) : rest_(dol) {}
  // The next entry, nullopt at the end, or the error.
  Result<std::optional<DolEntry>> next();

 private:
  ByteSpan rest_;
};

// The sum of the lengths of a DOL. Errors as DolParser.
Result<std::size_t> dol_data_length(ByteSpan dol);

// Numeric (format n) elements are right-aligned when fitted: 9F02, 9F03, 9F1A, 5F2A, 9A, 9C, 9F21, 5F36, 9F41.
bool is_numeric_tag(tlv::Tag tag);

// The value source: the data element for `tag`, or nullopt (then zeros are sent, [4] 5.3 d)).
using DolSource = std::function<std::optional<ByteSpan>(tlv::Tag)>;

// Builds the DOL data into `out`; returns its length. A value longer than asked is cut (numeric: its
// leftmost bytes dropped; others: its rightmost), a shorter one padded (numeric: 00 on the left; others:
// 00 on the right), and a constructed tag's data is zeros ([4] 5.3). kBufferTooSmall, or DOL errors.
Result<std::size_t> build_dol_data(ByteSpan dol, const DolSource& source, MutableByteSpan out);

}  // namespace sscard::pboc

// The data elements of one transaction, tag -> value, in a fixed buffer (no heap): what the card returned
// (FCI, GPO, records, GENERATE AC) and what the terminal contributes. A tag is stored once: the card
// repeating a tag is an error ([6] 7.4, PAYMENT.md §8.2 step 3).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/tlv.h"

namespace sscard::pboc {

class TagStore {
 public:
  static constexpr std::size_t kCapacity = 4096;
  static constexpr std::size_t kMaxEntries = 96;

  // Stores a copy of `value`. kMalformed: the tag is already there (nothing changed); kBufferTooSmall: the
  // store is full.
  Status add(tlv::Tag tag, ByteSpan value);
  // Stores or overwrites (terminal data that changes, e.g. the ATC read again). kBufferTooSmall when full.
  Status put(tlv::Tag tag, ByteSpan value);
  // The value, or nullopt.
  std::optional<ByteSpan> find(tlv::Tag tag) const;
  bool has(tlv::Tag tag) const { return find(tag).has_value(); }

 private:
  struct Entry {
    tlv::Tag tag = 0;
    std::size_t offset = 0;
    std::size_t length = 0;
  };
  Entry* lookup(tlv::Tag tag);
  std::array<std::uint8_t, kCapacity> bytes_{};
  std::array<Entry, kMaxEntries> entries_{};
  std::size_t used_ = 0;
  std::size_t count_ = 0;
};

}  // namespace sscard::pboc

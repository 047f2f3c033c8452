// BER-TLV (ISO/IEC 8825-1 as profiled by ISO/IEC 7816-4 section 5.2 and EMV Book 3 Annex B):
// non-owning views over encoded bytes, a forward iterator, lookup helpers, and a fixed-capacity builder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::tlv {

// A tag as its encoded bytes read big-endian: 0x5A, 0x9F38, 0xBF0C, 0x5F2D. At most 4 bytes (kUnsupported
// beyond). The constructed bit is bit 6 of the first byte.
using Tag = std::uint32_t;

inline constexpr std::size_t kMaxTagSize = 4;
inline constexpr std::size_t kMaxLengthSize = 5;  // 84 xx xx xx xx

// One decoded element. All spans point into the bytes it was decoded from.
struct Element {
  Tag tag = 0;
  bool constructed = false;
  ByteSpan value{};   // the contents
  ByteSpan encoded{}; // tag + length + value, as found
};

// Decodes the element at the start of `in` (no padding skipped).
// kTruncated: `in` ends inside the tag, the length or the value. kMalformed: tag 00, indefinite length (80),
// a length field over 4 bytes. kUnsupported: a tag longer than 4 bytes.
Result<Element> decode(ByteSpan in);

// Walks a sequence of elements. Bytes 00 and FF between elements are padding and are skipped
// (ISO/IEC 7816-4 5.2, EMV Book 3 Annex B1).
class Parser {
 public:
  explicit Parser(ByteSpan data) : rest_(data) {}

  // The next element; kNotFound at the clean end of the data; otherwise the decode error (sticky: every
  // later call returns it again).
  Result<Element> next();
  // True when only padding is left. After an error it stays false, so the next next() reports the error.
  bool at_end();

 private:
  void skip_padding();
  ByteSpan rest_;
  Status error_{};
};

// Range adaptor for `for (const Element& e : Elements(bytes))`. Iteration stops at the end or at the first
// error; check status() afterwards to tell the two apart.
class Elements {
 public:
  explicit Elements(ByteSpan data) : data_(data) {}

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Element;
    using difference_type = std::ptrdiff_t;
    using pointer = const Element*;
    using reference = const Element&;

    iterator() = default;
    const Element& operator*() const { return current_; }
    const Element* operator->() const { return &current_; }
    iterator& operator++();
    bool operator==(const iterator& other) const { return owner_ == other.owner_; }

   private:
    friend class Elements;
    explicit iterator(Elements* owner);
    Elements* owner_ = nullptr;  // nullptr = end
    Parser parser_{ByteSpan{}};
    Element current_{};
  };

  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }
  Status status() const { return status_; }

 private:
  ByteSpan data_;
  Status status_{};
};

// The first element with `tag` at the top level of `data`. kNotFound, or a decode error met before it.
Result<Element> find(ByteSpan data, Tag tag);

// Depth-first search through constructed elements as well. kUnsupported: the search would have to descend
// more than 16 levels below the top (a bound on stack use for hostile input).
Result<Element> find_recursive(ByteSpan data, Tag tag);

// Number of bytes `tag` takes when encoded (1..4).
std::size_t tag_size(Tag tag);
// Number of bytes a length field takes for `length` (1 for < 128, then 2..5).
std::size_t length_size(std::size_t length);

// Builds BER-TLV into a caller-provided buffer. Errors are sticky: after the first one every call is a no-op
// and status() reports it (kBufferTooSmall, kInvalidArgument for a bad tag or unbalanced close()).
class Builder {
 public:
  explicit Builder(MutableByteSpan buffer) : buffer_(buffer) {}

  Builder& add(Tag tag, ByteSpan value);
  // Opens a constructed element; its length is filled in by the matching close(). Nesting up to 8 levels.
  Builder& open(Tag tag);
  Builder& close();

  Status status() const;  // also kInvalidArgument while an element is still open
  std::size_t size() const { return size_; }
  ByteSpan bytes() const { return ByteSpan(buffer_.data(), size_); }

 private:
  static constexpr std::size_t kMaxDepth = 8;
  Builder& fail(Error e);
  bool write_tag(Tag tag);

  MutableByteSpan buffer_;
  std::size_t size_ = 0;
  std::size_t open_at_[kMaxDepth] = {};  // offset of each open element's value
  std::size_t depth_ = 0;
  Status error_{};
};

}  // namespace sscard::tlv

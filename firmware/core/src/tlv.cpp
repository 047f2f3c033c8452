#include "sscard/core/tlv.h"

#include <algorithm>
#include <cstring>

namespace sscard::tlv {
namespace {

// ISO/IEC 8825-1 8.1.2.4: the low five bits of the first tag byte all set mean "more tag bytes follow";
// each subsequent byte has bit 8 set except the last.
constexpr std::uint8_t kTagNumberMask = 0x1F;
constexpr std::uint8_t kMoreTagBytes = 0x80;
constexpr std::uint8_t kConstructedBit = 0x20;

// ISO/IEC 8825-1 8.1.3: 80 is the indefinite form, 81..84 announce 1..4 length bytes.
constexpr std::uint8_t kLongLengthFlag = 0x80;
constexpr std::size_t kMaxLengthBytes = kMaxLengthSize - 1;

// find_recursive() descends at most this deep; every level costs at least two bytes of input, so without
// a bound a hostile card could exhaust the stack.
constexpr int kMaxSearchDepth = 16;

bool is_padding(std::uint8_t b) { return b == 0x00 || b == 0xFF; }

std::uint8_t tag_byte(Tag tag, std::size_t index, std::size_t count) {
  return static_cast<std::uint8_t>(tag >> (8 * (count - 1 - index)));
}

// A tag value names a well-formed encoding: one byte whose tag number is not the "more bytes" marker, or
// a marker byte, continuation bytes with bit 8 set, and a final byte with bit 8 clear.
bool is_encodable(Tag tag) {
  if (tag == 0) return false;
  const std::size_t n = tag_size(tag);
  const std::uint8_t first = tag_byte(tag, 0, n);
  if (n == 1) return (first & kTagNumberMask) != kTagNumberMask;
  if ((first & kTagNumberMask) != kTagNumberMask) return false;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if ((tag_byte(tag, i, n) & kMoreTagBytes) == 0) return false;
  }
  return (tag_byte(tag, n - 1, n) & kMoreTagBytes) == 0;
}

Result<Element> search(ByteSpan data, Tag tag, int depth) {
  Parser parser(data);
  while (true) {
    auto next = parser.next();
    if (!next.ok()) return next.status();  // kNotFound at the clean end, or the decode error
    const Element& e = *next;
    if (e.tag == tag) return e;
    if (!e.constructed) continue;
    if (depth == kMaxSearchDepth) return Error::kUnsupported;
    auto inner = search(e.value, tag, depth + 1);
    if (inner.ok() || inner.status() != Error::kNotFound) return inner;
  }
}

}  // namespace

Result<Element> decode(ByteSpan in) {
  if (in.empty()) return Error::kTruncated;
  std::size_t pos = 0;

  // Tag (ISO/IEC 8825-1 8.1.2).
  const std::uint8_t first = in[pos++];
  if (first == 0x00) return Error::kMalformed;
  Tag tag = first;
  if ((first & kTagNumberMask) == kTagNumberMask) {
    while (true) {
      if (pos == kMaxTagSize) return Error::kUnsupported;
      if (pos == in.size()) return Error::kTruncated;
      const std::uint8_t b = in[pos++];
      tag = (tag << 8) | b;
      if ((b & kMoreTagBytes) == 0) break;
    }
  }

  // Length (ISO/IEC 8825-1 8.1.3): definite forms only; EMV Book 3 Annex B2 allows up to 4 length bytes.
  if (pos == in.size()) return Error::kTruncated;
  const std::uint8_t l0 = in[pos++];
  std::size_t length = l0;
  if ((l0 & kLongLengthFlag) != 0) {
    const std::size_t count = l0 & 0x7Fu;
    if (count == 0 || count > kMaxLengthBytes) return Error::kMalformed;  // 80 indefinite, 85..FF
    if (in.size() - pos < count) return Error::kTruncated;
    length = 0;
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | in[pos++];
  }

  if (in.size() - pos < length) return Error::kTruncated;
  Element e;
  e.tag = tag;
  e.constructed = (first & kConstructedBit) != 0;
  e.value = in.subspan(pos, length);
  e.encoded = in.first(pos + length);
  return e;
}

void Parser::skip_padding() {
  while (!rest_.empty() && is_padding(rest_.front())) rest_ = rest_.subspan(1);
}

Result<Element> Parser::next() {
  if (!error_.ok()) return error_;
  skip_padding();
  if (rest_.empty()) return Error::kNotFound;
  auto e = decode(rest_);
  if (!e.ok()) {
    error_ = e.status();
    return error_;
  }
  rest_ = rest_.subspan(e->encoded.size());
  return e;
}

// After a decode error the bytes that failed stay unread, so at_end() is false and the next call to
// next() reports the error: a `while (!at_end())` loop cannot mistake an error for the end.
bool Parser::at_end() {
  skip_padding();
  return rest_.empty();
}

Elements::iterator::iterator(Elements* owner) : owner_(owner), parser_(owner->data_) {
  owner_->status_ = kOk;
  ++*this;
}

Elements::iterator& Elements::iterator::operator++() {
  if (owner_ == nullptr) return *this;
  auto next = parser_.next();
  if (next.ok()) {
    current_ = *next;
    return *this;
  }
  if (next.status() != Error::kNotFound) owner_->status_ = next.status();
  owner_ = nullptr;
  return *this;
}

Result<Element> find(ByteSpan data, Tag tag) {
  Parser parser(data);
  while (true) {
    auto next = parser.next();
    if (!next.ok() || next->tag == tag) return next;
  }
}

Result<Element> find_recursive(ByteSpan data, Tag tag) { return search(data, tag, 0); }

std::size_t tag_size(Tag tag) {
  if (tag <= 0xFFu) return 1;
  if (tag <= 0xFFFFu) return 2;
  if (tag <= 0xFFFFFFu) return 3;
  return 4;
}

std::size_t length_size(std::size_t length) {
  if (length < 0x80u) return 1;
  if (length <= 0xFFu) return 2;
  if (length <= 0xFFFFu) return 3;
  if (length <= 0xFFFFFFu) return 4;
  return 5;
}

// ---- Builder ----

namespace {

constexpr std::size_t kMaxEncodableLength = 0xFFFFFFFFu;

// Writes the definite length form for `length` into `out` (exactly length_size(length) bytes).
void write_length(std::size_t length, std::uint8_t* out) {
  const std::size_t n = length_size(length);
  if (n == 1) {
    out[0] = static_cast<std::uint8_t>(length);
    return;
  }
  out[0] = static_cast<std::uint8_t>(kLongLengthFlag | (n - 1));
  for (std::size_t i = 1; i < n; ++i) out[i] = static_cast<std::uint8_t>(length >> (8 * (n - 1 - i)));
}

}  // namespace

Builder& Builder::fail(Error e) {
  if (error_.ok()) error_ = e;
  return *this;
}

bool Builder::write_tag(Tag tag) {
  if (!is_encodable(tag)) {
    fail(Error::kInvalidArgument);
    return false;
  }
  const std::size_t n = tag_size(tag);
  if (buffer_.size() - size_ < n) {
    fail(Error::kBufferTooSmall);
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) buffer_[size_++] = tag_byte(tag, i, n);
  return true;
}

Builder& Builder::add(Tag tag, ByteSpan value) {
  if (!error_.ok()) return *this;
  if (value.size() > kMaxEncodableLength) return fail(Error::kInvalidArgument);
  const std::size_t total = tag_size(tag) + length_size(value.size()) + value.size();
  if (buffer_.size() - size_ < total) {
    // Report a bad tag before a full buffer: the caller's mistake is the more useful diagnosis.
    return fail(is_encodable(tag) ? Error::kBufferTooSmall : Error::kInvalidArgument);
  }
  if (!write_tag(tag)) return *this;
  write_length(value.size(), buffer_.data() + size_);
  size_ += length_size(value.size());
  if (!value.empty()) std::memcpy(buffer_.data() + size_, value.data(), value.size());
  size_ += value.size();
  return *this;
}

// The value's length is unknown until close(): one length byte is reserved now and close() moves the
// value up if the length needs the long form.
Builder& Builder::open(Tag tag) {
  if (!error_.ok()) return *this;
  if (depth_ == kMaxDepth) return fail(Error::kInvalidArgument);
  if (!is_encodable(tag)) return fail(Error::kInvalidArgument);
  if ((tag_byte(tag, 0, tag_size(tag)) & kConstructedBit) == 0) return fail(Error::kInvalidArgument);
  if (!write_tag(tag)) return *this;
  if (size_ == buffer_.size()) return fail(Error::kBufferTooSmall);
  buffer_[size_++] = 0x00;
  open_at_[depth_++] = size_;
  return *this;
}

Builder& Builder::close() {
  if (!error_.ok()) return *this;
  if (depth_ == 0) return fail(Error::kInvalidArgument);
  const std::size_t value_at = open_at_[--depth_];
  const std::size_t length = size_ - value_at;
  if (length > kMaxEncodableLength) return fail(Error::kInvalidArgument);
  const std::size_t extra = length_size(length) - 1;
  if (buffer_.size() - size_ < extra) return fail(Error::kBufferTooSmall);
  if (extra != 0) {
    std::memmove(buffer_.data() + value_at + extra, buffer_.data() + value_at, length);
    size_ += extra;
  }
  write_length(length, buffer_.data() + value_at - 1);
  return *this;
}

Status Builder::status() const {
  if (!error_.ok()) return error_;
  if (depth_ != 0) return Error::kInvalidArgument;
  return kOk;
}

}  // namespace sscard::tlv

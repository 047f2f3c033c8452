#include "sscard/transport/trace.h"

#include <algorithm>

namespace sscard::transport {

void SecretRanges::add(std::size_t offset, std::size_t length) {
  if (length == 0 || all_) return;
  if (count_ == ranges_.size()) {
    all_ = true;
    return;
  }
  ranges_[count_++] = Range{offset, length};
}

bool SecretRanges::contains(std::size_t index) const {
  if (all_) return true;
  for (std::size_t i = 0; i < count_; ++i) {
    if (index >= ranges_[i].offset && index - ranges_[i].offset < ranges_[i].length) return true;
  }
  return false;
}

SecretRanges SecretRanges::window(std::size_t offset, std::size_t length) const {
  SecretRanges out;
  if (all_) {
    out.mark_all();
    return out;
  }
  const std::size_t end = offset + length;
  for (std::size_t i = 0; i < count_; ++i) {
    const std::size_t lo = std::max(ranges_[i].offset, offset);
    const std::size_t hi = std::min(ranges_[i].offset + ranges_[i].length, end);
    if (lo < hi) out.add(lo - offset, hi - lo);
  }
  return out;
}

namespace {

// A line holds 3 characters per byte, a 2-character prefix and a short length note.
constexpr std::size_t kMaxLine = 3 * TracedBytes::kTraceCapacity + 32;

class LineBuilder {
 public:
  void put(char c) {
    if (size_ < buffer_.size()) buffer_[size_++] = c;
  }
  void put(std::string_view s) {
    for (char c : s) put(c);
  }
  void put_number(std::size_t n) {
    char digits[20];
    std::size_t count = 0;
    do {
      digits[count++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0 && count < sizeof digits);
    while (count > 0) put(digits[--count]);
  }
  void put_bytes(const TracedBytes& traced) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    for (std::size_t i = 0; i < traced.bytes.size(); ++i) {
      put(' ');
      if (traced.is_secret(i)) {
        put("**");
      } else {
        put(kDigits[traced.bytes[i] >> 4]);
        put(kDigits[traced.bytes[i] & 0x0F]);
      }
    }
    if (traced.full_size > traced.bytes.size()) {
      put(" ..(");
      put_number(traced.full_size);
      put(" bytes)");
    }
  }
  std::string_view view() const { return std::string_view(buffer_.data(), size_); }

 private:
  std::array<char, kMaxLine> buffer_{};
  std::size_t size_ = 0;
};

}  // namespace

void TextTrace::emit(std::string_view line) {
  if (callback_ != nullptr) callback_(context_, line);
  if (file_ != nullptr) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
  }
}

void TextTrace::on_exchange(const TraceRecord& record) {
  LineBuilder command;
  command.put('>');
  command.put_bytes(record.command);
  emit(command.view());

  LineBuilder response;
  if (record.status.ok()) {
    response.put('<');
    response.put_bytes(record.response);
  } else {
    response.put("! ");
    response.put(record.status.name());
  }
  emit(response.view());
}

}  // namespace sscard::transport

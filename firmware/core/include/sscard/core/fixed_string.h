// FixedString<N> and FixedBytes<N>: text or bytes of at most N, stored inline. For values whose length a
// record format bounds (a card number, an SSN, the ATR's historical bytes): no heap, trivially copyable, and
// a value that does not fit is refused, never cut.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard {

template <std::size_t N>
class FixedString {
  static_assert(N > 0 && N <= 255, "the length is kept in one byte");

 public:
  static constexpr std::size_t kCapacity = N;

  constexpr FixedString() = default;
  // A literal, checked when compiling: `FixedString<9> number = "X00000019";`.
  template <std::size_t M>
    requires(M >= 1 && M - 1 <= N)
  consteval FixedString(const char (&text)[M])  // NOLINT(google-explicit-constructor): reads like a literal
      : size_(static_cast<std::uint8_t>(M - 1)) {
    for (std::size_t i = 0; i + 1 < M; ++i) chars_[i] = text[i];
  }

  // kInvalidArgument: `text` is longer than N.
  static Result<FixedString> from(std::string_view text) {
    FixedString s;
    if (Status st = s.append(text); !st.ok()) return st;
    return s;
  }

  // Appends `text`. kInvalidArgument: the result would be longer than N (nothing appended).
  Status append(std::string_view text) {
    if (text.size() > N - size_) return Error::kInvalidArgument;
    std::copy(text.begin(), text.end(), chars_.begin() + size_);
    size_ = static_cast<std::uint8_t>(size_ + text.size());
    return kOk;
  }

  void clear() { *this = FixedString(); }

  constexpr std::string_view view() const { return std::string_view(chars_.data(), size_); }
  constexpr const char* data() const { return chars_.data(); }
  constexpr std::size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  static constexpr std::size_t capacity() { return N; }

  friend constexpr bool operator==(const FixedString& a, std::string_view b) { return a.view() == b; }
  template <std::size_t M>
  friend constexpr bool operator==(const FixedString& a, const FixedString<M>& b) {
    return a.view() == b.view();
  }

 private:
  std::array<char, N> chars_{};  // bytes past size_ stay zero
  std::uint8_t size_ = 0;
};

template <typename CharT, typename Traits, std::size_t N>
std::basic_ostream<CharT, Traits>& operator<<(std::basic_ostream<CharT, Traits>& out, const FixedString<N>& s) {
  return out << s.view();
}

template <std::size_t N>
class FixedBytes {
  static_assert(N > 0 && N <= 255, "the length is kept in one byte");

 public:
  static constexpr std::size_t kCapacity = N;

  constexpr FixedBytes() = default;

  // kInvalidArgument: more than N bytes.
  static Result<FixedBytes> from(ByteSpan bytes) {
    if (bytes.size() > N) return Error::kInvalidArgument;
    FixedBytes b;
    std::copy(bytes.begin(), bytes.end(), b.bytes_.begin());
    b.size_ = static_cast<std::uint8_t>(bytes.size());
    return b;
  }

  constexpr ByteSpan span() const { return ByteSpan(bytes_.data(), size_); }
  constexpr std::size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  static constexpr std::size_t capacity() { return N; }

  friend constexpr bool operator==(const FixedBytes& a, const FixedBytes& b) {
    return std::equal(a.span().begin(), a.span().end(), b.span().begin(), b.span().end());
  }

 private:
  std::array<std::uint8_t, N> bytes_{};
  std::uint8_t size_ = 0;
};

}  // namespace sscard

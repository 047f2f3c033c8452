// SecretBytes<N>: a fixed-size holder for a key or a PIN block that wipes itself (sscard::secure_wipe, which
// the compiler may not optimise away) when it goes out of scope and before it is overwritten, so no copy of a
// secret outlives the object that held it. A plain std::array<uint8_t, N> converts into it; it reads as a
// ByteSpan (a contiguous range) wherever a key is taken.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "sscard/core/bytes.h"

namespace sscard::crypto {

template <std::size_t N>
class SecretBytes {
 public:
  SecretBytes() = default;
  // Implicit, so that a key read from a file or a test's literal array can be stored as it is.
  SecretBytes(const std::array<std::uint8_t, N>& bytes) : bytes_(bytes) {}  // NOLINT(google-explicit-constructor)
  SecretBytes(const SecretBytes& other) = default;
  // A move copies: the source wipes its own bytes when it goes (no secret is left half-moved).
  SecretBytes& operator=(const SecretBytes& other) {
    if (this != &other) {
      secure_wipe(bytes_);
      bytes_ = other.bytes_;
    }
    return *this;
  }
  SecretBytes& operator=(const std::array<std::uint8_t, N>& bytes) {
    secure_wipe(bytes_);
    bytes_ = bytes;
    return *this;
  }
  ~SecretBytes() { secure_wipe(bytes_); }

  static constexpr std::size_t size() { return N; }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::uint8_t* begin() { return bytes_.data(); }
  std::uint8_t* end() { return bytes_.data() + N; }
  const std::uint8_t* begin() const { return bytes_.data(); }
  const std::uint8_t* end() const { return bytes_.data() + N; }
  std::uint8_t& operator[](std::size_t i) { return bytes_[i]; }
  std::uint8_t operator[](std::size_t i) const { return bytes_[i]; }

  MutableByteSpan span() { return bytes_; }
  ByteSpan span() const { return bytes_; }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

}  // namespace sscard::crypto

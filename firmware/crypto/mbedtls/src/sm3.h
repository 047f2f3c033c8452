// SM3 (GB/T 32905-2016), streaming. Mbed TLS has no SM algorithms, so this is our own implementation, proven
// against the GB/T 32905 Appendix A vectors and the OpenSSL backend (tests/unit/crypto).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "sscard/core/bytes.h"

namespace sscard::crypto::gm {

class Sm3 {
 public:
  static constexpr std::size_t kDigestSize = 32;  // GB/T 32905-2016 5.1
  static constexpr std::size_t kBlockSize = 64;   // 512-bit message blocks, 5.3.1

  Sm3() { reset(); }
  ~Sm3();
  Sm3(const Sm3&) = delete;
  Sm3& operator=(const Sm3&) = delete;

  void reset();
  void update(ByteSpan data);
  // Pads (5.2), writes the 32-byte hash and resets the object for another message.
  void finish(std::span<std::uint8_t, kDigestSize> out);

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> v_{};
  std::array<std::uint8_t, kBlockSize> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes absorbed so far
};

}  // namespace sscard::crypto::gm

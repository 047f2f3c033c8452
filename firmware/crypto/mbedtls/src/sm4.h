// SM4 block cipher (GB/T 32907-2016). Mbed TLS has no SM algorithms, so this is our own implementation, proven
// against the GB/T 32907 Appendix A examples and the OpenSSL backend (tests/unit/crypto).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sscard::crypto::gm {

// One expanded key. The round keys are wiped when the object goes away.
class Sm4 {
 public:
  static constexpr std::size_t kKeySize = 16;    // GB/T 32907-2016 5.1
  static constexpr std::size_t kBlockSize = 16;

  explicit Sm4(std::span<const std::uint8_t, kKeySize> key);
  ~Sm4();
  Sm4(const Sm4&) = delete;
  Sm4& operator=(const Sm4&) = delete;

  // One block; `in` and `out` may be the same memory.
  void encrypt_block(std::span<const std::uint8_t, kBlockSize> in, std::span<std::uint8_t, kBlockSize> out) const;
  void decrypt_block(std::span<const std::uint8_t, kBlockSize> in, std::span<std::uint8_t, kBlockSize> out) const;

 private:
  std::array<std::uint32_t, 32> rk_{};  // round keys rk_0 .. rk_31 (7.3)
};

}  // namespace sscard::crypto::gm

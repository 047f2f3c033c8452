// Texts shaped like ESSC codes (docs/ESSC.md "Text form"): "ESSC:" and 102 bytes in Base32 (RFC 4648
// alphabet, upper case, no padding), 169 characters. The bytes are a fixed pattern, not a signed code: the
// scanners carry text and never look inside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sscard::test {

inline std::string base32(const std::uint8_t* data, std::size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | data[i];
    count += 8;
    while (count >= 5) {
      count -= 5;
      out += kAlphabet[(bits >> count) & 0x1Fu];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (5 - count)) & 0x1Fu];
  return out;
}

// `seed` varies the bytes, so two codes differ.
inline std::string essc_like_text(std::uint8_t seed = 0) {
  std::uint8_t code[102];
  for (std::size_t i = 0; i < sizeof code; ++i) code[i] = static_cast<std::uint8_t>(i * 37u + 11u + seed * 101u);
  code[0] = 0x01;  // format version 1
  return "ESSC:" + base32(code, sizeof code);
}

}  // namespace sscard::test

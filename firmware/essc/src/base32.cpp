#include "sscard/essc/base32.h"

#include <cstdint>

namespace sscard::essc {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// The 5-bit value of an alphabet character, or -1.
int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string base32_encode(ByteSpan bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;  // never more than 12 bits in use
  unsigned bits = 0;
  for (std::uint8_t b : bytes) {
    buffer = (buffer << 8) | static_cast<std::uint32_t>(b);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kAlphabet[(buffer >> bits) & 0x1F];
    }
    buffer &= (1U << bits) - 1;
  }
  // The last group's missing bits are zero (RFC 4648 §6); no '=' follows.
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 0x1F];
  return out;
}

Result<Bytes> base32_decode(std::string_view text) {
  // 1, 3 or 6 characters past a whole group of 8 carry no whole byte more than one character less would.
  const std::size_t tail = text.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) return Error::kMalformed;
  Bytes out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;  // never more than 12 bits in use
  unsigned bits = 0;
  for (char c : text) {
    const int v = value_of(c);
    if (v < 0) return Error::kMalformed;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(buffer >> bits));
      buffer &= (1U << bits) - 1;
    }
  }
  // Left-over bits (fewer than 5) must be the zero fill the encoder writes.
  if (buffer != 0) return Error::kMalformed;
  return out;
}

}  // namespace sscard::essc

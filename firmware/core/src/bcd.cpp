#include "sscard/core/bcd.h"

namespace sscard::bcd {
namespace {

constexpr std::uint8_t kFiller = 0x0F;  // cn padding nibble (EMV Book 3 section 4.3, format cn)

std::uint8_t high(std::uint8_t b) { return static_cast<std::uint8_t>(b >> 4); }
std::uint8_t low(std::uint8_t b) { return static_cast<std::uint8_t>(b & 0x0F); }
char digit(std::uint8_t nibble) { return static_cast<char>('0' + nibble); }
bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Packs 2 * out.size() nibbles; nibble i comes from `nibble_at(i)`.
template <typename NibbleAt>
void pack(MutableByteSpan out, NibbleAt nibble_at) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>((nibble_at(2 * i) << 4) | nibble_at(2 * i + 1));
  }
}

Status check_digits(std::string_view digits, MutableByteSpan out) {
  if (!all_digits(digits) || digits.size() > 2 * out.size()) return Error::kInvalidArgument;
  return kOk;
}

}  // namespace

Result<std::string> decode_n(ByteSpan bcd) {
  std::string out;
  out.reserve(bcd.size() * 2);
  for (std::uint8_t b : bcd) {
    for (std::uint8_t nibble : {high(b), low(b)}) {
      if (nibble > 9) return Error::kMalformed;
      out.push_back(digit(nibble));
    }
  }
  return out;
}

Result<std::string> decode_cn(ByteSpan bcd) {
  std::string out;
  out.reserve(bcd.size() * 2);
  bool in_padding = false;
  for (std::uint8_t b : bcd) {
    for (std::uint8_t nibble : {high(b), low(b)}) {
      if (nibble == kFiller) {
        in_padding = true;
      } else if (nibble > 9 || in_padding) {
        return Error::kMalformed;  // A-E, or a digit after the padding began
      } else {
        out.push_back(digit(nibble));
      }
    }
  }
  return out;
}

Status encode_n(std::string_view digits, MutableByteSpan out) {
  SSCARD_TRY(check_digits(digits, out));
  const std::size_t pad = 2 * out.size() - digits.size();
  pack(out, [&](std::size_t i) {
    return i < pad ? 0 : static_cast<std::uint8_t>(digits[i - pad] - '0');
  });
  return kOk;
}

Status encode_cn(std::string_view digits, MutableByteSpan out) {
  SSCARD_TRY(check_digits(digits, out));
  pack(out, [&](std::size_t i) {
    return i < digits.size() ? static_cast<std::uint8_t>(digits[i] - '0') : kFiller;
  });
  return kOk;
}

}  // namespace sscard::bcd

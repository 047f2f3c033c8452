#include "sscard/crypto/pin_block.h"

#include <algorithm>
#include <array>

namespace sscard::crypto {
namespace {

constexpr std::size_t kNibbles = 2 * kPinBlockSize;
constexpr std::size_t kMinPin = 4;   // ISO 9564-1:2017 9.3.1: a PIN has 4 to 12 digits
constexpr std::size_t kMaxPin = 12;

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool uses_pan(PinBlockFormat f) { return f == PinBlockFormat::kFormat0 || f == PinBlockFormat::kFormat3; }

bool known(PinBlockFormat f) { return static_cast<std::uint8_t>(f) <= 3; }

// ISO 9564-1:2017 9.3.2 account number field: 0000 then the 12 rightmost PAN digits excluding the check
// digit, left-filled with zeros when the PAN is shorter.
Status account_field(std::string_view pan, std::array<std::uint8_t, kPinBlockSize>& field) {
  if (pan.size() < 2 || pan.size() > 19 || !all_digits(pan)) return Error::kInvalidArgument;
  const std::string_view body = pan.substr(0, pan.size() - 1);
  const std::string_view used = body.substr(body.size() > 12 ? body.size() - 12 : 0);
  std::array<std::uint8_t, kNibbles> nibbles{};
  for (std::size_t i = 0; i < used.size(); ++i) {
    nibbles[kNibbles - used.size() + i] = static_cast<std::uint8_t>(used[i] - '0');
  }
  for (std::size_t i = 0; i < kPinBlockSize; ++i) {
    field[i] = static_cast<std::uint8_t>((nibbles[2 * i] << 4) | nibbles[2 * i + 1]);
  }
  return kOk;
}

}  // namespace

Result<std::size_t> build_pin_block(PinBlockFormat format, std::string_view pin, std::string_view pan,
                                    ByteSpan random, MutableByteSpan out) {
  if (!known(format)) return Error::kInvalidArgument;
  if (pin.size() < kMinPin || pin.size() > kMaxPin || !all_digits(pin)) return Error::kInvalidArgument;
  const std::size_t fill = pin_block_fill_size(pin.size());
  const bool random_fill = format == PinBlockFormat::kFormat1 || format == PinBlockFormat::kFormat3;
  if (random_fill && random.size() < fill) return Error::kInvalidArgument;
  std::array<std::uint8_t, kPinBlockSize> pan_field{};
  if (uses_pan(format)) SSCARD_TRY(account_field(pan, pan_field));
  if (out.size() < kPinBlockSize) return Error::kBufferTooSmall;

  std::array<std::uint8_t, kNibbles> nibbles{};
  nibbles[0] = static_cast<std::uint8_t>(format);
  nibbles[1] = static_cast<std::uint8_t>(pin.size());
  for (std::size_t i = 0; i < pin.size(); ++i) nibbles[2 + i] = static_cast<std::uint8_t>(pin[i] - '0');
  for (std::size_t i = 0; i < fill; ++i) {
    std::uint8_t f = 0x0F;  // formats 0 and 2
    if (format == PinBlockFormat::kFormat1) f = random[i] & 0x0F;
    if (format == PinBlockFormat::kFormat3) f = static_cast<std::uint8_t>(0x0A + random[i] % 6);
    nibbles[2 + pin.size() + i] = f;
  }
  for (std::size_t i = 0; i < kPinBlockSize; ++i) {
    out[i] = static_cast<std::uint8_t>(((nibbles[2 * i] << 4) | nibbles[2 * i + 1]) ^ pan_field[i]);
  }
  secure_wipe(nibbles);
  return kPinBlockSize;
}

Result<std::size_t> parse_pin_block(PinBlockFormat format, ByteSpan block, std::string_view pan,
                                    std::span<char> pin_out) {
  if (!known(format) || block.size() != kPinBlockSize) return Error::kInvalidArgument;
  std::array<std::uint8_t, kPinBlockSize> pan_field{};
  if (uses_pan(format)) SSCARD_TRY(account_field(pan, pan_field));

  std::array<std::uint8_t, kNibbles> nibbles{};
  for (std::size_t i = 0; i < kPinBlockSize; ++i) {
    const auto clear = static_cast<std::uint8_t>(block[i] ^ pan_field[i]);
    nibbles[2 * i] = static_cast<std::uint8_t>(clear >> 4);
    nibbles[2 * i + 1] = static_cast<std::uint8_t>(clear & 0x0F);
  }
  Status status;
  const std::size_t n = nibbles[1];
  if (nibbles[0] != static_cast<std::uint8_t>(format) || n < kMinPin || n > kMaxPin) status = Error::kMalformed;
  for (std::size_t i = 2; status.ok() && i < kNibbles; ++i) {
    const std::uint8_t v = nibbles[i];
    bool fits = true;
    if (i < 2 + n) {
      fits = v <= 9;
    } else if (format == PinBlockFormat::kFormat0 || format == PinBlockFormat::kFormat2) {
      fits = v == 0x0F;
    } else if (format == PinBlockFormat::kFormat3) {
      fits = v >= 0x0A;
    }
    if (!fits) status = Error::kMalformed;
  }
  if (status.ok() && pin_out.size() < n) status = Error::kBufferTooSmall;
  if (status.ok()) {
    for (std::size_t i = 0; i < n; ++i) pin_out[i] = static_cast<char>('0' + nibbles[2 + i]);
  }
  secure_wipe(nibbles);
  if (!status.ok()) return status;
  return n;
}

}  // namespace sscard::crypto

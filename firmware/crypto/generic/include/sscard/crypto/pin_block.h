// ISO 9564-1:2017 9.3 PIN block formats 0, 1, 2 and 3 (8 bytes, one nibble per digit).
//
//   control field C | PIN length N | PIN digits | fill                       XOR   account field (0 and 3)
//   format 0: C=0, fill F                                                         0000 || 12 PAN digits
//   format 1: C=1, fill from the transaction field (any nibble)                  -
//   format 2: C=2, fill F (ICC offline PIN, EMV Book 3 / PBOC VERIFY)             -
//   format 3: C=3, fill random A..F                                              0000 || 12 PAN digits
// The 12 PAN digits are the rightmost 12 excluding the check digit, left-filled with zeros (9.3.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::crypto {

enum class PinBlockFormat : std::uint8_t { kFormat0 = 0, kFormat1 = 1, kFormat2 = 2, kFormat3 = 3 };

inline constexpr std::size_t kPinBlockSize = 8;

// The number of random bytes build_pin_block needs for a PIN of `pin_length` digits in formats 1 and 3:
// one per fill nibble (14 - N).
constexpr std::size_t pin_block_fill_size(std::size_t pin_length) {
  return pin_length >= 14 ? 0 : 14 - pin_length;
}

// Builds the clear PIN block of `pin` (4 to 12 digits) into `out` (8 bytes). `pan` is needed by formats 0
// and 3 (2 to 19 digits, check digit last) and ignored otherwise. `random` supplies the fill of formats 1
// and 3, one byte per fill nibble (format 1: its low nibble; format 3: A + byte mod 6); it is ignored by
// formats 0 and 2, so callers pass their RNG output and tests pass fixed bytes.
// kInvalidArgument: bad PIN or PAN digits or length, too few random bytes, unknown format.
// kBufferTooSmall: `out` is shorter than 8 bytes. Returns 8.
Result<std::size_t> build_pin_block(PinBlockFormat format, std::string_view pin, std::string_view pan,
                                    ByteSpan random, MutableByteSpan out);

// Recovers the PIN digits (ASCII) of a clear PIN block into `pin_out`; returns their count.
// kInvalidArgument: `block` is not 8 bytes, or the PAN is needed and bad. kMalformed: the control field is
// not `format`, N is outside 4..12, a PIN digit is not 0-9, or the fill breaks the format's rule.
// kBufferTooSmall: `pin_out` cannot hold N digits.
Result<std::size_t> parse_pin_block(PinBlockFormat format, ByteSpan block, std::string_view pan,
                                    std::span<char> pin_out);

}  // namespace sscard::crypto

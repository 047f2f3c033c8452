// Byte spans and the small helpers every layer needs: hex text, constant-time compare, wiping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/result.h"

namespace sscard {

using ByteSpan = std::span<const std::uint8_t>;
using MutableByteSpan = std::span<std::uint8_t>;
using Bytes = std::vector<std::uint8_t>;

// Upper-case hex without separators, e.g. "00A40400".
std::string to_hex(ByteSpan bytes);

// Parses hex text; spaces are ignored, so "00 A4 04 00" works. Odd digit counts or other characters: kMalformed.
Result<Bytes> from_hex(std::string_view text);

// Decodes hex into `out`; returns the number of bytes written.
Result<std::size_t> from_hex(std::string_view text, MutableByteSpan out);

// Equality whose running time depends only on the lengths, never on where the bytes differ.
// For PINs, MACs and cryptograms.
bool constant_time_equal(ByteSpan a, ByteSpan b);

// Overwrites the bytes in a way the compiler may not optimise away (for keys and PINs).
void secure_wipe(MutableByteSpan bytes);

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace sscard

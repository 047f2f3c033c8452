// ISO/IEC 9797-1:2011 6.3 padding methods 1 and 2.
#pragma once

#include <cstddef>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::crypto {

enum class Padding : std::uint8_t {
  kMethod1,  // 6.3.1: zeros up to a block multiple; none when already a multiple; empty data -> one zero block
  kMethod2,  // 6.3.2: one '80' byte, then zeros up to a block multiple (EMV Book 2 A1.2, PBOC, SSC)
};

// Length of `data_size` bytes after padding with `method` to `block` bytes. `block` must not be 0.
std::size_t padded_size(Padding method, std::size_t data_size, std::size_t block);

// Writes `data` padded with `method` to a multiple of `block` bytes into `out`; returns the padded length.
// kInvalidArgument: `block` is 0. kBufferTooSmall: `out` is shorter than padded_size(); nothing was written.
Result<std::size_t> pad(Padding method, ByteSpan data, std::size_t block, MutableByteSpan out);

// The length of the data in a method-2-padded string (the position of its last '80' byte).
// kMalformed: `padded` is empty, not a multiple of `block`, or does not end in 80 00..00 within one block.
Result<std::size_t> unpad_method2(ByteSpan padded, std::size_t block);

}  // namespace sscard::crypto

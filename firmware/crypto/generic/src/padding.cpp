#include "sscard/crypto/padding.h"

#include <algorithm>

namespace sscard::crypto {

std::size_t padded_size(Padding method, std::size_t data_size, std::size_t block) {
  if (block == 0) return 0;
  if (method == Padding::kMethod1) {
    // ISO/IEC 9797-1 6.3.1: "a positive integer multiple of n", so empty data becomes one block.
    if (data_size == 0) return block;
    return (data_size + block - 1) / block * block;
  }
  // 6.3.2: a single 1 bit is always appended, so a full final block gains a whole padding block.
  return (data_size / block + 1) * block;
}

Result<std::size_t> pad(Padding method, ByteSpan data, std::size_t block, MutableByteSpan out) {
  if (block == 0) return Error::kInvalidArgument;
  const std::size_t size = padded_size(method, data.size(), block);
  if (out.size() < size) return Error::kBufferTooSmall;
  std::copy(data.begin(), data.end(), out.begin());
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(data.size()), out.begin() + static_cast<std::ptrdiff_t>(size),
            std::uint8_t{0});
  if (method == Padding::kMethod2) out[data.size()] = 0x80;
  return size;
}

Result<std::size_t> unpad_method2(ByteSpan padded, std::size_t block) {
  if (block == 0 || padded.empty() || padded.size() % block != 0) return Error::kMalformed;
  std::size_t i = padded.size();
  const std::size_t floor = padded.size() - block;  // the padding never spans more than the last block
  while (i > floor && padded[i - 1] == 0x00) --i;
  if (i == floor || padded[i - 1] != 0x80) return Error::kMalformed;
  return i - 1;
}

}  // namespace sscard::crypto

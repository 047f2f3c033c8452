#include "sscard/crypto/mac.h"

#include <algorithm>
#include <array>

namespace sscard::crypto {
namespace {

constexpr std::size_t kMaxBlock = 16;
constexpr std::size_t kChunk = 256;  // bytes handed to the backend per CBC call (a multiple of 8 and 16)

// The padded data as the whole data blocks that precede the last block, plus the last block, built locally,
// so that no padded copy of the message is needed.
struct Split {
  ByteSpan head;
  std::array<std::uint8_t, kMaxBlock> last{};
};

Split split_padded(Padding padding, ByteSpan data, std::size_t block) {
  Split s;
  std::size_t tail = data.size() % block;
  if (padding == Padding::kMethod1 && tail == 0 && !data.empty()) tail = block;  // no padding block added
  s.head = data.first(data.size() - tail);
  std::copy(data.end() - static_cast<std::ptrdiff_t>(tail), data.end(), s.last.begin());
  if (padding == Padding::kMethod2) s.last[tail] = 0x80;  // tail < block here
  return s;
}

// CBC-encrypts `head` (whole blocks) from the chaining value `chain`, leaving the last cipher block in it.
Status cbc_chain(Crypto& crypto, Cipher cipher, ByteSpan key, std::span<std::uint8_t> chain, ByteSpan head) {
  const std::size_t block = chain.size();
  std::array<std::uint8_t, kChunk> buffer{};
  while (!head.empty()) {
    const std::size_t n = std::min(head.size(), kChunk);
    SSCARD_TRY(crypto.encrypt_cbc(cipher, key, chain, head.first(n), std::span(buffer).first(n)));
    std::copy_n(buffer.begin() + static_cast<std::ptrdiff_t>(n - block), block, chain.begin());
    head = head.subspan(n);
  }
  return kOk;
}

Status start_chain(ByteSpan iv, std::size_t block, std::span<std::uint8_t> chain) {
  if (!iv.empty() && iv.size() != block) return Error::kInvalidArgument;
  if (iv.empty()) {
    std::fill(chain.begin(), chain.end(), std::uint8_t{0});
  } else {
    std::copy(iv.begin(), iv.end(), chain.begin());
  }
  return kOk;
}

void xor_into(std::span<std::uint8_t> a, ByteSpan b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
}

}  // namespace

Result<std::size_t> cbc_mac(Crypto& crypto, Cipher cipher, ByteSpan key, ByteSpan iv, ByteSpan data,
                            MutableByteSpan out, Padding padding) {
  const std::size_t block = block_size(cipher);
  if (block == 0 || block > kMaxBlock) return Error::kInvalidArgument;
  if (out.size() < block) return Error::kBufferTooSmall;
  std::array<std::uint8_t, kMaxBlock> chain_storage{};
  const std::span<std::uint8_t> chain = std::span(chain_storage).first(block);
  SSCARD_TRY(start_chain(iv, block, chain));
  Split s = split_padded(padding, data, block);
  // ISO/IEC 9797-1 7.1 (MAC algorithm 1): H_i = e_K(D_i xor H_(i-1)); output transformation 1: G = H_q.
  SSCARD_TRY(cbc_chain(crypto, cipher, key, chain, s.head));
  const std::span<std::uint8_t> last = std::span(s.last).first(block);
  xor_into(last, chain);
  SSCARD_TRY(crypto.encrypt_ecb(cipher, key, last, out.first(block)));
  return block;
}

Result<std::size_t> retail_mac(Crypto& crypto, ByteSpan key, ByteSpan iv, ByteSpan data, MutableByteSpan out,
                               Padding padding) {
  constexpr std::size_t kBlock = 8;
  if (key.size() != 16 && key.size() != 24) return Error::kInvalidArgument;
  if (out.size() < kBlock) return Error::kBufferTooSmall;
  std::array<std::uint8_t, kBlock> chain{};
  SSCARD_TRY(start_chain(iv, kBlock, chain));
  Split s = split_padded(padding, data, kBlock);
  // ISO/IEC 9797-1 7.3 (MAC algorithm 3): single-DES CBC with K over all blocks, then output
  // transformation 3, G = e_K(d_K'(H_q)). The last CBC step and the output transformation together are
  // E_K(D_K'(E_K(x))): one triple-DES encryption of the last chained block with the whole key (its third
  // part K'' = K for a 16-byte key).
  SSCARD_TRY(cbc_chain(crypto, Cipher::kTdes, key.first(kBlock), chain, s.head));
  const std::span<std::uint8_t> last = std::span(s.last).first(kBlock);
  xor_into(last, chain);
  SSCARD_TRY(crypto.encrypt_ecb(Cipher::kTdes, key, last, out.first(kBlock)));
  return kBlock;
}

Result<std::size_t> sm4_mac(Crypto& crypto, ByteSpan key, ByteSpan iv, ByteSpan data, MutableByteSpan out) {
  return cbc_mac(crypto, Cipher::kSm4, key, iv, data, out, Padding::kMethod2);
}

Result<std::size_t> command_mac(Crypto& crypto, MacScheme scheme, ByteSpan key, ByteSpan iv, ByteSpan data,
                                MutableByteSpan out) {
  constexpr std::size_t kCommandMacSize = 4;
  if (out.size() < kCommandMacSize) return Error::kBufferTooSmall;
  std::array<std::uint8_t, kMaxBlock> full{};
  std::array<std::uint8_t, kMaxBlock / 2> folded{};
  ByteSpan mac;
  switch (scheme) {
    case MacScheme::kRetail: {
      SSCARD_TRY_ASSIGN(const std::size_t n, retail_mac(crypto, key, iv, data, full));
      mac = std::span(full).first(n);
      break;
    }
    case MacScheme::kTdesCbc: {
      if (key.size() != 16 && key.size() != 24) return Error::kInvalidArgument;
      SSCARD_TRY_ASSIGN(const std::size_t n, cbc_mac(crypto, Cipher::kTdes, key, iv, data, full));
      mac = std::span(full).first(n);
      break;
    }
    case MacScheme::kSm4:
    case MacScheme::kSm4Folded: {
      SSCARD_TRY_ASSIGN(const std::size_t n, sm4_mac(crypto, key, iv, data, full));
      mac = std::span(full).first(n);
      if (scheme == MacScheme::kSm4Folded) {
        SSCARD_TRY_ASSIGN(const std::size_t m, xor_fold(mac, folded));
        mac = std::span(folded).first(m);
      }
      break;
    }
    default:
      return Error::kInvalidArgument;
  }
  // Leftmost bytes: ISO/IEC 9797-1 7.1 truncation, JR/T 0025.5 secure messaging MAC of 4 bytes.
  std::copy_n(mac.begin(), kCommandMacSize, out.begin());
  return kCommandMacSize;
}

Result<std::size_t> xor_fold(ByteSpan in, MutableByteSpan out) {
  if (in.empty() || in.size() % 2 != 0) return Error::kInvalidArgument;
  const std::size_t half = in.size() / 2;
  if (out.size() < half) return Error::kBufferTooSmall;
  for (std::size_t i = 0; i < half; ++i) out[i] = static_cast<std::uint8_t>(in[i] ^ in[half + i]);
  return half;
}

}  // namespace sscard::crypto

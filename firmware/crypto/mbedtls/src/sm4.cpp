// SM4 block cipher (GB/T 32907-2016). Mbed TLS has no SM algorithms, so this is our own implementation from the
// standard's description, proven against the GB/T 32907 Appendix A examples (including the 1,000,000-round one)
// and the OpenSSL backend (tests/data/crypto/cipher_vectors.txt, tests/unit/crypto/differential_test.cpp).
//
// Side channels: the S-box is a 256-byte table indexed by key-dependent bytes, so its memory access pattern
// depends on the key and is not constant-time against cache-timing attacks by code sharing the CPU. On a kiosk
// board the terminal's own software is the only code running, and PSAM-held keys never reach this code;
// a bitsliced S-box would remove the table and is the change to make if that assumption ever fails.
#include "sm4.h"

#include "be32.h"

#include <bit>

#include "sscard/core/bytes.h"

namespace sscard::crypto::gm {
namespace {

// The S-box (GB/T 32907-2016 6.2.1, table 1).
constexpr std::array<std::uint8_t, 256> kSbox = {
    0xD6, 0x90, 0xE9, 0xFE, 0xCC, 0xE1, 0x3D, 0xB7, 0x16, 0xB6, 0x14, 0xC2, 0x28, 0xFB, 0x2C, 0x05,
    0x2B, 0x67, 0x9A, 0x76, 0x2A, 0xBE, 0x04, 0xC3, 0xAA, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99,
    0x9C, 0x42, 0x50, 0xF4, 0x91, 0xEF, 0x98, 0x7A, 0x33, 0x54, 0x0B, 0x43, 0xED, 0xCF, 0xAC, 0x62,
    0xE4, 0xB3, 0x1C, 0xA9, 0xC9, 0x08, 0xE8, 0x95, 0x80, 0xDF, 0x94, 0xFA, 0x75, 0x8F, 0x3F, 0xA6,
    0x47, 0x07, 0xA7, 0xFC, 0xF3, 0x73, 0x17, 0xBA, 0x83, 0x59, 0x3C, 0x19, 0xE6, 0x85, 0x4F, 0xA8,
    0x68, 0x6B, 0x81, 0xB2, 0x71, 0x64, 0xDA, 0x8B, 0xF8, 0xEB, 0x0F, 0x4B, 0x70, 0x56, 0x9D, 0x35,
    0x1E, 0x24, 0x0E, 0x5E, 0x63, 0x58, 0xD1, 0xA2, 0x25, 0x22, 0x7C, 0x3B, 0x01, 0x21, 0x78, 0x87,
    0xD4, 0x00, 0x46, 0x57, 0x9F, 0xD3, 0x27, 0x52, 0x4C, 0x36, 0x02, 0xE7, 0xA0, 0xC4, 0xC8, 0x9E,
    0xEA, 0xBF, 0x8A, 0xD2, 0x40, 0xC7, 0x38, 0xB5, 0xA3, 0xF7, 0xF2, 0xCE, 0xF9, 0x61, 0x15, 0xA1,
    0xE0, 0xAE, 0x5D, 0xA4, 0x9B, 0x34, 0x1A, 0x55, 0xAD, 0x93, 0x32, 0x30, 0xF5, 0x8C, 0xB1, 0xE3,
    0x1D, 0xF6, 0xE2, 0x2E, 0x82, 0x66, 0xCA, 0x60, 0xC0, 0x29, 0x23, 0xAB, 0x0D, 0x53, 0x4E, 0x6F,
    0xD5, 0xDB, 0x37, 0x45, 0xDE, 0xFD, 0x8E, 0x2F, 0x03, 0xFF, 0x6A, 0x72, 0x6D, 0x6C, 0x5B, 0x51,
    0x8D, 0x1B, 0xAF, 0x92, 0xBB, 0xDD, 0xBC, 0x7F, 0x11, 0xD9, 0x5C, 0x41, 0x1F, 0x10, 0x5A, 0xD8,
    0x0A, 0xC1, 0x31, 0x88, 0xA5, 0xCD, 0x7B, 0xBD, 0x2D, 0x74, 0xD0, 0x12, 0xB8, 0xE5, 0xB4, 0xB0,
    0x89, 0x69, 0x97, 0x4A, 0x0C, 0x96, 0x77, 0x7E, 0x65, 0xB9, 0xF1, 0x09, 0xC5, 0x6E, 0xC6, 0x84,
    0x18, 0xF0, 0x7D, 0xEC, 0x3A, 0xDC, 0x4D, 0x20, 0x79, 0xEE, 0x5F, 0x3E, 0xD7, 0xCB, 0x39, 0x48,
};

// System parameter FK (7.3).
constexpr std::array<std::uint32_t, 4> kFk = {0xA3B1BAC6, 0x56AA3350, 0x677D9197, 0xB27022DC};

// Fixed parameter CK_i: byte j of CK_i is (4i + j) * 7 mod 256 (7.3).
constexpr std::array<std::uint32_t, 32> make_ck() {
  std::array<std::uint32_t, 32> ck{};
  for (std::uint32_t i = 0; i < 32; ++i) {
    std::uint32_t word = 0;
    for (std::uint32_t j = 0; j < 4; ++j) word = (word << 8) | (((4 * i + j) * 7) & 0xFF);
    ck[i] = word;
  }
  return ck;
}
constexpr std::array<std::uint32_t, 32> kCk = make_ck();

// The non-linear transformation tau: the S-box on each byte (6.2.1).
std::uint32_t tau(std::uint32_t a) {
  return (std::uint32_t{kSbox[a >> 24]} << 24) | (std::uint32_t{kSbox[(a >> 16) & 0xFF]} << 16) |
         (std::uint32_t{kSbox[(a >> 8) & 0xFF]} << 8) | std::uint32_t{kSbox[a & 0xFF]};
}

// T = L(tau(.)) for the rounds (6.2) and T' = L'(tau(.)) for the key schedule (7.3).
std::uint32_t round_t(std::uint32_t x) {
  const std::uint32_t b = tau(x);
  return b ^ std::rotl(b, 2) ^ std::rotl(b, 10) ^ std::rotl(b, 18) ^ std::rotl(b, 24);
}
std::uint32_t key_t(std::uint32_t x) {
  const std::uint32_t b = tau(x);
  return b ^ std::rotl(b, 13) ^ std::rotl(b, 23);
}

// 32 rounds F (6.1, 7.1) and the reverse transformation R (7.1); decryption uses the round keys in reverse
// order (7.2).
void crypt(const std::array<std::uint32_t, 32>& rk, bool decrypt, const std::uint8_t* in, std::uint8_t* out) {
  std::uint32_t x0 = load_be32(in), x1 = load_be32(in + 4), x2 = load_be32(in + 8), x3 = load_be32(in + 12);
  for (std::size_t i = 0; i < 32; ++i) {
    const std::uint32_t next = x0 ^ round_t(x1 ^ x2 ^ x3 ^ rk[decrypt ? 31 - i : i]);
    x0 = x1;
    x1 = x2;
    x2 = x3;
    x3 = next;
  }
  store_be32(x3, out);
  store_be32(x2, out + 4);
  store_be32(x1, out + 8);
  store_be32(x0, out + 12);
  x0 = x1 = x2 = x3 = 0;
}

}  // namespace

// Key expansion (7.3): K_i = MK_i xor FK_i, rk_i = K_{i+4} = K_i xor T'(K_{i+1} xor K_{i+2} xor K_{i+3} xor CK_i).
Sm4::Sm4(std::span<const std::uint8_t, kKeySize> key) {
  std::array<std::uint32_t, 4> k{};
  for (std::size_t i = 0; i < 4; ++i) k[i] = load_be32(key.data() + 4 * i) ^ kFk[i];
  for (std::size_t i = 0; i < 32; ++i) {
    rk_[i] = k[i % 4] ^ key_t(k[(i + 1) % 4] ^ k[(i + 2) % 4] ^ k[(i + 3) % 4] ^ kCk[i]);
    k[i % 4] = rk_[i];
  }
  secure_wipe(MutableByteSpan(reinterpret_cast<std::uint8_t*>(k.data()), sizeof(k)));
}

Sm4::~Sm4() { secure_wipe(MutableByteSpan(reinterpret_cast<std::uint8_t*>(rk_.data()), sizeof(rk_))); }

void Sm4::encrypt_block(std::span<const std::uint8_t, kBlockSize> in, std::span<std::uint8_t, kBlockSize> out) const {
  crypt(rk_, false, in.data(), out.data());
}

void Sm4::decrypt_block(std::span<const std::uint8_t, kBlockSize> in, std::span<std::uint8_t, kBlockSize> out) const {
  crypt(rk_, true, in.data(), out.data());
}

}  // namespace sscard::crypto::gm

// SM3 hash (GB/T 32905-2016). Mbed TLS has no SM algorithms, so this is our own implementation from the
// standard's description, proven against the GB/T 32905 Appendix A vectors and the OpenSSL backend
// (tests/data/crypto/digest_vectors.txt, tests/unit/crypto/differential_test.cpp).
#include "sm3.h"

#include "be32.h"

#include <algorithm>
#include <bit>

namespace sscard::crypto::gm {
namespace {

// Initial value IV (GB/T 32905-2016 4.1).
constexpr std::array<std::uint32_t, 8> kIv = {0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600,
                                              0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E};

// Permutations P0 and P1 (4.4).
constexpr std::uint32_t p0(std::uint32_t x) { return x ^ std::rotl(x, 9) ^ std::rotl(x, 17); }
constexpr std::uint32_t p1(std::uint32_t x) { return x ^ std::rotl(x, 15) ^ std::rotl(x, 23); }

}  // namespace

Sm3::~Sm3() {
  secure_wipe(buffer_);
  secure_wipe(MutableByteSpan(reinterpret_cast<std::uint8_t*>(v_.data()), sizeof(v_)));
}

void Sm3::reset() {
  v_ = kIv;
  buffered_ = 0;
  length_ = 0;
}

void Sm3::update(ByteSpan data) {
  length_ += data.size();
  std::size_t offset = 0;
  if (buffered_ > 0) {
    const std::size_t take = std::min(kBlockSize - buffered_, data.size());
    std::copy_n(data.begin(), take, buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_));
    buffered_ += take;
    offset = take;
    if (buffered_ < kBlockSize) return;
    compress(buffer_.data());
    buffered_ = 0;
  }
  for (; data.size() - offset >= kBlockSize; offset += kBlockSize) compress(data.data() + offset);
  std::copy(data.begin() + static_cast<std::ptrdiff_t>(offset), data.end(), buffer_.begin());
  buffered_ = data.size() - offset;
}

void Sm3::finish(std::span<std::uint8_t, kDigestSize> out) {
  // Padding (5.2): a 1 bit, zeros to 448 mod 512 bits, then the message length in bits as 64 bits.
  const std::uint64_t bit_length = length_ * 8;
  std::array<std::uint8_t, kBlockSize + 8> pad{};
  pad[0] = 0x80;
  const std::size_t zeros_to = buffered_ < 56 ? 56 - buffered_ : 120 - buffered_;
  for (std::size_t i = 0; i < 8; ++i) pad[zeros_to + i] = static_cast<std::uint8_t>(bit_length >> (56 - 8 * i));
  update(ByteSpan(pad).first(zeros_to + 8));
  for (std::size_t i = 0; i < 8; ++i) store_be32(v_[i], out.data() + 4 * i);
  reset();
}

// The compression function CF (5.3.3) with the message expansion (5.3.2).
void Sm3::compress(const std::uint8_t* block) {
  std::array<std::uint32_t, 68> w;
  for (std::size_t j = 0; j < 16; ++j) w[j] = load_be32(block + 4 * j);
  for (std::size_t j = 16; j < 68; ++j) {
    w[j] = p1(w[j - 16] ^ w[j - 9] ^ std::rotl(w[j - 3], 15)) ^ std::rotl(w[j - 13], 7) ^ w[j - 6];
  }
  std::uint32_t a = v_[0], b = v_[1], c = v_[2], d = v_[3];
  std::uint32_t e = v_[4], f = v_[5], g = v_[6], h = v_[7];
  for (std::size_t j = 0; j < 64; ++j) {
    // Constants T_j and boolean functions FF_j, GG_j (4.2, 4.3).
    const std::uint32_t t = j < 16 ? 0x79CC4519u : 0x7A879D8Au;
    const std::uint32_t a12 = std::rotl(a, 12);
    const std::uint32_t ss1 = std::rotl(a12 + e + std::rotl(t, static_cast<int>(j % 32)), 7);
    const std::uint32_t ss2 = ss1 ^ a12;
    const std::uint32_t ff = j < 16 ? (a ^ b ^ c) : ((a & b) | (a & c) | (b & c));
    const std::uint32_t gg = j < 16 ? (e ^ f ^ g) : ((e & f) | (~e & g));
    const std::uint32_t tt1 = ff + d + ss2 + (w[j] ^ w[j + 4]);  // W'_j = W_j xor W_{j+4}
    const std::uint32_t tt2 = gg + h + ss1 + w[j];
    d = c;
    c = std::rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = std::rotl(f, 19);
    f = e;
    e = p0(tt2);
  }
  v_[0] ^= a;
  v_[1] ^= b;
  v_[2] ^= c;
  v_[3] ^= d;
  v_[4] ^= e;
  v_[5] ^= f;
  v_[6] ^= g;
  v_[7] ^= h;
}

}  // namespace sscard::crypto::gm

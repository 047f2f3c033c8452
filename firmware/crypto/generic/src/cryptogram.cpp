#include "sscard/crypto/cryptogram.h"

#include <algorithm>
#include <array>

#include "sscard/crypto/mac.h"

namespace sscard::crypto {

Result<std::size_t> application_cryptogram(Crypto& crypto, Cipher cipher, ByteSpan session_key, ByteSpan data,
                                           MutableByteSpan out) {
  if (out.size() < kCryptogramSize) return Error::kBufferTooSmall;
  switch (cipher) {
    case Cipher::kTdes: {
      // EMV Book 2 A1.2.1: ISO/IEC 9797-1 MAC algorithm 3 with DES, padding method 2, s = 8.
      SSCARD_TRY_ASSIGN(const std::size_t n, retail_mac(crypto, session_key, {}, data, out.first(kCryptogramSize)));
      return n;
    }
    case Cipher::kSm4: {
      // PBOC 3.0 SM4: CBC-MAC over 16-byte blocks, the leftmost 8 bytes kept (as EMV Book 2 A1.2.2 does for
      // 16-byte block ciphers).
      std::array<std::uint8_t, 16> mac{};
      SSCARD_TRY_ASSIGN(const std::size_t n, sm4_mac(crypto, session_key, {}, data, mac));
      std::copy_n(mac.begin(), std::min(n, kCryptogramSize), out.begin());
      return kCryptogramSize;
    }
    case Cipher::kAes:
      break;
  }
  return Error::kInvalidArgument;
}

Status verify_application_cryptogram(Crypto& crypto, Cipher cipher, ByteSpan session_key, ByteSpan data,
                                     ByteSpan cryptogram) {
  std::array<std::uint8_t, kCryptogramSize> expected{};
  SSCARD_TRY_ASSIGN(const std::size_t n, application_cryptogram(crypto, cipher, session_key, data, expected));
  if (!constant_time_equal(std::span(expected).first(n), cryptogram)) return Error::kSecurity;
  return kOk;
}

Result<std::size_t> arpc_method1(Crypto& crypto, Cipher cipher, ByteSpan key, ByteSpan arqc, ByteSpan arc,
                                 MutableByteSpan out) {
  if (arqc.size() != kCryptogramSize || arc.size() != 2) return Error::kInvalidArgument;
  if (out.size() < kCryptogramSize) return Error::kBufferTooSmall;
  // EMV Book 2 8.2.1: Y = ARQC xor (ARC || '00'*6).
  std::array<std::uint8_t, 16> y{};
  std::copy(arqc.begin(), arqc.end(), y.begin());
  y[0] = static_cast<std::uint8_t>(y[0] ^ arc[0]);
  y[1] = static_cast<std::uint8_t>(y[1] ^ arc[1]);
  switch (cipher) {
    case Cipher::kTdes:
      if (key.size() != 16 && key.size() != 24) return Error::kInvalidArgument;
      SSCARD_TRY(crypto.encrypt_ecb(Cipher::kTdes, key, std::span(y).first(8), out.first(kCryptogramSize)));
      return kCryptogramSize;
    case Cipher::kSm4: {
      std::array<std::uint8_t, 16> block{};
      SSCARD_TRY(crypto.encrypt_ecb(Cipher::kSm4, key, y, block));  // Y || 00..00 as one SM4 block
      std::copy_n(block.begin(), kCryptogramSize, out.begin());
      return kCryptogramSize;
    }
    case Cipher::kAes:
      break;
  }
  return Error::kInvalidArgument;
}

}  // namespace sscard::crypto

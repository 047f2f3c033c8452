#include "sscard/crypto/secure_messaging.h"

#include <algorithm>
#include <array>

#include "sscard/crypto/mac.h"

namespace sscard::crypto {
namespace {

bool key_fits(Cipher cipher, ByteSpan key) {
  switch (cipher) {
    case Cipher::kTdes:
      return key.size() == 16 || key.size() == 24;
    case Cipher::kSm4:
      return key.size() == 16;
    case Cipher::kAes:
      break;
  }
  return false;
}

bool is_pin(std::string_view pin) {
  return pin.size() >= 4 && pin.size() <= 12 &&
         std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Sixteen nibbles (0..15) packed into 8 bytes.
void pack_nibbles(const std::array<std::uint8_t, 16>& nibbles, MutableByteSpan out) {
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>((nibbles[2 * i] << 4) | nibbles[2 * i + 1]);
}

}  // namespace

std::size_t sm_enciphered_size(Cipher cipher, std::size_t data_size) {
  const std::size_t block = block_size(cipher);
  if (block == 0) return 0;
  return (1 + data_size + block - 1) / block * block;
}

Result<std::size_t> sm_encipher(Crypto& crypto, Cipher cipher, ByteSpan enc_session_key, ByteSpan data,
                                MutableByteSpan out) {
  if (!key_fits(cipher, enc_session_key) || data.size() > kSmMaxDataSize) return Error::kInvalidArgument;
  const std::size_t size = sm_enciphered_size(cipher, data.size());
  if (out.size() < size) return Error::kBufferTooSmall;
  // [5] C.3: Ld || data; the 80 00.. padding only when Ld || data is not already whole blocks.
  std::array<std::uint8_t, kSmMaxCiphertextSize> plain{};
  plain[0] = static_cast<std::uint8_t>(data.size());
  std::copy(data.begin(), data.end(), plain.begin() + 1);
  if (1 + data.size() < size) plain[1 + data.size()] = 0x80;
  const Status status = crypto.encrypt_ecb(cipher, enc_session_key, std::span(plain).first(size), out.first(size));
  secure_wipe(plain);
  if (!status.ok()) return status;
  return size;
}

Result<std::size_t> sm_decipher(Crypto& crypto, Cipher cipher, ByteSpan enc_session_key, ByteSpan ciphertext,
                                MutableByteSpan out) {
  if (!key_fits(cipher, enc_session_key)) return Error::kInvalidArgument;
  const std::size_t block = block_size(cipher);
  if (ciphertext.empty() || ciphertext.size() > kSmMaxCiphertextSize || ciphertext.size() % block != 0) {
    return Error::kMalformed;
  }
  std::array<std::uint8_t, kSmMaxCiphertextSize> plain{};
  const std::span<std::uint8_t> p = std::span(plain).first(ciphertext.size());
  Status status = crypto.decrypt_ecb(cipher, enc_session_key, ciphertext, p);
  const std::size_t length = p[0];
  if (status.ok()) {
    // The ciphertext must be exactly what sm_encipher makes of Ld bytes: its length, then 80 00.. if any.
    const bool layout = sm_enciphered_size(cipher, length) == p.size() &&
                        (1 + length == p.size() ||
                         (p[1 + length] == 0x80 &&
                          std::all_of(p.begin() + static_cast<std::ptrdiff_t>(2 + length), p.end(),
                                      [](std::uint8_t b) { return b == 0; })));
    if (!layout) {
      status = Error::kMalformed;
    } else if (out.size() < length) {
      status = Error::kBufferTooSmall;
    } else {
      std::copy_n(p.begin() + 1, length, out.begin());
    }
  }
  secure_wipe(plain);
  if (!status.ok()) return status;
  return length;
}

Result<std::size_t> script_mac(Crypto& crypto, Cipher cipher, ByteSpan mac_session_key, ByteSpan header,
                               std::uint16_t atc, ByteSpan gac1_cryptogram, ByteSpan data, MutableByteSpan out) {
  constexpr std::size_t kCryptogram = 8;
  constexpr std::size_t kMaxData = 255 - kScriptMacSize;
  if (header.size() != kScriptHeaderSize || gac1_cryptogram.size() != kCryptogram || data.size() > kMaxData ||
      header[4] != data.size() + kScriptMacSize || !key_fits(cipher, mac_session_key)) {
    return Error::kInvalidArgument;
  }
  if (out.size() < kScriptMacSize) return Error::kBufferTooSmall;
  // [5] C.2.4: header || ATC || the cryptogram of the first GENERATE AC || command data.
  std::array<std::uint8_t, kScriptHeaderSize + 2 + kCryptogram + kMaxData> message{};
  auto at = std::copy(header.begin(), header.end(), message.begin());
  *at++ = static_cast<std::uint8_t>(atc >> 8);
  *at++ = static_cast<std::uint8_t>(atc);
  at = std::copy(gac1_cryptogram.begin(), gac1_cryptogram.end(), at);
  at = std::copy(data.begin(), data.end(), at);
  const auto length = static_cast<std::size_t>(at - message.begin());
  const MacScheme scheme = cipher == Cipher::kTdes ? MacScheme::kRetail : MacScheme::kSm4;
  return command_mac(crypto, scheme, mac_session_key, {}, std::span(message).first(length), out);
}

Status verify_script_mac(Crypto& crypto, Cipher cipher, ByteSpan mac_session_key, ByteSpan header,
                         std::uint16_t atc, ByteSpan gac1_cryptogram, ByteSpan data, ByteSpan mac) {
  std::array<std::uint8_t, kScriptMacSize> expected{};
  SSCARD_TRY(script_mac(crypto, cipher, mac_session_key, header, atc, gac1_cryptogram, data, expected));
  if (!constant_time_equal(expected, mac)) return Error::kSecurity;
  return kOk;
}

Result<std::size_t> pin_change_block(ByteSpan enc_udk, std::string_view new_pin, std::string_view current_pin,
                                     MutableByteSpan out) {
  if (enc_udk.size() != 16 || !is_pin(new_pin) || (!current_pin.empty() && !is_pin(current_pin))) {
    return Error::kInvalidArgument;
  }
  if (out.size() < kPinChangeBlockSize) return Error::kBufferTooSmall;
  // D2 = 0N || PIN || F..F; D4 = current PIN || 0..0 ([5] B.10.3.1 step 4, B.10.3.2 step 3).
  std::array<std::uint8_t, 16> d2_nibbles{};
  std::fill(d2_nibbles.begin(), d2_nibbles.end(), std::uint8_t{0xF});
  d2_nibbles[0] = 0;
  d2_nibbles[1] = static_cast<std::uint8_t>(new_pin.size());
  for (std::size_t i = 0; i < new_pin.size(); ++i) d2_nibbles[2 + i] = static_cast<std::uint8_t>(new_pin[i] - '0');
  std::array<std::uint8_t, 16> d4_nibbles{};
  for (std::size_t i = 0; i < current_pin.size(); ++i) d4_nibbles[i] = static_cast<std::uint8_t>(current_pin[i] - '0');
  std::array<std::uint8_t, kPinChangeBlockSize> d2{};
  std::array<std::uint8_t, kPinChangeBlockSize> d4{};
  pack_nibbles(d2_nibbles, d2);
  pack_nibbles(d4_nibbles, d4);
  // D1 = 00000000 || the rightmost 4 bytes of UDK-A, the left half of the 16-byte key.
  for (std::size_t i = 0; i < kPinChangeBlockSize; ++i) {
    const std::uint8_t d1 = i < 4 ? std::uint8_t{0} : enc_udk[i];
    out[i] = static_cast<std::uint8_t>(d1 ^ d2[i] ^ d4[i]);
  }
  for (auto* secret : {&d2_nibbles, &d4_nibbles}) secure_wipe(*secret);
  secure_wipe(d2);
  secure_wipe(d4);
  return kPinChangeBlockSize;
}

}  // namespace sscard::crypto

#include "sscard/crypto/diversify.h"

#include <algorithm>
#include <array>

namespace sscard::crypto {
namespace {

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool master_key_fits(Cipher cipher, ByteSpan key) {
  switch (cipher) {
    case Cipher::kTdes:
      return key.size() == 16 || key.size() == 24;  // a single-DES master key is not accepted
    case Cipher::kSm4:
      return key.size() == 16;
    case Cipher::kAes:
      return false;
  }
  return false;
}

}  // namespace

Result<std::size_t> diversify(Crypto& crypto, Cipher cipher, ByteSpan master_key, ByteSpan factor,
                              MutableByteSpan out) {
  if (!master_key_fits(cipher, master_key)) return Error::kInvalidArgument;
  if (out.size() < kDiversifiedKeySize) return Error::kBufferTooSmall;
  std::array<std::uint8_t, kDiversifiedKeySize> input{};
  if (factor.size() == 8) {
    // F || ~F. Under 3DES-ECB this yields 3DES(MK, F) || 3DES(MK, ~F) (EMV Book 2 A1.4.1 option A, steps
    // ZL/ZR); under SM4 it is the single 16-byte block that PBOC's SM4 variant encrypts.
    std::copy(factor.begin(), factor.end(), input.begin());
    for (std::size_t i = 0; i < 8; ++i) input[8 + i] = static_cast<std::uint8_t>(~factor[i]);
  } else if (factor.size() == 16 && cipher == Cipher::kSm4) {
    std::copy(factor.begin(), factor.end(), input.begin());
  } else {
    return Error::kInvalidArgument;
  }
  SSCARD_TRY(crypto.encrypt_ecb(cipher, master_key, input, out.first(kDiversifiedKeySize)));
  return kDiversifiedKeySize;
}

Result<std::size_t> diversify_chain(Crypto& crypto, Cipher cipher, ByteSpan root_key,
                                    std::span<const ByteSpan> factors, MutableByteSpan out) {
  if (factors.empty() || !master_key_fits(cipher, root_key)) return Error::kInvalidArgument;
  if (out.size() < kDiversifiedKeySize) return Error::kBufferTooSmall;
  std::array<std::array<std::uint8_t, kDiversifiedKeySize>, 2> levels{};
  ByteSpan key = root_key;
  Status status;
  for (std::size_t i = 0; i < factors.size() && status.ok(); ++i) {
    auto& next = levels[i % 2];
    Result<std::size_t> r = diversify(crypto, cipher, key, factors[i], next);
    status = r.ok() ? Status(kOk) : r.status();
    key = next;
  }
  if (status.ok()) std::copy(key.begin(), key.end(), out.begin());
  for (auto& level : levels) secure_wipe(level);  // intermediate (province, city) keys
  if (!status.ok()) return status;
  return kDiversifiedKeySize;
}

Result<std::size_t> session_key(Crypto& crypto, Cipher cipher, ByteSpan card_key, std::uint16_t atc,
                                MutableByteSpan out) {
  if (!master_key_fits(cipher, card_key)) return Error::kInvalidArgument;
  if (out.size() < kDiversifiedKeySize) return Error::kBufferTooSmall;
  // 000000000000 || ATC || 000000000000 || (ATC xor FFFF): two DES blocks, or one SM4 block.
  std::array<std::uint8_t, kDiversifiedKeySize> input{};
  const auto inverse = static_cast<std::uint16_t>(atc ^ 0xFFFF);
  input[6] = static_cast<std::uint8_t>(atc >> 8);
  input[7] = static_cast<std::uint8_t>(atc);
  input[14] = static_cast<std::uint8_t>(inverse >> 8);
  input[15] = static_cast<std::uint8_t>(inverse);
  SSCARD_TRY(crypto.encrypt_ecb(cipher, card_key, input, out.first(kDiversifiedKeySize)));
  return kDiversifiedKeySize;
}

Result<std::size_t> udk_factor(std::string_view pan, std::uint8_t psn, MutableByteSpan out) {
  constexpr std::size_t kDigits = 16;
  if (pan.empty() || pan.size() > 19 || !all_digits(pan) || psn > 99) return Error::kInvalidArgument;
  if (out.size() < kDigits / 2) return Error::kBufferTooSmall;
  std::array<char, 21> all{};
  std::copy(pan.begin(), pan.end(), all.begin());
  all[pan.size()] = static_cast<char>('0' + psn / 10);
  all[pan.size() + 1] = static_cast<char>('0' + psn % 10);
  const std::size_t count = pan.size() + 2;
  std::array<char, kDigits> digits{};
  std::fill(digits.begin(), digits.end(), '0');
  const std::size_t take = std::min(count, kDigits);
  std::copy_n(all.begin() + static_cast<std::ptrdiff_t>(count - take), take,
              digits.begin() + static_cast<std::ptrdiff_t>(kDigits - take));
  for (std::size_t i = 0; i < kDigits / 2; ++i) {
    out[i] = static_cast<std::uint8_t>(((digits[2 * i] - '0') << 4) | (digits[2 * i + 1] - '0'));
  }
  return kDigits / 2;
}

Result<std::size_t> ssc_city_factor(std::string_view region_code, MutableByteSpan out) {
  if (region_code.size() != 6 || !all_digits(region_code)) return Error::kInvalidArgument;
  if (out.size() < 8) return Error::kBufferTooSmall;
  std::copy(region_code.begin(), region_code.end(), out.begin());
  out[6] = 0x73;  // 's'
  out[7] = 0x78;  // 'x'
  return std::size_t{8};
}

Result<std::size_t> ssc_card_factor(ByteSpan atr, MutableByteSpan out) {
  if (atr.size() < 8) return Error::kInvalidArgument;
  if (out.size() < 8) return Error::kBufferTooSmall;
  const ByteSpan last = atr.last(8);
  std::copy(last.begin(), last.end(), out.begin());
  return std::size_t{8};
}

}  // namespace sscard::crypto

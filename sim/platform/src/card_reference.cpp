#include "sscard/sim/platform/card_reference.h"

#include <array>
#include <cstdint>

namespace sscard::sim::platform {
namespace {

constexpr std::uint8_t kLayoutVersion = 0x01;
constexpr std::size_t kSsnBytes = 9;
constexpr std::size_t kRandomAt = 1 + kSsnBytes;  // 4 random bytes, then 2 zero bytes
constexpr std::size_t kZeroAt = kRandomAt + 4;
constexpr std::uint8_t kCheckX = 0x0A;  // the nibble of the check character X

bool valid_ssn(std::string_view ssn) {
  if (ssn.size() != 18) return false;
  for (std::size_t i = 0; i < 17; ++i) {
    if (ssn[i] < '0' || ssn[i] > '9') return false;
  }
  return (ssn[17] >= '0' && ssn[17] <= '9') || ssn[17] == 'X';
}

std::uint8_t nibble(char c) { return c == 'X' ? kCheckX : static_cast<std::uint8_t>(c - '0'); }

}  // namespace

Result<essc::Reference> make_reference(crypto::Crypto& crypto, ByteSpan reference_key, std::string_view ssn) {
  if (!valid_ssn(ssn) || reference_key.size() != 16) return Error::kInvalidArgument;
  std::array<std::uint8_t, 16> block{};
  block[0] = kLayoutVersion;
  for (std::size_t i = 0; i < kSsnBytes; ++i) {
    block[1 + i] = static_cast<std::uint8_t>((nibble(ssn[2 * i]) << 4) | nibble(ssn[2 * i + 1]));
  }
  // Random bytes make two codes of one holder carry different references: a kiosk cannot link the visits.
  SSCARD_TRY(crypto.random(MutableByteSpan(block.data() + kRandomAt, 4)));
  essc::Reference out{};
  const Status s = crypto.encrypt_ecb(crypto::Cipher::kSm4, reference_key, block, out);
  secure_wipe(block);
  SSCARD_TRY(s);
  return out;
}

Result<std::string> open_reference(crypto::Crypto& crypto, ByteSpan reference_key, const essc::Reference& reference) {
  if (reference_key.size() != 16) return Error::kInvalidArgument;
  std::array<std::uint8_t, 16> block{};
  SSCARD_TRY(crypto.decrypt_ecb(crypto::Cipher::kSm4, reference_key, reference, block));
  bool ok = block[0] == kLayoutVersion && block[kZeroAt] == 0 && block[kZeroAt + 1] == 0;
  std::string ssn;
  for (std::size_t i = 0; ok && i < kSsnBytes; ++i) {
    for (const std::uint8_t n : {static_cast<std::uint8_t>(block[1 + i] >> 4), static_cast<std::uint8_t>(block[1 + i] & 0x0F)}) {
      const bool last = ssn.size() == 17;
      if (n <= 9) ssn.push_back(static_cast<char>('0' + n));
      else if (n == kCheckX && last) ssn.push_back('X');
      else ok = false;
    }
  }
  secure_wipe(block);
  if (!ok) return Error::kNotFound;
  return ssn;
}

}  // namespace sscard::sim::platform

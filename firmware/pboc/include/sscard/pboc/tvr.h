// Terminal verification results (95) and transaction status information (9B), JR/T 0025.6 A.7 (table A.5)
// and A.8 (table A.6): five and two bytes of named bits the kernel sets as the transaction goes on.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"

namespace sscard::pboc {

// A bit as (byte number 1..5) << 8 | mask, so that `TvrBit::kExpiredApplication` reads as "byte 2, b7".
enum class TvrBit : std::uint16_t {
  // byte 1
  kOdaNotPerformed = 0x0180,
  kSdaFailed = 0x0140,
  kIccDataMissing = 0x0120,
  kCardInExceptionFile = 0x0110,
  kDdaFailed = 0x0108,
  kCdaFailed = 0x0104,
  // byte 2
  kDifferentVersions = 0x0280,
  kExpiredApplication = 0x0240,
  kApplicationNotYetEffective = 0x0220,
  kServiceNotAllowed = 0x0210,
  kNewCard = 0x0208,
  // byte 3
  kCardholderVerificationFailed = 0x0380,
  kUnrecognisedCvm = 0x0340,
  kPinTryLimitExceeded = 0x0320,
  kPinPadMissing = 0x0310,
  kPinNotEntered = 0x0308,
  kOnlinePinEntered = 0x0304,
  // byte 4
  kFloorLimitExceeded = 0x0480,
  kLowerOfflineLimitExceeded = 0x0440,
  kUpperOfflineLimitExceeded = 0x0420,
  kRandomlySelectedOnline = 0x0410,
  kMerchantForcedOnline = 0x0408,
  // byte 5
  kDefaultTdolUsed = 0x0580,
  kIssuerAuthenticationFailed = 0x0540,
  kScriptFailedBeforeFinalGac = 0x0520,
  kScriptFailedAfterFinalGac = 0x0510,
};

enum class TsiBit : std::uint16_t {
  kOdaPerformed = 0x0180,
  kCardholderVerificationPerformed = 0x0140,
  kCardRiskManagementPerformed = 0x0120,
  kIssuerAuthenticationPerformed = 0x0110,
  kTerminalRiskManagementPerformed = 0x0108,
  kScriptProcessingPerformed = 0x0104,
};

// A set of flag bits over N bytes; Bit is TvrBit or TsiBit.
template <std::size_t N, typename Bit>
class BitBytes {
 public:
  static constexpr std::size_t kSize = N;

  void set(Bit bit) { bytes_[index(bit)] = static_cast<std::uint8_t>(bytes_[index(bit)] | mask(bit)); }
  bool has(Bit bit) const { return (bytes_[index(bit)] & mask(bit)) != 0; }
  ByteSpan bytes() const { return bytes_; }
  const std::array<std::uint8_t, N>& array() const { return bytes_; }
  friend bool operator==(const BitBytes&, const BitBytes&) = default;

 private:
  static std::size_t index(Bit bit) { return (static_cast<std::size_t>(bit) >> 8) - 1; }
  static std::uint8_t mask(Bit bit) { return static_cast<std::uint8_t>(static_cast<std::uint16_t>(bit) & 0xFF); }
  std::array<std::uint8_t, N> bytes_{};
};

using Tvr = BitBytes<5, TvrBit>;
using Tsi = BitBytes<2, TsiBit>;

// "expired application", "offline data authentication was not performed", ... (the wording of table A.5).
std::string_view tvr_bit_name(TvrBit bit);
std::string_view tsi_bit_name(TsiBit bit);

// The names of the bits set, in byte and bit order, joined by "; "; "none" when no bit is set.
std::string describe_tvr(const Tvr& tvr);
std::string describe_tsi(const Tsi& tsi);

}  // namespace sscard::pboc

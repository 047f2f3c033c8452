#include "sscard/core/atr.h"

namespace sscard::atr {
namespace {

// ISO/IEC 7816-3 8.1: TS 3B = direct convention, 3F = inverse convention (bytes as delivered by the reader,
// already converted).
constexpr std::uint8_t kDirect = 0x3B;
constexpr std::uint8_t kInverse = 0x3F;

// ISO/IEC 7816-3 8.2.2/8.2.3: the high nibble of T0 and of each TDi says which of TA, TB, TC, TD follow
// (bits 5..8 in that order); the low nibble of TDi is a protocol type T.
constexpr std::uint8_t kTdPresent = 0x80;
constexpr std::uint8_t kProtocolT0 = 0;
constexpr std::uint8_t kProtocolT1 = 1;
constexpr std::uint8_t kGlobalT15 = 15;  // global interface bytes, not a protocol

int interface_bytes(std::uint8_t y) {
  return ((y >> 4) & 1) + ((y >> 5) & 1) + ((y >> 6) & 1) + ((y >> 7) & 1);
}

}  // namespace

Result<Atr> parse(ByteSpan atr) {
  if (atr.empty()) return Error::kTruncated;
  if (atr[0] != kDirect && atr[0] != kInverse) return Error::kMalformed;
  if (atr.size() < 2) return Error::kTruncated;

  Atr out;
  const std::size_t historical_count = atr[1] & 0x0Fu;
  std::size_t pos = 2;
  std::uint8_t y = atr[1];  // T0 carries Y1; each TDi carries Y(i+1)
  bool any_td = false;
  bool non_t0_offered = false;
  while (true) {
    const auto count = static_cast<std::size_t>(interface_bytes(y));
    if (atr.size() - pos < count) return Error::kTruncated;
    pos += count;
    if ((y & kTdPresent) == 0) break;
    const std::uint8_t td = atr[pos - 1];  // TDi is the last interface byte of its group
    const std::uint8_t protocol = td & 0x0F;
    if (!any_td && protocol == kGlobalT15) return Error::kMalformed;  // 8.2.3: T=15 is invalid in TD1
    any_td = true;
    out.offers_t0 = out.offers_t0 || protocol == kProtocolT0;
    out.offers_t1 = out.offers_t1 || protocol == kProtocolT1;
    non_t0_offered = non_t0_offered || protocol != kProtocolT0;
    y = td;
  }
  // 8.2.3: without TD1 the only offer is T=0.
  if (!any_td) out.offers_t0 = true;

  if (atr.size() - pos < historical_count) return Error::kTruncated;
  out.historical = atr.subspan(pos, historical_count);
  pos += historical_count;

  // 8.2.5: TCK is absent when only T=0 is indicated; present in every other case (T=15 included). The
  // exclusive-or of T0 through TCK is zero.
  out.has_tck = non_t0_offered;
  if (out.has_tck) {
    if (pos == atr.size()) return Error::kTruncated;
    std::uint8_t check = 0;
    for (std::size_t i = 1; i <= pos; ++i) check ^= atr[i];
    if (check != 0) return Error::kMalformed;
    ++pos;
  }
  if (pos != atr.size()) return Error::kMalformed;
  return out;
}

}  // namespace sscard::atr

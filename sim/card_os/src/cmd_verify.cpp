// VERIFY (ISO/IEC 7816-4 11.5.6) against the PIN with reference 00, and the PIN try shared with CHANGE PIN.
#include <algorithm>

#include "sscard/core/bcd.h"
#include "sscard/sim/card_os.h"

namespace sscard::sim {
namespace {

StatusWord tries_left(std::uint8_t n) { return StatusWord(0x63, static_cast<std::uint8_t>(0xC0 | n)); }

}  // namespace

ByteSpan CardOs::active_pin() const {
  ByteSpan active = eeprom_.read(*pin_offset_ + kPinActive, 1);
  const std::size_t slot = (!active.empty() && active[0] == 1) ? 1 : 0;
  return eeprom_.read(*pin_offset_ + kPinSlots + slot * kPinFieldSize, kPinFieldSize);
}

bool CardOs::pin_matches(std::string_view digits) const {
  if (!pin_offset_ || digits.size() < kMinPinDigits || digits.size() > kMaxPinDigits) return false;
  std::uint8_t candidate[kPinFieldSize];
  std::fill(std::begin(candidate), std::end(candidate), std::uint8_t{0xFF});
  const bool encoded = bcd::encode_cn(digits, candidate).ok();
  const bool match = constant_time_equal(candidate, active_pin());
  secure_wipe(candidate);
  return encoded && match;
}

CardOs::Reply CardOs::try_pin(ByteSpan candidate_bcd) {
  const std::uint8_t tries = *pin_tries_left();
  if (tries == 0) return status(sw::kAuthMethodBlocked);

  // Spend the try before looking at the PIN, so cutting the power after a wrong guess saves nothing
  // (docs/SECURITY.md "PIN try counter and power loss": pre-decrement). The spent try lasts even when the
  // command's transaction is undone.
  const std::uint8_t spent = static_cast<std::uint8_t>(tries - 1);
  if (Reply r = from_write(eeprom_.write_lasting(*pin_offset_ + kPinCounter, ByteSpan(&spent, 1))); r.power_lost) {
    return r;
  }
  std::uint8_t candidate[kPinFieldSize];
  std::fill(std::begin(candidate), std::end(candidate), std::uint8_t{0xFF});
  std::copy(candidate_bcd.begin(), candidate_bcd.end(), std::begin(candidate));
  const bool match = constant_time_equal(candidate, active_pin());
  secure_wipe(candidate);
  if (!match) {
    pin_verified_ = false;
    return status(tries_left(spent));
  }
  if (Reply r = restore_pin_counter(); r.sw != sw::kSuccess || r.power_lost) return r;
  pin_verified_ = true;
  return status(sw::kSuccess);
}

CardOs::Reply CardOs::restore_pin_counter() {
  const std::uint8_t full = pin_max_tries_;
  return from_write(eeprom_.write(*pin_offset_ + kPinCounter, ByteSpan(&full, 1)));
}

CardOs::Reply CardOs::verify(const apdu::Command& cmd) {
  if (cmd.p1 != 0x00) return status(sw::kIncorrectP1P2);
  if (cmd.p2 != 0x00 || !pin_offset_) return status(sw::kReferencedDataNotFound);
  const std::uint8_t tries = *pin_tries_left();

  if (cmd.data.empty()) {
    // No data: report the state without trying (ISO/IEC 7816-4 11.5.6).
    if (tries == 0) return status(sw::kAuthMethodBlocked);
    return status(pin_verified_ ? sw::kSuccess : tries_left(tries));
  }
  // 4..12 digits in BCD: 2..6 bytes.
  if (cmd.data.size() < (kMinPinDigits + 1) / 2 || cmd.data.size() > (kMaxPinDigits + 1) / 2) {
    return status(sw::kWrongLength);
  }
  return try_pin(cmd.data);
}

}  // namespace sscard::sim

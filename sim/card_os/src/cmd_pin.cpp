// CHANGE PIN 80 5E 01 00, PIN RELOAD 80 5E 00 00 (MAC with PRK) and PIN UNBLOCK 84 24 (MAC with PUK), as
// docs/SECURITY.md "PINs" and "MACs" lay them out (PBOC layouts, S10 and S11).
#include <algorithm>

#include "sscard/sim/card_os.h"

namespace sscard::sim {
namespace {

// A PIN field as the card stores it: 4..12 BCD digits, then F nibbles up to a whole byte only.
bool valid_pin_field(ByteSpan bcd) {
  if (bcd.size() < 2 || bcd.size() > 6) return false;
  std::size_t digits = 0;
  bool padding = false;
  for (std::uint8_t b : bcd) {
    for (const std::uint8_t nibble : {static_cast<std::uint8_t>(b >> 4), static_cast<std::uint8_t>(b & 0x0F)}) {
      if (nibble <= 9 && !padding) {
        ++digits;
      } else if (nibble == 0x0F) {
        padding = true;
      } else {
        return false;
      }
    }
  }
  // Padding fills the last byte only: an odd number of digits leaves exactly one F.
  return digits >= CardOs::kMinPinDigits && digits <= CardOs::kMaxPinDigits && (digits + 1) / 2 == bcd.size();
}

}  // namespace

CardOs::Reply CardOs::store_new_pin(ByteSpan pin_bcd) {
  // The new PIN goes into the slot not in use; one byte then switches slots. A power cut before that byte
  // leaves the old PIN, after it the new one: never neither (docs/SECURITY.md "PIN try counter and power loss").
  ByteSpan active = eeprom_.read(*pin_offset_ + kPinActive, 1);
  const std::uint8_t next = (!active.empty() && active[0] == 1) ? 0 : 1;
  std::uint8_t field[kPinFieldSize];
  std::fill(std::begin(field), std::end(field), std::uint8_t{0xFF});
  std::copy(pin_bcd.begin(), pin_bcd.end(), std::begin(field));
  Reply r = from_write(eeprom_.write(*pin_offset_ + kPinSlots + next * kPinFieldSize, field));
  secure_wipe(field);
  if (r.power_lost || r.sw != sw::kSuccess) return r;
  r = from_write(eeprom_.write(*pin_offset_ + kPinActive, ByteSpan(&next, 1)));
  if (r.power_lost || r.sw != sw::kSuccess) return r;
  return restore_pin_counter();
}

CardOs::Reply CardOs::change_or_reload_pin(const apdu::Command& cmd) {
  if (cmd.p2 != 0x00) return status(sw::kIncorrectP1P2);
  if (cmd.p1 == 0x00) return reload_pin(cmd);
  if (cmd.p1 == 0x01) return change_pin(cmd);
  return status(sw::kIncorrectP1P2);
}

CardOs::Reply CardOs::change_pin(const apdu::Command& cmd) {
  if (!pin_offset_) return status(sw::kReferencedDataNotFound);
  // old PIN || FF || new PIN (S10). Nothing is spent on a malformed command.
  const auto separator = std::find(cmd.data.begin(), cmd.data.end(), std::uint8_t{0xFF});
  if (cmd.data.empty()) return status(sw::kWrongLength);
  if (separator == cmd.data.end()) return status(sw::kWrongData);
  const auto at = static_cast<std::size_t>(separator - cmd.data.begin());
  const ByteSpan old_pin = cmd.data.first(at);
  const ByteSpan new_pin = cmd.data.subspan(at + 1);
  if (old_pin.size() < (kMinPinDigits + 1) / 2 || old_pin.size() > (kMaxPinDigits + 1) / 2) {
    return status(sw::kWrongLength);
  }
  if (!valid_pin_field(new_pin)) return status(sw::kWrongData);
  // The old PIN is tried exactly like VERIFY: the try is spent before the comparison.
  Reply r = try_pin(old_pin);
  if (r.power_lost || r.sw != sw::kSuccess) return r;
  return store_new_pin(new_pin);
}

CardOs::Reply CardOs::reload_pin(const apdu::Command& cmd) {
  if (!pin_offset_) return status(sw::kReferencedDataNotFound);
  if (cmd.data.size() < 2 + kMacSizeOnCard || cmd.data.size() > 6 + kMacSizeOnCard) {
    return status(sw::kWrongLength);
  }
  if (const StatusWord mac = check_mac(cmd, KeyRole::kPinReloadMac); mac != sw::kSuccess) return status(mac);
  const ByteSpan new_pin = cmd.data.first(cmd.data.size() - kMacSizeOnCard);
  if (!valid_pin_field(new_pin)) return status(sw::kWrongData);
  pin_verified_ = false;
  return store_new_pin(new_pin);
}

CardOs::Reply CardOs::pin_unblock(const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return status(sw::kIncorrectP1P2);
  if (!pin_offset_) return status(sw::kReferencedDataNotFound);
  if (cmd.data.size() != kMacSizeOnCard) return status(sw::kWrongLength);
  if (const StatusWord mac = check_mac(cmd, KeyRole::kPinUnblockMac); mac != sw::kSuccess) return status(mac);
  // The try counter back to its limit; the PIN itself is unchanged.
  pin_verified_ = false;
  return restore_pin_counter();
}

}  // namespace sscard::sim

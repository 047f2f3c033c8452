#include "store.h"

#include <algorithm>

namespace sscard::sim::pboc::detail {
namespace {

// Amounts are 6 bytes big-endian in the record (n12 fits in 40 bits).
void put_amount(MutableByteSpan out, std::uint64_t v) {
  for (std::size_t i = 6; i-- > 0;) {
    out[i] = static_cast<std::uint8_t>(v & 0xFF);
    v >>= 8;
  }
}

std::uint64_t get_amount(ByteSpan in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 6; ++i) v = (v << 8) | in[i];
  return v;
}

// The record (kStateSize bytes): 0 last online ATC (2), 2 flags, 3 script counter, 4 9F58, 5 9F59, 6 9F14,
// 7 9F23, 8 log head, 9 log count, 10 load-log head, 11 load-log count, 12 9F79, 18 9F77, 24 9F78, 30 9F6D,
// 36 torn amount (6 each), 42 torn log head, 43 torn log count.
void encode(const PersistentState& s, MutableByteSpan out) {
  out[0] = static_cast<std::uint8_t>(s.last_online_atc >> 8);
  out[1] = static_cast<std::uint8_t>(s.last_online_atc);
  out[2] = static_cast<std::uint8_t>((s.online_authorisation ? 0x01 : 0) | (s.issuer_auth_failed ? 0x02 : 0) |
                                     (s.sda_failed ? 0x04 : 0) | (s.dda_failed ? 0x08 : 0) |
                                     (s.script_failed ? 0x10 : 0) | (s.blocked ? 0x20 : 0) | (s.torn ? 0x40 : 0));
  out[3] = s.script_counter;
  out[4] = s.lower_limit;
  out[5] = s.upper_limit;
  out[6] = s.terminal_lower;
  out[7] = s.terminal_upper;
  out[8] = s.log_head;
  out[9] = s.log_count;
  out[10] = s.load_log_head;
  out[11] = s.load_log_count;
  put_amount(out.subspan(12, 6), s.ecash_balance);
  put_amount(out.subspan(18, 6), s.ecash_limit);
  put_amount(out.subspan(24, 6), s.ecash_single_limit);
  put_amount(out.subspan(30, 6), s.ecash_reset_threshold);
  put_amount(out.subspan(36, 6), s.torn_amount);
  out[42] = s.torn_log_head;
  out[43] = s.torn_log_count;
}

PersistentState decode(ByteSpan in) {
  PersistentState s;
  s.last_online_atc = static_cast<std::uint16_t>((in[0] << 8) | in[1]);
  s.online_authorisation = (in[2] & 0x01) != 0;
  s.issuer_auth_failed = (in[2] & 0x02) != 0;
  s.sda_failed = (in[2] & 0x04) != 0;
  s.dda_failed = (in[2] & 0x08) != 0;
  s.script_failed = (in[2] & 0x10) != 0;
  s.blocked = (in[2] & 0x20) != 0;
  s.script_counter = in[3];
  s.lower_limit = in[4];
  s.upper_limit = in[5];
  s.terminal_lower = in[6];
  s.terminal_upper = in[7];
  s.log_head = in[8];
  s.log_count = in[9];
  s.torn = (in[2] & 0x40) != 0;
  s.load_log_head = in[10];
  s.load_log_count = in[11];
  s.ecash_balance = get_amount(in.subspan(12, 6));
  s.ecash_limit = get_amount(in.subspan(18, 6));
  s.ecash_single_limit = get_amount(in.subspan(24, 6));
  s.ecash_reset_threshold = get_amount(in.subspan(30, 6));
  s.torn_amount = get_amount(in.subspan(36, 6));
  s.torn_log_head = in[42];
  s.torn_log_count = in[43];
  return s;
}

}  // namespace

Result<Store> Store::create(Eeprom& eeprom, ByteSpan pin_bcd, std::uint8_t pin_tries, const PersistentState& initial) {
  if (pin_bcd.size() > kPinFieldSize) return Error::kInvalidArgument;
  Store s(eeprom);
  // The ATC must not straddle a page: one spare byte lets it start where both bytes share a page.
  SSCARD_TRY_ASSIGN(std::size_t atc_area, eeprom.allocate(3));
  s.atc_at_ = (atc_area % eeprom.page_size() == eeprom.page_size() - 1) ? atc_area + 1 : atc_area;
  SSCARD_TRY_ASSIGN(s.pin_at_, eeprom.allocate(2 + 2 * kPinFieldSize));
  SSCARD_TRY_ASSIGN(s.state_at_, eeprom.allocate(1 + 2 * kStateSize));
  SSCARD_TRY_ASSIGN(s.log_at_, eeprom.allocate(kLogSlots * kLogRecordSize));
  SSCARD_TRY_ASSIGN(s.load_log_at_, eeprom.allocate(kLogSlots * kLoadLogRecordSize));

  SSCARD_TRY(s.write_atc(0));
  Bytes pin(2 + 2 * kPinFieldSize, 0xFF);
  pin[0] = pin_tries;
  pin[1] = 0;
  std::copy(pin_bcd.begin(), pin_bcd.end(), pin.begin() + 2);
  const Status written = eeprom.write(s.pin_at_, pin);
  secure_wipe(pin);
  SSCARD_TRY(written);
  Bytes state(1 + 2 * kStateSize, 0x00);
  encode(initial, MutableByteSpan(state).subspan(1, kStateSize));
  SSCARD_TRY(eeprom.write(s.state_at_, state));
  return s;
}

std::uint16_t Store::atc() const {
  ByteSpan b = eeprom_->read(atc_at_, 2);
  return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}

Status Store::write_atc(std::uint16_t atc) {
  const std::uint8_t b[] = {static_cast<std::uint8_t>(atc >> 8), static_cast<std::uint8_t>(atc)};
  return eeprom_->write(atc_at_, b);
}

std::uint8_t Store::pin_tries() const { return eeprom_->read(pin_at_, 1)[0]; }

Status Store::write_pin_tries(std::uint8_t tries) { return eeprom_->write(pin_at_, ByteSpan(&tries, 1)); }

Status Store::spend_pin_try(std::uint8_t tries_left) {
  return eeprom_->write_lasting(pin_at_, ByteSpan(&tries_left, 1));
}

ByteSpan Store::active_pin() const {
  const std::size_t slot = eeprom_->read(pin_at_ + 1, 1)[0] == 1 ? 1 : 0;
  return eeprom_->read(pin_at_ + 2 + slot * kPinFieldSize, kPinFieldSize);
}

Status Store::store_new_pin(ByteSpan pin_bcd) {
  if (pin_bcd.size() > kPinFieldSize) return Error::kInvalidArgument;
  const std::uint8_t next = eeprom_->read(pin_at_ + 1, 1)[0] == 1 ? 0 : 1;
  std::uint8_t field[kPinFieldSize];
  std::fill(std::begin(field), std::end(field), std::uint8_t{0xFF});
  std::copy(pin_bcd.begin(), pin_bcd.end(), std::begin(field));
  const Status written = eeprom_->write(pin_at_ + 2 + next * kPinFieldSize, field);
  secure_wipe(field);
  SSCARD_TRY(written);
  return eeprom_->write(pin_at_ + 1, ByteSpan(&next, 1));
}

std::size_t Store::active_state_offset() const {
  const std::size_t copy = eeprom_->read(state_at_, 1)[0] == 1 ? 1 : 0;
  return state_at_ + 1 + copy * kStateSize;
}

PersistentState Store::state() const { return decode(eeprom_->read(active_state_offset(), kStateSize)); }

Status Store::commit(PersistentState next, std::optional<ByteSpan> log_record, std::optional<ByteSpan> load_record) {
  if ((log_record && log_record->size() != kLogRecordSize) ||
      (load_record && load_record->size() != kLoadLogRecordSize)) {
    return Error::kInvalidArgument;
  }
  const PersistentState now = state();
  // The slot after the newest is not among the 10 visible records (11 slots): writing it hides nothing.
  if (log_record) {
    const auto slot = static_cast<std::uint8_t>((now.log_head + 1) % kLogSlots);
    SSCARD_TRY(eeprom_->write(log_at_ + slot * kLogRecordSize, *log_record));
    next.log_head = slot;
    next.log_count = static_cast<std::uint8_t>(std::min<std::size_t>(now.log_count + 1u, kLogRecords));
  }
  if (load_record) {
    const auto slot = static_cast<std::uint8_t>((now.load_log_head + 1) % kLogSlots);
    SSCARD_TRY(eeprom_->write(load_log_at_ + slot * kLoadLogRecordSize, *load_record));
    next.load_log_head = slot;
    next.load_log_count = static_cast<std::uint8_t>(std::min<std::size_t>(now.load_log_count + 1u, kLogRecords));
  }
  const std::uint8_t copy = eeprom_->read(state_at_, 1)[0] == 1 ? 0 : 1;
  std::uint8_t bytes[kStateSize];
  encode(next, bytes);
  SSCARD_TRY(eeprom_->write(state_at_ + 1 + copy * kStateSize, bytes));
  return eeprom_->write(state_at_, ByteSpan(&copy, 1));
}

ByteSpan Store::log_record(std::size_t index) const {
  const PersistentState s = state();
  if (index >= s.log_count) return {};
  const std::size_t slot = (s.log_head + kLogSlots - index) % kLogSlots;
  return eeprom_->read(log_at_ + slot * kLogRecordSize, kLogRecordSize);
}

ByteSpan Store::load_log_record(std::size_t index) const {
  const PersistentState s = state();
  if (index >= s.load_log_count) return {};
  const std::size_t slot = (s.load_log_head + kLogSlots - index) % kLogSlots;
  return eeprom_->read(load_log_at_ + slot * kLoadLogRecordSize, kLoadLogRecordSize);
}

}  // namespace sscard::sim::pboc::detail

// Issuer script commands with secure messaging (PAYMENT.md §6.5, §6.6; JR/T 0025.5 17, B.2–B.14):
// PIN UNBLOCK / PIN CHANGE 84 24, APPLICATION BLOCK 84 1E, APPLICATION UNBLOCK 84 18, UPDATE RECORD of SFI 5
// 04 DC, PUT DATA 9F58 / 9F59 04 DA, and the e-cash load PUT DATA 9F79 04 DA (docs/CONTACTLESS.md §2.4).
#include <algorithm>

#include "application.h"
#include "sscard/crypto/mac.h"
#include "sscard/sim/pboc/card_cryptogram.h"

namespace sscard::sim::pboc::detail {
namespace {

constexpr std::size_t kMacSize = 4;

// The new PIN of a PIN CHANGE (.5 B.10.3.2): D ⊕ D1 (⊕ D4 for P2 01) = 0N ‖ digits ‖ F fill; as BCD, F-padded
// to kPinFieldSize. False when the block is not a PIN.
bool recover_new_pin(ByteSpan d, ByteSpan enc_udk, ByteSpan current_pin_bcd, bool with_current,
                     std::uint8_t (&pin_out)[kPinFieldSize]) {
  std::uint8_t block[8];
  for (std::size_t i = 0; i < 8; ++i) block[i] = static_cast<std::uint8_t>(d[i] ^ (i >= 4 ? enc_udk[i] : 0));
  if (with_current) {
    // D4: the current PIN's digits left-justified, 0-filled (the stored PIN is F-padded).
    for (std::size_t i = 0; i < 8; ++i) {
      const std::uint8_t b = i < current_pin_bcd.size() ? current_pin_bcd[i] : 0xFF;
      const auto hi = static_cast<std::uint8_t>((b >> 4) == 0x0F ? 0 : (b >> 4));
      const auto lo = static_cast<std::uint8_t>((b & 0x0F) == 0x0F ? 0 : (b & 0x0F));
      block[i] = static_cast<std::uint8_t>(block[i] ^ ((hi << 4) | lo));
    }
  }
  const std::size_t n = block[0];
  bool ok = n >= 4 && n <= 12;
  std::fill(std::begin(pin_out), std::end(pin_out), std::uint8_t{0xFF});
  for (std::size_t i = 0; i < 14; ++i) {
    const std::uint8_t b = block[1 + i / 2];
    const auto nibble = static_cast<std::uint8_t>(i % 2 == 0 ? b >> 4 : b & 0x0F);
    if (i < n) {
      ok = ok && nibble <= 9;
      std::uint8_t& out = pin_out[i / 2];
      out = static_cast<std::uint8_t>(i % 2 == 0 ? (nibble << 4) | (out & 0x0F) : (out & 0xF0) | nibble);
    } else {
      ok = ok && nibble == 0x0F;
    }
  }
  secure_wipe(block);
  return ok;
}

}  // namespace

StatusWord PaymentApplication::load_ecash(ByteSpan data, PersistentState& next, Bytes& load_record) {
  // Only in a transaction that went online at GAC1 (the issuer's answer carries the script).
  if (session_.gac1_type != AcType::kArqc) return sw::kConditionsNotSatisfied;
  if (data.size() != 6) return sw::kWrongLength;
  const std::optional<std::uint64_t> balance = from_n12(data);
  // Above the balance limit 9F77: refused, nothing changes (.13 10.4).
  if (!balance || *balance > next.ecash_limit) return sw::kWrongData;
  // Load log ([13] 5.8): P1 P2 ‖ balance before ‖ balance after ‖ ATC ‖ date (9A of this transaction).
  const auto before = to_n12(next.ecash_balance);
  load_record = {0x9F, 0x79};
  load_record.insert(load_record.end(), before.begin(), before.end());
  load_record.insert(load_record.end(), data.begin(), data.end());
  load_record.push_back(static_cast<std::uint8_t>(session_.atc >> 8));
  load_record.push_back(static_cast<std::uint8_t>(session_.atc));
  const ByteSpan date = ByteSpan(session_.cdol1_data).subspan(21, 3);
  load_record.insert(load_record.end(), date.begin(), date.end());
  next.ecash_balance = *balance;
  return sw::kSuccess;
}

StatusWord PaymentApplication::script_effect(crypto::Crypto& crypto, const apdu::Command& cmd, ByteSpan data,
                                             PersistentState& next, Status& pin_write, Bytes& load_record) {
  switch (cmd.ins) {
    case 0x1E:  // APPLICATION BLOCK (.5 B.2)
    case 0x18:  // APPLICATION UNBLOCK (.5 B.3)
      if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return sw::kIncorrectP1P2;
      if (!data.empty()) return sw::kWrongLength;
      next.blocked = cmd.ins == 0x1E;
      return sw::kSuccess;
    case 0xDC: {  // UPDATE RECORD of SFI 5 record 1: 70 08 9F14 01 l 9F23 01 u (.5 17.5, B.14)
      if (cmd.p1 != 0x01 || cmd.p2 != 0x2C) return sw::kIncorrectP1P2;
      if (data.size() != 10) return sw::kWrongLength;
      const bool form = data[0] == 0x70 && data[1] == 0x08 && data[2] == 0x9F && data[3] == 0x14 && data[4] == 0x01 &&
                        data[6] == 0x9F && data[7] == 0x23 && data[8] == 0x01;
      if (!form || data[5] > data[9]) return sw::kWrongData;
      next.terminal_lower = data[5];
      next.terminal_upper = data[9];
      return sw::kSuccess;
    }
    case 0xDA: {  // PUT DATA 9F58 / 9F59 (.5 B.11), 9F79 (.13 10.4 table 15)
      if (cmd.p1 == 0x9F && cmd.p2 == 0x79 && data_.ecash) return load_ecash(data, next, load_record);
      if (cmd.p1 != 0x9F || (cmd.p2 != 0x58 && cmd.p2 != 0x59)) return sw::kReferencedDataNotFound;
      if (data.size() != 1) return sw::kWrongLength;
      (cmd.p2 == 0x58 ? next.lower_limit : next.upper_limit) = data[0];
      return sw::kSuccess;
    }
    case 0x24: {  // PIN CHANGE / UNBLOCK (.5 B.10)
      if (cmd.p1 != 0x00 || (cmd.p2 != 0x00 && cmd.p2 != 0x01 && cmd.p2 != 0x02)) return sw::kIncorrectP1P2;
      if (cmd.p2 == 0x00) {
        if (!data.empty()) return sw::kWrongLength;
        pin_write = store_.write_pin_tries(data_.pin_max_tries);
        return sw::kSuccess;
      }
      if (data.size() != 16) return sw::kWrongLength;
      // Ld ‖ D enciphered under the ENC session key, ECB, padded 80 00.. (§6.5): 08 ‖ D ‖ 80 00…
      auto key = session_key_of(crypto, session_.set, keys().enc, session_.atc);
      if (!key.ok()) return sw::kConditionsNotSatisfied;
      std::uint8_t plain[16];
      const Status s = crypto.decrypt_ecb(cipher_of(session_.set), *key, data, plain);
      secure_wipe(*key);
      bool ok = s.ok() && plain[0] == 0x08 && plain[9] == 0x80;
      for (std::size_t i = 10; i < 16; ++i) ok = ok && plain[i] == 0x00;
      std::uint8_t pin[kPinFieldSize];
      ok = ok && recover_new_pin(ByteSpan(plain).subspan(1, 8), keys().enc, store_.active_pin(), cmd.p2 == 0x01, pin);
      secure_wipe(plain);
      if (!ok) {
        secure_wipe(pin);
        return sw::kWrongData;
      }
      pin_write = store_.store_new_pin(pin);
      secure_wipe(pin);
      if (pin_write.ok()) pin_write = store_.write_pin_tries(data_.pin_max_tries);
      return sw::kSuccess;
    }
    default:
      return sw::kInsNotSupported;
  }
}

CommandReply PaymentApplication::script(CardOs& card, const apdu::Command& cmd) {
  // Only after a GAC1 of this session (P26).
  if (session_.gac_count == 0) return sw_reply(sw::kConditionsNotSatisfied);
  crypto::Crypto* crypto = card.crypto();
  if (crypto == nullptr) return sw_reply(sw::kConditionsNotSatisfied);
  PersistentState next = store_.state();
  // Every secure-messaging command counts; a missing or wrong MAC or a failed command sets the script
  // failure indicator (.5 17.6.4).
  next.script_counter = static_cast<std::uint8_t>(std::min<int>(next.script_counter + 1, 15));
  StatusWord result = sw::kSuccess;
  Status pin_write = kOk;
  Bytes load_record;
  if (session_.script_refused) {
    // After a wrong MAC or a failed issuer authentication, nothing more runs (.5 17.6.2, 17.6.3).
    result = sw::kConditionsNotSatisfied;
  } else if (cmd.data.size() < kMacSize) {
    result = sw::kIncorrectMac;
  } else {
    const ByteSpan data = cmd.data.first(cmd.data.size() - kMacSize);
    // CLA INS P1 P2 Lc ‖ ATC ‖ GAC1 cryptogram ‖ data (§6.5), MAC session key, leftmost 4 bytes.
    Bytes input{cmd.cla, cmd.ins, cmd.p1, cmd.p2, static_cast<std::uint8_t>(cmd.data.size()),
                static_cast<std::uint8_t>(session_.atc >> 8), static_cast<std::uint8_t>(session_.atc)};
    input.insert(input.end(), session_.gac1_ac.begin(), session_.gac1_ac.end());
    input.insert(input.end(), data.begin(), data.end());
    auto key = session_key_of(*crypto, session_.set, keys().mac, session_.atc);
    std::uint8_t mac[kMacSize];
    const auto scheme = session_.set == DataSet::kSm ? crypto::MacScheme::kSm4 : crypto::MacScheme::kRetail;
    const bool right = key.ok() && crypto::command_mac(*crypto, scheme, *key, {}, input, mac).ok() &&
                       constant_time_equal(mac, cmd.data.last(kMacSize));
    if (key.ok()) secure_wipe(*key);
    if (!right) {
      result = sw::kIncorrectMac;
      session_.script_refused = true;
    } else {
      result = script_effect(*crypto, cmd, data, next, pin_write, load_record);
      if (!pin_write.ok()) return write_failed(pin_write);
    }
  }
  if (result != sw::kSuccess) {
    next.script_failed = true;
    next.ecash_balance = store_.state().ecash_balance;  // a refused load changes no balance
    load_record.clear();
  }
  // The balance and its load-log record become valid together (CONTACTLESS.md §2.5).
  const Status s = load_record.empty() ? store_.commit(next) : store_.commit(next, std::nullopt, ByteSpan(load_record));
  if (!s.ok()) return write_failed(s);
  return sw_reply(result);
}

}  // namespace sscard::sim::pboc::detail

// Cardholder verification ([6] 7.7, [5] A.1 tag 8E; PAYMENT.md §6.7–6.9, §8.2 step 6).
#include <algorithm>
#include <array>

#include "sscard/core/tlv.h"
#include "sscard/crypto/pin_block.h"
#include "sscard/pboc/commands.h"
#include "session.h"

namespace sscard::pboc::detail {
namespace {

enum class RuleResult : std::uint8_t {
  kSucceeded,  // CVM results byte 3: 02
  kUnknown,    // performed, the result is known later (online PIN, signature): 00
  kFailed,     // the rule failed
  kStop,       // the transaction ended (card error); the record says why
};

// CVM codes, bits 6..1 of the first byte ([5] A.1 8E).
constexpr std::uint8_t kCvmFail = 0x00;
constexpr std::uint8_t kCvmPlaintextPin = 0x01;
constexpr std::uint8_t kCvmOnlinePin = 0x02;
constexpr std::uint8_t kCvmEncipheredPin = 0x04;
constexpr std::uint8_t kCvmSignature = 0x1E;
constexpr std::uint8_t kCvmNoCvm = 0x1F;
constexpr std::uint8_t kApplyNextIfFailed = 0x40;

std::uint32_t be32(ByteSpan b) {
  return (static_cast<std::uint32_t>(b[0]) << 24) | (static_cast<std::uint32_t>(b[1]) << 16) |
         (static_cast<std::uint32_t>(b[2]) << 8) | b[3];
}

bool terminal_supports(const Session& s, std::uint8_t cvm) {
  const std::uint8_t caps = s.ctx.terminal.capabilities[1];
  switch (cvm) {
    case kCvmPlaintextPin: return (caps & 0x80) != 0;
    case kCvmOnlinePin: return (caps & 0x40) != 0 && s.ctx.terminal.pin_encryption_key.has_value();
    // Enciphered offline PIN uses the ICC RSA key: the RSA data set only (P11).
    case kCvmEncipheredPin: return (caps & 0x10) != 0 && s.rec.data_set == DataSet::kRsa;
    case kCvmSignature: return (caps & 0x20) != 0;
    case kCvmNoCvm: return (caps & 0x08) != 0;
    default: return false;
  }
}

bool is_known_cvm(std::uint8_t cvm) {
  return cvm == kCvmFail || cvm == kCvmPlaintextPin || cvm == kCvmOnlinePin || cvm == 0x03 ||
         cvm == kCvmEncipheredPin || cvm == 0x05 || cvm == kCvmSignature || cvm == kCvmNoCvm;
}

// [5] A.1 8E condition codes 00-09.
bool condition_satisfied(const Session& s, std::uint8_t condition, std::uint8_t cvm, std::uint32_t x,
                         std::uint32_t y) {
  const std::uint8_t type = s.req.transaction_type;
  const bool unattended = is_unattended(s.ctx.terminal);
  const bool cash = type == 0x01;
  const bool cashback = type == 0x09;
  bool in_application_currency = false;
  if (const auto currency = s.card.find(0x9F42)) {
    in_application_currency = std::equal(currency->begin(), currency->end(), s.ctx.terminal.currency_code.begin(),
                                         s.ctx.terminal.currency_code.end());
  }
  const std::uint64_t amount = s.req.amount_fen;
  switch (condition) {
    case 0x00: return true;
    case 0x01: return cash && unattended;
    case 0x02: return !cash && !cashback;
    case 0x03: return terminal_supports(s, cvm);
    case 0x04: return cash && !unattended;
    case 0x05: return cashback;
    case 0x06: return in_application_currency && amount < x;
    case 0x07: return in_application_currency && amount > x;
    case 0x08: return in_application_currency && amount < y;
    case 0x09: return in_application_currency && amount > y;
    default: return false;  // not understood: the next rule
  }
}

// Reads a PIN; false with the TVR bit set when none came.
bool read_pin(Session& s, hal::PinBuffer& pin) {
  if (s.ctx.pinpad == nullptr) {
    s.rec.tvr.set(TvrBit::kPinPadMissing);
    return false;
  }
  const hal::PinPadError error = s.ctx.pinpad->read_pin(hal::PinPrompt::kPin, pin);
  if (error == hal::PinPadError::kNone) return true;
  s.rec.tvr.set(error == hal::PinPadError::kNotConnected ? TvrBit::kPinPadMissing : TvrBit::kPinNotEntered);
  return false;
}

// GET DATA 9F17 before an offline PIN: a counter at 0 fails the rule without asking for a PIN.
RuleResult check_try_counter(Session& s) {
  const auto response = s.send(get_data(0x9F17));
  if (!response.ok()) {
    s.communication_failure(Step::kCardholderVerification, response.status());
    return RuleResult::kStop;
  }
  if (response->sw.is_success()) {
    const auto counter = tlv::decode(response->data);
    if (counter.ok() && counter->tag == 0x9F17 && counter->value.size() == 1) {
      s.rec.pin_tries_left = counter->value[0];
      if (counter->value[0] == 0) {
        s.rec.tvr.set(TvrBit::kPinTryLimitExceeded);
        return RuleResult::kFailed;
      }
    }
  }
  return RuleResult::kSucceeded;
}

// The enciphered PIN data of §6.8: (7F || block || challenge || random)^e mod n.
Result<std::size_t> encipher_pin(Session& s, ByteSpan block, ByteSpan challenge, MutableByteSpan out) {
  const RsaKey& key = *s.icc_key;
  const std::size_t n = key.modulus.size();
  if (n < 17 || out.size() < n) return Error::kInvalidArgument;
  std::array<std::uint8_t, 256> x{};
  x[0] = 0x7F;
  std::copy(block.begin(), block.end(), x.begin() + 1);
  std::copy(challenge.begin(), challenge.end(), x.begin() + 9);
  Status status = s.ctx.crypto.random(MutableByteSpan(x.data() + 17, n - 17));
  Result<std::size_t> result = status.ok() ? s.ctx.crypto.rsa_public(key.modulus, key.exponent,
                                                                      ByteSpan(x.data(), n), out)
                                           : Result<std::size_t>(status);
  secure_wipe(x);
  return result;
}

RuleResult offline_pin(Session& s, bool enciphered) {
  if (s.ctx.pinpad == nullptr) {
    s.rec.tvr.set(TvrBit::kPinPadMissing);
    return RuleResult::kFailed;
  }
  // Without the ICC key there is nothing to encipher with: the rule fails before any command.
  if (enciphered && !recover_icc_rsa_key(s)) return RuleResult::kFailed;
  const RuleResult counter = check_try_counter(s);
  if (counter != RuleResult::kSucceeded) return counter;
  while (true) {
    hal::PinBuffer pin;
    if (!read_pin(s, pin)) return RuleResult::kFailed;
    std::array<std::uint8_t, crypto::kPinBlockSize> block{};
    const auto built = crypto::build_pin_block(crypto::PinBlockFormat::kFormat2, pin.digits(), {}, {}, block);
    pin.clear();
    if (!built.ok()) {
      s.rec.tvr.set(TvrBit::kPinNotEntered);
      return RuleResult::kFailed;
    }
    Result<apdu::Response> response = Error::kInternal;
    if (enciphered) {
      const auto challenge_answer = s.send(get_challenge());
      if (!challenge_answer.ok()) {
        secure_wipe(block);
        s.communication_failure(Step::kCardholderVerification, challenge_answer.status());
        return RuleResult::kStop;
      }
      if (!challenge_answer->sw.is_success() || challenge_answer->data.size() != 8) {
        secure_wipe(block);
        return RuleResult::kFailed;
      }
      std::array<std::uint8_t, 8> challenge{};
      std::copy(challenge_answer->data.begin(), challenge_answer->data.end(), challenge.begin());
      std::array<std::uint8_t, 256> enciphered_pin{};
      const auto length = encipher_pin(s, block, challenge, enciphered_pin);
      secure_wipe(block);
      if (!length.ok()) return RuleResult::kFailed;
      response = s.send(verify(kVerifyEnciphered, ByteSpan(enciphered_pin.data(), *length)));
    } else {
      response = s.send(verify(kVerifyPlaintext, block));
      secure_wipe(block);
    }
    if (!response.ok()) {
      s.communication_failure(Step::kCardholderVerification, response.status());
      return RuleResult::kStop;
    }
    const StatusWord sw = response->sw;
    if (sw.is_success()) return RuleResult::kSucceeded;
    if (sw.is_tries_left()) {
      s.rec.pin_tries_left = static_cast<std::uint8_t>(sw.tries_left());
      if (sw.tries_left() > 0) continue;  // wrong PIN: ask again ([6] 7.7.3)
      s.rec.tvr.set(TvrBit::kPinTryLimitExceeded);
      return RuleResult::kFailed;
    }
    if (sw == sw::kAuthMethodBlocked || sw == sw::kReferenceDataInvalidated) {
      s.rec.pin_tries_left = 0;
      s.rec.tvr.set(TvrBit::kPinTryLimitExceeded);
      return RuleResult::kFailed;
    }
    s.unexpected_status(Step::kCardholderVerification, sw);
    return RuleResult::kStop;
  }
}

RuleResult online_pin(Session& s) {
  hal::PinBuffer pin;
  if (!read_pin(s, pin)) return RuleResult::kFailed;
  std::array<std::uint8_t, crypto::kPinBlockSize> block{};
  const auto built = crypto::build_pin_block(crypto::PinBlockFormat::kFormat0, pin.digits(), s.rec.pan, {}, block);
  pin.clear();
  if (!built.ok()) {
    s.rec.tvr.set(TvrBit::kPinNotEntered);
    return RuleResult::kFailed;
  }
  std::array<std::uint8_t, 8> enciphered{};
  // 3DES-ECB under the kiosk's PEK, used as a 2-key key (§6.9).
  const Status status =
      s.ctx.crypto.encrypt_ecb(crypto::Cipher::kTdes, *s.ctx.terminal.pin_encryption_key, block, enciphered);
  secure_wipe(block);
  if (!status.ok()) return RuleResult::kFailed;
  s.online_pin_block = enciphered;
  s.rec.tvr.set(TvrBit::kOnlinePinEntered);
  return RuleResult::kUnknown;
}

RuleResult perform(Session& s, std::uint8_t cvm) {
  switch (cvm) {
    case kCvmPlaintextPin: return offline_pin(s, false);
    case kCvmEncipheredPin: return offline_pin(s, true);
    case kCvmOnlinePin: return online_pin(s);
    case kCvmSignature: return RuleResult::kUnknown;
    case kCvmNoCvm: return RuleResult::kSucceeded;
    default: return RuleResult::kFailed;
  }
}

Cvm cvm_of(std::uint8_t code) {
  switch (code) {
    case kCvmPlaintextPin: return Cvm::kOfflinePin;
    case kCvmEncipheredPin: return Cvm::kOfflineEncipheredPin;
    case kCvmOnlinePin: return Cvm::kOnlinePin;
    case kCvmNoCvm: return Cvm::kNoCvmRequired;
    default: return Cvm::kNone;
  }
}

}  // namespace

bool verify_cardholder(Session& s) {
  if ((s.rec.aip[0] & 0x10) == 0) {
    s.rec.cvm_results = {0x3F, 0x00, 0x00};
    s.note(Step::kCardholderVerification, true, "the card does not ask for cardholder verification");
    return true;
  }
  const auto list = s.card.find(0x8E);
  if (!list || list->size() < 10 || list->size() % 2 != 0) {
    s.rec.tvr.set(TvrBit::kIccDataMissing);
    s.rec.cvm_results = {0x3F, 0x00, 0x00};
    s.note(Step::kCardholderVerification, false, "no CVM list");
    return true;
  }
  s.rec.tsi.set(TsiBit::kCardholderVerificationPerformed);
  const Bytes rules(list->begin(), list->end());
  const std::uint32_t x = be32(ByteSpan(rules).first(4));
  const std::uint32_t y = be32(ByteSpan(rules).subspan(4, 4));
  for (std::size_t i = 8; i < rules.size(); i += 2) {
    const std::uint8_t code = rules[i];
    const std::uint8_t cvm = code & 0x3F;
    const std::uint8_t condition = rules[i + 1];
    if (!condition_satisfied(s, condition, cvm, x, y)) continue;
    RuleResult result = RuleResult::kFailed;
    if (!is_known_cvm(cvm)) {
      s.rec.tvr.set(TvrBit::kUnrecognisedCvm);
    } else if (terminal_supports(s, cvm)) {
      result = perform(s, cvm);
    }
    if (result == RuleResult::kStop) return false;
    if (result == RuleResult::kSucceeded || result == RuleResult::kUnknown) {
      s.rec.cvm = cvm_of(cvm);
      s.rec.cvm_results = {code, condition, static_cast<std::uint8_t>(result == RuleResult::kSucceeded ? 0x02 : 0x00)};
      s.note(Step::kCardholderVerification, true, "cardholder verified");
      return true;
    }
    // A failed rule: the next one only when its b7 says so ([5] A.1 8E).
    if ((code & kApplyNextIfFailed) == 0 || cvm == kCvmFail) {
      s.rec.cvm = Cvm::kFailed;
      s.rec.tvr.set(TvrBit::kCardholderVerificationFailed);
      s.rec.cvm_results = {code, condition, 0x01};
      s.note(Step::kCardholderVerification, false, "cardholder verification failed");
      return true;
    }
  }
  s.rec.cvm = Cvm::kFailed;
  s.rec.tvr.set(TvrBit::kCardholderVerificationFailed);
  s.rec.cvm_results = {0x3F, 0x00, 0x01};
  s.note(Step::kCardholderVerification, false, "no CVM of the list succeeded");
  return true;
}

}  // namespace sscard::pboc::detail

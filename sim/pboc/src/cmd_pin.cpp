// VERIFY of the application's PIN: plaintext (format 2 block, JR/T 0025.5 B.15) and, RSA set only,
// enciphered with the ICC key (PAYMENT.md §6.8, P11, P32).
#include <algorithm>

#include "application.h"
#include "sscard/core/bcd.h"
#include "sscard/crypto/pin_block.h"

namespace sscard::sim::pboc::detail {
namespace {

constexpr std::size_t kEncipheredSize = 128;

StatusWord tries_left(std::uint8_t n) { return StatusWord(0x63, static_cast<std::uint8_t>(0xC0 | n)); }

}  // namespace

CommandReply PaymentApplication::try_pin(ByteSpan block) {
  // A malformed block costs no try (6A 80).
  char digits[crypto::kPinBlockSize * 2] = {};
  auto n = crypto::parse_pin_block(crypto::PinBlockFormat::kFormat2, block, {}, digits);
  if (!n.ok()) return sw_reply(sw::kWrongData);
  std::uint8_t candidate[kPinFieldSize];
  std::fill(std::begin(candidate), std::end(candidate), std::uint8_t{0xFF});
  const bool encoded = bcd::encode_cn(std::string_view(digits, *n), candidate).ok();
  secure_wipe(MutableByteSpan(reinterpret_cast<std::uint8_t*>(digits), sizeof digits));
  if (!encoded) return sw_reply(sw::kWrongData);

  session_.verify_received = true;
  session_.cvr[1] |= 0x04;
  const std::uint8_t tries = store_.pin_tries();
  if (tries == 0) {
    session_.cvr[2] |= 0x40;
    session_.cvr[1] |= 0x02;
    secure_wipe(candidate);
    return sw_reply(session_.pin_exhausted_now ? sw::kAuthMethodBlocked : sw::kReferenceDataInvalidated);
  }
  // The try is spent before the comparison (S17, SECURITY.md "PIN try counter and power loss").
  const auto spent = static_cast<std::uint8_t>(tries - 1);
  if (const Status s = store_.spend_pin_try(spent); !s.ok()) {
    secure_wipe(candidate);
    return write_failed(s);
  }
  const bool match = constant_time_equal(candidate, store_.active_pin());
  secure_wipe(candidate);
  if (!match) {
    session_.cvr[1] |= 0x02;
    if (spent == 0) {
      session_.pin_exhausted_now = true;
      session_.cvr[2] |= 0x40;
    }
    return sw_reply(tries_left(spent));
  }
  if (const Status s = store_.write_pin_tries(data_.pin_max_tries); !s.ok()) return write_failed(s);
  session_.cvr[1] = static_cast<std::uint8_t>(session_.cvr[1] & ~0x02);
  return sw_reply(sw::kSuccess);
}

CommandReply PaymentApplication::verify(CardOs& card, const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || (cmd.p2 != 0x80 && cmd.p2 != 0x88)) return sw_reply(sw::kIncorrectP1P2);
  if (cmd.p2 == 0x80) {
    if (cmd.data.size() != crypto::kPinBlockSize) return sw_reply(sw::kWrongLength);
    if (!session_.gpo_done) return sw_reply(sw::kConditionsNotSatisfied);
    return try_pin(cmd.data);
  }
  // Enciphered: the RSA set only (P11).
  if (cmd.data.size() != kEncipheredSize) return sw_reply(sw::kWrongLength);
  if (!session_.gpo_done) return sw_reply(sw::kConditionsNotSatisfied);
  if (session_.set != DataSet::kRsa) return sw_reply(sw::kIncorrectP1P2);
  if (session_.challenge.size() != 8) return sw_reply(sw::kConditionsNotSatisfied);
  const Bytes challenge = std::move(session_.challenge);  // consumed whatever the outcome
  session_.challenge.clear();
  crypto::Crypto* crypto = card.crypto();
  if (crypto == nullptr) return sw_reply(sw::kConditionsNotSatisfied);
  std::uint8_t x[kEncipheredSize];
  auto n = crypto->rsa_private(data_.rsa.icc_modulus, data_.rsa.icc_private_exponent, cmd.data, x);
  // X = 7F ‖ PIN block ‖ challenge ‖ pad (§6.8); anything else is 6A 80 with no try spent (P32).
  const bool well_formed = n.ok() && *n == kEncipheredSize && x[0] == 0x7F &&
                           constant_time_equal(ByteSpan(x).subspan(9, 8), challenge);
  CommandReply r = well_formed ? try_pin(ByteSpan(x).subspan(1, crypto::kPinBlockSize)) : sw_reply(sw::kWrongData);
  secure_wipe(x);
  return r;
}

}  // namespace sscard::sim::pboc::detail

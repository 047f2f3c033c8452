// GET CHALLENGE (ISO/IEC 7816-4 11.5.3) and GET RESPONSE (ISO/IEC 7816-4 11.7.1, 7816-3 12.2.4).
#include <algorithm>

#include "sscard/sim/card_os.h"

namespace sscard::sim {

CardOs::Reply CardOs::get_challenge(const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return status(sw::kIncorrectP1P2);
  // 4 bytes (PBOC), 8 bytes (3DES authentication), 16 bytes (SM4, 3rd generation).
  if (!cmd.data.empty() || (cmd.ne != 4 && cmd.ne != 8 && cmd.ne != 16)) return status(sw::kWrongLength);
  // The challenge is kept for one EXTERNAL AUTHENTICATE or one MAC (docs/SECURITY.md).
  challenge_.assign(cmd.ne, 0x00);
  fill_random(challenge_);
  return data_reply(challenge_);
}

CardOs::Reply CardOs::get_response(const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return status(sw::kIncorrectP1P2);
  if (!cmd.data.empty()) return status(sw::kWrongLength);
  if (pending_response_.empty()) return status(sw::kConditionsNotSatisfied);
  const std::size_t available = pending_response_.size();
  std::size_t n = cmd.ne;
  if (n == apdu::kMaxShortNe) {
    n = std::min(available, apdu::kMaxShortNe);  // Le = 00: everything, 256 at most
  } else if (n > available) {
    return status(StatusWord(0x6C, static_cast<std::uint8_t>(available & 0xFF)));
  }
  Reply r;
  r.data.assign(pending_response_.begin(), pending_response_.begin() + static_cast<std::ptrdiff_t>(n));
  pending_response_.erase(pending_response_.begin(), pending_response_.begin() + static_cast<std::ptrdiff_t>(n));
  const std::size_t rest = std::min(pending_response_.size(), apdu::kMaxShortNe);
  r.sw = rest == 0 ? sw::kSuccess : StatusWord(0x61, static_cast<std::uint8_t>(rest & 0xFF));
  return r;
}

}  // namespace sscard::sim

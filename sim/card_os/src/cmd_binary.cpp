// READ BINARY and UPDATE BINARY (ISO/IEC 7816-4 11.3.3, 11.3.5), even INS (offset in P1-P2 or SFI in P1).
#include <algorithm>

#include "sscard/sim/card_os.h"

namespace sscard::sim {

CardOs::BinaryTarget CardOs::binary_target(const apdu::Command& cmd) {
  if (cmd.p1 & 0x80) {
    // P1 = 1 00 sssss: SFI in b5-b1, offset in P2.
    const auto sfi = static_cast<std::uint8_t>(cmd.p1 & 0x1F);
    if ((cmd.p1 & 0x60) != 0 || sfi == 0 || sfi == 31) return {std::nullopt, 0, sw::kIncorrectP1P2};
    EfTarget t = target_ef(sfi, FileKind::kTransparent);
    return {t.ef, cmd.p2, t.error};
  }
  EfTarget t = target_ef(0, FileKind::kTransparent);
  return {t.ef, static_cast<std::size_t>((cmd.p1 << 8) | cmd.p2), t.error};
}

CardOs::Reply CardOs::read_binary(const apdu::Command& cmd) {
  if (!cmd.data.empty()) return status(sw::kWrongLength);
  BinaryTarget t = binary_target(cmd);
  if (!t.ef) return status(t.error);
  const FileNode& ef = fs_.node(*t.ef);
  if (!satisfied(ef.read)) return status(sw::kSecurityNotSatisfied);
  if (t.offset >= ef.size) return status(sw::kWrongP1P2);
  const std::size_t available = std::min(ef.size - t.offset, apdu::kMaxShortNe);
  // Le = 00 asks for everything up to 256 bytes; a shorter Le is a partial read; a longer one (or none)
  // gets 6Cxx with the number of bytes there are.
  std::size_t n = cmd.ne == apdu::kMaxShortNe ? available : cmd.ne;
  if (cmd.ne == 0 || n > available) {
    return status(StatusWord(0x6C, static_cast<std::uint8_t>(available & 0xFF)));
  }
  ByteSpan bytes = fs_.binary(*t.ef).subspan(t.offset, n);
  return data_reply(Bytes(bytes.begin(), bytes.end()));
}

CardOs::Reply CardOs::update_binary(const apdu::Command& cmd) {
  if (cmd.data.empty()) return status(sw::kWrongLength);
  BinaryTarget t = binary_target(cmd);
  if (!t.ef) return status(t.error);
  const FileNode& ef = fs_.node(*t.ef);
  if (!satisfied(ef.update)) return status(sw::kSecurityNotSatisfied);
  if (t.offset >= ef.size) return status(sw::kWrongP1P2);
  if (cmd.data.size() > ef.size - t.offset) return status(sw::kNotEnoughMemory);
  return from_write(fs_.write_binary(*t.ef, t.offset, cmd.data));
}

}  // namespace sscard::sim

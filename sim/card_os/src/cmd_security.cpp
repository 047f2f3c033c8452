// The security commands of docs/SECURITY.md: keys in the Eeprom, INTERNAL AUTHENTICATE (ISO/IEC 7816-4
// 11.5.2), EXTERNAL AUTHENTICATE (11.5.4), the MAC check of the MAC-protected commands, and APPLICATION
// BLOCK / UNBLOCK with a persistent block state. Every comparison of a cryptogram or MAC is constant-time.
#include <algorithm>

#include "sscard/sim/card_os.h"
#include "sscard/sim/security.h"

namespace sscard::sim {

Status CardOs::add_key(KeyRole role, std::uint8_t id, crypto::Cipher cipher, ByteSpan key) {
  if (key.size() != kKeySize) return Error::kInvalidArgument;
  if (cipher != crypto::Cipher::kTdes && cipher != crypto::Cipher::kSm4) return Error::kInvalidArgument;
  for (KeySlot& slot : keys_) {
    if (slot.role == role && slot.id == id) {
      slot.cipher = cipher;
      return eeprom_.write(slot.offset, key);
    }
  }
  SSCARD_TRY_ASSIGN(const std::size_t offset, eeprom_.allocate(kKeySize));
  SSCARD_TRY(eeprom_.write(offset, key));
  keys_.push_back(KeySlot{role, id, cipher, offset});
  return kOk;
}

bool CardOs::has_key(KeyRole role, std::uint8_t id) const { return find_key(role, id) != nullptr; }

const CardOs::KeySlot* CardOs::find_key(KeyRole role, std::uint8_t id) const {
  for (const KeySlot& slot : keys_) {
    if (slot.role == role && slot.id == id) return &slot;
  }
  return nullptr;
}

ByteSpan CardOs::key_bytes(const KeySlot& slot) const { return eeprom_.read(slot.offset, kKeySize); }

Bytes CardOs::take_challenge() {
  Bytes c = std::move(challenge_);
  challenge_.clear();
  return c;
}

void CardOs::fill_random(MutableByteSpan out) {
  if (random_source_) {
    random_source_(out);
    return;
  }
  if (config_.crypto && config_.crypto->random(out).ok()) return;
  std::uniform_int_distribution<unsigned> byte(0, 255);
  for (auto& b : out) b = static_cast<std::uint8_t>(byte(rng_));
}

CardOs::Reply CardOs::internal_authenticate(const apdu::Command& cmd) {
  if (cmd.p1 != 0x00) return status(sw::kIncorrectP1P2);
  // PF (8) || D (8) (S7).
  if (cmd.data.size() != 2 * kFactorSize) return status(sw::kWrongLength);
  const KeySlot* key = find_key(KeyRole::kInternalAuth, cmd.p2);
  if (key == nullptr || !config_.crypto) return status(sw::kReferencedDataNotFound);
  // R = Enc8(Div(K_IRK, PF), D).
  std::uint8_t process_key[kKeySize];
  Bytes r(kEnc8Size);
  Status s = diversify_key(*config_.crypto, key->cipher, key_bytes(*key), cmd.data.first(kFactorSize), process_key);
  if (s.ok()) s = enc8(*config_.crypto, key->cipher, process_key, cmd.data.subspan(kFactorSize), r);
  secure_wipe(process_key);
  if (!s.ok()) return status(sw::kNoPreciseDiagnosis);
  return data_reply(std::move(r));
}

CardOs::Reply CardOs::external_authenticate(const apdu::Command& cmd) {
  // A challenge is good for one EXTERNAL AUTHENTICATE, right or wrong.
  const Bytes issued = take_challenge();
  if (cmd.p1 != 0x00) return status(sw::kIncorrectP1P2);
  const KeySlot* key = find_key(KeyRole::kExternalAuth, cmd.p2);
  if (key == nullptr || !config_.crypto) return status(sw::kReferencedDataNotFound);
  // 3DES: A (8) || C (8); SM4: A || C || 01 (docs/CARD.md).
  const bool sm4 = key->cipher == crypto::Cipher::kSm4;
  if (cmd.data.size() != 2 * kEnc8Size + (sm4 ? 1 : 0)) return status(sw::kWrongLength);
  if (sm4 && cmd.data[2 * kEnc8Size] != 0x01) return status(sw::kWrongData);
  const ByteSpan cryptogram = cmd.data.first(kEnc8Size);
  const ByteSpan challenge = cmd.data.subspan(kEnc8Size, kEnc8Size);
  if (issued.size() != kEnc8Size || !constant_time_equal(issued, challenge)) {
    return status(sw::kConditionsNotSatisfied);
  }
  std::uint8_t expected[kEnc8Size];
  if (!enc8(*config_.crypto, key->cipher, key_bytes(*key), challenge, expected).ok()) {
    return status(sw::kNoPreciseDiagnosis);
  }
  const bool match = constant_time_equal(expected, cryptogram);
  secure_wipe(expected);
  if (!match) return status(StatusWord(0x6300));
  // Until another DF is selected or power is lost (select_df, reset_volatile_state).
  authenticated_keys_.set(cmd.p2);
  return status(sw::kSuccess);
}

StatusWord CardOs::check_mac(const apdu::Command& cmd, KeyRole role) {
  // R4 is good for one MAC, right or wrong.
  const Bytes r4 = take_challenge();
  const KeySlot* key = find_key(role, 0x00);
  if (key == nullptr || !config_.crypto) return sw::kReferencedDataNotFound;
  if (r4.size() != kMacSizeOnCard) return sw::kConditionsNotSatisfied;
  if (cmd.data.size() < kMacSizeOnCard) return sw::kWrongLength;
  // IV = R4 || 00..00; message = CLA INS P1 P2 Lc (counting the MAC) || data without the MAC (S9).
  Bytes iv(mac_iv_size(key->cipher), 0x00);
  std::copy(r4.begin(), r4.end(), iv.begin());
  const std::size_t body = cmd.data.size() - kMacSizeOnCard;
  Bytes message(5 + body);
  message[0] = cmd.cla;
  message[1] = cmd.ins;
  message[2] = cmd.p1;
  message[3] = cmd.p2;
  message[4] = static_cast<std::uint8_t>(cmd.data.size());
  std::copy(cmd.data.begin(), cmd.data.begin() + static_cast<std::ptrdiff_t>(body), message.begin() + 5);
  std::uint8_t mac[kMacSize];
  const Status s = command_mac4(*config_.crypto, key->cipher, key_bytes(*key), iv, message, mac);
  secure_wipe(message);
  if (!s.ok()) return sw::kNoPreciseDiagnosis;
  const bool match = constant_time_equal(mac, cmd.data.subspan(body));
  secure_wipe(mac);
  return match ? sw::kSuccess : sw::kIncorrectMac;
}

// ---- Application block ----

Status CardOs::enable_application_block(NodeId df) {
  if (df >= fs_.node_count() || fs_.node(df).kind != FileKind::kDf) return Error::kInvalidArgument;
  if (std::ranges::any_of(blockable_, [&](const auto& b) { return b.first == df; })) return kOk;
  SSCARD_TRY_ASSIGN(const std::size_t offset, eeprom_.allocate(1));
  const std::uint8_t none = static_cast<std::uint8_t>(BlockState::kNone);
  SSCARD_TRY(eeprom_.write(offset, ByteSpan(&none, 1)));
  blockable_.emplace_back(df, offset);
  return kOk;
}

std::optional<NodeId> CardOs::blockable_application(NodeId df) const {
  for (NodeId at = df;; at = fs_.node(at).parent) {
    for (const auto& [app, offset] : blockable_) {
      if (app == at) return app;
    }
    if (at == kMfNode) return std::nullopt;
  }
}

CardOs::BlockState CardOs::block_state(NodeId df) const {
  const auto app = blockable_application(df);
  if (!app) return BlockState::kNone;
  for (const auto& [node, offset] : blockable_) {
    if (node != *app) continue;
    ByteSpan b = eeprom_.read(offset, 1);
    if (b.empty()) return BlockState::kNone;
    if (b[0] == static_cast<std::uint8_t>(BlockState::kTemporary)) return BlockState::kTemporary;
    if (b[0] == static_cast<std::uint8_t>(BlockState::kPermanent)) return BlockState::kPermanent;
  }
  return BlockState::kNone;
}

bool CardOs::in_blocked_application() const { return block_state(current_df_) != BlockState::kNone; }

CardOs::Reply CardOs::write_block_state(NodeId app, BlockState state) {
  for (const auto& [node, offset] : blockable_) {
    if (node != app) continue;
    const auto value = static_cast<std::uint8_t>(state);
    return from_write(eeprom_.write(offset, ByteSpan(&value, 1)));
  }
  return status(sw::kConditionsNotSatisfied);
}

CardOs::Reply CardOs::application_block(const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 > 0x01) return status(sw::kIncorrectP1P2);
  if (cmd.data.size() != kMacSizeOnCard) return status(sw::kWrongLength);
  if (const StatusWord mac = check_mac(cmd, KeyRole::kApplicationMac); mac != sw::kSuccess) return status(mac);
  // The application of the current DF; in the MF (or a DF outside any application) there is none to block.
  const auto app = blockable_application(current_df_);
  if (!app) return status(sw::kConditionsNotSatisfied);
  Reply r = write_block_state(*app, cmd.p2 == 0x01 ? BlockState::kPermanent : BlockState::kTemporary);
  if (r.sw == sw::kSuccess) {
    // The application is invalidated: what was authenticated in it no longer counts.
    pin_verified_ = false;
    authenticated_keys_.reset();
  }
  return r;
}

CardOs::Reply CardOs::application_unblock(const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return status(sw::kIncorrectP1P2);
  if (cmd.data.size() != kMacSizeOnCard) return status(sw::kWrongLength);
  if (const StatusWord mac = check_mac(cmd, KeyRole::kApplicationMac); mac != sw::kSuccess) return status(mac);
  const auto app = blockable_application(current_df_);
  if (!app) return status(sw::kConditionsNotSatisfied);
  switch (block_state(*app)) {
    case BlockState::kNone: return status(sw::kSuccess);
    case BlockState::kPermanent: return status(sw::kConditionsNotSatisfied);  // only a temporary block lifts
    case BlockState::kTemporary: return write_block_state(*app, BlockState::kNone);
  }
  return status(sw::kConditionsNotSatisfied);
}

}  // namespace sscard::sim

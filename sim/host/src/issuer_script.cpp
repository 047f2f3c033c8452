// Issuer script commands of PAYMENT.md §6.6 with their secure messaging (§6.5), each wrapped as a `72` template.
#include "sscard/sim/host/issuer_script.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include "sscard/crypto/secure_messaging.h"

namespace sscard::sim::host {
namespace {

struct Named {
  ScriptKind kind;
  std::string_view name;
};
constexpr std::array<Named, 6> kNames = {{{ScriptKind::kPinUnblock, "pin-unblock"},
                                          {ScriptKind::kPinChange, "pin-change"},
                                          {ScriptKind::kAppBlock, "app-block"},
                                          {ScriptKind::kAppUnblock, "app-unblock"},
                                          {ScriptKind::kTerminalVelocity, "terminal-velocity"},
                                          {ScriptKind::kCardVelocity, "card-velocity"}}};

bool has_value(ScriptKind kind) {
  return kind == ScriptKind::kPinChange || kind == ScriptKind::kTerminalVelocity || kind == ScriptKind::kCardVelocity;
}

std::optional<std::uint8_t> byte_number(std::string_view text) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v > 255) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

// "L,U" with L <= U, both 0..255.
std::optional<std::array<std::uint8_t, 2>> limits(std::string_view value) {
  const auto comma = value.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const auto lower = byte_number(value.substr(0, comma));
  const auto upper = byte_number(value.substr(comma + 1));
  if (!lower || !upper || *lower > *upper) return std::nullopt;
  return std::array<std::uint8_t, 2>{*lower, *upper};
}

void append_tlv(Bytes& out, std::initializer_list<std::uint8_t> tag, ByteSpan value) {
  out.insert(out.end(), tag);
  out.push_back(static_cast<std::uint8_t>(value.size()));  // every value here is under 128 bytes
  out.insert(out.end(), value.begin(), value.end());
}

// header ‖ data ‖ MAC, with Lc = data + 4.
Result<Bytes, SetupError> command(crypto::Crypto& crypto, const ScriptKeys& keys, std::array<std::uint8_t, 4> cla_ins_p1_p2,
                                  ByteSpan data) {
  const std::array<std::uint8_t, 5> header = {cla_ins_p1_p2[0], cla_ins_p1_p2[1], cla_ins_p1_p2[2], cla_ins_p1_p2[3],
                                              static_cast<std::uint8_t>(data.size() + crypto::kScriptMacSize)};
  std::array<std::uint8_t, crypto::kScriptMacSize> mac{};
  if (!crypto::script_mac(crypto, keys.cipher, keys.mac_session_key, header, keys.atc, keys.arqc, data, mac).ok()) {
    return SetupError{"the script MAC cannot be computed"};
  }
  Bytes apdu(header.begin(), header.end());
  apdu.insert(apdu.end(), data.begin(), data.end());
  apdu.insert(apdu.end(), mac.begin(), mac.end());
  return apdu;
}

Result<std::vector<Bytes>, SetupError> commands(crypto::Crypto& crypto, const ScriptKeys& keys, const QueuedScript& s) {
  std::vector<Bytes> out;
  auto add = [&](std::array<std::uint8_t, 4> head, ByteSpan data) -> Result<void, SetupError> {
    auto c = command(crypto, keys, head, data);
    if (!c.ok()) return c.error();
    out.push_back(std::move(*c));
    return {};
  };
  Result<void, SetupError> done;
  switch (s.kind) {
    case ScriptKind::kPinUnblock: done = add({0x84, 0x24, 0x00, 0x00}, {}); break;
    case ScriptKind::kAppBlock: done = add({0x84, 0x1E, 0x00, 0x00}, {}); break;
    case ScriptKind::kAppUnblock: done = add({0x84, 0x18, 0x00, 0x00}, {}); break;
    case ScriptKind::kPinChange: {
      std::array<std::uint8_t, crypto::kPinChangeBlockSize> block{};
      std::array<std::uint8_t, 16> enciphered{};
      const bool ok = crypto::pin_change_block(keys.enc_udk, s.value, {}, block).ok() &&
                      crypto::sm_encipher(crypto, keys.cipher, keys.enc_session_key, block, enciphered).ok();
      secure_wipe(block);
      if (!ok) return SetupError{"the PIN change block cannot be built"};
      done = add({0x84, 0x24, 0x00, 0x02}, enciphered);
      break;
    }
    case ScriptKind::kTerminalVelocity: {
      const auto l = limits(s.value);
      if (!l) return SetupError{"bad terminal velocity limits in the queue"};
      const std::array<std::uint8_t, 10> record = {0x70, 0x08, 0x9F, 0x14, 0x01, (*l)[0], 0x9F, 0x23, 0x01, (*l)[1]};
      done = add({0x04, 0xDC, 0x01, 0x2C}, record);
      break;
    }
    case ScriptKind::kCardVelocity: {
      const auto l = limits(s.value);
      if (!l) return SetupError{"bad card velocity limits in the queue"};
      done = add({0x04, 0xDA, 0x9F, 0x58}, ByteSpan(&(*l)[0], 1));
      if (done.ok()) done = add({0x04, 0xDA, 0x9F, 0x59}, ByteSpan(&(*l)[1], 1));
      break;
    }
  }
  if (!done.ok()) return done.error();
  return out;
}

}  // namespace

std::string_view script_kind_name(ScriptKind kind) {
  for (const Named& n : kNames) {
    if (n.kind == kind) return n.name;
  }
  return "unknown";
}

std::optional<ScriptKind> script_kind_from_name(std::string_view name) {
  for (const Named& n : kNames) {
    if (n.name == name) return n.kind;
  }
  return std::nullopt;
}

Result<void, SetupError> check_script_value(ScriptKind kind, std::string_view value) {
  if (!has_value(kind)) {
    if (!value.empty()) return SetupError{std::string(script_kind_name(kind)) + " takes no value"};
    return {};
  }
  if (kind == ScriptKind::kPinChange) {
    if (value.size() < 4 || value.size() > 12 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return SetupError{"pin-change needs a new PIN of 4 to 12 digits"};
    }
    return {};
  }
  if (!limits(value)) {
    return SetupError{std::string(script_kind_name(kind)) + " needs LOWER,UPPER: two numbers 0-255, LOWER <= UPPER"};
  }
  return {};
}

Result<Bytes, SetupError> build_script(crypto::Crypto& crypto, const ScriptKeys& keys, const QueuedScript& script) {
  if (!check_script_value(script.kind, script.value).ok()) return SetupError{"a queued script has a bad value"};
  auto cmds = commands(crypto, keys, script);
  if (!cmds.ok()) return cmds.error();
  Bytes body;
  const std::array<std::uint8_t, 4> id = {static_cast<std::uint8_t>(script.sequence >> 24),
                                          static_cast<std::uint8_t>(script.sequence >> 16),
                                          static_cast<std::uint8_t>(script.sequence >> 8),
                                          static_cast<std::uint8_t>(script.sequence)};
  append_tlv(body, {0x9F, 0x18}, id);
  for (const Bytes& c : *cmds) append_tlv(body, {0x86}, c);
  Bytes out;
  append_tlv(out, {0x72}, body);
  return out;
}

Result<Bytes, SetupError> build_ecash_load_script(crypto::Crypto& crypto, const ScriptKeys& keys,
                                                  std::uint32_t script_id, std::uint64_t new_balance_fen) {
  if (new_balance_fen > 999999999999ULL) return SetupError{"the e-cash balance does not fit n12"};
  std::array<std::uint8_t, 6> balance{};
  std::uint64_t v = new_balance_fen;
  for (std::size_t i = balance.size(); i-- > 0;) {
    const auto low = static_cast<std::uint8_t>(v % 10);
    v /= 10;
    balance[i] = static_cast<std::uint8_t>(((v % 10) << 4) | low);
    v /= 10;
  }
  auto put_data = command(crypto, keys, {0x04, 0xDA, 0x9F, 0x79}, balance);
  if (!put_data.ok()) return put_data.error();
  const std::array<std::uint8_t, 4> id = {static_cast<std::uint8_t>(script_id >> 24),
                                          static_cast<std::uint8_t>(script_id >> 16),
                                          static_cast<std::uint8_t>(script_id >> 8),
                                          static_cast<std::uint8_t>(script_id)};
  Bytes body;
  append_tlv(body, {0x9F, 0x18}, id);
  append_tlv(body, {0x86}, *put_data);
  Bytes out;
  append_tlv(out, {0x72}, body);
  return out;
}

}  // namespace sscard::sim::host

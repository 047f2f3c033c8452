// The PSAM's files and its two key commands (docs/SECURITY.md "PSAM commands", S6).
#include "sscard/sim/psam.h"

#include <algorithm>
#include <array>

#include "sscard/core/bcd.h"

namespace sscard::sim {
namespace {

constexpr std::uint8_t kClaProprietary = 0x80;
constexpr std::uint8_t kInsDiversify = 0x1A;
constexpr std::uint8_t kInsCompute = 0xFA;
constexpr std::uint8_t kComputeEncrypt = 0x00;
constexpr std::uint8_t kComputeMac = 0x05;

bool encrypt_usage(KeyClass c) {
  return c == KeyClass::kIrk || c == KeyClass::kEak04 || c == KeyClass::kRkssse || c == KeyClass::kEak0d;
}

CommandReply sw_reply(StatusWord sw) { return CommandReply{{}, sw, false}; }

class PsamApplet final : public CommandExtension {
 public:
  struct StoredKey {
    crypto::Cipher cipher;
    std::string province;
    KeyClass key_class;
    std::size_t offset;  // Eeprom, 16 bytes
  };

  void add_environment(NodeId df, crypto::Cipher cipher) { environments_.emplace_back(df, cipher); }
  void add_key(StoredKey k) { keys_.push_back(std::move(k)); }

  std::optional<CommandReply> process(CardOs& card, const apdu::Command& cmd) override {
    if (cmd.ins != kInsDiversify && cmd.ins != kInsCompute) return std::nullopt;
    if (cmd.cla != kClaProprietary) return sw_reply(sw::kClaNotSupported);
    return cmd.ins == kInsDiversify ? diversify(card, cmd) : compute(card, cmd);
  }

  void reset() override { forget_key(); }

 private:
  struct DerivedKey {
    NodeId environment;
    crypto::Cipher cipher;
    KeyClass key_class;
    std::array<std::uint8_t, kKeySize> key;
  };

  void forget_key() {
    if (derived_) secure_wipe(derived_->key);
    derived_.reset();
  }

  // The environment of the current DF: itself or its nearest ancestor that is one.
  std::optional<std::pair<NodeId, crypto::Cipher>> environment(const CardOs& card) const {
    for (NodeId at = card.current_df();; at = card.file_system().node(at).parent) {
      for (const auto& env : environments_) {
        if (env.first == at) return env;
      }
      if (at == kMfNode) return std::nullopt;
    }
  }

  CommandReply diversify(CardOs& card, const apdu::Command& cmd) {
    forget_key();
    const auto key_class = psam_key_class(cmd.p1, cmd.p2);
    if (!key_class) return sw_reply(sw::kIncorrectP1P2);
    const auto env = environment(card);
    if (!env) return sw_reply(sw::kConditionsNotSatisfied);
    if (cmd.data.size() != 2 * kFactorSize && cmd.data.size() != 3 * kFactorSize) return sw_reply(sw::kWrongLength);
    // The province is named by the first two digits of the city factor: ASCII "51..." -> 510000.
    const auto digit = [](std::uint8_t b) { return b >= '0' && b <= '9'; };
    if (!digit(cmd.data[0]) || !digit(cmd.data[1])) return sw_reply(sw::kWrongData);
    std::string province{static_cast<char>(cmd.data[0]), static_cast<char>(cmd.data[1])};
    province += "0000";
    const auto stored = std::find_if(keys_.begin(), keys_.end(), [&](const StoredKey& k) {
      return k.cipher == env->second && k.key_class == *key_class && k.province == province;
    });
    if (stored == keys_.end()) return sw_reply(sw::kReferencedDataNotFound);

    crypto::Crypto* crypto = card.crypto();
    if (crypto == nullptr) return sw_reply(sw::kNoPreciseDiagnosis);
    DerivedKey s{env->first, env->second, *key_class, {}};
    std::array<std::uint8_t, kKeySize> level{};
    ByteSpan from = card.eeprom().read(stored->offset, kKeySize);
    std::copy(from.begin(), from.end(), level.begin());
    // Div for each factor in order: city, card, then the process factor if there is one.
    Status st = kOk;
    for (std::size_t i = 0; i < cmd.data.size() / kFactorSize && st.ok(); ++i) {
      st = diversify_key(*crypto, env->second, level, cmd.data.subspan(i * kFactorSize, kFactorSize), s.key);
      level = s.key;
    }
    secure_wipe(level);
    if (!st.ok()) {
      secure_wipe(s.key);
      return sw_reply(sw::kNoPreciseDiagnosis);
    }
    derived_ = s;
    secure_wipe(s.key);
    return sw_reply(sw::kSuccess);
  }

  CommandReply compute(CardOs& card, const apdu::Command& cmd) {
    if (cmd.p2 != 0x00 || (cmd.p1 != kComputeEncrypt && cmd.p1 != kComputeMac)) {
      return sw_reply(sw::kIncorrectP1P2);
    }
    const auto env = environment(card);
    if (!derived_ || !env || env->first != derived_->environment) return sw_reply(sw::kConditionsNotSatisfied);
    crypto::Crypto* crypto = card.crypto();
    if (crypto == nullptr) return sw_reply(sw::kNoPreciseDiagnosis);
    const bool encrypt = cmd.p1 == kComputeEncrypt;
    // A key does the job of its usage only: cryptograms with IRK and EAKs, MACs with STK, PUK and PRK.
    if (encrypt != encrypt_usage(derived_->key_class)) return sw_reply(sw::kConditionsNotSatisfied);
    if (encrypt) {
      if (cmd.data.size() != kEnc8Size) return sw_reply(sw::kWrongLength);
      Bytes out(kEnc8Size);
      if (!enc8(*crypto, derived_->cipher, derived_->key, cmd.data, out).ok()) {
        return sw_reply(sw::kNoPreciseDiagnosis);
      }
      return CommandReply{std::move(out), sw::kSuccess, false};
    }
    const std::size_t iv_size = mac_iv_size(derived_->cipher);
    if (cmd.data.size() < iv_size) return sw_reply(sw::kWrongLength);
    Bytes out(kMacSize);
    if (!command_mac4(*crypto, derived_->cipher, derived_->key, cmd.data.first(iv_size), cmd.data.subspan(iv_size), out)
             .ok()) {
      return sw_reply(sw::kNoPreciseDiagnosis);
    }
    return CommandReply{std::move(out), sw::kSuccess, false};
  }

  std::vector<std::pair<NodeId, crypto::Cipher>> environments_;
  std::vector<StoredKey> keys_;
  std::optional<DerivedKey> derived_;
};

bool six_digits(const std::string& s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Bytes psam_environment_name(crypto::Cipher cipher) {
  // "sxN.sh.社会保障" in GBK (docs/CARD.md "Security model").
  const std::uint8_t n = cipher == crypto::Cipher::kSm4 ? '3' : '1';
  return Bytes{0x73, 0x78, n, 0x2E, 0x73, 0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};
}

Bytes psam_tdes_aid() { return Bytes{0xD1, 0x56, 0x00, 0x00, 0x05, 0x90}; }

std::optional<KeyClass> psam_key_class(std::uint8_t p1, std::uint8_t p2) {
  switch (p1) {
    case 0x01: return p2 == 0x00 ? std::optional(KeyClass::kIrk) : std::nullopt;
    case 0x02:
      if (p2 == 0x04) return KeyClass::kEak04;
      if (p2 == 0x0A) return KeyClass::kRkssse;
      if (p2 == 0x0D) return KeyClass::kEak0d;
      return std::nullopt;
    case 0x03: return p2 == 0x00 ? std::optional(KeyClass::kStk) : std::nullopt;
    case 0x04: return p2 == 0x00 ? std::optional(KeyClass::kPuk) : std::nullopt;
    case 0x05: return p2 == 0x00 ? std::optional(KeyClass::kPrk) : std::nullopt;
    default: return std::nullopt;
  }
}

Result<std::unique_ptr<CardOs>> make_psam(const PsamConfig& config) {
  if (config.serial.size() != 10 || !config.crypto) return Error::kInvalidArgument;
  if (!config.tdes_environment && !config.sm4_environment) return Error::kInvalidArgument;
  Bytes terminal(6);
  if (config.terminal_number.size() != 12 || !bcd::encode_n(config.terminal_number, terminal).ok()) {
    return Error::kInvalidArgument;
  }
  CardConfig card_config;
  card_config.protocol = config.protocol;
  card_config.atr = config.atr;
  card_config.crypto = config.crypto;
  auto card = std::make_unique<CardOs>(card_config);
  FileSystem& fs = card->file_system();
  const EfSpec ef15{0x0015, 0x15, AccessCondition::always(), AccessCondition::never()};
  const EfSpec ef16{0x0016, 0x16, AccessCondition::always(), AccessCondition::never()};
  SSCARD_TRY(fs.add_transparent_ef(kMfNode, ef15, config.serial, config.serial.size()).status());
  SSCARD_TRY(fs.add_transparent_ef(kMfNode, ef16, terminal, terminal.size()).status());

  auto applet = std::make_unique<PsamApplet>();
  std::vector<crypto::Cipher> environments;
  if (config.tdes_environment) {
    SSCARD_TRY_ASSIGN(const NodeId env, fs.add_df(kMfNode, DfSpec{std::nullopt, psam_environment_name(crypto::Cipher::kTdes), {}}));
    SSCARD_TRY_ASSIGN(const NodeId df01, fs.add_df(env, DfSpec{0xDF01, psam_tdes_aid(), {}}));
    (void)df01;  // found through its parent: the environment of a DF is its own or its nearest ancestor's
    applet->add_environment(env, crypto::Cipher::kTdes);
    environments.push_back(crypto::Cipher::kTdes);
  }
  if (config.sm4_environment) {
    SSCARD_TRY_ASSIGN(const NodeId env, fs.add_df(kMfNode, DfSpec{std::nullopt, psam_environment_name(crypto::Cipher::kSm4), {}}));
    applet->add_environment(env, crypto::Cipher::kSm4);
    environments.push_back(crypto::Cipher::kSm4);
  }
  for (const PsamProvinceKey& k : config.keys) {
    if (k.key.size() != kKeySize || !six_digits(k.province)) return Error::kInvalidArgument;
    if (std::find(environments.begin(), environments.end(), k.cipher) == environments.end()) continue;
    SSCARD_TRY_ASSIGN(const std::size_t offset, card->eeprom().allocate(kKeySize));
    SSCARD_TRY(card->eeprom().write(offset, k.key));
    applet->add_key(PsamApplet::StoredKey{k.cipher, k.province, k.key_class, offset});
  }
  card->set_extension(std::move(applet));
  return card;
}

}  // namespace sscard::sim

// The engine: power, dispatch, response finishing (T=0 61xx, Ne checks) and the state handlers share.
#include "sscard/sim/card_os.h"

#include <algorithm>

#include "sscard/core/bcd.h"
#include "sscard/core/tlv.h"

namespace sscard::sim {
namespace {

bool accepted_cla(std::uint8_t cla) { return cla == 0x00 || cla == 0x80 || cla == 0x84; }

Bytes sw_only(StatusWord sw) { return Bytes{sw.sw1(), sw.sw2()}; }

}  // namespace

const CardOs::CommandEntry CardOs::kCommands[] = {
    {0xA4, &CardOs::select},        {0xB0, &CardOs::read_binary},   {0xD6, &CardOs::update_binary},
    {0xB2, &CardOs::read_record},   {0xDC, &CardOs::update_record}, {0x20, &CardOs::verify},
    {0x84, &CardOs::get_challenge}, {0xC0, &CardOs::get_response}, {0x88, &CardOs::internal_authenticate},
    {0x82, &CardOs::external_authenticate}, {0x1E, &CardOs::application_block},
    {0x18, &CardOs::application_unblock},   {0x24, &CardOs::pin_unblock}, {0x5E, &CardOs::change_or_reload_pin},
};

CardOs::CardOs(CardConfig config)
    : config_(std::move(config)),
      eeprom_(config_.eeprom_size, config_.page_size),
      fs_(eeprom_),
      rng_(std::random_device{}()) {
  // Every command is a transaction (docs/TEARING.md): the journal holds what the largest one changes, an
  // UPDATE BINARY of 255 bytes or a payment's state, log and counters.
  const std::size_t page = eeprom_.page_size();
  if (config_.transactions) (void)eeprom_.enable_journal(std::max<std::size_t>(kJournalPages, (512 + page - 1) / page + 1));
}

Bytes CardOs::power_on() {
  eeprom_.restore_power();
  reset_volatile_state();
  // A command cut short by the last power loss is undone before anything reads the memory; a card whose
  // power fails again during that stays mute.
  if (!eeprom_.recover().ok()) {
    powered_ = false;
    return {};
  }
  if (extension_) extension_->reset();
  for (auto& h : handlers_) h.second->reset();
  powered_ = true;
  interface_ = CardInterface::kContact;
  return config_.atr;
}

Bytes CardOs::activate_contactless() {
  if (config_.ats.empty()) {
    power_off();
    return {};
  }
  if (power_on().empty()) return {};
  interface_ = CardInterface::kContactless;
  return config_.ats;
}

void CardOs::power_off() {
  powered_ = false;
  reset_volatile_state();
  if (extension_) extension_->reset();
  for (auto& h : handlers_) h.second->reset();
}

void CardOs::set_application_handler(NodeId df, std::shared_ptr<ApplicationHandler> handler) {
  for (auto& h : handlers_) {
    if (h.first == df) {
      h.second = std::move(handler);
      return;
    }
  }
  handlers_.emplace_back(df, std::move(handler));
}

ApplicationHandler* CardOs::handler_of(NodeId df) const {
  for (const auto& h : handlers_) {
    if (h.first == df) return h.second.get();
  }
  return nullptr;
}

void CardOs::reset_volatile_state() {
  current_df_ = kMfNode;
  current_ef_.reset();
  current_record_.reset();
  pin_verified_ = false;
  authenticated_keys_.reset();
  challenge_.clear();
  pending_response_.clear();
}

Bytes CardOs::process(ByteSpan raw) {
  if (!powered_) return {};
  // All that a command writes lasts, or none of it (docs/TEARING.md).
  eeprom_.begin();
  Bytes out = dispatch(raw);
  if (!powered_) return out;  // browned out: the next power-on undoes the command
  if (!eeprom_.commit().ok()) {
    powered_ = false;
    reset_volatile_state();
    return {};
  }
  return out;
}

Bytes CardOs::dispatch(ByteSpan raw) {
  // Response data kept for GET RESPONSE is lost by any other command (ISO/IEC 7816-4 5.1.3, 7816-3 10.3.5).
  if (raw.size() < 2 || raw[1] != 0xC0) pending_response_.clear();

  auto parsed = apdu::parse_command(raw);
  // A command whose length fields contradict its size is a wrong length (ISO/IEC 7816-4 5.6: 6700).
  // This card handles short APDUs only; extended lengths are wrong lengths too.
  if (!parsed.ok() || parsed->is_extended()) return sw_only(sw::kWrongLength);
  apdu::Command cmd = *parsed;
  ApplicationHandler* application = handler_of(current_df_);
  // An application with its own handler judges the class itself (P27: the PBOC ADF also takes CLA 04).
  const bool own_command = application != nullptr && cmd.ins != 0xA4 && cmd.ins != 0xC0;
  if (!own_command && !accepted_cla(cmd.cla)) return sw_only(sw::kClaNotSupported);

  const CommandEntry* entry = nullptr;
  for (const CommandEntry& e : kCommands) {
    if (e.ins == cmd.ins) entry = &e;
  }

  // T=0 carries a case-1 command as a 5-byte header with P3 = 00, which the card cannot tell from Le = 00
  // (ISO/IEC 7816-3 12.2.2).
  if (t0_now() && cmd.data.empty() && cmd.ne == 0) cmd.ne = apdu::kMaxShortNe;

  if (own_command) return finish(cmd, application->process(*this, cmd));

  // A blocked application (SECURITY.md "MACs") still answers SELECT (62 83), GET RESPONSE, GET CHALLENGE
  // (for the MAC of the unblock) and APPLICATION UNBLOCK; everything else in it gets 69 85.
  if (in_blocked_application() && cmd.ins != 0xA4 && cmd.ins != 0xC0 && cmd.ins != 0x84 && cmd.ins != 0x18) {
    return sw_only(sw::kConditionsNotSatisfied);
  }

  if (entry == nullptr) {
    std::optional<Reply> reply;
    if (extension_) reply = extension_->process(*this, cmd);
    if (!reply) return sw_only(sw::kInsNotSupported);
    return finish(cmd, std::move(*reply));
  }
  Reply reply = (this->*(entry->handler))(cmd);
  return finish(cmd, std::move(reply));
}

Bytes CardOs::finish(const apdu::Command& cmd, Reply reply) {
  if (reply.power_lost || eeprom_.power_lost()) {
    // The chip browned out mid-write: it says nothing and keeps nothing volatile.
    powered_ = false;
    reset_volatile_state();
    return {};
  }
  // A warning (62xx, 63xx) may come with data, like SELECT of a blocked application (62 83 + FCI).
  const bool warning = reply.sw.sw1() == 0x62 || reply.sw.sw1() == 0x63;
  if (!reply.data.empty() && (reply.sw.is_success() || warning)) {
    if (t0_now() && !cmd.data.empty()) {
      // T=0 case 4: the data cannot follow command data in the same exchange; announce it with 61xx
      // (ISO/IEC 7816-3 12.2.4). 61 00 means 256 or more. A warning goes out first and the data waits
      // for GET RESPONSE all the same (EMV Book 1 9.3.1.3).
      const std::size_t n = std::min(reply.data.size(), apdu::kMaxShortNe);
      pending_response_ = std::move(reply.data);
      if (warning) return sw_only(reply.sw);
      return sw_only(StatusWord(0x61, static_cast<std::uint8_t>(n & 0xFF)));
    }
    if (reply.data.size() > cmd.ne) {
      // No Le: no response data field (ISO/IEC 7816-4 5.1). Le too short: say how many bytes there are.
      if (cmd.ne == 0) {
        reply.data.clear();
      } else {
        return sw_only(StatusWord(0x6C, static_cast<std::uint8_t>(reply.data.size() & 0xFF)));
      }
    }
  }
  Bytes out = std::move(reply.data);
  out.push_back(reply.sw.sw1());
  out.push_back(reply.sw.sw2());
  return out;
}

CardOs::Reply CardOs::from_write(Status s) {
  if (s.ok()) return status(sw::kSuccess);
  if (s == Error::kIo) return Reply{{}, sw::kMemoryFailure, true};
  return status(sw::kMemoryFailure);
}

bool CardOs::satisfied(AccessCondition ac) const { return satisfied_with(ac, std::nullopt); }

bool CardOs::satisfied_with(AccessCondition ac, std::optional<std::uint8_t> extra_key) const {
  switch (ac.kind) {
    case AccessCondition::Kind::kAlways: return true;
    case AccessCondition::Kind::kNever: return false;
    case AccessCondition::Kind::kPin: return pin_verified_;
    case AccessCondition::Kind::kKey: return authenticated_keys_.test(ac.key_id) || extra_key == ac.key_id;
  }
  return false;
}

void CardOs::select_df(NodeId df) {
  if (df != current_df_) {
    // The security state belongs to the DF it was reached in.
    pin_verified_ = false;
    authenticated_keys_.reset();
  }
  current_df_ = df;
  current_ef_.reset();
  current_record_.reset();
}

CardOs::EfTarget CardOs::target_ef(std::uint8_t sfi, FileKind kind) {
  std::optional<NodeId> ef = current_ef_;
  if (sfi != 0) {
    // Referencing an EF by SFI makes it the current EF (ISO/IEC 7816-4 7.2.2).
    ef = fs_.child_by_sfi(current_df_, sfi);
    if (!ef) return {std::nullopt, sw::kFileNotFound};
    if (ef != current_ef_) current_record_.reset();
    current_ef_ = ef;
  }
  if (!ef) return {std::nullopt, sw::kCommandNotAllowed};
  if (fs_.node(*ef).kind != kind) return {std::nullopt, StatusWord(0x6981)};
  return {ef, sw::kSuccess};
}

Bytes CardOs::fci(NodeId id, std::optional<ByteSpan> proprietary) const {
  const FileNode& n = fs_.node(id);
  std::uint8_t buf[apdu::kMaxShortNe];
  tlv::Builder b(buf);
  b.open(0x6F);
  if (n.kind == FileKind::kDf) {
    if (!n.name.empty()) {
      b.add(0x84, n.name);
      const ByteSpan a5 = proprietary ? *proprietary : ByteSpan(n.proprietary);
      if (!a5.empty()) b.add(0xA5, a5);
    } else if (n.fid) {
      const std::uint8_t fid[] = {static_cast<std::uint8_t>(*n.fid >> 8), static_cast<std::uint8_t>(*n.fid)};
      b.add(0x83, fid);
    }
  } else {
    if (n.kind == FileKind::kTransparent) {
      const std::uint8_t size[] = {static_cast<std::uint8_t>(n.size >> 8), static_cast<std::uint8_t>(n.size)};
      b.add(0x80, size);
    }
    // File descriptor byte, ISO/IEC 7816-4 table 12: 01 transparent, 05 linear variable simple-TLV records.
    const std::uint8_t descriptor[] = {static_cast<std::uint8_t>(n.kind == FileKind::kTransparent ? 0x01 : 0x05)};
    b.add(0x82, descriptor);
    const std::uint8_t fid[] = {static_cast<std::uint8_t>(*n.fid >> 8), static_cast<std::uint8_t>(*n.fid)};
    b.add(0x83, fid);
    if (n.sfi != 0) {
      const std::uint8_t sfi[] = {static_cast<std::uint8_t>(n.sfi << 3)};
      b.add(0x88, sfi);
    }
  }
  b.close();
  if (!b.status().ok()) return {};
  return Bytes(b.bytes().begin(), b.bytes().end());
}

Status CardOs::set_pin(std::string_view digits, std::uint8_t max_tries) {
  if (digits.size() < kMinPinDigits || digits.size() > kMaxPinDigits) return Error::kInvalidArgument;
  if (max_tries < 1 || max_tries > 15) return Error::kInvalidArgument;
  Bytes record(kPinRecordSize, 0xFF);
  SSCARD_TRY(bcd::encode_cn(digits, MutableByteSpan(record).subspan(kPinSlots, kPinFieldSize)));
  record[kPinCounter] = max_tries;
  record[kPinActive] = 0;
  if (!pin_offset_) {
    SSCARD_TRY_ASSIGN(pin_offset_, eeprom_.allocate(record.size()));
  }
  pin_max_tries_ = max_tries;
  const Status s = eeprom_.write(*pin_offset_, record);
  secure_wipe(record);
  return s;
}

std::optional<std::uint8_t> CardOs::pin_tries_left() const {
  if (!pin_offset_) return std::nullopt;
  ByteSpan counter = eeprom_.read(*pin_offset_ + kPinCounter, 1);
  return counter.empty() ? std::nullopt : std::optional<std::uint8_t>(counter[0]);
}

}  // namespace sscard::sim

// READ RECORD and UPDATE RECORD (ISO/IEC 7816-4 11.4.3, 11.4.5) on linear variable-length EFs whose
// records are simple-TLV: the record identifier is the record's first byte (its tag).
#include <algorithm>

#include "sscard/sim/card_os.h"

namespace sscard::sim {
namespace {

// P2 b3-b1.
constexpr std::uint8_t kFirst = 0, kLast = 1, kNext = 2, kPrevious = 3, kByNumber = 4;

}  // namespace

std::optional<std::size_t> CardOs::find_record(NodeId ef, std::uint8_t p1, std::uint8_t mode) const {
  const std::size_t count = fs_.record_count(ef);
  if (mode == kByNumber) {
    if (p1 == 0) return current_record_;  // P1 = 00: the current record
    if (p1 > count) return std::nullopt;
    return static_cast<std::size_t>(p1 - 1);
  }
  // Identifier P1 (00 = any record), searched from the first, the last, or around the current record.
  auto matches = [&](std::size_t i) {
    ByteSpan r = fs_.record(ef, i);
    return p1 == 0 || (!r.empty() && r[0] == p1);
  };
  const bool forward = (mode == kFirst || mode == kNext);
  std::size_t start = 0;
  if (mode == kFirst) start = 0;
  if (mode == kLast) start = count;  // one past: scanning backwards
  if (mode == kNext) start = current_record_ ? *current_record_ + 1 : 0;
  if (mode == kPrevious) start = current_record_ ? *current_record_ : count;
  if (forward) {
    for (std::size_t i = start; i < count; ++i) {
      if (matches(i)) return i;
    }
  } else {
    for (std::size_t i = start; i > 0; --i) {
      if (matches(i - 1)) return i - 1;
    }
  }
  return std::nullopt;
}

CardOs::Reply CardOs::read_record(const apdu::Command& cmd) {
  if (!cmd.data.empty()) return status(sw::kWrongLength);
  const auto sfi = static_cast<std::uint8_t>(cmd.p2 >> 3);
  const auto mode = static_cast<std::uint8_t>(cmd.p2 & 0x07);
  if (sfi == 31 || mode > kByNumber || (mode == kByNumber && cmd.p1 == 0xFF)) {
    return status(sw::kIncorrectP1P2);
  }
  EfTarget t = target_ef(sfi, FileKind::kLinearVariable);
  if (!t.ef) return status(t.error);
  const FileNode& ef = fs_.node(*t.ef);
  const bool any_override = std::ranges::any_of(ef.records, [](const RecordSlot& r) { return r.read.has_value(); });
  if (!any_override && !satisfied(ef.read)) return status(sw::kSecurityNotSatisfied);

  auto index = find_record(*t.ef, cmd.p1, mode);
  if (!index) return status(sw::kRecordNotFound);
  if (!satisfied(ef.records[*index].read.value_or(ef.read))) return status(sw::kSecurityNotSatisfied);

  ByteSpan record = fs_.record(*t.ef, *index);
  // Le = 00 takes the whole record; any other Le (or none) must be its exact length, else 6Cxx.
  if (cmd.ne != apdu::kMaxShortNe && cmd.ne != record.size()) {
    return status(StatusWord(0x6C, static_cast<std::uint8_t>(record.size() & 0xFF)));
  }
  current_record_ = index;
  return data_reply(Bytes(record.begin(), record.end()));
}

CardOs::Reply CardOs::update_record(const apdu::Command& cmd) {
  if (cmd.data.empty()) return status(sw::kWrongLength);
  const auto sfi = static_cast<std::uint8_t>(cmd.p2 >> 3);
  const auto mode = static_cast<std::uint8_t>(cmd.p2 & 0x07);
  if (sfi == 31 || mode > kByNumber || (mode == kByNumber && cmd.p1 == 0xFF)) {
    return status(sw::kIncorrectP1P2);
  }
  // CLA 84: UPDATE RECORD with a MAC (STK) over the header and the record; a right MAC counts as external
  // authentication with key 04 for this command (docs/SECURITY.md "MACs").
  ByteSpan record = cmd.data;
  std::optional<std::uint8_t> mac_grants;
  if (cmd.cla == 0x84) {
    if (cmd.data.size() <= kMacSizeOnCard) return status(sw::kWrongLength);
    if (const StatusWord mac = check_mac(cmd, KeyRole::kApplicationMac); mac != sw::kSuccess) return status(mac);
    record = cmd.data.first(cmd.data.size() - kMacSizeOnCard);
    mac_grants = kMacUpdateKeyId;
  }
  EfTarget t = target_ef(sfi, FileKind::kLinearVariable);
  if (!t.ef) return status(t.error);
  if (!satisfied_with(fs_.node(*t.ef).update, mac_grants)) return status(sw::kSecurityNotSatisfied);
  // The new record must itself be one simple-TLV element (tag, length, value).
  if (!is_simple_tlv_record(record)) return status(sw::kWrongData);

  auto index = find_record(*t.ef, cmd.p1, mode);
  if (!index) return status(sw::kRecordNotFound);
  if (record.size() > fs_.node(*t.ef).records[*index].capacity) return status(sw::kWrongLength);
  current_record_ = index;
  return from_write(fs_.write_record(*t.ef, *index, record));
}

}  // namespace sscard::sim

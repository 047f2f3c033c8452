#include "sscard/pboc/load_log.h"

#include <array>

#include "sscard/core/status_word.h"
#include "sscard/core/tlv.h"
#include "sscard/pboc/commands.h"
#include "sscard/pboc/dol.h"

namespace sscard::pboc {
namespace {

constexpr std::size_t kFixedPart = 14;  // P1, P2, two n12 amounts ([13] table 10 items 1-4)

// n12 as fen; nullopt for a nibble above 9.
std::optional<std::uint64_t> n12(ByteSpan v) {
  std::uint64_t n = 0;
  for (const std::uint8_t b : v) {
    const int hi = b >> 4;
    const int lo = b & 0x0F;
    if (hi > 9 || lo > 9) return std::nullopt;
    n = n * 100 + static_cast<std::uint64_t>(hi * 10 + lo);
  }
  return n;
}

}  // namespace

Result<LoadLogEntry> load_log_entry(ByteSpan fci) {
  // DF4D belongs to the issuer discretionary data BF0C of the FCI's proprietary template A5 ([13] 5.8).
  SSCARD_TRY_ASSIGN(const tlv::Element fci_template, tlv::find(fci, 0x6F));
  SSCARD_TRY_ASSIGN(const tlv::Element proprietary, tlv::find(fci_template.value, 0xA5));
  SSCARD_TRY_ASSIGN(const tlv::Element discretionary, tlv::find(proprietary.value, 0xBF0C));
  SSCARD_TRY_ASSIGN(const tlv::Element entry, tlv::find(discretionary.value, 0xDF4D));
  if (entry.value.size() != 2) return Error::kMalformed;
  const LoadLogEntry e{entry.value[0], entry.value[1]};
  if (e.sfi < 11 || e.sfi > 30 || e.records == 0) return Error::kMalformed;
  return e;
}

Result<LoadRecord> parse_load_record(ByteSpan record, ByteSpan format) {
  SSCARD_TRY_ASSIGN(const std::size_t variable, dol_data_length(format));
  if (record.size() != kFixedPart + variable) return Error::kMalformed;
  LoadRecord r;
  r.tag = static_cast<std::uint16_t>((record[0] << 8) | record[1]);
  const auto before = n12(record.subspan(2, 6));
  const auto after = n12(record.subspan(8, 6));
  if (!before || !after) return Error::kMalformed;
  r.before_fen = *before;
  r.after_fen = *after;
  // The variable part holds the values only, in the order DF4F lists them ([13] 10.2).
  DolParser parser(format);
  std::size_t at = kFixedPart;
  for (;;) {
    SSCARD_TRY_ASSIGN(const std::optional<DolEntry> item, parser.next());
    if (!item) break;
    if (item->tag == 0x9F36 && item->length == 2) {
      r.atc = static_cast<std::uint16_t>((record[at] << 8) | record[at + 1]);
    }
    at += item->length;
  }
  return r;
}

Result<LoadLog> read_load_log(transport::Transport& card, const LoadLogEntry& entry) {
  std::array<std::uint8_t, 258> buffer{};
  Bytes format;
  {
    SSCARD_TRY_ASSIGN(const apdu::Response answer, card.transmit(get_data(0xDF4F), buffer));
    if (!answer.sw.is_success()) return Error::kNotFound;
    SSCARD_TRY_ASSIGN(const tlv::Element element, tlv::decode(answer.data));
    if (element.tag != 0xDF4F) return Error::kMalformed;
    format.assign(element.value.begin(), element.value.end());
  }
  LoadLog log;
  {
    DolParser parser(format);
    for (;;) {
      SSCARD_TRY_ASSIGN(const std::optional<DolEntry> item, parser.next());
      if (!item) break;
      if (item->tag == 0x9F36 && item->length == 2) log.has_atc = true;
    }
  }
  for (unsigned number = 1; number <= entry.records; ++number) {
    SSCARD_TRY_ASSIGN(const apdu::Response answer,
                      card.transmit(read_record(entry.sfi, static_cast<std::uint8_t>(number)), buffer));
    // 6A 83: past the last record written ([13] 10.2).
    if (answer.sw == sw::kRecordNotFound) break;
    if (!answer.sw.is_success()) return Error::kNotFound;
    SSCARD_TRY_ASSIGN(LoadRecord record, parse_load_record(answer.data, format));
    log.records.push_back(record);
  }
  log.full = log.records.size() == entry.records;
  return log;
}

}  // namespace sscard::pboc

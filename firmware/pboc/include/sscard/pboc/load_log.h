// The e-cash load log (圈存日志, [13] JR/T 0025.13 5.8, 10.2 tables 10 and 11; CONTACTLESS.md §2.4, §4): a
// cyclic record file the card writes in the same commit as every PUT DATA that changes 9F79, apart from the
// transaction log. The card names it by DF4D (SFI, record count) in the BF0C of its ADF's FCI and describes the
// variable part of a record by GET DATA DF4F; a record is P1 ‖ P2 of that PUT DATA ‖ the balance before (n12)
// ‖ the balance after (n12) ‖ the values DF4F lists, record 1 the newest. The kiosk reads it to learn whether
// the script of an interrupted load ran: the record carries that transaction's ATC.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/transport/transport.h"

namespace sscard::pboc {

// DF4D: where the log is and how many records it keeps ([13] 5.8: SFI 11..30, 12 recommended; at least 10).
struct LoadLogEntry {
  std::uint8_t sfi = 0;
  std::uint8_t records = 0;
};

// DF4D of an ADF's FCI (6F { A5 { BF0C { DF4D } } }). kNotFound: the FCI has none (nor 6F, A5 or BF0C), so
// the application keeps no load log ([13] 5.8). kMalformed: a DF4D that is not 2 bytes, an SFI outside
// 11..30, or a count of 0; the FCI's own TLV errors.
Result<LoadLogEntry> load_log_entry(ByteSpan fci);

// One record, decoded with the variable part's format (the value of DF4F: tag-length pairs).
struct LoadRecord {
  std::uint16_t tag = 0;        // the PUT DATA's P1 P2: 9F79 (or DF79 of the second currency, [15])
  std::uint64_t before_fen = 0;
  std::uint64_t after_fen = 0;
  std::optional<std::uint16_t> atc;  // 9F36 of the load's transaction, when the format lists it with 2 bytes
};

// Table 10: kMalformed when `record` is not exactly 14 bytes plus the format's lengths, an amount is not n12,
// or the format does not parse.
Result<LoadRecord> parse_load_record(ByteSpan record, ByteSpan format);

// The whole log as read at one presentation of the card.
struct LoadLog {
  std::vector<LoadRecord> records;  // newest first
  // As many records as DF4D allows: older loads may have been overwritten, so a load missing from the log
  // proves nothing unless a record older than it is still there.
  bool full = false;
  bool has_atc = false;  // DF4F lists 9F36: records can be matched to transactions
};

// Within the current selection of the ADF: GET DATA DF4F, then READ RECORD 1, 2, ... on `entry.sfi` until
// 6A 83 or `entry.records`. Errors: the transport's (kCardRemoved...: the log was not read);
// kNotFound: DF4F or a record answered with another status word than 90 00 / 6A 83; kMalformed: a format or
// record that does not decode.
Result<LoadLog> read_load_log(transport::Transport& card, const LoadLogEntry& entry);

}  // namespace sscard::pboc

// The input format of fuzz_journal, shared with the program that writes its seeds (card_seeds.cpp): rows of
// the kiosk's journal database (firmware/host journal.cpp), one after another, each
//   [table] [value] [value] ...       one value per column of that table, in the order of kTables
// with table = byte % 5 and each value
//   [type]                            type % 4 == 0: NULL
//   [type] [8 bytes]                  1: an integer, big-endian two's complement
//   [type] [n] [n bytes]              2: text
//   [type] [n hi] [n lo] [n bytes]    3: a blob
// Values missing at the end of the input are NULL. Types are free: SQLite keeps what it is given, as a
// damaged or hand-edited database would hold it. The journal seals its stored messages (schema 3), so a value
// written here reaches the decoders behind it only if it authenticates: the rows mostly exercise the checks
// in front of them (sealed-value format, authentication, the clear columns).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sscard::fuzz {

struct JournalTable {
  std::string_view name;
  std::string_view columns;  // comma-separated, in the input's order
  int column_count;
};

inline constexpr std::array<JournalTable, 5> kJournalTables = {{
    {"requests", "idem_key, operation, request, state, step, response, failure, attempts, created_ms, updated_ms",
     10},
    {"armed", "original_key, original, reversal, created_ms", 4},
    {"payments",
     "original_key, operation, issuer, business_date, amount_fen, medical_fen, approved, reversed, updated_ms", 9},
    {"ecash_loads", "original_key, pan_digest, pan_sealed, old_balance_fen, amount_fen, created_ms", 6},
    {"torn_taps", "id, tap, created_ms", 3},
}};

enum JournalValueType : std::uint8_t { kNull = 0, kInteger = 1, kText = 2, kBlob = 3 };

}  // namespace sscard::fuzz

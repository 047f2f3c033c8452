// The gate's record of entries and its copy of the hosts' deny list (CONTACTLESS.md §6), in SQLite:
//   entries(number PK, created_ms, date, card_masked, region, admission, price_fen, outcome, reason)
//   deny(digest PK, added_ms)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sscard/core/result.h"
#include "sscard/transit/sqlite_db.h"
#include "sscard/wire/messages.h"

namespace sscard::gate {

struct Entry {
  std::uint64_t number = 0;
  std::uint64_t created_ms = 0;
  std::string date;          // YYYYMMDD
  std::string card_masked;   // the card number with all but its last 3 characters hidden
  std::string region;        // the card's region
  std::string admission;     // "free", "discounted", "full"; "" when refused before the policy
  std::uint64_t price_fen = 0;  // charged
  std::string outcome;       // "admitted" or "refused"
  std::string reason;        // why refused
};

class EntryLog {
 public:
  static Result<std::unique_ptr<EntryLog>> open(const std::string& path);
  Result<std::uint64_t> add(const Entry& entry);
  Result<std::vector<Entry>> entries();
  Result<bool> denied(const wire::DenyDigest& digest);
  // Replaces the whole list with the hosts' (one transaction).
  Status replace_deny_list(const std::vector<wire::DenyDigest>& digests);
  Result<std::size_t> deny_count();

 private:
  explicit EntryLog(std::unique_ptr<transit::SqliteDb> db) : db_(std::move(db)) {}
  std::unique_ptr<transit::SqliteDb> db_;
};

// "SN2401101" -> "******101".
std::string mask_card_number(std::string_view card_number);

}  // namespace sscard::gate

#include "sscard/gate/entry_log.h"

#include <chrono>

namespace sscard::gate {
namespace {

using transit::SqlRow;
using transit::SqlValue;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS entries ("
    " number INTEGER PRIMARY KEY AUTOINCREMENT,"
    " created_ms INTEGER NOT NULL,"
    " date TEXT NOT NULL,"
    " card_masked TEXT NOT NULL,"
    " region TEXT NOT NULL,"
    " admission TEXT NOT NULL,"
    " price_fen INTEGER NOT NULL CHECK (price_fen >= 0),"
    " outcome TEXT NOT NULL CHECK (outcome IN ('admitted', 'refused')),"
    " reason TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS deny ("
    " digest BLOB PRIMARY KEY NOT NULL CHECK (length(digest) = 16),"
    " added_ms INTEGER NOT NULL);";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string mask_card_number(std::string_view card_number) {
  if (card_number.size() <= 3) return std::string(card_number);
  return std::string(card_number.size() - 3, '*') + std::string(card_number.substr(card_number.size() - 3));
}

Result<std::unique_ptr<EntryLog>> EntryLog::open(const std::string& path) {
  SSCARD_TRY_ASSIGN(auto db, transit::SqliteDb::open(path, kSchema));
  return std::unique_ptr<EntryLog>(new EntryLog(std::move(db)));
}

Result<std::uint64_t> EntryLog::add(const Entry& e) {
  std::uint64_t number = 0;
  const Status s = db_->transaction([&]() -> Status {
    SSCARD_TRY(db_->run("INSERT INTO entries(created_ms, date, card_masked, region, admission, price_fen, outcome,"
                        " reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        {SqlValue::of(now_ms()), SqlValue::of(e.date), SqlValue::of(e.card_masked),
                         SqlValue::of(e.region), SqlValue::of(e.admission),
                         SqlValue::of(static_cast<std::int64_t>(e.price_fen)), SqlValue::of(e.outcome),
                         SqlValue::of(e.reason)}));
    number = static_cast<std::uint64_t>(db_->last_insert_rowid());
    return kOk;
  });
  if (!s.ok()) return s;
  return number;
}

Result<std::vector<Entry>> EntryLog::entries() {
  SSCARD_TRY_ASSIGN(auto rows, db_->query("SELECT number, created_ms, date, card_masked, region, admission, price_fen,"
                                          " outcome, reason FROM entries ORDER BY number"));
  std::vector<Entry> out;
  for (const SqlRow& r : rows) {
    Entry e;
    e.number = static_cast<std::uint64_t>(r[0].integer);
    e.created_ms = static_cast<std::uint64_t>(r[1].integer);
    e.date = r[2].text;
    e.card_masked = r[3].text;
    e.region = r[4].text;
    e.admission = r[5].text;
    e.price_fen = static_cast<std::uint64_t>(r[6].integer);
    e.outcome = r[7].text;
    e.reason = r[8].text;
    out.push_back(std::move(e));
  }
  return out;
}

Result<bool> EntryLog::denied(const wire::DenyDigest& digest) {
  SSCARD_TRY_ASSIGN(auto rows, db_->query("SELECT 1 FROM deny WHERE digest = ?", {SqlValue::of(ByteSpan(digest))}));
  return !rows.empty();
}

Status EntryLog::replace_deny_list(const std::vector<wire::DenyDigest>& digests) {
  return db_->transaction([&]() -> Status {
    SSCARD_TRY(db_->run("DELETE FROM deny"));
    const std::int64_t now = now_ms();
    for (const wire::DenyDigest& d : digests) {
      SSCARD_TRY(db_->run("INSERT OR IGNORE INTO deny(digest, added_ms) VALUES (?, ?)",
                          {SqlValue::of(ByteSpan(d)), SqlValue::of(now)}));
    }
    return kOk;
  });
}

Result<std::size_t> EntryLog::deny_count() {
  SSCARD_TRY_ASSIGN(auto rows, db_->query("SELECT count(*) FROM deny"));
  return static_cast<std::size_t>(rows.at(0).at(0).integer);
}

}  // namespace sscard::gate

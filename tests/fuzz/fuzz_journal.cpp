// The kiosk's journal read back at recovery (firmware/host journal.h; docs/PAYMENT.md §10): every row of the
// SQLite database is untrusted input (a damaged disk, a hand edit, an older build's bug). The input is a set
// of rows (fuzz_journal_rows.h) written with a separate connection, with the CHECK constraints off, into a
// journal the Journal object then reads: pending entries and each by key, unresolved e-cash loads and their
// armed originals, the torn contactless tap (decoded by firmware/flows), the armed count, the day's totals
// for every payment row, and the start-up activation of every armed reversal.
//
// Checked besides memory safety: nothing fails hard; a corrupt entry is reported as corrupt (never as a
// decoded request); a non-corrupt pending entry is found again by its key with the same request.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_journal_rows.h"
#include "sscard/flows/contactless.h"
#include "sscard/host/journal.h"

namespace {

using sscard::ByteSpan;
using sscard::fuzz::kJournalTables;
namespace host = sscard::host;

struct Database {
  std::string path;
  std::optional<host::Journal> journal;
  sqlite3* raw = nullptr;

  Database() {
    const char* dir = std::getenv("TMPDIR");
    std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (dir != nullptr ? dir : "/tmp");
    path = base + "/sscard-fuzz-journal-" + std::to_string(getpid()) + ".db";
    remove_files();
    auto opened = host::Journal::open(path);
    if (!opened.ok()) __builtin_trap();
    journal.emplace(std::move(*opened));
    if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) __builtin_trap();
    sqlite3_busy_timeout(raw, 5000);
    if (sqlite3_exec(raw, "PRAGMA ignore_check_constraints = ON", nullptr, nullptr, nullptr) != SQLITE_OK) {
      __builtin_trap();
    }
  }
  ~Database() {
    sqlite3_close(raw);
    journal.reset();
    remove_files();
  }
  void remove_files() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
  void clear() const {
    for (const auto& table : kJournalTables) {
      const std::string sql = "DELETE FROM " + std::string(table.name);
      if (sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) __builtin_trap();
    }
  }
};

Database& database() {
  static Database db;
  return db;
}

class Input {
 public:
  explicit Input(ByteSpan in) : rest_(in) {}
  bool empty() const { return rest_.empty(); }
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const std::uint8_t b = rest_[0];
    rest_ = rest_.subspan(1);
    return b;
  }
  ByteSpan take(std::size_t n) {
    n = std::min(n, rest_.size());
    const ByteSpan out = rest_.first(n);
    rest_ = rest_.subspan(n);
    return out;
  }

 private:
  ByteSpan rest_;
};

struct PaymentDay {
  std::string issuer;
  std::string date;
};

// Binds the next value of the input to parameter `index`; notes texts for the totals queries.
void bind_value(sqlite3_stmt* stmt, int index, Input& in, std::string* text_out) {
  if (in.empty()) {
    sqlite3_bind_null(stmt, index);
    return;
  }
  switch (in.byte() % 4) {
    case sscard::fuzz::kInteger: {
      std::uint64_t v = 0;
      for (std::uint8_t b : in.take(8)) v = (v << 8) | b;
      sqlite3_bind_int64(stmt, index, static_cast<sqlite3_int64>(v));
      break;
    }
    case sscard::fuzz::kText: {
      const ByteSpan t = in.take(in.byte());
      sqlite3_bind_text(stmt, index, reinterpret_cast<const char*>(t.data()), static_cast<int>(t.size()),
                        SQLITE_TRANSIENT);
      if (text_out != nullptr) text_out->assign(reinterpret_cast<const char*>(t.data()), t.size());
      break;
    }
    case sscard::fuzz::kBlob: {
      const std::size_t hi = in.byte();
      const std::size_t n = (hi << 8) | in.byte();
      const ByteSpan b = in.take(n);
      static const std::uint8_t kEmpty = 0;
      sqlite3_bind_blob(stmt, index, b.empty() ? &kEmpty : b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
      break;
    }
    default:
      sqlite3_bind_null(stmt, index);
  }
}

void insert_rows(sqlite3* raw, Input& in, std::vector<PaymentDay>& days) {
  for (int rows = 0; rows < 64 && !in.empty(); ++rows) {
    const std::size_t t = in.byte() % kJournalTables.size();
    const auto& table = kJournalTables[t];
    std::string sql = "INSERT OR REPLACE INTO " + std::string(table.name) + " (" + std::string(table.columns) +
                      ") VALUES (";
    for (int c = 0; c < table.column_count; ++c) sql += c == 0 ? "?" : ", ?";
    sql += ")";
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) __builtin_trap();
    PaymentDay day;
    for (int c = 0; c < table.column_count; ++c) {
      std::string* text = nullptr;
      if (table.name == "payments" && c == 2) text = &day.issuer;
      if (table.name == "payments" && c == 3) text = &day.date;
      bind_value(stmt, c + 1, in, text);
    }
    (void)sqlite3_step(stmt);  // a NOT NULL or key conflict leaves the row out, as SQLite would have
    sqlite3_finalize(stmt);
    if (table.name == "payments" && days.size() < 8) days.push_back(day);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Database& db = database();
  db.clear();
  Input in(ByteSpan(data, size));
  std::vector<PaymentDay> days;
  insert_rows(db.raw, in, days);
  host::Journal& journal = *db.journal;

  if (auto pending = journal.pending(); pending.ok()) {
    for (const host::Entry& e : *pending) {
      (void)host::entry_state_name(e.state);
      (void)host::step_name(e.step);
      if (e.corrupt()) continue;
      auto again = journal.find(e.key);
      if (!again.ok() || again->corrupt() || !(again->request == e.request)) __builtin_trap();
    }
  }
  if (auto loads = journal.unresolved_loads(); loads.ok()) {
    for (const host::EcashLoad& load : *loads) (void)journal.armed_original(load.original_key);
  }
  if (auto kept = journal.torn_tap(); kept.ok() && kept->has_value()) {
    (void)sscard::flows::decode_torn_tap((*kept)->tap);
    const auto at = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(static_cast<std::int64_t>((*kept)->created_ms % (1ULL << 42))));
    sscard::flows::JournalTornTapStore store(journal, [at] { return at; });
    (void)store.torn();
  }
  (void)journal.armed_count();
  for (const PaymentDay& day : days) (void)journal.totals(day.issuer, day.date);
  (void)journal.activate_all(sscard::wire::ReversalReason::kRestart);
  (void)journal.pending();
  return 0;
}

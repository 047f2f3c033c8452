#include "sscard/host/journal.h"

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

#include "sscard/wire/wire.h"

namespace sscard::host {

namespace {

// The operations record() accepts, read back: those that change something at the issuer (wire::changes_state:
// the card services 02-05 and the payment operations but their quote and totals), so a pending reversal (07)
// or confirmation (0A) is resent by recovery like a pending activation.
bool journaled_operation(std::int64_t op) {
  if (op < 0x01 || op > 0xFF) return false;
  const auto operation = static_cast<wire::Operation>(op);
  return wire::is_payment(operation) ? wire::changes_state(operation)
                                     : op >= 0x02 && op <= 0x05;
}

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS requests ("
    " idem_key BLOB PRIMARY KEY NOT NULL,"
    " operation INTEGER NOT NULL,"
    " request BLOB NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),"
    " step TEXT NOT NULL CHECK (step IN ('card', 'issuer')),"
    " response BLOB,"
    " failure TEXT,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS requests_by_state ON requests (state, created_ms);";

constexpr const char* kColumns =
    "SELECT rowid, idem_key, operation, request, state, step, response, failure, attempts, created_ms, updated_ms "
    "FROM requests ";

// A prepared statement, finalized on scope exit. Bound blobs and texts must outlive step() (no copy is made).
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }

  bool bind(int index, ByteSpan blob) {
    // A zero-length blob still binds as a blob, not NULL.
    static const std::uint8_t kEmpty = 0;
    const void* data = blob.empty() ? &kEmpty : blob.data();
    return sqlite3_bind_blob(stmt_, index, data, static_cast<int>(blob.size()), nullptr) == SQLITE_OK;
  }
  bool bind(int index, std::string_view text) {
    return sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), nullptr) == SQLITE_OK;
  }
  bool bind(int index, std::int64_t value) { return sqlite3_bind_int64(stmt_, index, value) == SQLITE_OK; }

  int step() { return sqlite3_step(stmt_); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

Status exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK ? kOk : Status(Error::kIo);
}

std::int64_t now() { return static_cast<std::int64_t>(wire::now_ms()); }

std::optional<EntryState> parse_state(std::string_view text) {
  if (text == "pending") return EntryState::kPending;
  if (text == "done") return EntryState::kDone;
  if (text == "failed") return EntryState::kFailed;
  return std::nullopt;
}

std::optional<Step> parse_step(std::string_view text) {
  if (text == "card") return Step::kCard;
  if (text == "issuer") return Step::kIssuer;
  return std::nullopt;
}

ByteSpan column_blob(sqlite3_stmt* stmt, int column) {
  const void* data = sqlite3_column_blob(stmt, column);
  const int size = sqlite3_column_bytes(stmt, column);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)};
}

std::string_view column_text(sqlite3_stmt* stmt, int column) {
  const unsigned char* data = sqlite3_column_text(stmt, column);
  const int size = sqlite3_column_bytes(stmt, column);
  if (data == nullptr || size <= 0) return {};
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

// Decodes the current row of a kColumns query. Every column is checked: the database file is untrusted.
Entry decode_row(sqlite3_stmt* stmt) {
  Entry e;
  e.row = sqlite3_column_int64(stmt, 0);
  auto corrupt = [&e](Status why) {
    Entry bad;
    bad.row = e.row;
    bad.status = why;
    return bad;
  };

  if (sqlite3_column_type(stmt, 1) != SQLITE_BLOB) return corrupt(Error::kMalformed);
  const ByteSpan key = column_blob(stmt, 1);
  if (key.size() != e.key.size()) return corrupt(Error::kMalformed);
  std::copy(key.begin(), key.end(), e.key.begin());

  if (sqlite3_column_type(stmt, 2) != SQLITE_INTEGER) return corrupt(Error::kMalformed);
  const std::int64_t op = sqlite3_column_int64(stmt, 2);
  if (!journaled_operation(op)) return corrupt(Error::kMalformed);
  e.operation = static_cast<wire::Operation>(op);

  if (sqlite3_column_type(stmt, 4) != SQLITE_TEXT) return corrupt(Error::kMalformed);
  const auto state = parse_state(column_text(stmt, 4));
  if (!state) return corrupt(Error::kMalformed);
  e.state = *state;

  if (sqlite3_column_type(stmt, 5) != SQLITE_TEXT) return corrupt(Error::kMalformed);
  const auto step = parse_step(column_text(stmt, 5));
  if (!step) return corrupt(Error::kMalformed);
  e.step = *step;

  if (sqlite3_column_type(stmt, 3) != SQLITE_BLOB) return corrupt(Error::kMalformed);
  auto request = wire::decode_request(column_blob(stmt, 3));
  if (!request.ok()) return corrupt(request.status());
  if (request->key != e.key || request->operation != e.operation) return corrupt(Error::kMalformed);
  e.request = std::move(request).value();

  if (e.state == EntryState::kDone) {
    if (sqlite3_column_type(stmt, 6) != SQLITE_BLOB) return corrupt(Error::kMalformed);
    auto response = wire::decode_response(column_blob(stmt, 6));
    if (!response.ok()) return corrupt(response.status());
    e.response = std::move(response).value();
  }
  if (sqlite3_column_type(stmt, 7) == SQLITE_TEXT) e.failure = std::string(column_text(stmt, 7));

  for (int column : {8, 9, 10}) {
    if (sqlite3_column_type(stmt, column) != SQLITE_INTEGER || sqlite3_column_int64(stmt, column) < 0) {
      return corrupt(Error::kMalformed);
    }
  }
  const std::int64_t attempts = sqlite3_column_int64(stmt, 8);
  if (attempts > INT_MAX) return corrupt(Error::kMalformed);
  e.attempts = static_cast<int>(attempts);
  e.created_ms = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 9));
  e.updated_ms = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, 10));
  return e;
}

// The state column of `key`'s entry as stored (nullopt: no entry); kIo when the query fails.
Result<std::optional<std::string>> stored_state(sqlite3* db, const wire::IdempotencyKey& key) {
  Statement q(db, "SELECT state FROM requests WHERE idem_key = ?1");
  if (!q.ok() || !q.bind(1, ByteSpan(key))) return Error::kIo;
  const int rc = q.step();
  if (rc == SQLITE_DONE) return std::optional<std::string>{};
  if (rc != SQLITE_ROW) return Error::kIo;
  return std::optional<std::string>{std::string(column_text(q.get(), 0))};
}

// Runs a one-key UPDATE guarded by "state = 'pending'" (?1 key, ?2 now); when it changes nothing, tells why
// from the entry's state: `if_done` / `if_failed` for those states, kNotFound for no entry.
template <typename Bind>
Status update_pending(sqlite3* db, const char* sql, Bind bind, const wire::IdempotencyKey& key, Status if_done,
                      Status if_failed) {
  if (db == nullptr) return Error::kInvalidArgument;
  {
    Statement u(db, sql);
    if (!u.ok() || !u.bind(1, ByteSpan(key)) || !u.bind(2, now()) || !bind(u)) return Error::kIo;
    if (u.step() != SQLITE_DONE) return Error::kIo;
    if (sqlite3_changes(db) == 1) return kOk;
  }
  auto state = stored_state(db, key);
  if (!state.ok()) return state.status();
  if (!state->has_value()) return Error::kNotFound;
  if (**state == "done") return if_done;
  if (**state == "failed") return if_failed;
  return Error::kIo;  // pending, yet the guarded update changed nothing
}

}  // namespace

std::string_view entry_state_name(EntryState s) {
  switch (s) {
    case EntryState::kPending: return "pending";
    case EntryState::kDone: return "done";
    case EntryState::kFailed: return "failed";
  }
  return "unknown";
}

std::string_view step_name(Step s) {
  switch (s) {
    case Step::kCard: return "card";
    case Step::kIssuer: return "issuer";
  }
  return "unknown";
}

Result<Journal> Journal::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return Error::kIo;
  }
  Journal journal(db);  // closes `db` on every early return below
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);

  const bool in_memory = path.empty() || path == ":memory:";
  {
    Statement wal(db, "PRAGMA journal_mode = WAL");
    if (!wal.ok() || wal.step() != SQLITE_ROW) return Error::kIo;
    if (!in_memory && column_text(wal.get(), 0) != "wal") return Error::kIo;
  }
  SSCARD_TRY(exec(db, "PRAGMA synchronous = FULL"));

  std::int64_t version = 0;
  {
    Statement v(db, "PRAGMA user_version");
    if (!v.ok() || v.step() != SQLITE_ROW) return Error::kIo;
    version = sqlite3_column_int64(v.get(), 0);
  }
  if (version > kSchemaVersion) return Error::kUnsupported;
  SSCARD_TRY(exec(db, "BEGIN IMMEDIATE"));
  if (!exec(db, kSchema).ok() || !exec(db, "PRAGMA user_version = 1").ok() || !exec(db, "COMMIT").ok()) {
    (void)exec(db, "ROLLBACK");
    return Error::kIo;
  }
  return journal;
}

Journal::Journal(Journal&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Journal& Journal::operator=(Journal&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Journal::~Journal() { sqlite3_close(db_); }

Status Journal::record(const wire::Request& request, Step step) {
  if (db_ == nullptr || !wire::changes_state(request.operation)) return Error::kInvalidArgument;
  Bytes payload;
  SSCARD_TRY(wire::encode(request, payload));

  Statement insert(db_,
                   "INSERT OR IGNORE INTO requests (idem_key, operation, request, state, step, attempts, created_ms, "
                   "updated_ms) VALUES (?1, ?2, ?3, 'pending', ?4, 0, ?5, ?5)");
  const std::int64_t t = now();
  if (!insert.ok() || !insert.bind(1, ByteSpan(request.key)) ||
      !insert.bind(2, static_cast<std::int64_t>(request.operation)) || !insert.bind(3, ByteSpan(payload)) ||
      !insert.bind(4, step_name(step)) || !insert.bind(5, t)) {
    return Error::kIo;
  }
  if (insert.step() != SQLITE_DONE) return Error::kIo;
  if (sqlite3_changes(db_) == 1) return kOk;

  // The key is already journaled: fine for the very same request, a conflict otherwise.
  Statement q(db_, "SELECT request FROM requests WHERE idem_key = ?1");
  if (!q.ok() || !q.bind(1, ByteSpan(request.key))) return Error::kIo;
  if (q.step() != SQLITE_ROW) return Error::kIo;
  const ByteSpan stored = column_blob(q.get(), 0);
  return std::equal(stored.begin(), stored.end(), payload.begin(), payload.end()) ? kOk
                                                                                  : Status(Error::kInvalidArgument);
}

Status Journal::card_step_done(const wire::IdempotencyKey& key) {
  return update_pending(
      db_,
      "UPDATE requests SET step = 'issuer', updated_ms = ?2 WHERE idem_key = ?1 AND state = 'pending'",
      [](Statement&) { return true; }, key, Error::kInvalidArgument, Error::kInvalidArgument);
}

Status Journal::note_attempt(const wire::IdempotencyKey& key) {
  return update_pending(
      db_,
      "UPDATE requests SET attempts = attempts + 1, updated_ms = ?2 WHERE idem_key = ?1 AND state = 'pending'",
      [](Statement&) { return true; }, key, Error::kInvalidArgument, Error::kInvalidArgument);
}

Status Journal::complete(const wire::IdempotencyKey& key, const wire::Response& response) {
  Bytes payload;
  SSCARD_TRY(wire::encode(response, payload));
  return update_pending(
      db_,
      "UPDATE requests SET state = 'done', response = ?3, updated_ms = ?2 WHERE idem_key = ?1 AND state = 'pending'",
      [&payload](Statement& s) { return s.bind(3, ByteSpan(payload)); }, key, kOk, Error::kInvalidArgument);
}

Status Journal::fail(const wire::IdempotencyKey& key, std::string_view reason) {
  return update_pending(
      db_,
      "UPDATE requests SET state = 'failed', failure = ?3, updated_ms = ?2 WHERE idem_key = ?1 AND state = 'pending'",
      [reason](Statement& s) { return s.bind(3, reason); }, key, Error::kInvalidArgument, kOk);
}

Status Journal::fail_row(std::int64_t row, std::string_view reason) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  Statement u(db_,
              "UPDATE requests SET state = 'failed', failure = ?2, updated_ms = ?3 WHERE rowid = ?1 AND state = "
              "'pending'");
  if (!u.ok() || !u.bind(1, row) || !u.bind(2, reason) || !u.bind(3, now())) return Error::kIo;
  if (u.step() != SQLITE_DONE) return Error::kIo;
  return sqlite3_changes(db_) == 1 ? kOk : Status(Error::kNotFound);
}

Result<std::vector<Entry>> Journal::pending() {
  if (db_ == nullptr) return Error::kInvalidArgument;
  const std::string sql = std::string(kColumns) + "WHERE state = 'pending' ORDER BY created_ms, rowid";
  Statement q(db_, sql.c_str());
  if (!q.ok()) return Error::kIo;
  std::vector<Entry> out;
  for (;;) {
    const int rc = q.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Error::kIo;
    out.push_back(decode_row(q.get()));
  }
  return out;
}

Result<Entry> Journal::find(const wire::IdempotencyKey& key) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  const std::string sql = std::string(kColumns) + "WHERE idem_key = ?1";
  Statement q(db_, sql.c_str());
  if (!q.ok() || !q.bind(1, ByteSpan(key))) return Error::kIo;
  const int rc = q.step();
  if (rc == SQLITE_DONE) return Error::kNotFound;
  if (rc != SQLITE_ROW) return Error::kIo;
  return decode_row(q.get());
}

}  // namespace sscard::host

#include "sscard/host/journal.h"

#include "sscard/core/test_point.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <climits>
#include <cstring>
#include <utility>

#include "sscard/host/store_key.h"
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

// Version 3 (docs/SECURITY.md "Card data at rest"): every stored message, the e-cash load's PAN and the torn tap
// are sealed under the device's storage key; ecash_loads keeps a keyed digest of the PAN instead of the PAN.
constexpr int kSchemaVersion = 3;

// The columns whose values are sealed (StoreKey::seal), each with the row's primary key as associated data.
constexpr std::string_view kRequestColumn = "requests.request";
constexpr std::string_view kResponseColumn = "requests.response";
constexpr std::string_view kArmedOriginalColumn = "armed.original";
constexpr std::string_view kArmedReversalColumn = "armed.reversal";
constexpr std::string_view kLoadPanColumn = "ecash_loads.pan";
constexpr std::string_view kTornTapColumn = "torn_taps.tap";

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
    "CREATE INDEX IF NOT EXISTS requests_by_state ON requests (state, created_ms);"
    // Version 2 (PAYMENT.md §10): armed reversals beside their originals, and the kiosk's payment record.
    "CREATE TABLE IF NOT EXISTS armed ("
    " original_key BLOB PRIMARY KEY NOT NULL,"
    " original BLOB NOT NULL,"
    " reversal BLOB NOT NULL,"
    " created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS payments ("
    " original_key BLOB PRIMARY KEY NOT NULL,"
    " operation INTEGER NOT NULL,"
    " issuer TEXT NOT NULL,"
    " business_date TEXT NOT NULL,"
    " amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),"
    " medical_fen INTEGER NOT NULL CHECK (medical_fen >= 0),"
    " approved INTEGER NOT NULL CHECK (approved IN (0, 1)),"
    " reversed INTEGER NOT NULL CHECK (reversed IN (0, 1)),"
    " updated_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS payments_by_day ON payments (issuer, business_date);"
    // CONTACTLESS.md §3.3: the one torn contactless tap.
    "CREATE TABLE IF NOT EXISTS torn_taps ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " tap BLOB NOT NULL,"
    " created_ms INTEGER NOT NULL);"
    // Version 3: the database's binding to its storage key (StoreBinding).
    "CREATE TABLE IF NOT EXISTS store_key ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " database_id BLOB NOT NULL,"
    " key_check BLOB NOT NULL);";

// CONTACTLESS.md §4: unresolved e-cash loads beside their armed reversals. Version 3 form (made after the
// version 2 table, which kept the PAN as text, is read for migration): the PAN's keyed digest for lookups and
// the PAN sealed.
constexpr const char* kLoadsSchema =
    "CREATE TABLE IF NOT EXISTS ecash_loads ("
    " original_key BLOB PRIMARY KEY NOT NULL,"
    " pan_digest BLOB NOT NULL,"
    " pan_sealed BLOB NOT NULL,"
    " old_balance_fen INTEGER NOT NULL CHECK (old_balance_fen >= 0),"
    " amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),"
    " created_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS ecash_loads_by_pan ON ecash_loads (pan_digest);";

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

// A write that returned ok is a crash test's point (test_point.h); a failed one is not.
Status passed(Status s, std::string_view point) {
  if (s.ok()) test_point::pass(point);
  return s;
}

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

// Opens the sealed value in `column` of the current row. kMalformed: not a blob or not a sealed value;
// kSecurity: it does not authenticate.
Result<Bytes> open_column(StoreKey& key, sqlite3_stmt* stmt, int column, std::string_view name, ByteSpan row_key) {
  if (sqlite3_column_type(stmt, column) != SQLITE_BLOB) return Error::kMalformed;
  return key.open(name, row_key, column_blob(stmt, column));
}

// Decodes the current row of a kColumns query. Every column is checked: the database file is untrusted.
Entry decode_row(StoreKey& store, sqlite3_stmt* stmt) {
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

  auto payload = open_column(store, stmt, 3, kRequestColumn, key);
  if (!payload.ok()) return corrupt(payload.status());
  auto request = wire::decode_request(*payload);
  secure_wipe(*payload);
  if (!request.ok()) return corrupt(request.status());
  if (request->key != e.key || request->operation != e.operation) return corrupt(Error::kMalformed);
  e.request = std::move(request).value();

  if (e.state == EntryState::kDone) {
    auto answer = open_column(store, stmt, 6, kResponseColumn, key);
    if (!answer.ok()) return corrupt(answer.status());
    auto response = wire::decode_response(*answer);
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

// One BEGIN IMMEDIATE ... COMMIT; rolled back unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db), open_(db != nullptr && exec(db, "BEGIN IMMEDIATE").ok()) {}
  ~Transaction() {
    if (open_) (void)exec(db_, "ROLLBACK");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  bool ok() const { return open_; }
  Status commit() {
    if (!open_) return Error::kIo;
    if (!exec(db_, "COMMIT").ok()) return Error::kIo;
    open_ = false;
    return kOk;
  }

 private:
  sqlite3* db_;
  bool open_;
};

// The fen of an FF40 9F02 (n12, 6 BCD bytes); nullopt when absent or not BCD.
std::optional<std::uint64_t> amount_of(const wire::Request& r) {
  if (!r.icc_data) return std::nullopt;
  auto icc = wire::IccData::parse(*r.icc_data);
  if (!icc.ok()) return std::nullopt;
  const auto value = icc->get(0x9F02);
  if (!value || value->size() != 6) return std::nullopt;
  std::uint64_t fen = 0;
  for (std::uint8_t b : *value) {
    const int high = b >> 4;
    const int low = b & 0x0F;
    if (high > 9 || low > 9) return std::nullopt;
    fen = fen * 100 + static_cast<std::uint64_t>(high * 10 + low);
  }
  if (fen == 0) return std::nullopt;
  return fen;
}

// Writes `request` as a pending entry at kIssuer (inside the caller's transaction). kInvalidArgument when the
// key is already journaled.
Status insert_pending(sqlite3* db, StoreKey& key, const wire::Request& request) {
  Bytes encoded;
  SSCARD_TRY(wire::encode(request, encoded));
  auto sealed = key.seal(kRequestColumn, request.key, encoded);
  secure_wipe(encoded);
  if (!sealed.ok()) return sealed.status();
  const Bytes& payload = *sealed;
  Statement insert(db,
                   "INSERT OR IGNORE INTO requests (idem_key, operation, request, state, step, attempts, created_ms, "
                   "updated_ms) VALUES (?1, ?2, ?3, 'pending', 'issuer', 0, ?4, ?4)");
  if (!insert.ok() || !insert.bind(1, ByteSpan(request.key)) ||
      !insert.bind(2, static_cast<std::int64_t>(request.operation)) || !insert.bind(3, ByteSpan(payload)) ||
      !insert.bind(4, now())) {
    return Error::kIo;
  }
  if (insert.step() != SQLITE_DONE) return Error::kIo;
  return sqlite3_changes(db) == 1 ? kOk : Status(Error::kInvalidArgument);
}

// The kiosk's payment record row of an original being armed: not approved yet (inside the caller's
// transaction). Its home province comes from DF05, the business date from DF09, the card amount from 9F02
// (a settle: DF48, and DF47 for the medical share).
Status insert_payment(sqlite3* db, const wire::Request& original) {
  const auto issuer = wire::home_province(original.card_region);
  if (!issuer || original.date.size() != 8) return Error::kInvalidArgument;
  std::uint64_t card_fen = 0;
  std::uint64_t medical_fen = 0;
  if (original.operation == wire::Operation::kSettle) {
    card_fen = original.card_fen.value_or(0);
    medical_fen = original.medical_fen.value_or(0);
  } else {
    const auto amount = amount_of(original);
    if (!amount) return Error::kInvalidArgument;
    card_fen = *amount;
  }
  if (card_fen > INT64_MAX || medical_fen > INT64_MAX) return Error::kInvalidArgument;
  Statement insert(db,
                   "INSERT INTO payments (original_key, operation, issuer, business_date, amount_fen, medical_fen, "
                   "approved, reversed, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)");
  if (!insert.ok() || !insert.bind(1, ByteSpan(original.key)) ||
      !insert.bind(2, static_cast<std::int64_t>(original.operation)) || !insert.bind(3, std::string_view(*issuer)) ||
      !insert.bind(4, std::string_view(original.date)) || !insert.bind(5, static_cast<std::int64_t>(card_fen)) ||
      !insert.bind(6, static_cast<std::int64_t>(medical_fen)) || !insert.bind(7, now())) {
    return Error::kIo;
  }
  return insert.step() == SQLITE_DONE ? kOk : Status(Error::kInvalidArgument);
}

// Marks the payment record of `original_key` approved (and reversed). kNotFound: no row.
Status mark_payment(sqlite3* db, const wire::IdempotencyKey& original_key, bool reversed) {
  Statement u(db, reversed ? "UPDATE payments SET approved = 1, reversed = 1, updated_ms = ?2 WHERE original_key = ?1"
                           : "UPDATE payments SET approved = 1, updated_ms = ?2 WHERE original_key = ?1");
  if (!u.ok() || !u.bind(1, ByteSpan(original_key)) || !u.bind(2, now()) || u.step() != SQLITE_DONE) {
    return Error::kIo;
  }
  return sqlite3_changes(db) == 1 ? kOk : Status(Error::kNotFound);
}

// The armed row of `original_key`: its original and reversal, decoded and checked. kNotFound; kMalformed.
struct ArmedRow {
  wire::Request original;
  wire::Request reversal;
};
Result<ArmedRow> read_armed(sqlite3* db, StoreKey& key, const wire::IdempotencyKey& original_key) {
  Statement q(db, "SELECT original, reversal FROM armed WHERE original_key = ?1");
  if (!q.ok() || !q.bind(1, ByteSpan(original_key))) return Error::kIo;
  const int rc = q.step();
  if (rc == SQLITE_DONE) return Error::kNotFound;
  if (rc != SQLITE_ROW) return Error::kIo;
  SSCARD_TRY_ASSIGN(Bytes original_payload, open_column(key, q.get(), 0, kArmedOriginalColumn, original_key));
  SSCARD_TRY_ASSIGN(Bytes reversal_payload, open_column(key, q.get(), 1, kArmedReversalColumn, original_key));
  auto original = wire::decode_request(original_payload);
  auto reversal = wire::decode_request(reversal_payload);
  secure_wipe(original_payload);
  secure_wipe(reversal_payload);
  if (!original.ok() || !reversal.ok()) return Error::kMalformed;
  if (original->key != original_key || reversal->operation != wire::Operation::kReverse ||
      reversal->original_key != original_key) {
    return Error::kMalformed;
  }
  return ArmedRow{std::move(original).value(), std::move(reversal).value()};
}

Status delete_armed(sqlite3* db, const wire::IdempotencyKey& original_key) {
  Statement d(db, "DELETE FROM armed WHERE original_key = ?1");
  if (!d.ok() || !d.bind(1, ByteSpan(original_key)) || d.step() != SQLITE_DONE) return Error::kIo;
  return sqlite3_changes(db) == 1 ? kOk : Status(Error::kNotFound);
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

namespace {

// A version 2 e-cash load row, read for migration.
struct PlainLoad {
  Bytes original_key;
  std::string pan;
  std::int64_t old_balance_fen = 0;
  std::int64_t amount_fen = 0;
  std::int64_t created_ms = 0;
};

Result<bool> table_has_column(sqlite3* db, const char* table, std::string_view column) {
  const std::string sql = std::string("PRAGMA table_info(") + table + ")";
  Statement q(db, sql.c_str());
  if (!q.ok()) return Error::kIo;
  for (int rc = q.step(); rc != SQLITE_DONE; rc = q.step()) {
    if (rc != SQLITE_ROW) return Error::kIo;
    if (column_text(q.get(), 1) == column) return true;
  }
  return false;
}

// Takes the version 2 ecash_loads table (PAN as text) out of the way: its rows, then the table. None when the
// table is absent or already in the version 3 form.
Result<std::vector<PlainLoad>> take_plain_loads(sqlite3* db) {
  SSCARD_TRY_ASSIGN(const bool plain, table_has_column(db, "ecash_loads", "pan"));
  std::vector<PlainLoad> out;
  if (!plain) return out;
  {
    Statement q(db, "SELECT original_key, pan, old_balance_fen, amount_fen, created_ms FROM ecash_loads");
    if (!q.ok()) return Error::kIo;
    for (int rc = q.step(); rc != SQLITE_DONE; rc = q.step()) {
      if (rc != SQLITE_ROW) return Error::kIo;
      const ByteSpan key = column_blob(q.get(), 0);
      out.push_back({Bytes(key.begin(), key.end()), std::string(column_text(q.get(), 1)),
                     sqlite3_column_int64(q.get(), 2), sqlite3_column_int64(q.get(), 3),
                     sqlite3_column_int64(q.get(), 4)});
    }
  }
  SSCARD_TRY(exec(db, "DROP TABLE ecash_loads"));
  return out;
}

Result<std::optional<StoreBinding>> read_binding(sqlite3* db) {
  Statement q(db, "SELECT database_id, key_check FROM store_key WHERE id = 1");
  if (!q.ok()) return Error::kIo;
  const int rc = q.step();
  if (rc == SQLITE_DONE) return std::optional<StoreBinding>();
  if (rc != SQLITE_ROW) return Error::kIo;
  // A damaged binding reads as a binding to no key: it matches none, so sealed rows are not given a new key.
  StoreBinding b;
  const ByteSpan id = column_blob(q.get(), 0);
  const ByteSpan check = column_blob(q.get(), 1);
  if (id.size() == b.database_id.size()) std::copy(id.begin(), id.end(), b.database_id.begin());
  if (check.size() == b.key_check.size()) std::copy(check.begin(), check.end(), b.key_check.begin());
  return std::optional<StoreBinding>(b);
}

Status write_binding(sqlite3* db, const StoreBinding& b) {
  Statement u(db, "INSERT OR REPLACE INTO store_key (id, database_id, key_check) VALUES (1, ?1, ?2)");
  if (!u.ok() || !u.bind(1, ByteSpan(b.database_id)) || !u.bind(2, ByteSpan(b.key_check)) ||
      u.step() != SQLITE_DONE) {
    return Error::kIo;
  }
  return kOk;
}

Result<std::int64_t> count_rows(sqlite3* db, const char* sql) {
  Statement q(db, sql);
  if (!q.ok() || q.step() != SQLITE_ROW) return Error::kIo;
  return sqlite3_column_int64(q.get(), 0);
}

// Seals, in place, every value of `column` of `table` (rows named by `key_column`) that a version 1 or 2
// journal kept in the clear. Rows whose value is not a blob are left for decode_row to report.
Result<int> seal_column(sqlite3* db, StoreKey& key, const char* table, const char* key_column, const char* column,
                        std::string_view name) {
  struct Row {
    std::int64_t rowid;
    Bytes row_key;
    Bytes value;
  };
  std::vector<Row> rows;
  {
    const std::string sql = std::string("SELECT rowid, ") + key_column + ", " + column + " FROM " + table +
                            " WHERE typeof(" + column + ") = 'blob'";
    Statement q(db, sql.c_str());
    if (!q.ok()) return Error::kIo;
    for (int rc = q.step(); rc != SQLITE_DONE; rc = q.step()) {
      if (rc != SQLITE_ROW) return Error::kIo;
      const ByteSpan k = column_blob(q.get(), 1);
      const ByteSpan v = column_blob(q.get(), 2);
      rows.push_back({sqlite3_column_int64(q.get(), 0), Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end())});
    }
  }
  const std::string sql = std::string("UPDATE ") + table + " SET " + column + " = ?1 WHERE rowid = ?2";
  for (Row& r : rows) {
    auto sealed = key.seal(name, r.row_key, r.value);
    secure_wipe(r.value);
    if (!sealed.ok()) return sealed.status();
    Statement u(db, sql.c_str());
    if (!u.ok() || !u.bind(1, ByteSpan(*sealed)) || !u.bind(2, r.rowid) || u.step() != SQLITE_DONE) return Error::kIo;
  }
  return static_cast<int>(rows.size());
}

Status insert_load(sqlite3* db, StoreKey& key, ByteSpan original_key, std::string_view pan,
                   std::int64_t old_balance_fen, std::int64_t amount_fen, std::int64_t created_ms) {
  SSCARD_TRY_ASSIGN(const StoreKey::Digest digest, key.lookup_digest(kLoadPanColumn, as_bytes(pan)));
  SSCARD_TRY_ASSIGN(const Bytes sealed, key.seal(kLoadPanColumn, original_key, as_bytes(pan)));
  Statement l(db,
              "INSERT INTO ecash_loads (original_key, pan_digest, pan_sealed, old_balance_fen, amount_fen, created_ms) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!l.ok() || !l.bind(1, original_key) || !l.bind(2, ByteSpan(digest)) || !l.bind(3, ByteSpan(sealed)) ||
      !l.bind(4, old_balance_fen) || !l.bind(5, amount_fen) || !l.bind(6, created_ms) || l.step() != SQLITE_DONE) {
    return Error::kIo;
  }
  return kOk;
}

// Version 1 or 2 -> 3: every value that carries a PAN is sealed where it is, the loads are written again in
// their version 3 form, the torn tap sealed bound to its time. Returns how many values were sealed.
Result<int> migrate_to_sealed(sqlite3* db, StoreKey& key, const std::vector<PlainLoad>& loads) {
  int sealed = 0;
  SSCARD_TRY_ASSIGN(const int requests, seal_column(db, key, "requests", "idem_key", "request", kRequestColumn));
  SSCARD_TRY_ASSIGN(const int responses, seal_column(db, key, "requests", "idem_key", "response", kResponseColumn));
  SSCARD_TRY_ASSIGN(const int originals, seal_column(db, key, "armed", "original_key", "original", kArmedOriginalColumn));
  SSCARD_TRY_ASSIGN(const int reversals, seal_column(db, key, "armed", "original_key", "reversal", kArmedReversalColumn));
  sealed += requests + responses + originals + reversals;
  for (const PlainLoad& l : loads) {
    SSCARD_TRY(insert_load(db, key, l.original_key, l.pan, l.old_balance_fen, l.amount_fen, l.created_ms));
    ++sealed;
  }
  {
    Statement q(db, "SELECT tap, created_ms FROM torn_taps WHERE id = 1");
    if (!q.ok()) return Error::kIo;
    const int rc = q.step();
    if (rc == SQLITE_ROW) {
      const ByteSpan tap = column_blob(q.get(), 0);
      const std::int64_t created = sqlite3_column_int64(q.get(), 1);
      SSCARD_TRY_ASSIGN(const Bytes s, key.seal(kTornTapColumn, row_number_key(static_cast<std::uint64_t>(created)), tap));
      Statement u(db, "UPDATE torn_taps SET tap = ?1 WHERE id = 1");
      if (!u.ok() || !u.bind(1, ByteSpan(s)) || u.step() != SQLITE_DONE) return Error::kIo;
      ++sealed;
    } else if (rc != SQLITE_DONE) {
      return Error::kIo;
    }
  }
  return sealed;
}

}  // namespace

Result<Journal> Journal::open(const std::string& path) {
  auto journal = open_store(path);
  if (!journal.ok()) return journal.error().status();
  return std::move(journal).value();
}

Result<Journal, StoreError> Journal::open_store(const std::string& path) {
  const auto failed = [&path](StoreError::Kind kind = StoreError::Kind::kIo) {
    StoreError e;
    e.kind = kind;
    e.file = path;
    return e;
  };
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return failed();
  }
  Journal journal(db);  // closes `db` on every early return below
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);

  const bool in_memory = path.empty() || path == ":memory:";
  {
    Statement wal(db, "PRAGMA journal_mode = WAL");
    if (!wal.ok() || wal.step() != SQLITE_ROW) return failed();
    if (!in_memory && column_text(wal.get(), 0) != "wal") return failed();
  }
  if (!exec(db, "PRAGMA synchronous = FULL").ok()) return failed();

  std::int64_t version = 0;
  {
    Statement v(db, "PRAGMA user_version");
    if (!v.ok() || v.step() != SQLITE_ROW) return failed();
    version = sqlite3_column_int64(v.get(), 0);
  }
  if (version > kSchemaVersion) return failed(StoreError::Kind::kNewerSchema);

  int migrated = 0;
  {
    Transaction tx(db);
    if (!tx.ok() || !exec(db, kSchema).ok()) return failed();
    std::vector<PlainLoad> plain_loads;
    if (version < kSchemaVersion) {
      auto taken = take_plain_loads(db);
      if (!taken.ok()) return failed();
      plain_loads = std::move(taken).value();
    }
    if (!exec(db, kLoadsSchema).ok()) return failed();

    auto bound = read_binding(db);
    // Before version 3 nothing was sealed: the rows are migrated below under whatever key is found or made.
    auto sealed_rows = version < kSchemaVersion
                           ? Result<std::int64_t>(std::int64_t{0})
                           : count_rows(db,
                                        "SELECT (SELECT COUNT(*) FROM requests) + (SELECT COUNT(*) FROM armed) + "
                                        "(SELECT COUNT(*) FROM ecash_loads) + (SELECT COUNT(*) FROM torn_taps)");
    if (!bound.ok() || !sealed_rows.ok()) return failed();
    auto key = StoreKey::open(path, *bound, *sealed_rows);
    if (!key.ok()) return std::move(key).error();
    journal.key_ = std::move(key).value();
    if (journal.key_->needs_binding_write() && !write_binding(db, journal.key_->binding()).ok()) return failed();
    if (version < kSchemaVersion) {
      auto n = migrate_to_sealed(db, *journal.key_, plain_loads);
      for (PlainLoad& l : plain_loads) secure_wipe(MutableByteSpan(reinterpret_cast<std::uint8_t*>(l.pan.data()), l.pan.size()));
      if (!n.ok()) return failed();
      migrated = *n;
    }
    if (!exec(db, "PRAGMA user_version = 3").ok() || !tx.commit().ok()) return failed();
  }
  // The clear values of an older journal may remain in free pages and in the write-ahead log: VACUUM writes
  // the database anew from its live (sealed) rows, and the checkpoint empties the log.
  if (migrated > 0 && !in_memory) {
    if (!exec(db, "VACUUM").ok() || !exec(db, "PRAGMA wal_checkpoint(TRUNCATE)").ok()) return failed();
  }
  return journal;
}

Journal::Journal(sqlite3* db) : db_(db) {}

Journal::Journal(Journal&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), key_(std::move(other.key_)) {}

Journal& Journal::operator=(Journal&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
    key_ = std::move(other.key_);
  }
  return *this;
}

Journal::~Journal() { sqlite3_close(db_); }

Status Journal::record(const wire::Request& request, Step step) {
  if (db_ == nullptr || !wire::changes_state(request.operation)) return Error::kInvalidArgument;
  Bytes payload;
  SSCARD_TRY(wire::encode(request, payload));
  auto sealed = key_->seal(kRequestColumn, request.key, payload);
  if (!sealed.ok()) {
    secure_wipe(payload);
    return sealed.status();
  }

  Statement insert(db_,
                   "INSERT OR IGNORE INTO requests (idem_key, operation, request, state, step, attempts, created_ms, "
                   "updated_ms) VALUES (?1, ?2, ?3, 'pending', ?4, 0, ?5, ?5)");
  const std::int64_t t = now();
  if (!insert.ok() || !insert.bind(1, ByteSpan(request.key)) ||
      !insert.bind(2, static_cast<std::int64_t>(request.operation)) || !insert.bind(3, ByteSpan(*sealed)) ||
      !insert.bind(4, step_name(step)) || !insert.bind(5, t)) {
    secure_wipe(payload);
    return Error::kIo;
  }
  if (insert.step() != SQLITE_DONE) {
    secure_wipe(payload);
    return Error::kIo;
  }
  if (sqlite3_changes(db_) == 1) {
    secure_wipe(payload);
    return passed(kOk, "journal-record");
  }

  // The key is already journaled: fine for the very same request, a conflict otherwise (also when the stored
  // value cannot be opened: it is not known to be the same request).
  Statement q(db_, "SELECT request FROM requests WHERE idem_key = ?1");
  if (!q.ok() || !q.bind(1, ByteSpan(request.key)) || q.step() != SQLITE_ROW) {
    secure_wipe(payload);
    return Error::kIo;
  }
  auto stored = open_column(*key_, q.get(), 0, kRequestColumn, request.key);
  const bool same = stored.ok() && *stored == payload;
  if (stored.ok()) secure_wipe(*stored);
  secure_wipe(payload);
  return same ? kOk : Status(Error::kInvalidArgument);
}

Status Journal::card_step_done(const wire::IdempotencyKey& key) {
  test_point::pass("before-journal-card-step");  // the card has done its part; the journal does not know yet
  return passed(update_pending(
                    db_,
                    "UPDATE requests SET step = 'issuer', updated_ms = ?2 WHERE idem_key = ?1 AND state = 'pending'",
                    [](Statement&) { return true; }, key, Error::kInvalidArgument, Error::kInvalidArgument),
                "journal-card-step");
}

Status Journal::note_attempt(const wire::IdempotencyKey& key) {
  return passed(
      update_pending(
          db_,
          "UPDATE requests SET attempts = attempts + 1, updated_ms = ?2 WHERE idem_key = ?1 AND state = 'pending'",
          [](Statement&) { return true; }, key, Error::kInvalidArgument, Error::kInvalidArgument),
      "journal-attempt");
}

Status Journal::complete(const wire::IdempotencyKey& key, const wire::Response& response) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  Bytes encoded;
  SSCARD_TRY(wire::encode(response, encoded));
  SSCARD_TRY_ASSIGN(const Bytes payload, key_->seal(kResponseColumn, key, encoded));
  const bool reversed = response.result == wire::ResultCode::kOk &&
                        response.reversal_status == wire::ReversalStatus::kReversed;
  std::optional<wire::IdempotencyKey> original_key;
  if (reversed) {
    auto entry = find(key);
    if (entry.ok() && !entry->corrupt() && entry->operation == wire::Operation::kReverse) {
      original_key = entry->request.original_key;
    }
  }
  Transaction tx(db_);
  if (!tx.ok()) return Error::kIo;
  SSCARD_TRY(update_pending(
      db_,
      "UPDATE requests SET state = 'done', response = ?3, updated_ms = ?2 WHERE idem_key = ?1 AND state = 'pending'",
      [&payload](Statement& s) { return s.bind(3, ByteSpan(payload)); }, key, kOk, Error::kInvalidArgument));
  // Money returned: the issuer had approved it, whether or not the kiosk saw that answer. A reversal of an
  // original the kiosk has no record of (a journal older than the record) changes no record.
  if (original_key) {
    const Status s = mark_payment(db_, *original_key, true);
    if (!s.ok() && s.code() != Error::kNotFound) return s;
  }
  return passed(tx.commit(), "journal-complete");
}

namespace {

// arm() and arm_load(): the armed row, the payment record row and, for a load, its unresolved row, in one
// transaction.
Status arm_rows(sqlite3* db, StoreKey& key, const wire::Request& original, const wire::Request& reversal,
                const EcashLoad* load) {
  if (db == nullptr) return Error::kInvalidArgument;
  const bool original_ok = original.operation == wire::Operation::kAuthorise ||
                           original.operation == wire::Operation::kSettle ||
                           original.operation == wire::Operation::kEcashLoad;
  if (!original_ok || (original.operation == wire::Operation::kEcashLoad) != (load != nullptr) ||
      (load != nullptr && (load->original_key != original.key || load->pan.empty() ||
                           load->old_balance_fen > INT64_MAX || load->amount_fen > INT64_MAX)) ||
      original.pin_block || reversal.operation != wire::Operation::kReverse ||
      reversal.original_key != original.key || reversal.key == original.key) {
    return Error::kInvalidArgument;
  }
  Bytes encoded;
  SSCARD_TRY(wire::encode(original, encoded));
  auto original_sealed = key.seal(kArmedOriginalColumn, original.key, encoded);
  secure_wipe(encoded);
  encoded.clear();
  SSCARD_TRY(wire::encode(reversal, encoded));
  auto reversal_sealed = key.seal(kArmedReversalColumn, original.key, encoded);
  secure_wipe(encoded);
  if (!original_sealed.ok() || !reversal_sealed.ok()) return Error::kInternal;
  const Bytes& original_payload = *original_sealed;
  const Bytes& reversal_payload = *reversal_sealed;
  Transaction tx(db);
  if (!tx.ok()) return Error::kIo;
  {
    auto state = stored_state(db, reversal.key);
    if (!state.ok()) return state.status();
    if (state->has_value()) return Error::kInvalidArgument;
  }
  Statement insert(db,
                   "INSERT OR IGNORE INTO armed (original_key, original, reversal, created_ms) VALUES (?1, ?2, ?3, ?4)");
  if (!insert.ok() || !insert.bind(1, ByteSpan(original.key)) || !insert.bind(2, ByteSpan(original_payload)) ||
      !insert.bind(3, ByteSpan(reversal_payload)) || !insert.bind(4, now())) {
    return Error::kIo;
  }
  if (insert.step() != SQLITE_DONE) return Error::kIo;
  if (sqlite3_changes(db) != 1) return Error::kInvalidArgument;
  SSCARD_TRY(insert_payment(db, original));
  if (load != nullptr) {
    SSCARD_TRY(insert_load(db, key, original.key, load->pan, static_cast<std::int64_t>(load->old_balance_fen),
                           static_cast<std::int64_t>(load->amount_fen), now()));
  }
  return passed(tx.commit(), "journal-arm");
}

}  // namespace

Status Journal::arm(const wire::Request& original, const wire::Request& reversal) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  return arm_rows(db_, *key_, original, reversal, nullptr);
}

Status Journal::arm_load(const wire::Request& original, const wire::Request& reversal, const EcashLoad& load) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  return arm_rows(db_, *key_, original, reversal, &load);
}

Result<wire::Request> Journal::armed_original(const wire::IdempotencyKey& original_key) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  auto armed = read_armed(db_, *key_, original_key);
  if (!armed.ok()) return armed.status();
  return std::move(armed->original);
}

namespace {

// The loads of a query over (original_key, pan_sealed, old_balance_fen, amount_fen, created_ms); rows that do
// not decode or open are skipped.
Result<std::vector<EcashLoad>> read_loads(StoreKey& store, Statement& q) {
  std::vector<EcashLoad> out;
  for (;;) {
    const int rc = q.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Error::kIo;
    EcashLoad l;
    const ByteSpan key = column_blob(q.get(), 0);
    if (key.size() != l.original_key.size()) continue;
    std::copy(key.begin(), key.end(), l.original_key.begin());
    auto pan = open_column(store, q.get(), 1, kLoadPanColumn, key);
    if (!pan.ok()) continue;
    l.pan.assign(pan->begin(), pan->end());
    secure_wipe(*pan);
    const std::int64_t old_balance = sqlite3_column_int64(q.get(), 2);
    const std::int64_t amount = sqlite3_column_int64(q.get(), 3);
    if (l.pan.empty() || old_balance < 0 || amount < 0) continue;
    l.old_balance_fen = static_cast<std::uint64_t>(old_balance);
    l.amount_fen = static_cast<std::uint64_t>(amount);
    l.created_ms = static_cast<std::uint64_t>(std::max<std::int64_t>(0, sqlite3_column_int64(q.get(), 4)));
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace

Result<std::vector<EcashLoad>> Journal::unresolved_loads() {
  if (db_ == nullptr) return Error::kInvalidArgument;
  Statement q(db_, "SELECT original_key, pan_sealed, old_balance_fen, amount_fen, created_ms FROM ecash_loads "
                   "ORDER BY created_ms, rowid");
  if (!q.ok()) return Error::kIo;
  return read_loads(*key_, q);
}

Result<std::vector<EcashLoad>> Journal::unresolved_loads_of(std::string_view pan) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  SSCARD_TRY_ASSIGN(const StoreKey::Digest digest, key_->lookup_digest(kLoadPanColumn, as_bytes(pan)));
  Statement q(db_, "SELECT original_key, pan_sealed, old_balance_fen, amount_fen, created_ms FROM ecash_loads "
                   "WHERE pan_digest = ?1 ORDER BY created_ms, rowid");
  if (!q.ok() || !q.bind(1, ByteSpan(digest))) return Error::kIo;
  return read_loads(*key_, q);
}

Status Journal::close_load(const wire::IdempotencyKey& original_key) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  Statement d(db_, "DELETE FROM ecash_loads WHERE original_key = ?1");
  if (!d.ok() || !d.bind(1, ByteSpan(original_key)) || d.step() != SQLITE_DONE) return Error::kIo;
  return passed(kOk, "journal-close-load");
}

Status Journal::keep_torn_tap(ByteSpan tap) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  // Sealed bound to its time, so an old tap cannot be made to look recent.
  const std::int64_t t = now();
  SSCARD_TRY_ASSIGN(const Bytes sealed, key_->seal(kTornTapColumn, row_number_key(static_cast<std::uint64_t>(t)), tap));
  Statement u(db_, "INSERT OR REPLACE INTO torn_taps (id, tap, created_ms) VALUES (1, ?1, ?2)");
  if (!u.ok() || !u.bind(1, ByteSpan(sealed)) || !u.bind(2, t) || u.step() != SQLITE_DONE) return Error::kIo;
  return passed(kOk, "journal-torn-tap");
}

Result<std::optional<KeptTap>> Journal::torn_tap() {
  if (db_ == nullptr) return Error::kInvalidArgument;
  Statement q(db_, "SELECT tap, created_ms FROM torn_taps WHERE id = 1");
  if (!q.ok()) return Error::kIo;
  const int rc = q.step();
  if (rc == SQLITE_DONE) return std::optional<KeptTap>();
  if (rc != SQLITE_ROW) return Error::kIo;
  const std::int64_t created = sqlite3_column_int64(q.get(), 1);
  SSCARD_TRY_ASSIGN(Bytes tap,
                    open_column(*key_, q.get(), 0, kTornTapColumn, row_number_key(static_cast<std::uint64_t>(created))));
  KeptTap kept{std::move(tap), static_cast<std::uint64_t>(std::max<std::int64_t>(0, created))};
  return std::optional<KeptTap>(std::move(kept));
}

Status Journal::forget_torn_tap() {
  if (db_ == nullptr) return Error::kInvalidArgument;
  Statement d(db_, "DELETE FROM torn_taps");
  if (!d.ok() || d.step() != SQLITE_DONE) return Error::kIo;
  return kOk;
}



Status Journal::disarm(const wire::IdempotencyKey& original_key, const wire::Request* confirmation) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  if (confirmation != nullptr &&
      (confirmation->operation != wire::Operation::kConfirm || confirmation->original_key != original_key)) {
    return Error::kInvalidArgument;
  }
  Transaction tx(db_);
  if (!tx.ok()) return Error::kIo;
  SSCARD_TRY(delete_armed(db_, original_key));
  if (confirmation != nullptr) SSCARD_TRY(insert_pending(db_, *key_, *confirmation));
  return passed(tx.commit(), "journal-disarm");
}

Result<wire::Request> Journal::activate(const wire::IdempotencyKey& original_key, wire::ReversalReason reason,
                                        const std::optional<Bytes>& icc_data) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  Transaction tx(db_);
  if (!tx.ok()) return Error::kIo;
  auto armed = read_armed(db_, *key_, original_key);
  if (!armed.ok()) return armed.status();
  wire::Request reversal = std::move(armed->reversal);
  reversal.reversal_reason = reason;
  if (icc_data) reversal.icc_data = *icc_data;
  SSCARD_TRY(delete_armed(db_, original_key));
  SSCARD_TRY(insert_pending(db_, *key_, reversal));
  SSCARD_TRY(passed(tx.commit(), "journal-activate"));
  return reversal;
}

Result<int> Journal::activate_all(wire::ReversalReason reason) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  std::vector<wire::IdempotencyKey> keys;
  {
    Statement q(db_,
                "SELECT original_key FROM armed WHERE original_key NOT IN (SELECT original_key FROM ecash_loads) "
                "ORDER BY created_ms, rowid");
    if (!q.ok()) return Error::kIo;
    for (;;) {
      const int rc = q.step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Error::kIo;
      const ByteSpan key = column_blob(q.get(), 0);
      wire::IdempotencyKey k{};
      if (key.size() != k.size()) continue;
      std::copy(key.begin(), key.end(), k.begin());
      keys.push_back(k);
    }
  }
  int activated = 0;
  for (const wire::IdempotencyKey& k : keys) {
    auto r = activate(k, reason);
    if (r.ok()) {
      ++activated;
    } else if (r.status().code() == Error::kIo) {
      return Error::kIo;
    }
  }
  return activated;
}

Result<int> Journal::armed_count() {
  if (db_ == nullptr) return Error::kInvalidArgument;
  Statement q(db_, "SELECT COUNT(*) FROM armed");
  if (!q.ok() || q.step() != SQLITE_ROW) return Error::kIo;
  return static_cast<int>(sqlite3_column_int64(q.get(), 0));
}

Status Journal::note_approval(const wire::IdempotencyKey& original_key) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  return passed(mark_payment(db_, original_key, false), "journal-approval");
}

Result<wire::Totals> Journal::totals(std::string_view province, std::string_view date) {
  if (db_ == nullptr) return Error::kInvalidArgument;
  // Per operation (06, 09): approved count, card fen, medical fen; reversed count, card fen, medical fen.
  Statement q(db_,
              "SELECT operation, SUM(approved), SUM(approved * amount_fen), SUM(approved * medical_fen), "
              "SUM(reversed), SUM(reversed * amount_fen), SUM(reversed * medical_fen) "
              "FROM payments WHERE issuer = ?1 AND business_date = ?2 AND approved = 1 GROUP BY operation");
  if (!q.ok() || !q.bind(1, province) || !q.bind(2, date)) return Error::kIo;
  wire::Totals t;
  for (;;) {
    const int rc = q.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Error::kIo;
    std::array<std::uint64_t, 6> v{};
    for (int column = 1; column <= 6; ++column) {
      const std::int64_t n = sqlite3_column_int64(q.get(), column);
      if (n < 0) return Error::kMalformed;
      v[static_cast<std::size_t>(column - 1)] = static_cast<std::uint64_t>(n);
    }
    const std::int64_t op = sqlite3_column_int64(q.get(), 0);
    if (op == static_cast<std::int64_t>(wire::Operation::kAuthorise) ||
        op == static_cast<std::int64_t>(wire::Operation::kEcashLoad)) {
      // An e-cash load is an authorisation of the bank account (CONTACTLESS.md §7), as the issuer counts it.
      t.approved_count += v[0];
      t.approved_fen += v[1];
      t.reversed_count += v[3];
      t.reversed_fen += v[4];
    } else if (op == static_cast<std::int64_t>(wire::Operation::kSettle)) {
      t.settled_count = v[0];
      t.settled_card_fen = v[1];
      t.settled_medical_fen = v[2];
      t.settle_reversed_count = v[3];
      t.settle_reversed_card_fen = v[4];
      t.settle_reversed_medical_fen = v[5];
    }
  }
  return t;
}

Status Journal::fail(const wire::IdempotencyKey& key, std::string_view reason) {
  return passed(update_pending(db_,
                               "UPDATE requests SET state = 'failed', failure = ?3, updated_ms = ?2 WHERE idem_key = ?1 "
                               "AND state = 'pending'",
                               [reason](Statement& s) { return s.bind(3, reason); }, key, Error::kInvalidArgument, kOk),
                "journal-fail");
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
    out.push_back(decode_row(*key_, q.get()));
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
  return decode_row(*key_, q.get());
}

}  // namespace sscard::host

#include "sscard/transit/sqlite_db.h"

#include <sqlite3.h>

namespace sscard::transit {
namespace {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(s_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

bool bind(sqlite3_stmt* s, int index, const SqlValue& v) {
  switch (v.kind) {
    case SqlValue::Kind::kNull: return sqlite3_bind_null(s, index) == SQLITE_OK;
    case SqlValue::Kind::kInteger: return sqlite3_bind_int64(s, index, v.integer) == SQLITE_OK;
    case SqlValue::Kind::kText:
      return sqlite3_bind_text(s, index, v.text.data(), static_cast<int>(v.text.size()), SQLITE_TRANSIENT) ==
             SQLITE_OK;
    case SqlValue::Kind::kBlob: {
      static const std::uint8_t kEmpty = 0;
      const void* data = v.blob.empty() ? &kEmpty : v.blob.data();
      return sqlite3_bind_blob(s, index, data, static_cast<int>(v.blob.size()), SQLITE_TRANSIENT) == SQLITE_OK;
    }
  }
  return false;
}

SqlValue column(sqlite3_stmt* s, int col) {
  switch (sqlite3_column_type(s, col)) {
    case SQLITE_INTEGER: return SqlValue::of(static_cast<std::int64_t>(sqlite3_column_int64(s, col)));
    case SQLITE_TEXT: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
      return SqlValue::of(std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s, col))));
    }
    case SQLITE_BLOB: {
      const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, col));
      const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s, col));
      return SqlValue::of(p == nullptr ? ByteSpan() : ByteSpan(p, n));
    }
    default: return SqlValue{};
  }
}

}  // namespace

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, const char* schema) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return Error::kIo;
  }
  std::unique_ptr<SqliteDb> out(new SqliteDb(db));
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Error::kIo;
  }
  return out;
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

Result<std::vector<SqlRow>> SqliteDb::query(const char* sql, const std::vector<SqlValue>& params) {
  Statement s(db_, sql);
  if (s.get() == nullptr) return Error::kIo;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!bind(s.get(), static_cast<int>(i + 1), params[i])) return Error::kIo;
  }
  std::vector<SqlRow> rows;
  for (;;) {
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Error::kIo;
    SqlRow row;
    const int n = sqlite3_column_count(s.get());
    for (int c = 0; c < n; ++c) row.push_back(column(s.get(), c));
    rows.push_back(std::move(row));
  }
  return rows;
}

Status SqliteDb::run(const char* sql, const std::vector<SqlValue>& params) {
  auto rows = query(sql, params);
  return rows.ok() ? kOk : rows.status();
}

std::int64_t SqliteDb::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

Status SqliteDb::transaction(const std::function<Status()>& body) {
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return Error::kIo;
  Status s = body();
  if (s.ok() && sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) return kOk;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return s.ok() ? Status(Error::kIo) : s;
}

}  // namespace sscard::transit

// A small SQLite connection for the validator's ride log and the gate's entry log: statements with bound
// values, a transaction helper, durable commits (WAL, synchronous=FULL). Errors are values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sscard::transit {

// One value of a row or a parameter.
struct SqlValue {
  enum class Kind : std::uint8_t { kNull, kInteger, kText, kBlob };
  Kind kind = Kind::kNull;
  std::int64_t integer = 0;
  std::string text;
  Bytes blob;

  static SqlValue of(std::int64_t v) { return SqlValue{Kind::kInteger, v, {}, {}}; }
  static SqlValue of(std::string_view v) { return SqlValue{Kind::kText, 0, std::string(v), {}}; }
  static SqlValue of(ByteSpan v) { return SqlValue{Kind::kBlob, 0, {}, Bytes(v.begin(), v.end())}; }
};
using SqlRow = std::vector<SqlValue>;

class SqliteDb {
 public:
  // Opens or creates `path` and runs `schema` (CREATE ... IF NOT EXISTS statements). kIo on failure.
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path, const char* schema);
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Runs one statement with `params`; the rows it returns.
  Result<std::vector<SqlRow>> query(const char* sql, const std::vector<SqlValue>& params = {});
  Status run(const char* sql, const std::vector<SqlValue>& params = {});
  std::int64_t last_insert_rowid() const;
  // BEGIN IMMEDIATE, `body`, COMMIT; a failing body (or commit) rolls back and its error is returned.
  Status transaction(const std::function<Status()>& body);

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace sscard::transit

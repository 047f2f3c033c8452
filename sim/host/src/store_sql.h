// Internal: the SQLite helpers of HolderStore (holder_store.cpp, payment_store.cpp). SQLite failures are thrown
// as SqlError inside the store and turned into SetupError at every public function.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/sim/host/holder_store.h"

namespace sscard::sim::host::detail {

struct SqlError {
  std::string message;
};

[[noreturn]] inline void fail(sqlite3* db, const std::string& what) {
  throw SqlError{what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory")};
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail(db, "prepare");
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(s_); }

  // Binds from parameter 1 on, after a reset (so a statement left half-stepped by an error is reusable).
  Statement& start() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    next_ = 1;
    return *this;
  }
  Statement& text(std::string_view v) {
    check(sqlite3_bind_text(s_, next_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& integer(std::uint64_t v) {
    check(sqlite3_bind_int64(s_, next_++, static_cast<sqlite3_int64>(v)));
    return *this;
  }
  Statement& blob(ByteSpan v) {
    check(sqlite3_bind_blob(s_, next_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& null() {
    check(sqlite3_bind_null(s_, next_++));
    return *this;
  }
  Statement& optional_text(const std::optional<std::string>& v) {
    if (v) return text(*v);
    check(sqlite3_bind_null(s_, next_++));
    return *this;
  }

  // True while there is a row; false once done.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_reset(s_);
    throw SqlError{message};
  }
  void run() {
    while (step()) {
    }
    sqlite3_reset(s_);
  }

  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string column_text(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p),
                                                      static_cast<std::size_t>(sqlite3_column_bytes(s_, col)));
  }
  std::uint64_t column_integer(int col) const {
    const sqlite3_int64 v = sqlite3_column_int64(s_, col);
    if (v < 0) throw SqlError{"negative amount in the database"};
    return static_cast<std::uint64_t>(v);
  }
  Bytes column_blob(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, col));
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s_, col));
    return p == nullptr ? Bytes() : Bytes(p, p + n);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(db_, "bind");
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int next_ = 1;
};

inline void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw SqlError{message};
  }
}

}  // namespace sscard::sim::host::detail

namespace sscard::sim::host {

struct HolderStore::Impl {
  explicit Impl(sqlite3* handle) : db(handle) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    // detail::Statements first: sqlite3_close refuses a connection with unfinalised statements.
    insert_holder.reset();
    insert_contribution.reset();
    insert_contribution_batch.reset();
    update_holder.reset();
    find_holder.reset();
    contributions.reset();
    find_request.reset();
    store_request.reset();
    cached.clear();
    sqlite3_close(db);
  }

  void prepare() {
    insert_holder = std::make_unique<detail::Statement>(
        db,
        "INSERT INTO holders(ssn, card_number, card_id, region, name, card_state, pension_status, "
        "pension_monthly_fen, medical_balance_fen, last_certification) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert_contribution = std::make_unique<detail::Statement>(
        db, "INSERT INTO contributions(ssn, period, kind, amount_fen) VALUES (?, ?, ?, ?)");
    std::string batch = "INSERT INTO contributions(ssn, period, kind, amount_fen) VALUES (?, ?, ?, ?)";
    for (std::size_t i = 1; i < kBatch; ++i) batch += ", (?, ?, ?, ?)";
    insert_contribution_batch = std::make_unique<detail::Statement>(db, batch.c_str());
    update_holder = std::make_unique<detail::Statement>(
        db,
        "UPDATE holders SET card_state = ?, pension_status = ?, pension_monthly_fen = ?, medical_balance_fen = ?, "
        "last_certification = ? WHERE ssn = ?");
    find_holder = std::make_unique<detail::Statement>(
        db,
        "SELECT ssn, card_number, card_id, region, name, card_state, pension_status, pension_monthly_fen, "
        "medical_balance_fen, last_certification FROM holders WHERE ssn = ?");
    // "pension" sorts after "medical": descending kind puts pension first within a month.
    contributions = std::make_unique<detail::Statement>(
        db, "SELECT period, kind, amount_fen FROM contributions WHERE ssn = ? ORDER BY period DESC, kind DESC LIMIT ?");
    find_request = std::make_unique<detail::Statement>(
        db, "SELECT operation, ssn, card_number, response, created_ms, pan FROM requests WHERE idem_key = ?");
    store_request = std::make_unique<detail::Statement>(
        db,
        "INSERT INTO requests(idem_key, operation, ssn, card_number, response, created_ms, pan) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
  }

  std::size_t count(const char* sql) {
    detail::Statement s(db, sql);
    s.start();
    if (!s.step()) throw detail::SqlError{"no count"};
    return static_cast<std::size_t>(s.column_integer(0));
  }

  static constexpr std::size_t kBatch = 12;  // rows per multi-row contribution insert

  // Statements prepared on first use, keyed by their SQL text (payment_store.cpp).
  detail::Statement& statement(const char* sql) {
    auto it = cached.find(sql);
    if (it == cached.end()) it = cached.emplace(sql, std::make_unique<detail::Statement>(db, sql)).first;
    return *it->second;
  }

  sqlite3* db;
  int transaction_depth = 0;
  std::unique_ptr<detail::Statement> insert_holder, insert_contribution, insert_contribution_batch, update_holder,
      find_holder, contributions, find_request, store_request;
  std::map<std::string, std::unique_ptr<detail::Statement>> cached;
};

}  // namespace sscard::sim::host

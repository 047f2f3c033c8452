#include "sscard/essc/replay_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <system_error>
#include <utility>

namespace sscard::essc {
namespace {

// One row per code taken, keyed as docs/ESSC.md "Replay" says: the platform, its key and the nonce.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS taken ("
    "  platform TEXT NOT NULL,"
    "  key_index INTEGER NOT NULL,"
    "  nonce BLOB NOT NULL,"
    "  expires_at INTEGER NOT NULL,"  // issued-at + validity, seconds since 1970
    "  PRIMARY KEY (platform, key_index, nonce)"
    ") WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS taken_by_expiry ON taken (expires_at);";
constexpr std::int64_t kSchemaVersion = 1;

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(s_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return s_ != nullptr; }
  sqlite3_stmt* get() const { return s_; }
  int step() { return s_ == nullptr ? SQLITE_ERROR : sqlite3_step(s_); }

 private:
  sqlite3_stmt* s_ = nullptr;
};

bool exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

std::string os_reason(int error) { return std::generic_category().message(error); }

std::string db_reason(sqlite3* db) { return db == nullptr ? std::string("out of memory") : sqlite3_errmsg(db); }

StoreError store_error(const std::filesystem::path& file, std::string_view what, const std::string& reason,
                       std::string_view todo) {
  std::string message = "the code replay store ";
  message += file.string();
  message += ' ';
  message += what;
  message += " (";
  message += reason;
  message += "): ";
  message += todo;
  // One line, whatever the reason's text holds.
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return StoreError{std::move(message)};
}

// Creates the file owner-only before SQLite opens it: SQLite would create it with the umask's mode, and gives
// its -wal and -shm files the mode of the database file.
Result<void, StoreError> make_owner_only(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    const int error = errno;
    return store_error(file, "cannot be opened", os_reason(error),
                       "make its folder exist and writable by the kiosk's user");
  }
  // The umask may have narrowed the mode, and a file made earlier may be open to others: exactly 0600.
  const bool narrowed = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
  const int error = errno;
  ::close(fd);
  if (!narrowed) {
    return store_error(file, "cannot be made owner-only", os_reason(error), "give the file to the kiosk's user");
  }
  return {};
}

}  // namespace

struct ReplayStore::Impl {
  explicit Impl(std::filesystem::path f) : file(std::move(f)) {}
  ~Impl() { sqlite3_close(db); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::filesystem::path file;
  sqlite3* db = nullptr;
};

ReplayStore::ReplayStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ReplayStore::~ReplayStore() = default;

Result<std::unique_ptr<ReplayStore>, StoreError> ReplayStore::open(const std::filesystem::path& file) {
  SSCARD_TRY(make_owner_only(file));
  auto impl = std::make_unique<Impl>(file);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
#if defined(SQLITE_OPEN_NOFOLLOW)
  flags |= SQLITE_OPEN_NOFOLLOW;
#endif
  const auto unusable = [&file, &impl]() {
    return store_error(file, "cannot be used", db_reason(impl->db), "move the file aside; a new one is made");
  };
  if (sqlite3_open_v2(file.c_str(), &impl->db, flags, nullptr) != SQLITE_OK) return unusable();
  sqlite3_busy_timeout(impl->db, 5000);
  // A code taken must stay taken across a power cut: every commit reaches the disk.
  if (!exec(impl->db, "PRAGMA journal_mode = WAL") || !exec(impl->db, "PRAGMA synchronous = FULL")) return unusable();

  std::int64_t version = 0;
  {
    Statement v(impl->db, "PRAGMA user_version");
    if (!v.ok() || v.step() != SQLITE_ROW) return unusable();
    version = sqlite3_column_int64(v.get(), 0);
  }
  if (version > kSchemaVersion) {
    return store_error(file, "was written by a newer sscard", "schema " + std::to_string(version),
                       "update this kiosk's sscard");
  }
  if (!exec(impl->db, "BEGIN IMMEDIATE")) return unusable();
  if (!exec(impl->db, kSchema) || !exec(impl->db, "PRAGMA user_version = 1") || !exec(impl->db, "COMMIT")) {
    const StoreError e = unusable();
    exec(impl->db, "ROLLBACK");
    return e;
  }
  return std::unique_ptr<ReplayStore>(new ReplayStore(std::move(impl)));
}

Result<bool, StoreError> ReplayStore::take(const Code& code, std::int64_t now) {
  sqlite3* db = impl_->db;
  const auto failed = [this, db]() {
    return store_error(impl_->file, "cannot record the code", db_reason(db),
                       "check the disk and the file; the code was not taken");
  };
  const std::int64_t expires_at = std::int64_t{code.issued_at} + std::int64_t{code.validity_minutes} * 60;
  // One write transaction: of two processes taking one code at once, the second waits for the first's commit
  // and then finds its row.
  if (!exec(db, "BEGIN IMMEDIATE")) return failed();
  bool fresh = false;
  bool written = false;
  {
    // A code whose expiry has passed is refused by its time check, so its row is no longer needed.
    Statement prune(db, "DELETE FROM taken WHERE expires_at <= ?1");
    Statement insert(db,
                     "INSERT OR IGNORE INTO taken (platform, key_index, nonce, expires_at) VALUES (?1, ?2, ?3, ?4)");
    written = prune.ok() && insert.ok() && sqlite3_bind_int64(prune.get(), 1, now) == SQLITE_OK &&
              prune.step() == SQLITE_DONE &&
              sqlite3_bind_text(insert.get(), 1, code.platform.data(), static_cast<int>(code.platform.size()),
                                SQLITE_TRANSIENT) == SQLITE_OK &&
              sqlite3_bind_int(insert.get(), 2, code.key_index) == SQLITE_OK &&
              sqlite3_bind_blob(insert.get(), 3, code.nonce.data(), static_cast<int>(code.nonce.size()),
                                SQLITE_TRANSIENT) == SQLITE_OK &&
              sqlite3_bind_int64(insert.get(), 4, expires_at) == SQLITE_OK && insert.step() == SQLITE_DONE;
    fresh = written && sqlite3_changes(db) == 1;
  }
  if (!written || !exec(db, "COMMIT")) {
    const StoreError e = failed();
    exec(db, "ROLLBACK");
    return e;
  }
  return fresh;
}

}  // namespace sscard::essc

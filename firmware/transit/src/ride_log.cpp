#include "sscard/transit/ride_log.h"

#include <algorithm>
#include <array>
#include <chrono>

#include "sscard/host/store_key.h"

namespace sscard::transit {
namespace {

constexpr std::int64_t kTornKeepMs = 120'000;  // CONTACTLESS.md §3.3

// Version 2 (docs/SECURITY.md "Card data at rest"): icc_data (the FF40 with the PAN), the deny digest of each
// ride, the deny list and the torn tap's PAN and FF40 are sealed under the device's storage key; the deny list is
// looked up by a keyed digest. The unversioned log before it (user_version 0 with a rides table) kept them in the
// clear and is migrated on open.
constexpr std::int64_t kSchemaVersion = 2;

// One statement each: SqliteDb::run prepares one statement.
constexpr std::array<const char*, 5> kSchema = {
    "CREATE TABLE IF NOT EXISTS rides ("
    " number INTEGER PRIMARY KEY AUTOINCREMENT,"
    " created_ms INTEGER NOT NULL,"
    " date TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('offline', 'deferred', 'refused')),"
    " pan_masked TEXT NOT NULL,"
    " pan_digest BLOB,"
    " atc INTEGER NOT NULL,"
    " fare_fen INTEGER NOT NULL CHECK (fare_fen >= 0),"
    " icc_data BLOB NOT NULL,"
    " reason TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'cleared', 'declined', 'refused')),"
    " result TEXT NOT NULL DEFAULT '',"
    " response_code TEXT NOT NULL DEFAULT '',"
    " duplicate INTEGER NOT NULL DEFAULT 0,"
    " answered_ms INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS rides_by_state ON rides (state, number)",
    "CREATE TABLE IF NOT EXISTS deny ("
    " lookup BLOB PRIMARY KEY NOT NULL CHECK (length(lookup) = 32),"
    " digest BLOB NOT NULL,"
    " source TEXT NOT NULL CHECK (source IN ('host', 'declined')),"
    " added_ms INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS torn ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " amount_fen INTEGER NOT NULL, date BLOB NOT NULL, un BLOB NOT NULL, pan BLOB NOT NULL, atc INTEGER NOT NULL,"
    " icc_data BLOB NOT NULL, gpo_answered INTEGER NOT NULL, kept_ms INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS store_key ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " database_id BLOB NOT NULL,"
    " key_check BLOB NOT NULL)",
};

constexpr const char* kRideColumns =
    "SELECT number, created_ms, date, kind, pan_masked, pan_digest, atc, fare_fen, icc_data, reason, state, result,"
    " response_code, duplicate, answered_ms FROM rides ";

// Sealed columns (host::StoreKey); rides are named by their number, deny entries by their lookup digest, the torn
// tap by the time it was kept.
constexpr std::string_view kIccColumn = "rides.icc_data";
constexpr std::string_view kDigestColumn = "rides.pan_digest";
constexpr std::string_view kDenyColumn = "deny.digest";
constexpr std::string_view kTornPanColumn = "torn.pan";
constexpr std::string_view kTornIccColumn = "torn.icc_data";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <std::size_t N>
bool to_array(const Bytes& b, std::array<std::uint8_t, N>& out) {
  if (b.size() != N) return false;
  std::copy(b.begin(), b.end(), out.begin());
  return true;
}

std::optional<RideKind> kind_of(std::string_view s) {
  for (RideKind k : {RideKind::kOffline, RideKind::kDeferred, RideKind::kRefused}) {
    if (ride_kind_name(k) == s) return k;
  }
  return std::nullopt;
}

std::optional<RideState> state_of(std::string_view s) {
  for (RideState k : {RideState::kPending, RideState::kCleared, RideState::kDeclined, RideState::kRefused}) {
    if (ride_state_name(k) == s) return k;
  }
  return std::nullopt;
}

Result<std::vector<Ride>> rides_of(host::StoreKey& key, Result<std::vector<SqlRow>> rows) {
  if (!rows.ok()) return rows.status();
  std::vector<Ride> out;
  for (const SqlRow& r : *rows) {
    Ride ride;
    ride.number = static_cast<std::uint64_t>(r[0].integer);
    ride.created_ms = static_cast<std::uint64_t>(r[1].integer);
    ride.date = r[2].text;
    const auto kind = kind_of(r[3].text);
    const auto state = state_of(r[10].text);
    if (!kind || !state) return Error::kMalformed;
    ride.kind = *kind;
    ride.state = *state;
    ride.pan_masked = r[4].text;
    const auto row = host::row_number_key(ride.number);
    if (r[5].kind == SqlValue::Kind::kBlob) {
      SSCARD_TRY_ASSIGN(const Bytes digest, key.open(kDigestColumn, row, r[5].blob));
      wire::DenyDigest d{};
      if (!to_array(digest, d)) return Error::kMalformed;
      ride.digest = d;
    }
    ride.atc = static_cast<std::uint16_t>(r[6].integer);
    ride.fare_fen = static_cast<std::uint64_t>(r[7].integer);
    if (r[8].kind != SqlValue::Kind::kBlob) return Error::kMalformed;
    SSCARD_TRY_ASSIGN(ride.icc_data, key.open(kIccColumn, row, r[8].blob));
    ride.reason = r[9].text;
    ride.result = r[11].text;
    ride.response_code = r[12].text;
    ride.duplicate = r[13].integer != 0;
    ride.answered_ms = static_cast<std::uint64_t>(r[14].integer);
    out.push_back(std::move(ride));
  }
  return out;
}

// Writes the sealed values of ride `number` (inside the caller's transaction).
Status seal_ride(SqliteDb& db, host::StoreKey& key, std::uint64_t number, const std::optional<Bytes>& digest,
                 ByteSpan icc_data) {
  const auto row = host::row_number_key(number);
  SqlValue sealed_digest;
  if (digest) {
    SSCARD_TRY_ASSIGN(const Bytes d, key.seal(kDigestColumn, row, *digest));
    sealed_digest = SqlValue::of(ByteSpan(d));
  }
  SSCARD_TRY_ASSIGN(const Bytes icc, key.seal(kIccColumn, row, icc_data));
  return db.run("UPDATE rides SET pan_digest = ?, icc_data = ? WHERE number = ?",
                {sealed_digest, SqlValue::of(ByteSpan(icc)), SqlValue::of(static_cast<std::int64_t>(number))});
}

// One deny entry: its keyed lookup digest and the deny digest sealed under it.
Status put_deny(SqliteDb& db, host::StoreKey& key, const wire::DenyDigest& digest, std::string_view source,
                std::int64_t added_ms, bool replace) {
  SSCARD_TRY_ASSIGN(const host::StoreKey::Digest lookup, key.lookup_digest("deny", digest));
  SSCARD_TRY_ASSIGN(const Bytes sealed, key.seal(kDenyColumn, lookup, digest));
  return db.run(replace ? "INSERT OR REPLACE INTO deny(lookup, digest, source, added_ms) VALUES (?, ?, ?, ?)"
                        : "INSERT OR IGNORE INTO deny(lookup, digest, source, added_ms) VALUES (?, ?, ?, ?)",
                {SqlValue::of(ByteSpan(lookup)), SqlValue::of(ByteSpan(sealed)), SqlValue::of(source),
                 SqlValue::of(added_ms)});
}

Status put_torn(SqliteDb& db, host::StoreKey& key, const pboc::TornTap& tap, std::int64_t kept_ms) {
  // Sealed bound to the time it was kept, so an old tap cannot be made to look recent.
  const auto row = host::row_number_key(static_cast<std::uint64_t>(kept_ms));
  SSCARD_TRY_ASSIGN(const Bytes pan, key.seal(kTornPanColumn, row, as_bytes(tap.pan)));
  SSCARD_TRY_ASSIGN(const Bytes icc, key.seal(kTornIccColumn, row, tap.icc_data));
  return db.run("INSERT OR REPLACE INTO torn(id, amount_fen, date, un, pan, atc, icc_data, gpo_answered, kept_ms)"
                " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                {SqlValue::of(static_cast<std::int64_t>(tap.amount_fen)), SqlValue::of(ByteSpan(tap.date)),
                 SqlValue::of(ByteSpan(tap.unpredictable_number)), SqlValue::of(ByteSpan(pan)),
                 SqlValue::of(static_cast<std::int64_t>(tap.atc)), SqlValue::of(ByteSpan(icc)),
                 SqlValue::of(std::int64_t{tap.gpo_answered ? 1 : 0}), SqlValue::of(kept_ms)});
}

// What an unversioned ride log kept in the clear, read before its tables are replaced.
struct ClearLog {
  std::vector<SqlRow> rides;  // number, pan_digest, icc_data
  std::vector<SqlRow> deny;   // digest, source, added_ms
  std::vector<SqlRow> torn;   // amount_fen, date, un, pan, atc, icc_data, gpo_answered, kept_ms
};

Result<ClearLog> take_clear_log(SqliteDb& db) {
  ClearLog log;
  SSCARD_TRY_ASSIGN(log.rides, db.query("SELECT number, pan_digest, icc_data FROM rides"));
  SSCARD_TRY_ASSIGN(log.deny, db.query("SELECT digest, source, added_ms FROM deny"));
  SSCARD_TRY_ASSIGN(log.torn,
                    db.query("SELECT amount_fen, date, un, pan, atc, icc_data, gpo_answered, kept_ms FROM torn"));
  SSCARD_TRY(db.run("DROP TABLE deny"));
  SSCARD_TRY(db.run("DROP TABLE torn"));
  return log;
}

// Seals what take_clear_log() read into the version 2 tables. Returns how many rows it wrote.
Result<int> migrate(SqliteDb& db, host::StoreKey& key, const ClearLog& log) {
  int n = 0;
  for (const SqlRow& r : log.rides) {
    std::optional<Bytes> digest;
    if (r[1].kind == SqlValue::Kind::kBlob) digest = r[1].blob;
    SSCARD_TRY(seal_ride(db, key, static_cast<std::uint64_t>(r[0].integer), digest, r[2].blob));
    ++n;
  }
  for (const SqlRow& r : log.deny) {
    wire::DenyDigest d{};
    if (!to_array(r[0].blob, d)) continue;  // broke the old table's CHECK: not a digest
    SSCARD_TRY(put_deny(db, key, d, r[1].text == "host" ? "host" : "declined", r[2].integer, true));
    ++n;
  }
  for (const SqlRow& r : log.torn) {
    pboc::TornTap tap;
    tap.amount_fen = static_cast<std::uint64_t>(r[0].integer);
    if (!to_array(r[1].blob, tap.date) || !to_array(r[2].blob, tap.unpredictable_number)) continue;
    tap.pan = r[3].text;
    tap.atc = static_cast<std::uint16_t>(r[4].integer);
    tap.icc_data = r[5].blob;
    tap.gpo_answered = r[6].integer != 0;
    SSCARD_TRY(put_torn(db, key, tap, r[7].integer));
    ++n;
  }
  return n;
}

Result<std::optional<host::StoreBinding>> read_binding(SqliteDb& db) {
  SSCARD_TRY_ASSIGN(auto rows, db.query("SELECT database_id, key_check FROM store_key WHERE id = 1"));
  if (rows.empty()) return std::optional<host::StoreBinding>();
  // A damaged binding matches no key: sealed rows are not given a new one.
  host::StoreBinding b;
  (void)to_array(rows[0][0].blob, b.database_id);
  (void)to_array(rows[0][1].blob, b.key_check);
  return std::optional<host::StoreBinding>(b);
}

}  // namespace

std::string_view ride_kind_name(RideKind k) {
  switch (k) {
    case RideKind::kOffline: return "offline";
    case RideKind::kDeferred: return "deferred";
    case RideKind::kRefused: return "refused";
  }
  return "refused";
}

std::string_view ride_state_name(RideState s) {
  switch (s) {
    case RideState::kPending: return "pending";
    case RideState::kCleared: return "cleared";
    case RideState::kDeclined: return "declined";
    case RideState::kRefused: return "refused";
  }
  return "refused";
}

Result<std::unique_ptr<RideLog>> RideLog::open(const std::string& path) {
  auto log = open_store(path);
  if (!log.ok()) return log.error().status();
  return std::move(log).value();
}

Result<std::unique_ptr<RideLog>, host::StoreError> RideLog::open_store(const std::string& path) {
  const auto failed = [&path](host::StoreError::Kind kind = host::StoreError::Kind::kIo) {
    host::StoreError e;
    e.kind = kind;
    e.file = path;
    return e;
  };
  auto opened = SqliteDb::open(path, "");
  if (!opened.ok()) return failed();
  std::unique_ptr<SqliteDb> db = std::move(opened).value();
  auto version_rows = db->query("PRAGMA user_version");
  if (!version_rows.ok() || version_rows->empty()) return failed();
  const std::int64_t version = (*version_rows)[0][0].integer;
  if (version > kSchemaVersion) return failed(host::StoreError::Kind::kNewerSchema);

  std::unique_ptr<host::StoreKey> key;
  std::optional<host::StoreError> key_error;
  int migrated = 0;
  const Status s = db->transaction([&]() -> Status {
    SSCARD_TRY_ASSIGN(auto tables, db->query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'rides'"));
    const bool clear_log = version < kSchemaVersion && !tables.empty() && tables[0][0].integer > 0;
    ClearLog clear;
    if (clear_log) {
      SSCARD_TRY_ASSIGN(clear, take_clear_log(*db));
    }
    for (const char* statement : kSchema) SSCARD_TRY(db->run(statement));
    SSCARD_TRY_ASSIGN(const auto bound, read_binding(*db));
    std::int64_t sealed_rows = 0;
    if (version == kSchemaVersion) {
      SSCARD_TRY_ASSIGN(auto counted, db->query("SELECT (SELECT COUNT(*) FROM rides) + (SELECT COUNT(*) FROM deny) + "
                                                "(SELECT COUNT(*) FROM torn)"));
      sealed_rows = counted.empty() ? 0 : counted[0][0].integer;
    }
    auto k = host::StoreKey::open(path, bound, sealed_rows);
    if (!k.ok()) {
      key_error = k.error();
      return k.error().status();
    }
    key = std::move(k).value();
    if (key->needs_binding_write()) {
      SSCARD_TRY(db->run("INSERT OR REPLACE INTO store_key(id, database_id, key_check) VALUES (1, ?, ?)",
                         {SqlValue::of(ByteSpan(key->binding().database_id)),
                          SqlValue::of(ByteSpan(key->binding().key_check))}));
    }
    if (clear_log) {
      SSCARD_TRY_ASSIGN(migrated, migrate(*db, *key, clear));
    }
    return db->run("PRAGMA user_version = 2");
  });
  if (key_error) return *key_error;
  if (!s.ok()) return failed();
  // The clear values of the older log may remain in free pages and in the write-ahead log: VACUUM writes the
  // file anew from its live (sealed) rows, and the checkpoint empties the log.
  if (migrated > 0 && !db->run("VACUUM").ok()) return failed();
  if (migrated > 0 && !db->query("PRAGMA wal_checkpoint(TRUNCATE)").ok()) return failed();
  return std::unique_ptr<RideLog>(new RideLog(std::move(db), std::move(key)));
}

RideLog::RideLog(std::unique_ptr<SqliteDb> db, std::unique_ptr<host::StoreKey> key)
    : db_(std::move(db)), key_(std::move(key)) {}

RideLog::~RideLog() = default;

Result<std::uint64_t> RideLog::add(const NewRide& ride) {
  const RideState state = ride.kind == RideKind::kRefused ? RideState::kRefused : RideState::kPending;
  std::uint64_t number = 0;
  const Status s = db_->transaction([&]() -> Status {
    // The ride's number names its sealed values: the row is made first, then they are written into it.
    SSCARD_TRY(db_->run("INSERT INTO rides(created_ms, date, kind, pan_masked, pan_digest, atc, fare_fen, icc_data,"
                        " reason, state) VALUES (?, ?, ?, ?, NULL, ?, ?, x'', ?, ?)",
                        {SqlValue::of(now_ms()), SqlValue::of(ride.date), SqlValue::of(ride_kind_name(ride.kind)),
                         SqlValue::of(ride.pan_masked), SqlValue::of(static_cast<std::int64_t>(ride.atc)),
                         SqlValue::of(static_cast<std::int64_t>(ride.fare_fen)), SqlValue::of(ride.reason),
                         SqlValue::of(ride_state_name(state))}));
    number = static_cast<std::uint64_t>(db_->last_insert_rowid());
    std::optional<Bytes> digest;
    if (ride.digest) digest = Bytes(ride.digest->begin(), ride.digest->end());
    return seal_ride(*db_, *key_, number, digest, ride.icc_data);
  });
  if (!s.ok()) return s;
  return number;
}

Result<std::vector<Ride>> RideLog::pending(std::size_t limit) {
  const std::string sql = std::string(kRideColumns) + "WHERE state = 'pending' ORDER BY number LIMIT ?";
  return rides_of(*key_, db_->query(sql.c_str(), {SqlValue::of(static_cast<std::int64_t>(limit))}));
}

Result<std::vector<Ride>> RideLog::rides() {
  const std::string sql = std::string(kRideColumns) + "ORDER BY number";
  return rides_of(*key_, db_->query(sql.c_str()));
}

Status RideLog::settle(std::uint64_t number, const wire::RideAnswer& answer, RideState state,
                       const std::optional<wire::DenyDigest>& deny) {
  if (state != RideState::kCleared && state != RideState::kDeclined) return Error::kInvalidArgument;
  return db_->transaction([&]() -> Status {
    SSCARD_TRY_ASSIGN(auto rows, db_->query("SELECT state FROM rides WHERE number = ?",
                                            {SqlValue::of(static_cast<std::int64_t>(number))}));
    if (rows.empty()) return Error::kNotFound;
    if (rows[0][0].text != ride_state_name(RideState::kPending)) return kOk;  // marked before
    SSCARD_TRY(db_->run("UPDATE rides SET state = ?, result = ?, response_code = ?, duplicate = ?, answered_ms = ?"
                        " WHERE number = ?",
                        {SqlValue::of(ride_state_name(state)), SqlValue::of(wire::result_name(answer.result)),
                         SqlValue::of(answer.response_code), SqlValue::of(std::int64_t{answer.duplicate ? 1 : 0}),
                         SqlValue::of(now_ms()), SqlValue::of(static_cast<std::int64_t>(number))}));
    if (deny) SSCARD_TRY(put_deny(*db_, *key_, *deny, "declined", now_ms(), true));
    return kOk;
  });
}

Result<bool> RideLog::denied(const wire::DenyDigest& digest) {
  SSCARD_TRY_ASSIGN(const host::StoreKey::Digest lookup, key_->lookup_digest("deny", digest));
  SSCARD_TRY_ASSIGN(auto rows, db_->query("SELECT 1 FROM deny WHERE lookup = ?", {SqlValue::of(ByteSpan(lookup))}));
  return !rows.empty();
}

Status RideLog::replace_host_deny_list(const std::vector<wire::DenyDigest>& digests) {
  return db_->transaction([&]() -> Status {
    SSCARD_TRY(db_->run("DELETE FROM deny WHERE source = 'host'"));
    const std::int64_t now = now_ms();
    // A card already denied for a declined ride keeps that reason.
    for (const wire::DenyDigest& d : digests) SSCARD_TRY(put_deny(*db_, *key_, d, "host", now, false));
    return kOk;
  });
}

Result<std::vector<std::pair<wire::DenyDigest, DenySource>>> RideLog::deny_entries() {
  SSCARD_TRY_ASSIGN(auto rows, db_->query("SELECT lookup, digest, source FROM deny"));
  std::vector<std::pair<wire::DenyDigest, DenySource>> out;
  for (const SqlRow& r : rows) {
    SSCARD_TRY_ASSIGN(const Bytes opened, key_->open(kDenyColumn, r[0].blob, r[1].blob));
    wire::DenyDigest d{};
    if (!to_array(opened, d)) return Error::kMalformed;
    out.emplace_back(d, r[2].text == "host" ? DenySource::kHost : DenySource::kDeclined);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::optional<pboc::TornTap> RideLog::torn() {
  auto rows = db_->query("SELECT amount_fen, date, un, pan, atc, icc_data, gpo_answered, kept_ms FROM torn WHERE id = 1");
  if (!rows.ok() || rows->empty()) return std::nullopt;
  const SqlRow& r = (*rows)[0];
  if (now_ms() - r[7].integer > kTornKeepMs) return std::nullopt;
  pboc::TornTap tap;
  tap.amount_fen = static_cast<std::uint64_t>(r[0].integer);
  if (!to_array(r[1].blob, tap.date) || !to_array(r[2].blob, tap.unpredictable_number)) return std::nullopt;
  // A kept tap that does not open is no tap: the card has long undone or completed it.
  const auto row = host::row_number_key(static_cast<std::uint64_t>(r[7].integer));
  auto pan = key_->open(kTornPanColumn, row, r[3].blob);
  auto icc = key_->open(kTornIccColumn, row, r[5].blob);
  if (!pan.ok() || !icc.ok()) return std::nullopt;
  tap.pan.assign(pan->begin(), pan->end());
  secure_wipe(*pan);
  tap.atc = static_cast<std::uint16_t>(r[4].integer);
  tap.icc_data = std::move(icc).value();
  tap.gpo_answered = r[6].integer != 0;
  return tap;
}

Status RideLog::keep(const pboc::TornTap& tap) { return put_torn(*db_, *key_, tap, now_ms()); }

Status RideLog::forget() { return db_->run("DELETE FROM torn"); }

}  // namespace sscard::transit

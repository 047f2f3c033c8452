#include "sscard/transit/ride_log.h"

#include <algorithm>
#include <chrono>

namespace sscard::transit {
namespace {

constexpr std::int64_t kTornKeepMs = 120'000;  // CONTACTLESS.md §3.3

constexpr const char* kSchema =
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
    " answered_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS rides_by_state ON rides (state, number);"
    "CREATE TABLE IF NOT EXISTS deny ("
    " digest BLOB PRIMARY KEY NOT NULL CHECK (length(digest) = 16),"
    " source TEXT NOT NULL CHECK (source IN ('host', 'declined')),"
    " added_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS torn ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " amount_fen INTEGER NOT NULL, date BLOB NOT NULL, un BLOB NOT NULL, pan TEXT NOT NULL, atc INTEGER NOT NULL,"
    " icc_data BLOB NOT NULL, gpo_answered INTEGER NOT NULL, kept_ms INTEGER NOT NULL);";

constexpr const char* kRideColumns =
    "SELECT number, created_ms, date, kind, pan_masked, pan_digest, atc, fare_fen, icc_data, reason, state, result,"
    " response_code, duplicate, answered_ms FROM rides ";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SqlValue digest_value(const std::optional<wire::DenyDigest>& d) {
  return d ? SqlValue::of(ByteSpan(*d)) : SqlValue{};
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

Result<std::vector<Ride>> rides_of(Result<std::vector<SqlRow>> rows) {
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
    if (r[5].kind == SqlValue::Kind::kBlob) {
      wire::DenyDigest d{};
      if (!to_array(r[5].blob, d)) return Error::kMalformed;
      ride.digest = d;
    }
    ride.atc = static_cast<std::uint16_t>(r[6].integer);
    ride.fare_fen = static_cast<std::uint64_t>(r[7].integer);
    ride.icc_data = r[8].blob;
    ride.reason = r[9].text;
    ride.result = r[11].text;
    ride.response_code = r[12].text;
    ride.duplicate = r[13].integer != 0;
    ride.answered_ms = static_cast<std::uint64_t>(r[14].integer);
    out.push_back(std::move(ride));
  }
  return out;
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
  SSCARD_TRY_ASSIGN(auto db, SqliteDb::open(path, kSchema));
  return std::unique_ptr<RideLog>(new RideLog(std::move(db)));
}

Result<std::uint64_t> RideLog::add(const NewRide& ride) {
  const RideState state = ride.kind == RideKind::kRefused ? RideState::kRefused : RideState::kPending;
  std::uint64_t number = 0;
  const Status s = db_->transaction([&]() -> Status {
    SSCARD_TRY(db_->run("INSERT INTO rides(created_ms, date, kind, pan_masked, pan_digest, atc, fare_fen, icc_data,"
                        " reason, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        {SqlValue::of(now_ms()), SqlValue::of(ride.date), SqlValue::of(ride_kind_name(ride.kind)),
                         SqlValue::of(ride.pan_masked), digest_value(ride.digest),
                         SqlValue::of(static_cast<std::int64_t>(ride.atc)),
                         SqlValue::of(static_cast<std::int64_t>(ride.fare_fen)), SqlValue::of(ByteSpan(ride.icc_data)),
                         SqlValue::of(ride.reason), SqlValue::of(ride_state_name(state))}));
    number = static_cast<std::uint64_t>(db_->last_insert_rowid());
    return kOk;
  });
  if (!s.ok()) return s;
  return number;
}

Result<std::vector<Ride>> RideLog::pending(std::size_t limit) {
  const std::string sql = std::string(kRideColumns) + "WHERE state = 'pending' ORDER BY number LIMIT ?";
  return rides_of(db_->query(sql.c_str(), {SqlValue::of(static_cast<std::int64_t>(limit))}));
}

Result<std::vector<Ride>> RideLog::rides() {
  const std::string sql = std::string(kRideColumns) + "ORDER BY number";
  return rides_of(db_->query(sql.c_str()));
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
    if (deny) {
      SSCARD_TRY(db_->run("INSERT OR REPLACE INTO deny(digest, source, added_ms) VALUES (?, 'declined', ?)",
                          {SqlValue::of(ByteSpan(*deny)), SqlValue::of(now_ms())}));
    }
    return kOk;
  });
}

Result<bool> RideLog::denied(const wire::DenyDigest& digest) {
  SSCARD_TRY_ASSIGN(auto rows, db_->query("SELECT 1 FROM deny WHERE digest = ?", {SqlValue::of(ByteSpan(digest))}));
  return !rows.empty();
}

Status RideLog::replace_host_deny_list(const std::vector<wire::DenyDigest>& digests) {
  return db_->transaction([&]() -> Status {
    SSCARD_TRY(db_->run("DELETE FROM deny WHERE source = 'host'"));
    const std::int64_t now = now_ms();
    for (const wire::DenyDigest& d : digests) {
      // A card already denied for a declined ride keeps that reason.
      SSCARD_TRY(db_->run("INSERT OR IGNORE INTO deny(digest, source, added_ms) VALUES (?, 'host', ?)",
                          {SqlValue::of(ByteSpan(d)), SqlValue::of(now)}));
    }
    return kOk;
  });
}

Result<std::vector<std::pair<wire::DenyDigest, DenySource>>> RideLog::deny_entries() {
  SSCARD_TRY_ASSIGN(auto rows, db_->query("SELECT digest, source FROM deny ORDER BY digest"));
  std::vector<std::pair<wire::DenyDigest, DenySource>> out;
  for (const SqlRow& r : rows) {
    wire::DenyDigest d{};
    if (!to_array(r[0].blob, d)) return Error::kMalformed;
    out.emplace_back(d, r[1].text == "host" ? DenySource::kHost : DenySource::kDeclined);
  }
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
  tap.pan = r[3].text;
  tap.atc = static_cast<std::uint16_t>(r[4].integer);
  tap.icc_data = r[5].blob;
  tap.gpo_answered = r[6].integer != 0;
  return tap;
}

Status RideLog::keep(const pboc::TornTap& tap) {
  return db_->run("INSERT OR REPLACE INTO torn(id, amount_fen, date, un, pan, atc, icc_data, gpo_answered, kept_ms)"
                  " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {SqlValue::of(static_cast<std::int64_t>(tap.amount_fen)), SqlValue::of(ByteSpan(tap.date)),
                   SqlValue::of(ByteSpan(tap.unpredictable_number)), SqlValue::of(tap.pan),
                   SqlValue::of(static_cast<std::int64_t>(tap.atc)), SqlValue::of(ByteSpan(tap.icc_data)),
                   SqlValue::of(std::int64_t{tap.gpo_answered ? 1 : 0}), SqlValue::of(now_ms())});
}

Status RideLog::forget() { return db_->run("DELETE FROM torn"); }

}  // namespace sscard::transit

// The validator's ride log and deny list (CONTACTLESS.md §5), in SQLite in the state folder (schema version 2):
//   rides(number PK autoincrement, created_ms, date, kind, pan_masked, pan_digest*, atc, fare_fen, icc_data*,
//         reason, state, result, response_code, duplicate, answered_ms)
//   deny(lookup PK, digest*, source 'host'|'declined', added_ms)
//   torn(id = 1, the one torn tap of CONTACTLESS.md §3.3, its pan* and icc_data*)
//   store_key(id = 1, the log's binding to the device's storage key)
// No PAN is kept in the clear (PCI DSS v4.0 requirement 3.5.1; docs/SECURITY.md "Card data at rest"): the
// columns marked * are sealed under the device's storage key (sscard/host/store_key.h), bound to their ride
// number (the deny entry's lookup, the torn tap's time), and the deny list is looked up by a keyed digest
// (`lookup`) of the deny digest, since an unkeyed digest of a PAN is found again by trying every PAN of a BIN.
// The masked PAN (first six and last four digits) stays in the clear for display. This API returns every value
// opened, as before; a sealed value that does not authenticate is kSecurity.
// A ride is written before the gate opens; an uploaded ride's answer and its mark are one transaction, and a
// declined deferred ride puts its card on the deny list in that same transaction. Ride numbers are never
// reused (AUTOINCREMENT), so (terminal id, ride number) stays a unique idempotency key.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/host/store_key.h"
#include "sscard/pboc/qpboc.h"
#include "sscard/transit/sqlite_db.h"
#include "sscard/wire/messages.h"

namespace sscard::transit {

enum class RideKind : std::uint8_t {
  kOffline,   // TC: the fare came from the card's e-cash; cleared later (ecash_clear)
  kDeferred,  // ARQC with fDDA: the fare is authorised later from the bank account
  kRefused,   // the gate stayed closed (deny list, fDDA failed, AAC, card error); nothing to upload
};
enum class RideState : std::uint8_t {
  kPending,   // to upload
  kCleared,   // the home issuer approved it (00)
  kDeclined,  // the home issuer decided against it
  kRefused,   // never uploaded (kind kRefused)
};
std::string_view ride_kind_name(RideKind k);    // "offline", "deferred", "refused"
std::string_view ride_state_name(RideState s);  // "pending", "cleared", "declined", "refused"

struct NewRide {
  std::string date;  // YYYYMMDD
  RideKind kind = RideKind::kRefused;
  std::string pan_masked;                 // empty when the card gave none
  std::optional<wire::DenyDigest> digest;  // of the PAN
  std::uint16_t atc = 0;
  std::uint64_t fare_fen = 0;
  Bytes icc_data;      // the FF40 value to upload (offline and deferred rides)
  std::string reason;  // why refused; empty otherwise
};

struct Ride : NewRide {
  std::uint64_t number = 0;
  std::uint64_t created_ms = 0;
  RideState state = RideState::kPending;
  std::string result;         // wire result name of the answer ("" before)
  std::string response_code;  // DF50 of the answer
  bool duplicate = false;
  std::uint64_t answered_ms = 0;
};

enum class DenySource : std::uint8_t { kHost, kDeclined };

class RideLog final : public pboc::TornTapStore {
 public:
  // Opens (creating if needed) the ride log at `path`, its storage key storage.key in the same folder
  // (host::StoreKey::open: created on first use; missing with sealed rows, too open or another key: refused).
  // An unversioned log (its values in the clear) is migrated on open in one transaction, then rewritten
  // (VACUUM) and its write-ahead log emptied. The reason of a failure as a StoreError: kIo (cannot be opened, not
  // a ride log), kNewerSchema, the key errors; nothing was changed in any of them.
  static Result<std::unique_ptr<RideLog>, host::StoreError> open_store(const std::string& path);
  // The same with the reason as a Status (StoreError::status()).
  static Result<std::unique_ptr<RideLog>> open(const std::string& path);
  ~RideLog() override;

  // The new ride's number.
  Result<std::uint64_t> add(const NewRide& ride);
  // Rides to upload, oldest first, at most `limit`. kSecurity: a ride's sealed values do not authenticate
  // (changed, moved, or sealed under another key): nothing is returned, so no ride is uploaded as another.
  Result<std::vector<Ride>> pending(std::size_t limit);
  // Every ride, oldest first. kSecurity as for pending().
  Result<std::vector<Ride>> rides();
  // Stores the home issuer's answer to a pending ride and marks it `state` (cleared or declined), and with
  // `deny` puts that card on the deny list, all in one transaction. A ride no longer pending is left as it is
  // (kOk: a second answer to a marked ride changes nothing).
  Status settle(std::uint64_t number, const wire::RideAnswer& answer, RideState state,
                const std::optional<wire::DenyDigest>& deny);

  Result<bool> denied(const wire::DenyDigest& digest);
  // The host's list replaces the earlier host list; cards denied here for a declined ride stay.
  Status replace_host_deny_list(const std::vector<wire::DenyDigest>& digests);
  // Every entry, by digest. kSecurity: an entry's sealed digest does not authenticate.
  Result<std::vector<std::pair<wire::DenyDigest, DenySource>>> deny_entries();

  // pboc::TornTapStore (CONTACTLESS.md §3.3): one kept tap, forgotten after 120 s.
  std::optional<pboc::TornTap> torn() override;
  Status keep(const pboc::TornTap& tap) override;
  Status forget() override;

 private:
  RideLog(std::unique_ptr<SqliteDb> db, std::unique_ptr<host::StoreKey> key);
  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<host::StoreKey> key_;
};

}  // namespace sscard::transit

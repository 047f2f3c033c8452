// HolderStore's record of cleared e-cash TCs and its deny-list query (CONTACTLESS.md §7). The clearings table
// is made sure of on use (CREATE TABLE IF NOT EXISTS), so a database of an earlier version gains it unchanged.
#include <vector>

#include "sscard/sim/host/holder_store.h"
#include "sscard/wire/wire.h"
#include "store_sql.h"

namespace sscard::sim::host {

using detail::SqlError;
using detail::Statement;

namespace {

constexpr const char* kSchemaClearings =
    "CREATE TABLE IF NOT EXISTS ecash_clearings("
    " pan TEXT NOT NULL,"
    " atc INTEGER NOT NULL CHECK (atc BETWEEN 0 AND 65535),"
    " amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),"
    " terminal TEXT NOT NULL,"
    " idem_key BLOB NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " PRIMARY KEY (pan, atc)) WITHOUT ROWID";

}  // namespace

Result<bool, SetupError> HolderStore::record_ecash_clearing(std::string_view pan, std::uint16_t atc,
                                                           std::uint64_t amount_fen, std::string_view terminal,
                                                           const wire::IdempotencyKey& key) {
  std::lock_guard lock(mutex_);
  try {
    detail::exec(impl_->db, kSchemaClearings);
    Statement& seen = impl_->statement("SELECT 1 FROM ecash_clearings WHERE pan = ? AND atc = ?");
    seen.start().text(pan).integer(atc);
    const bool known = seen.step();
    seen.start();
    if (known) return false;
    impl_->statement("INSERT INTO ecash_clearings(pan, atc, amount_fen, terminal, idem_key, created_ms) "
                     "VALUES (?, ?, ?, ?, ?, ?)")
        .start()
        .text(pan)
        .integer(atc)
        .integer(amount_fen)
        .text(terminal)
        .blob(key)
        .integer(wire::now_ms())
        .run();
  } catch (const SqlError& e) {
    return SetupError{"e-cash clearing: " + e.message};
  }
  return true;
}

Result<std::vector<std::string>, SetupError> HolderStore::lost_card_pans() {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = impl_->statement(
        "SELECT a.pan FROM accounts a JOIN holders h ON h.ssn = a.ssn WHERE h.card_state = ? ORDER BY a.pan");
    s.start().text(wire::card_state_name(wire::CardState::kLossReported));
    std::vector<std::string> pans;
    while (s.step()) pans.push_back(s.column_text(0));
    return pans;
  } catch (const SqlError& e) {
    return SetupError{"lost cards: " + e.message};
  }
}

}  // namespace sscard::sim::host

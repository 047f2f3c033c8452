// HolderStore's settlements table (PAYMENT.md §11).
#include <algorithm>

#include "sscard/sim/host/holder_store.h"
#include "store_sql.h"

namespace sscard::sim::host {

using detail::SqlError;
using detail::Statement;

Result<void, SetupError> HolderStore::store_settlement(const SettlementRecord& s) {
  std::lock_guard lock(mutex_);
  try {
    impl_->statement("INSERT INTO settlements(idem_key, ssn, category, total_fen, insured_fen, medical_fen, card_fen) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .start()
        .blob(s.key)
        .text(s.ssn)
        .integer(static_cast<std::uint8_t>(s.category))
        .integer(s.total_fen)
        .integer(s.insured_fen)
        .integer(s.medical_fen)
        .integer(s.card_fen)
        .run();
  } catch (const SqlError& e) {
    return SetupError{"settlement: " + e.message};
  }
  return {};
}

Result<std::optional<SettlementRecord>, SetupError> HolderStore::find_settlement(const wire::IdempotencyKey& key) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = impl_->statement(
        "SELECT ssn, category, total_fen, insured_fen, medical_fen, card_fen FROM settlements WHERE idem_key = ?");
    s.start().blob(key);
    if (!s.step()) return std::optional<SettlementRecord>();
    SettlementRecord r;
    r.key = key;
    r.ssn = s.column_text(0);
    const std::uint64_t category = s.column_integer(1);
    if (category < 1 || category > 3) throw SqlError{"bad settlement category in the database"};
    r.category = static_cast<wire::SettleCategory>(category);
    r.total_fen = s.column_integer(2);
    r.insured_fen = s.column_integer(3);
    r.medical_fen = s.column_integer(4);
    r.card_fen = s.column_integer(5);
    s.start();
    return std::optional<SettlementRecord>(std::move(r));
  } catch (const SqlError& e) {
    return SetupError{"settlement: " + e.message};
  }
}

}  // namespace sscard::sim::host

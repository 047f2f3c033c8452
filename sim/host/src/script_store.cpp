// HolderStore's queue of issuer scripts (PAYMENT.md §9.3).
#include "sscard/sim/host/holder_store.h"
#include "sscard/wire/wire.h"
#include "store_sql.h"

namespace sscard::sim::host {

using detail::SqlError;
using detail::Statement;

Result<std::uint32_t, SetupError> HolderStore::queue_script(std::string_view pan, ScriptKind kind,
                                                            std::string_view value) {
  if (auto checked = check_script_value(kind, value); !checked.ok()) return checked.error();
  std::lock_guard lock(mutex_);
  try {
    Statement& known = impl_->statement("SELECT 1 FROM accounts WHERE pan = ?");
    known.start().text(pan);
    const bool has_account = known.step();
    known.start();
    if (!has_account) return SetupError{"script: no payment account for this card at its issuer"};
    impl_->statement("INSERT INTO scripts(pan, kind, value, delivered_key, created_ms) VALUES (?, ?, ?, NULL, ?)")
        .start()
        .text(pan)
        .text(script_kind_name(kind))
        .text(value)
        .integer(wire::now_ms())
        .run();
    const sqlite3_int64 sequence = sqlite3_last_insert_rowid(impl_->db);
    if (sequence <= 0 || sequence > 0xFFFFFFFF) throw SqlError{"the script queue's sequence is out of range"};
    return static_cast<std::uint32_t>(sequence);
  } catch (const SqlError& e) {
    return SetupError{"script: " + e.message};
  }
}

Result<std::vector<QueuedScript>, SetupError> HolderStore::pending_scripts(std::string_view pan) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = impl_->statement(
        "SELECT sequence, kind, value FROM scripts WHERE pan = ? AND delivered_key IS NULL ORDER BY sequence");
    s.start().text(pan);
    std::vector<QueuedScript> out;
    while (s.step()) {
      QueuedScript q;
      q.sequence = static_cast<std::uint32_t>(s.column_integer(0));
      q.pan = std::string(pan);
      const auto kind = script_kind_from_name(s.column_text(1));
      if (!kind) throw SqlError{"bad script kind in the database"};
      q.kind = *kind;
      q.value = s.column_text(2);
      out.push_back(std::move(q));
    }
    return out;
  } catch (const SqlError& e) {
    return SetupError{"script: " + e.message};
  }
}

Result<void, SetupError> HolderStore::mark_script_delivered(std::uint32_t sequence, const wire::IdempotencyKey& key) {
  std::lock_guard lock(mutex_);
  try {
    impl_->statement("UPDATE scripts SET delivered_key = ? WHERE sequence = ? AND delivered_key IS NULL")
        .start()
        .blob(key)
        .integer(sequence)
        .run();
    if (sqlite3_changes(impl_->db) != 1) return SetupError{"script: not queued, or delivered before"};
  } catch (const SqlError& e) {
    return SetupError{"script: " + e.message};
  }
  return {};
}

}  // namespace sscard::sim::host

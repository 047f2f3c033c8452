// HolderStore's e-cash accounts (CONTACTLESS.md §2.4, §7): what each card's e-cash balance is backed by at its
// home issuer, and the card's balance limit 9F77.
#include "sscard/sim/host/holder_store.h"
#include "store_sql.h"

namespace sscard::sim::host {

using detail::SqlError;
using detail::Statement;

Result<std::optional<EcashAccount>, SetupError> HolderStore::find_ecash(std::string_view pan) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s =
        impl_->statement("SELECT account_fen, balance_limit_fen FROM ecash_accounts WHERE pan = ?");
    s.start().text(pan);
    if (!s.step()) return std::optional<EcashAccount>();
    EcashAccount a;
    a.pan = std::string(pan);
    a.account_fen = s.column_integer(0);
    a.balance_limit_fen = s.column_integer(1);
    s.start();
    return std::optional<EcashAccount>(std::move(a));
  } catch (const SqlError& e) {
    return SetupError{"e-cash account: " + e.message};
  }
}

Result<void, SetupError> HolderStore::put_ecash(const EcashAccount& a) {
  std::lock_guard lock(mutex_);
  try {
    impl_->statement("INSERT OR REPLACE INTO ecash_accounts(pan, account_fen, balance_limit_fen) VALUES (?, ?, ?)")
        .start()
        .text(a.pan)
        .integer(a.account_fen)
        .integer(a.balance_limit_fen)
        .run();
  } catch (const SqlError& e) {
    return SetupError{"e-cash account: " + e.message};
  }
  return {};
}

}  // namespace sscard::sim::host

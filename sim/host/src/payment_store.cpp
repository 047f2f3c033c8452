// HolderStore's payment tables (schema version 2; PAYMENT.md §9-§10).
#include <algorithm>

#include "sscard/sim/host/holder_store.h"
#include "store_sql.h"

namespace sscard::sim::host {

using detail::SqlError;
using detail::Statement;

namespace {

SetupError to_error(const std::string& context, const SqlError& e) { return SetupError{context + ": " + e.message}; }

wire::IdempotencyKey key_of(const Bytes& b) {
  if (b.size() != wire::IdempotencyKey{}.size()) throw SqlError{"bad idempotency key in the database"};
  wire::IdempotencyKey k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

wire::Operation payment_operation(const std::string& name) {
  if (name == wire::operation_name(wire::Operation::kSettle)) return wire::Operation::kSettle;
  if (name == wire::operation_name(wire::Operation::kAuthorise)) return wire::Operation::kAuthorise;
  if (name == wire::operation_name(wire::Operation::kEcashLoad)) return wire::Operation::kEcashLoad;
  throw SqlError{"bad payment operation \"" + name + "\" in the database"};
}

}  // namespace

Result<void, SetupError> HolderStore::add_account(const PaymentAccount& a) {
  std::lock_guard lock(mutex_);
  try {
    impl_->statement("INSERT INTO accounts(pan, ssn, psn, expiry, sm, balance_fen, last_atc, pin, pin_tries) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .start()
        .text(a.pan)
        .text(a.ssn)
        .integer(a.psn)
        .text(a.expiry)
        .integer(a.sm ? 1 : 0)
        .integer(a.balance_fen)
        .integer(a.last_atc)
        .text(a.pin)
        .integer(a.pin_tries)
        .run();
  } catch (const SqlError& e) {
    return to_error("account", e);
  }
  return {};
}

namespace {

// One account row by `sql`'s one parameter; the caller holds the store's lock.
Result<std::optional<PaymentAccount>, SetupError> read_account(HolderStore::Impl& impl, const char* sql,
                                                               std::string_view value) {
  try {
    Statement& s = impl.statement(sql);
    s.start().text(value);
    if (!s.step()) return std::optional<PaymentAccount>();
    PaymentAccount a;
    a.pan = s.column_text(0);
    a.ssn = s.column_text(1);
    a.psn = static_cast<std::uint8_t>(s.column_integer(2));
    a.expiry = s.column_text(3);
    a.sm = s.column_integer(4) != 0;
    a.balance_fen = s.column_integer(5);
    a.last_atc = static_cast<std::uint16_t>(s.column_integer(6));
    a.pin = s.column_text(7);
    a.pin_tries = static_cast<std::uint8_t>(std::min<std::uint64_t>(s.column_integer(8), 255));
    s.start();
    return std::optional<PaymentAccount>(std::move(a));
  } catch (const SqlError& e) {
    return to_error("account", e);
  }
}

}  // namespace

Result<std::optional<PaymentAccount>, SetupError> HolderStore::find_account(std::string_view pan) {
  std::lock_guard lock(mutex_);
  return read_account(*impl_,
                      "SELECT pan, ssn, psn, expiry, sm, balance_fen, last_atc, pin, pin_tries FROM accounts "
                      "WHERE pan = ?",
                      pan);
}

Result<std::optional<PaymentAccount>, SetupError> HolderStore::find_account_of_holder(std::string_view ssn) {
  std::lock_guard lock(mutex_);
  return read_account(*impl_,
                      "SELECT pan, ssn, psn, expiry, sm, balance_fen, last_atc, pin, pin_tries FROM accounts "
                      "WHERE ssn = ? ORDER BY pan LIMIT 1",
                      ssn);
}

Result<void, SetupError> HolderStore::update_account(const PaymentAccount& a) {
  std::lock_guard lock(mutex_);
  try {
    impl_->statement("UPDATE accounts SET balance_fen = ?, last_atc = ?, pin_tries = ? WHERE pan = ?")
        .start()
        .integer(a.balance_fen)
        .integer(a.last_atc)
        .integer(a.pin_tries)
        .text(a.pan)
        .run();
    if (sqlite3_changes(impl_->db) != 1) return SetupError{"account: no such account"};
  } catch (const SqlError& e) {
    return to_error("account", e);
  }
  return {};
}

Result<std::size_t, SetupError> HolderStore::account_count() {
  std::lock_guard lock(mutex_);
  try {
    return impl_->count("SELECT count(*) FROM accounts");
  } catch (const SqlError& e) {
    return to_error("accounts", e);
  }
}

Result<std::optional<PaymentRecord>, SetupError> HolderStore::find_payment(const wire::IdempotencyKey& key) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = impl_->statement(
        "SELECT operation, pan, terminal, business_date, amount_fen, approved, reversed_by, confirmed "
        "FROM payments WHERE idem_key = ?");
    s.start().blob(key);
    if (!s.step()) return std::optional<PaymentRecord>();
    PaymentRecord p;
    p.key = key;
    p.operation = payment_operation(s.column_text(0));
    p.pan = s.column_text(1);
    p.terminal = s.column_text(2);
    p.business_date = s.column_text(3);
    p.amount_fen = s.column_integer(4);
    p.approved = s.column_integer(5) != 0;
    if (!s.is_null(6)) p.reversed_by = key_of(s.column_blob(6));
    p.confirmed = s.column_integer(7) != 0;
    s.start();
    return std::optional<PaymentRecord>(std::move(p));
  } catch (const SqlError& e) {
    return to_error("payment", e);
  }
}

Result<void, SetupError> HolderStore::store_payment(const PaymentRecord& p) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = impl_->statement(
        "INSERT INTO payments(idem_key, operation, pan, terminal, business_date, amount_fen, approved, reversed_by, "
        "confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.start()
        .blob(p.key)
        .text(wire::operation_name(p.operation))
        .text(p.pan)
        .text(p.terminal)
        .text(p.business_date)
        .integer(p.amount_fen)
        .integer(p.approved ? 1 : 0);
    if (p.reversed_by) s.blob(*p.reversed_by);
    else s.null();
    s.integer(p.confirmed ? 1 : 0).run();
  } catch (const SqlError& e) {
    return to_error("payment", e);
  }
  return {};
}

Result<void, SetupError> HolderStore::update_payment(const PaymentRecord& p) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = impl_->statement("UPDATE payments SET reversed_by = ?, confirmed = ? WHERE idem_key = ?");
    s.start();
    if (p.reversed_by) s.blob(*p.reversed_by);
    else s.null();
    s.integer(p.confirmed ? 1 : 0).blob(p.key).run();
    if (sqlite3_changes(impl_->db) != 1) return SetupError{"payment: no such payment"};
  } catch (const SqlError& e) {
    return to_error("payment", e);
  }
  return {};
}

Result<std::optional<Tombstone>, SetupError> HolderStore::find_tombstone(const wire::IdempotencyKey& key) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = impl_->statement("SELECT pan, reversal_key FROM tombstones WHERE idem_key = ?");
    s.start().blob(key);
    if (!s.step()) return std::optional<Tombstone>();
    Tombstone t{s.column_text(0), key_of(s.column_blob(1))};
    s.start();
    return std::optional<Tombstone>(std::move(t));
  } catch (const SqlError& e) {
    return to_error("tombstone", e);
  }
}

Result<void, SetupError> HolderStore::store_tombstone(const wire::IdempotencyKey& key, const Tombstone& t) {
  std::lock_guard lock(mutex_);
  try {
    impl_->statement("INSERT INTO tombstones(idem_key, pan, reversal_key) VALUES (?, ?, ?)")
        .start()
        .blob(key)
        .text(t.pan)
        .blob(t.reversal_key)
        .run();
  } catch (const SqlError& e) {
    return to_error("tombstone", e);
  }
  return {};
}

Result<void, SetupError> HolderStore::store_confirmation(const wire::IdempotencyKey& key, const Confirmation& c) {
  std::lock_guard lock(mutex_);
  try {
    impl_->statement(
             "INSERT INTO confirmations(idem_key, original_key, pan, tc, cid, iad, tvr, script_results, created_ms) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .start()
        .blob(key)
        .blob(c.original_key)
        .text(c.pan)
        .blob(c.tc)
        .blob(c.cid)
        .blob(c.iad)
        .blob(c.tvr)
        .blob(c.script_results)
        .integer(c.created_ms)
        .run();
  } catch (const SqlError& e) {
    return to_error("confirmation", e);
  }
  return {};
}

Result<std::size_t, SetupError> HolderStore::confirmation_count() {
  std::lock_guard lock(mutex_);
  try {
    return impl_->count("SELECT count(*) FROM confirmations");
  } catch (const SqlError& e) {
    return to_error("confirmations", e);
  }
}

Result<wire::Totals, SetupError> HolderStore::payment_totals(std::string_view terminal, std::string_view business_date) {
  std::lock_guard lock(mutex_);
  try {
    // Approved authorisations and settlements, and of them those reversed; a settlement's card part is its
    // payment's amount, its medical share is in settlements (PAYMENT.md §11).
    Statement& s = impl_->statement(
        "SELECT p.operation, count(*), coalesce(sum(p.amount_fen), 0), "
        "count(p.reversed_by), coalesce(sum(CASE WHEN p.reversed_by IS NULL THEN 0 ELSE p.amount_fen END), 0), "
        "coalesce(sum(s.medical_fen), 0), "
        "coalesce(sum(CASE WHEN p.reversed_by IS NULL THEN 0 ELSE s.medical_fen END), 0) "
        "FROM payments p LEFT JOIN settlements s ON s.idem_key = p.idem_key "
        "WHERE p.terminal = ? AND p.business_date = ? AND p.approved = 1 GROUP BY p.operation");
    s.start().text(terminal).text(business_date);
    wire::Totals t;
    while (s.step()) {
      const wire::Operation op = payment_operation(s.column_text(0));
      if (op == wire::Operation::kAuthorise || op == wire::Operation::kEcashLoad) {
        // An e-cash load is an authorisation of the bank account (CONTACTLESS.md §7).
        t.approved_count += s.column_integer(1);
        t.approved_fen += s.column_integer(2);
        t.reversed_count += s.column_integer(3);
        t.reversed_fen += s.column_integer(4);
      } else {
        t.settled_count = s.column_integer(1);
        t.settled_card_fen = s.column_integer(2);
        t.settle_reversed_count = s.column_integer(3);
        t.settle_reversed_card_fen = s.column_integer(4);
        t.settled_medical_fen = s.column_integer(5);
        t.settle_reversed_medical_fen = s.column_integer(6);
      }
    }
    s.start();
    return t;
  } catch (const SqlError& e) {
    return to_error("totals", e);
  }
}

}  // namespace sscard::sim::host

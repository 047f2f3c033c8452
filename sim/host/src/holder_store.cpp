// HolderStore over SQLite. SQLite failures are thrown internally as SqlError and turned into SetupError at
// every public function.
#include "sscard/sim/host/holder_store.h"

#include "sscard/core/test_point.h"
#include "store_sql.h"

#include <sqlite3.h>

#include <array>
#include <utility>

namespace sscard::sim::host {

using detail::exec;
using detail::SqlError;
using detail::Statement;

namespace {


constexpr int kSchemaVersion = 2;

// The CHECKs compare with OR, not IN (...): SQLite builds an ephemeral table for an IN list on every
// statement that evaluates it, which made bulk inserts several times slower.
constexpr const char* kSchema = R"sql(
CREATE TABLE holders(
  ssn TEXT NOT NULL PRIMARY KEY CHECK (length(ssn) = 18),
  card_number TEXT NOT NULL CHECK (length(card_number) = 9),
  card_id TEXT NOT NULL CHECK (length(card_id) = 32),
  region TEXT NOT NULL CHECK (length(region) = 6),
  name TEXT NOT NULL,
  card_state TEXT NOT NULL CHECK (card_state = 'not_activated' OR card_state = 'active' OR
                                  card_state = 'loss_reported' OR card_state = 'blocked'),
  pension_status TEXT NOT NULL CHECK (pension_status = 'not_retired' OR pension_status = 'receiving' OR
                                      pension_status = 'suspended'),
  pension_monthly_fen INTEGER NOT NULL CHECK (pension_monthly_fen >= 0),
  medical_balance_fen INTEGER NOT NULL CHECK (medical_balance_fen >= 0),
  last_certification TEXT CHECK (last_certification IS NULL OR length(last_certification) = 8)
) WITHOUT ROWID;
CREATE TABLE contributions(
  ssn TEXT NOT NULL,
  period TEXT NOT NULL CHECK (length(period) = 6),
  kind TEXT NOT NULL CHECK (kind = 'pension' OR kind = 'medical'),
  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
  PRIMARY KEY (ssn, period, kind)
) WITHOUT ROWID;
CREATE TABLE requests(
  idem_key BLOB NOT NULL PRIMARY KEY CHECK (length(idem_key) = 16),
  operation TEXT NOT NULL,
  ssn TEXT NOT NULL,
  card_number TEXT NOT NULL,
  response BLOB NOT NULL,
  created_ms INTEGER NOT NULL
);
PRAGMA user_version = 1;
)sql";

// Version 2: the payment accounts of PAYMENT.md §9-§10 (a version 1 database is upgraded in place).
//   accounts(pan PK, ssn, psn, expiry YYMMDD, sm, balance_fen, last_atc, pin, pin_tries)
//   payments(idem_key PK, operation, pan, terminal, business_date, amount_fen, approved, reversed_by, confirmed)
//   tombstones(idem_key PK, pan, reversal_key)          originals reversed before they were seen
//   confirmations(idem_key PK, original_key, pan, tc, cid, iad, tvr, script_results, created_ms)
//   requests gains pan: the PAN a payment's stored answer belongs to ('' for the services)
constexpr const char* kSchemaPayments = R"sql(
CREATE TABLE accounts(
  pan TEXT NOT NULL PRIMARY KEY CHECK (length(pan) = 19),
  ssn TEXT NOT NULL,
  psn INTEGER NOT NULL CHECK (psn >= 0 AND psn <= 99),
  expiry TEXT NOT NULL CHECK (length(expiry) = 6),
  sm INTEGER NOT NULL CHECK (sm = 0 OR sm = 1),
  balance_fen INTEGER NOT NULL CHECK (balance_fen >= 0),
  last_atc INTEGER NOT NULL CHECK (last_atc >= 0 AND last_atc <= 65535),
  pin TEXT NOT NULL,
  pin_tries INTEGER NOT NULL CHECK (pin_tries >= 0)
) WITHOUT ROWID;
CREATE TABLE payments(
  idem_key BLOB NOT NULL PRIMARY KEY CHECK (length(idem_key) = 16),
  operation TEXT NOT NULL,
  pan TEXT NOT NULL,
  terminal TEXT NOT NULL,
  business_date TEXT NOT NULL,
  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
  approved INTEGER NOT NULL,
  reversed_by BLOB,
  confirmed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX payments_by_day ON payments(terminal, business_date);
CREATE TABLE tombstones(
  idem_key BLOB NOT NULL PRIMARY KEY CHECK (length(idem_key) = 16),
  pan TEXT NOT NULL,
  reversal_key BLOB NOT NULL
);
CREATE TABLE confirmations(
  idem_key BLOB NOT NULL PRIMARY KEY CHECK (length(idem_key) = 16),
  original_key BLOB NOT NULL,
  pan TEXT NOT NULL,
  tc BLOB NOT NULL,
  cid BLOB NOT NULL,
  iad BLOB NOT NULL,
  tvr BLOB NOT NULL,
  script_results BLOB,
  created_ms INTEGER NOT NULL
);
ALTER TABLE requests ADD COLUMN pan TEXT NOT NULL DEFAULT '';
PRAGMA user_version = 2;
)sql";

// PAYMENT.md §11: the shares of each settlement, beside its card part in payments. Made sure of at every open,
// so databases of version 2 written before settlement gain it without a version step.
constexpr const char* kSchemaSettlements = R"sql(
CREATE TABLE IF NOT EXISTS settlements(
  idem_key BLOB NOT NULL PRIMARY KEY CHECK (length(idem_key) = 16),
  ssn TEXT NOT NULL,
  category INTEGER NOT NULL CHECK (category >= 1 AND category <= 3),
  total_fen INTEGER NOT NULL CHECK (total_fen >= 0),
  insured_fen INTEGER NOT NULL CHECK (insured_fen >= 0),
  medical_fen INTEGER NOT NULL CHECK (medical_fen >= 0),
  card_fen INTEGER NOT NULL CHECK (card_fen >= 0)
);
)sql";

// PAYMENT.md §9.3: the per-PAN queue of issuer scripts; made sure of at every open like settlements.
constexpr const char* kSchemaScripts = R"sql(
CREATE TABLE IF NOT EXISTS scripts(
  sequence INTEGER PRIMARY KEY AUTOINCREMENT CHECK (sequence <= 4294967295),
  pan TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  delivered_key BLOB CHECK (delivered_key IS NULL OR length(delivered_key) = 16),
  created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS scripts_by_pan ON scripts(pan, sequence);
)sql";

// CONTACTLESS.md §2.4, §7: the e-cash account behind each card's e-cash balance and the card's balance limit
// (9F77); made sure of at every open like settlements.
constexpr const char* kSchemaEcash = R"sql(
CREATE TABLE IF NOT EXISTS ecash_accounts(
  pan TEXT NOT NULL PRIMARY KEY CHECK (length(pan) = 19),
  account_fen INTEGER NOT NULL CHECK (account_fen >= 0),
  balance_limit_fen INTEGER NOT NULL CHECK (balance_limit_fen >= 0)
) WITHOUT ROWID;
)sql";

void run_in_transaction(sqlite3* db, const char* sql) {
  exec(db, "BEGIN IMMEDIATE");
  try {
    exec(db, sql);
    exec(db, "COMMIT");
  } catch (const SqlError&) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

template <typename Enum, std::size_t N>
Enum enum_of(const std::string& text, std::string_view (*name)(Enum), const std::array<Enum, N>& values,
             const char* column) {
  for (Enum v : values) {
    if (name(v) == text) return v;
  }
  throw SqlError{std::string("bad ") + column + " \"" + text + "\" in the database"};
}

constexpr std::array<wire::CardState, 4> kCardStates = {wire::CardState::kNotActivated, wire::CardState::kActive,
                                                        wire::CardState::kLossReported, wire::CardState::kBlocked};
constexpr std::array<wire::PensionStatus, 3> kPensionStatuses = {
    wire::PensionStatus::kNotRetired, wire::PensionStatus::kReceiving, wire::PensionStatus::kSuspended};
constexpr std::array<wire::ContributionKind, 2> kKinds = {wire::ContributionKind::kPension,
                                                          wire::ContributionKind::kMedical};
constexpr std::array<wire::Operation, 13> kOperations = {
    wire::Operation::kQuery,     wire::Operation::kActivate,    wire::Operation::kReportLoss, wire::Operation::kCancelLoss,
    wire::Operation::kCertify,   wire::Operation::kAuthorise,   wire::Operation::kReverse,    wire::Operation::kSettleQuote,
    wire::Operation::kSettle,    wire::Operation::kConfirm,     wire::Operation::kTotals,     wire::Operation::kEcashLoad,
    wire::Operation::kEcashClear};

SetupError to_error(const std::string& context, const SqlError& e) { return SetupError{context + ": " + e.message}; }

}  // namespace


HolderStore::HolderStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HolderStore::~HolderStore() = default;

Result<std::unique_ptr<HolderStore>, SetupError> HolderStore::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  auto impl = std::make_unique<Impl>(raw);  // closes `raw` on every path out
  if (rc != SQLITE_OK) {
    return SetupError{path + ": cannot open: " + (raw != nullptr ? sqlite3_errmsg(raw) : "out of memory")};
  }
  try {
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, 5000);
    if (path != kInMemory && !path.empty()) {
      exec(raw, "PRAGMA journal_mode = WAL");
      exec(raw, "PRAGMA synchronous = FULL");
    }
    Statement version(raw, "PRAGMA user_version");
    version.start();
    if (!version.step()) throw SqlError{"cannot read user_version"};
    const std::uint64_t v = version.column_integer(0);
    if (v == 0) {
      Statement tables(raw, "SELECT count(*) FROM sqlite_master");
      tables.start();
      if (!tables.step()) throw SqlError{"cannot read the schema"};
      if (tables.column_integer(0) != 0) throw SqlError{"not an sscard holder database (tables without a version)"};
      run_in_transaction(raw, kSchema);
      run_in_transaction(raw, kSchemaPayments);
    } else if (v == 1) {
      run_in_transaction(raw, kSchemaPayments);
    } else if (v != kSchemaVersion) {
      throw SqlError{"schema version " + std::to_string(v) + " is not the supported " + std::to_string(kSchemaVersion)};
    }
    run_in_transaction(raw, kSchemaSettlements);
    run_in_transaction(raw, kSchemaScripts);
    run_in_transaction(raw, kSchemaEcash);
    impl->prepare();
  } catch (const SqlError& e) {
    return to_error(path, e);
  }
  return std::unique_ptr<HolderStore>(new HolderStore(std::move(impl)));
}

Result<void, SetupError> HolderStore::add_holder(const HolderRecord& h, const std::vector<wire::Contribution>& contributions) {
  std::lock_guard lock(mutex_);
  return transaction([&]() -> Result<void, SetupError> {
    try {
      impl_->insert_holder->start()
          .text(h.ssn)
          .text(h.card_number)
          .text(to_hex(h.card_id))
          .text(h.region)
          .text(h.name)
          .text(wire::card_state_name(h.card_state))
          .text(wire::pension_status_name(h.pension_status))
          .integer(h.pension_monthly_fen)
          .integer(h.medical_balance_fen)
          .optional_text(h.last_certification)
          .run();
      // Whole batches through the multi-row statement (fewer statement executions for bulk loads), the rest
      // one by one.
      std::size_t i = 0;
      for (; i + Impl::kBatch <= contributions.size(); i += Impl::kBatch) {
        Statement& batch = impl_->insert_contribution_batch->start();
        for (std::size_t k = i; k < i + Impl::kBatch; ++k) {
          batch.text(h.ssn)
              .text(contributions[k].period)
              .text(wire::contribution_kind_name(contributions[k].kind))
              .integer(contributions[k].amount_fen);
        }
        batch.run();
      }
      for (; i < contributions.size(); ++i) {
        impl_->insert_contribution->start()
            .text(h.ssn)
            .text(contributions[i].period)
            .text(wire::contribution_kind_name(contributions[i].kind))
            .integer(contributions[i].amount_fen)
            .run();
      }
    } catch (const SqlError& e) {
      return to_error("holder " + h.ssn, e);
    }
    return {};
  });
}

Result<void, SetupError> HolderStore::update_holder(const HolderRecord& h) {
  std::lock_guard lock(mutex_);
  try {
    impl_->update_holder->start()
        .text(wire::card_state_name(h.card_state))
        .text(wire::pension_status_name(h.pension_status))
        .integer(h.pension_monthly_fen)
        .integer(h.medical_balance_fen)
        .optional_text(h.last_certification)
        .text(h.ssn)
        .run();
    if (sqlite3_changes(impl_->db) != 1) return SetupError{"holder " + h.ssn + ": no such holder"};
  } catch (const SqlError& e) {
    return to_error("holder " + h.ssn, e);
  }
  return {};
}

Result<std::optional<HolderRecord>, SetupError> HolderStore::find_holder(std::string_view ssn) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = *impl_->find_holder;
    s.start().text(ssn);
    if (!s.step()) return std::optional<HolderRecord>();
    HolderRecord h;
    h.ssn = s.column_text(0);
    h.card_number = s.column_text(1);
    auto id = from_hex(s.column_text(2));
    if (!id.ok()) throw SqlError{"bad card_id in the database"};
    h.card_id = std::move(*id);
    h.region = s.column_text(3);
    h.name = s.column_text(4);
    h.card_state = enum_of(s.column_text(5), wire::card_state_name, kCardStates, "card_state");
    h.pension_status = enum_of(s.column_text(6), wire::pension_status_name, kPensionStatuses, "pension_status");
    h.pension_monthly_fen = s.column_integer(7);
    h.medical_balance_fen = s.column_integer(8);
    if (!s.is_null(9)) h.last_certification = s.column_text(9);
    s.start();  // ends the read
    return std::optional<HolderRecord>(std::move(h));
  } catch (const SqlError& e) {
    return to_error("holder " + std::string(ssn), e);
  }
}

Result<std::vector<wire::Contribution>, SetupError> HolderStore::contributions(std::string_view ssn, std::size_t limit) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = *impl_->contributions;
    s.start().text(ssn).integer(limit);
    std::vector<wire::Contribution> out;
    while (s.step()) {
      wire::Contribution c;
      c.period = s.column_text(0);
      c.kind = enum_of(s.column_text(1), wire::contribution_kind_name, kKinds, "kind");
      c.amount_fen = s.column_integer(2);
      out.push_back(std::move(c));
    }
    s.start();
    return out;
  } catch (const SqlError& e) {
    return to_error("contributions of " + std::string(ssn), e);
  }
}

Result<std::optional<StoredRequest>, SetupError> HolderStore::find_request(const wire::IdempotencyKey& key) {
  std::lock_guard lock(mutex_);
  try {
    Statement& s = *impl_->find_request;
    s.start().blob(key);
    if (!s.step()) return std::optional<StoredRequest>();
    StoredRequest r;
    r.operation = enum_of(s.column_text(0), wire::operation_name, kOperations, "operation");
    r.ssn = s.column_text(1);
    r.card_number = s.column_text(2);
    r.response = s.column_blob(3);
    r.created_ms = s.column_integer(4);
    r.pan = s.column_text(5);
    s.start();
    return std::optional<StoredRequest>(std::move(r));
  } catch (const SqlError& e) {
    return to_error("request " + to_hex(key), e);
  }
}

Result<void, SetupError> HolderStore::store_request(const wire::IdempotencyKey& key, const StoredRequest& r) {
  std::lock_guard lock(mutex_);
  try {
    impl_->store_request->start()
        .blob(key)
        .text(wire::operation_name(r.operation))
        .text(r.ssn)
        .text(r.card_number)
        .blob(r.response)
        .integer(r.created_ms)
        .text(r.pan)
        .run();
  } catch (const SqlError& e) {
    return to_error("request " + to_hex(key), e);
  }
  return {};
}

Result<std::size_t, SetupError> HolderStore::holder_count() {
  std::lock_guard lock(mutex_);
  try {
    return impl_->count("SELECT count(*) FROM holders");
  } catch (const SqlError& e) {
    return to_error("holders", e);
  }
}

Result<std::size_t, SetupError> HolderStore::holders_outside(std::string_view province) {
  // The two leading digits of a GB/T 2260 code name the province; they are checked to be digits so the
  // literal below cannot be anything else.
  if (province.size() < 2 || province[0] < '0' || province[0] > '9' || province[1] < '0' || province[1] > '9') {
    return SetupError{"\"" + std::string(province) + "\" is not a province code"};
  }
  std::lock_guard lock(mutex_);
  try {
    const std::string sql = "SELECT count(*) FROM holders WHERE substr(region, 1, 2) <> '" +
                            std::string(province.substr(0, 2)) + "'";
    return impl_->count(sql.c_str());
  } catch (const SqlError& e) {
    return to_error("holders", e);
  }
}

Result<std::size_t, SetupError> HolderStore::contribution_count() {
  std::lock_guard lock(mutex_);
  try {
    return impl_->count("SELECT count(*) FROM contributions");
  } catch (const SqlError& e) {
    return to_error("contributions", e);
  }
}

Result<std::size_t, SetupError> HolderStore::request_count() {
  std::lock_guard lock(mutex_);
  try {
    return impl_->count("SELECT count(*) FROM requests");
  } catch (const SqlError& e) {
    return to_error("requests", e);
  }
}

Result<void, SetupError> HolderStore::transaction(const std::function<Result<void, SetupError>()>& body) {
  std::lock_guard lock(mutex_);
  if (impl_->transaction_depth > 0) {
    ++impl_->transaction_depth;
    Result<void, SetupError> r = body();
    --impl_->transaction_depth;
    return r;
  }
  try {
    exec(impl_->db, "BEGIN IMMEDIATE");
  } catch (const SqlError& e) {
    return to_error("begin", e);
  }
  ++impl_->transaction_depth;
  Result<void, SetupError> result = SetupError{"transaction body did not run"};
  try {
    result = body();
  } catch (const SqlError& e) {
    result = to_error("transaction", e);
  } catch (const std::exception& e) {
    result = SetupError{std::string("transaction: ") + e.what()};
  }
  --impl_->transaction_depth;
  if (result.ok()) {
    try {
      exec(impl_->db, "COMMIT");
      test_point::pass("ledger-commit");
      return result;
    } catch (const SqlError& e) {
      result = to_error("commit", e);
    }
  }
  // After a failed COMMIT SQLite may already have rolled back; ROLLBACK then fails harmlessly.
  sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
  return result;
}

}  // namespace sscard::sim::host

// Internal: the home issuer's side of the payment operations (docs/PAYMENT.md §9.2 and §10): authorise with
// the ARQC, ATC, card state, expiry, online PIN and funds checks; reverse once; confirm; totals. Every
// state-changing answer is decided, applied and stored under its idempotency key in one SQLite transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sscard/crypto/crypto.h"
#include "sscard/wire/messages.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/host/payment_keys.h"

namespace sscard::sim::host::detail {

// Shared by the operations of payment_issuer.cpp and settlement.cpp.
// The PAN of FF40 5A ("" without one that decodes): part of an idempotency key's identity.
std::string request_pan(const sscard::wire::Request& r);
// 9F02 (6 bytes of BCD) in fen; nullopt otherwise.
std::optional<std::uint64_t> bcd_amount(ByteSpan v);
// The stored answer to a known key (flagged duplicate), or key_conflict; nullopt when the key is new.
Result<std::optional<sscard::wire::Response>, SetupError> known_answer(HolderStore& store,
                                                                       const sscard::wire::Request& r,
                                                                       std::string_view pan,
                                                                       const sscard::wire::Response& base);
Result<void, SetupError> store_answer(HolderStore& store, const sscard::wire::Request& r, std::string_view pan,
                                      const sscard::wire::Response& out);

class PaymentIssuer {
 public:
  // `keys` must be the keys of `province`; `store` must outlive this object.
  PaymentIssuer(std::string province, HolderStore& store, const PaymentKeys& keys);
  PaymentIssuer(const PaymentIssuer&) = delete;
  PaymentIssuer& operator=(const PaymentIssuer&) = delete;
  ~PaymentIssuer();

  // The answer to a payment request (wire::is_payment) about a card of this province. A database failure
  // rolls everything back and answers issuer_unavailable. `code_holder`: the request names its holder by an
  // electronic card's reference (DF0B), which the host opened to this SSN ("" when it did not open).
  sscard::wire::Response answer(const sscard::wire::Request& request,
                                const std::optional<std::string>& code_holder = std::nullopt);

 private:
  sscard::wire::Response authorise(const sscard::wire::Request& r, const sscard::wire::Response& base);
  sscard::wire::Response reverse(const sscard::wire::Request& r, const sscard::wire::Response& base);
  sscard::wire::Response confirm(const sscard::wire::Request& r, const sscard::wire::Response& base);
  sscard::wire::Response totals(const sscard::wire::Request& r, const sscard::wire::Response& base);
  // The e-cash side of a load (ecash_load.cpp, CONTACTLESS.md §2.2, §7): the IDD of a 19-byte IAD checked
  // with the MAC session key of `atc` (left in `mac_session`); the balance it carries, nullopt if its MAC or
  // format is wrong.
  std::optional<std::uint64_t> verify_idd(const PaymentAccount& account, crypto::Cipher cipher, std::uint16_t atc,
                                          ByteSpan idd, std::span<std::uint8_t, 16> mac_session);
  // Step 10 of an approved load: the limit 9F77 (`61`), the funds (`51`), then debit the bank account and
  // credit the e-cash account. Returns the response code.
  Result<std::string_view, SetupError> load_ecash(PaymentAccount& account, std::uint64_t card_balance_fen,
                                                  std::uint64_t amount_fen, PaymentRecord& record);
  // The PUT DATA 9F79 script of an approved load, first in out.scripts.
  Result<void, SetupError> add_load_script(crypto::Cipher cipher, ByteSpan mac_session, std::uint16_t atc,
                                           ByteSpan arqc, std::uint64_t new_balance_fen, sscard::wire::Response& out);
  // A reversal of an approved load takes the e-cash account's credit back.
  Result<void, SetupError> undo_ecash_load(const PaymentRecord& original);
  // The clearing of an offline TC against the e-cash account (ecash_clearing.cpp, CONTACTLESS.md §7).
  sscard::wire::Response ecash_clear(const sscard::wire::Request& r, const sscard::wire::Response& base);
  Result<std::string_view, SetupError> clear_decision(const sscard::wire::Request& r, const std::string& pan);
  // Medical settlement (settlement.cpp, PAYMENT.md §11).
  sscard::wire::Response settle_quote(const sscard::wire::Request& r, const sscard::wire::Response& base,
                                      const std::optional<std::string>& code_holder);
  sscard::wire::Response settle(const sscard::wire::Request& r, const sscard::wire::Response& base,
                                const std::optional<std::string>& code_holder);
  // A reversal of an approved settlement gives the medical share back to the holder's balance.
  Result<void, SetupError> undo_settlement(const PaymentRecord& original);
  // Steps 3-10 of §9.2 for a request whose key is new. Updates `account` (ATC, balance, PIN tries) in the store.
  Result<void, SetupError> decide(const sscard::wire::Request& r, sscard::wire::Response& out, PaymentRecord& record);
  bool pin_matches(const sscard::wire::Request& r, const PaymentAccount& account);
  // Puts the account's queued scripts (at most 128 bytes) in out.scripts, built for this ATC and ARQC, and
  // marks them delivered under `key` (script_delivery.cpp, PAYMENT.md §9.3).
  Result<void, SetupError> deliver_scripts(const sscard::wire::IdempotencyKey& key, const PaymentAccount& account,
                                           crypto::Cipher cipher, std::uint16_t atc, ByteSpan arqc,
                                           sscard::wire::Response& out);
  // The answer to a state-changing request, exactly once: in one SQLite transaction, a key seen before gets
  // its stored answer (or key_conflict, not stored), a new one `first_answer(pan, out)` with `out` = `base`; a
  // failed transaction applies nothing and answers issuer_unavailable.
  template <typename Decide>
  sscard::wire::Response answer_once(const sscard::wire::Request& r, const sscard::wire::Response& base,
                                     Decide&& first_answer);

  std::string province_;
  HolderStore& store_;
  PaymentKeys keys_;
  std::mutex crypto_mutex_;
  std::unique_ptr<crypto::Crypto> crypto_;
};

template <typename Decide>
sscard::wire::Response PaymentIssuer::answer_once(const sscard::wire::Request& r, const sscard::wire::Response& base,
                                                  Decide&& first_answer) {
  const std::string pan = request_pan(r);
  sscard::wire::Response out = base;
  auto done = store_.transaction([&]() -> Result<void, SetupError> {
    auto known = known_answer(store_, r, pan, base);
    if (!known.ok()) return known.error();
    if (*known) {
      out = std::move(**known);
      return {};  // a conflict is not stored: the key's first use keeps it
    }
    out = base;
    return first_answer(pan, out);
  });
  if (!done.ok()) {
    out = base;
    out.result = sscard::wire::ResultCode::kIssuerUnavailable;
  }
  return out;
}

}  // namespace sscard::sim::host::detail

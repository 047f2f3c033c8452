#include "payment_issuer.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/openssl.h"
#include "sscard/crypto/pin_block.h"
#include "sscard/wire/payment.h"
#include "sscard/wire/wire.h"

namespace sscard::sim::host::detail {
namespace {

using wire::IccData;
using wire::Operation;
using wire::ResultCode;
namespace rc = wire::rc;

constexpr std::uint8_t kPinTryLimit = 3;  // PAYMENT.md §9.2 step 9
constexpr std::uint8_t kCvn = 0x01;
constexpr std::uint8_t kAlgorithmTdes = 0x01;
constexpr std::uint8_t kAlgorithmSm4 = 0x04;
constexpr std::size_t kIadSize = 8;         // PAYMENT.md §5.2
constexpr std::size_t kIddSize = 11;        // 0A 01 ‖ balance (5) ‖ MAC (4), CONTACTLESS.md §2.2
constexpr std::uint8_t kEcashLoadType = 0x60;  // 9C of a load (CONTACTLESS.md §4)

// The digits of a cn PAN (5A): digits, then F padding only; 12 to 19 digits.
std::optional<std::string> pan_digits(ByteSpan v) {
  std::string out;
  bool padding = false;
  for (std::uint8_t b : v) {
    for (std::uint8_t nibble : {static_cast<std::uint8_t>(b >> 4), static_cast<std::uint8_t>(b & 0x0F)}) {
      if (nibble == 0x0F) {
        padding = true;
      } else if (padding || nibble > 9) {
        return std::nullopt;
      } else {
        out.push_back(static_cast<char>('0' + nibble));
      }
    }
  }
  if (out.size() < 12 || out.size() > 19) return std::nullopt;
  return out;
}

// ISO/IEC 7812-1 annex B.
bool luhn_valid(std::string_view digits) {
  unsigned sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    unsigned d = static_cast<unsigned>(*it - '0');
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// Packed BCD as digits; nullopt for a nibble above 9.
std::optional<std::string> bcd_digits(ByteSpan v) {
  std::string out;
  for (std::uint8_t b : v) {
    if ((b >> 4) > 9 || (b & 0x0F) > 9) return std::nullopt;
    out.push_back(static_cast<char>('0' + (b >> 4)));
    out.push_back(static_cast<char>('0' + (b & 0x0F)));
  }
  return out;
}

bool size_is(const IccData& icc, tlv::Tag tag, std::size_t n) {
  const auto v = icc.get(tag);
  return v && v->size() == n;
}

std::uint16_t be16(ByteSpan v) { return static_cast<std::uint16_t>((v[0] << 8) | v[1]); }

// Track 2 equivalent data (57): PAN digits, separator D, then YYMM.
std::optional<std::string> track2_digits(ByteSpan v) {
  std::string out;
  for (std::uint8_t b : v) {
    for (std::uint8_t nibble : {static_cast<std::uint8_t>(b >> 4), static_cast<std::uint8_t>(b & 0x0F)}) {
      if (nibble == 0x0F) return out;
      out.push_back(nibble == 0x0D ? 'D' : nibble <= 9 ? static_cast<char>('0' + nibble) : '?');
    }
  }
  return out;
}

std::optional<std::string> track2_pan(ByteSpan v) {
  const auto t = track2_digits(v);
  if (!t) return std::nullopt;
  const auto d = t->find('D');
  if (d == std::string::npos || d < 12 || d > 19) return std::nullopt;
  return t->substr(0, d);
}


}  // namespace

std::optional<std::uint64_t> bcd_amount(ByteSpan v) {
  auto digits = bcd_digits(v);
  if (!digits || v.size() != 6) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : *digits) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  return n;
}

// The PAN a request speaks of (FF40 5A), "" when it has none that decodes: part of the idempotency key's
// identity (a key reused for another card is a key_conflict).
std::string request_pan(const wire::Request& r) {
  if (!r.icc_data) return {};
  auto icc = IccData::parse(*r.icc_data);
  if (!icc.ok()) return {};
  const auto v = icc->get(0x5A);
  if (!v) {
    const auto track2 = icc->get(0x57);  // a qPBOC ARQC: the PAN of track 2
    return track2 ? track2_pan(*track2).value_or("") : std::string();
  }
  return pan_digits(*v).value_or("");
}

// The stored answer to a known key, or key_conflict; nullopt when the key is new.
Result<std::optional<wire::Response>, SetupError> known_answer(HolderStore& store, const wire::Request& r,
                                                               std::string_view pan, const wire::Response& base) {
  auto known = store.find_request(r.key);
  if (!known.ok()) return known.error();
  if (!*known) return std::optional<wire::Response>();
  const StoredRequest& s = **known;
  if (s.operation != r.operation || s.pan != pan) {
    wire::Response conflict = base;
    conflict.result = ResultCode::kKeyConflict;
    return std::optional<wire::Response>(conflict);
  }
  auto stored = wire::decode_response(s.response);
  if (!stored.ok()) return SetupError{"the stored answer does not decode"};
  stored->duplicate = true;
  return std::optional<wire::Response>(std::move(*stored));
}

Result<void, SetupError> store_answer(HolderStore& store, const wire::Request& r, std::string_view pan,
                                      const wire::Response& out) {
  StoredRequest stored{r.operation, "", "", {}, wire::now_ms(), std::string(pan)};
  if (!wire::encode(out, stored.response).ok()) return SetupError{"the answer does not encode"};
  return store.store_request(r.key, stored);
}

PaymentIssuer::PaymentIssuer(std::string province, HolderStore& store, const PaymentKeys& keys)
    : province_(std::move(province)), store_(store), keys_(keys), crypto_(crypto::make_openssl_crypto()) {}

PaymentIssuer::~PaymentIssuer() = default;

wire::Response PaymentIssuer::answer(const wire::Request& r, const std::optional<std::string>& code_holder) {
  wire::Response base;
  base.home_issuer = province_;
  base.served_by = r.serving_province;
  switch (r.operation) {
    case Operation::kAuthorise:
    case Operation::kEcashLoad: return authorise(r, base);
    case Operation::kEcashClear: return ecash_clear(r, base);
    case Operation::kReverse: return reverse(r, base);
    case Operation::kConfirm: return confirm(r, base);
    case Operation::kTotals: return totals(r, base);
    case Operation::kSettleQuote: return settle_quote(r, base, code_holder);
    case Operation::kSettle: return settle(r, base, code_holder);
    default: break;
  }
  wire::Response out = base;
  out.result = ResultCode::kInvalidState;
  return out;
}

wire::Response PaymentIssuer::authorise(const wire::Request& r, const wire::Response& base) {
  return answer_once(r, base, [&](const std::string& pan, wire::Response& out) -> Result<void, SetupError> {
    auto tomb = store_.find_tombstone(r.key);
    if (!tomb.ok()) return tomb.error();
    out = base;
    PaymentRecord record;
    if (*tomb) {
      out.response_code = std::string(rc::kInvalid);  // reversed before it arrived: never applied
    } else {
      record.key = r.key;
      record.operation = r.operation;  // an authorise or an e-cash load
      record.pan = pan;
      record.terminal = r.terminal;
      record.business_date = r.date;
      if (auto d = decide(r, out, record); !d.ok()) return d;
      if (auto s = store_.store_payment(record); !s.ok()) return s;
    }
    return store_answer(store_, r, pan, out);
  });
}

Result<void, SetupError> PaymentIssuer::decide(const wire::Request& r, wire::Response& out, PaymentRecord& record) {
  auto decline = [&out](std::string_view code) -> Result<void, SetupError> {
    out.response_code = std::string(code);
    return {};
  };
  // 3. A consistent request. (FF40 is known to parse: the request decoded.)
  auto parsed = IccData::parse(*r.icc_data);
  if (!parsed.ok()) return decline(rc::kInvalid);
  // A qPBOC ARQC (CONTACTLESS.md §3.2) comes before any READ RECORD: no 5F24 (and 57 may stand for 5A); the
  // issuer's own record of the expiry then decides (step 8).
  const auto track2 = parsed->get(0x57);
  const bool contactless_arqc = !parsed->get(0x5F24) && (track2 || parsed->get(0x5A));
  for (tlv::Tag t : wire::kAuthoriseIccTags) {
    const bool optional = contactless_arqc && (t == 0x5F24 || (t == 0x5A && track2) || t == 0x9F27);
    if (!optional && !parsed->get(t)) return decline(rc::kInvalid);
  }
  const IccData& icc = *parsed;
  const std::string& pan = record.pan;
  const auto amount = bcd_amount(*icc.get(0x9F02));
  const Bytes currency = {0x01, 0x56};
  if (pan.empty() || !luhn_valid(pan) || !amount || *amount == 0 || !size_is(icc, 0x5F2A, 2) ||
      !std::equal(currency.begin(), currency.end(), icc.get(0x5F2A)->begin()) || pan.size() < 12 ||
      r.card_region != pan.substr(6, 6)) {
    return decline(rc::kInvalid);
  }
  const auto txn_date = bcd_digits(*icc.get(0x9A));
  const auto expiry = contactless_arqc ? std::optional<std::string>(std::string()) : bcd_digits(*icc.get(0x5F24));
  if (!size_is(icc, 0x9F03, 6) || !size_is(icc, 0x9F1A, 2) || !size_is(icc, 0x95, 5) || !size_is(icc, 0x9A, 3) ||
      !size_is(icc, 0x9C, 1) || !size_is(icc, 0x9F37, 4) || !size_is(icc, 0x82, 2) || !size_is(icc, 0x9F36, 2) ||
      !size_is(icc, 0x9F26, 8) || (!contactless_arqc && !size_is(icc, 0x5F24, 3)) || !size_is(icc, 0x5F34, 1) || !txn_date || !expiry) {
    return decline(rc::kInvalid);
  }
  const bool load = r.operation == Operation::kEcashLoad;
  if (load && (*icc.get(0x9C))[0] != kEcashLoadType) return decline(rc::kInvalid);  // CONTACTLESS.md §4
  record.amount_fen = *amount;

  // 4. A card of this issuer, as the issuer knows it.
  auto found = store_.find_account(pan);
  if (!found.ok()) return found.error();
  if (!*found) return decline(rc::kUnknownPan);
  PaymentAccount account = std::move(**found);
  const bool expiry_ok = contactless_arqc || *expiry == account.expiry;
  if (!expiry_ok || (*icc.get(0x5F34))[0] != account.psn) return decline(rc::kInvalid);

  // 5. The ARQC, with the card's keys of the family the IAD names (§6.2, §6.3).
  const ByteSpan iad = *icc.get(0x9F10);
  // 8 bytes, or 19 with the e-cash IDD (CONTACTLESS.md §2.2), which a load must carry.
  const bool with_idd = iad.size() == kIadSize + kIddSize;
  if ((iad.size() != kIadSize && !with_idd) || (load && !with_idd) || iad[0] != 0x07 || iad[1] != keys_.dki || iad[2] != kCvn ||
      (iad[7] != kAlgorithmTdes && iad[7] != kAlgorithmSm4) || (iad[7] == kAlgorithmSm4 && !account.sm)) {
    return decline(rc::kCryptogramFailed);
  }
  const crypto::Cipher cipher = iad[7] == kAlgorithmSm4 ? crypto::Cipher::kSm4 : crypto::Cipher::kTdes;
  const IssuerMasterKeys& family = cipher == crypto::Cipher::kSm4 ? keys_.sm4 : keys_.tdes;
  const std::uint16_t atc = be16(*icc.get(0x9F36));
  Bytes data;
  for (tlv::Tag t : {0x9F02u, 0x9F03u, 0x9F1Au, 0x95u, 0x5F2Au, 0x9Au, 0x9Cu, 0x9F37u, 0x82u, 0x9F36u}) {
    const ByteSpan v = *icc.get(t);
    data.insert(data.end(), v.begin(), v.end());
  }
  data.insert(data.end(), iad.begin() + 3, iad.begin() + 7);  // the CVR with its length byte
  std::array<std::uint8_t, 8> factor{};
  std::array<std::uint8_t, crypto::kDiversifiedKeySize> udk{}, session{};
  struct Wipe {
    std::array<std::uint8_t, crypto::kDiversifiedKeySize>& a;
    std::array<std::uint8_t, crypto::kDiversifiedKeySize>& b;
    ~Wipe() {
      secure_wipe(a);
      secure_wipe(b);
    }
  } wipe{udk, session};
  const ByteSpan arqc = *icc.get(0x9F26);
  bool verified = false;
  {
    std::lock_guard lock(crypto_mutex_);
    verified = crypto_ && crypto::udk_factor(pan, account.psn, factor).ok() &&
               crypto::diversify(*crypto_, cipher, family.ac, factor, udk).ok() &&
               crypto::session_key(*crypto_, cipher, udk, atc, session).ok() &&
               crypto::verify_application_cryptogram(*crypto_, cipher, session, data, arqc).ok();
  }
  if (!verified) return decline(rc::kCryptogramFailed);
  std::array<std::uint8_t, 16> mac_session{};
  struct WipeMac {
    std::array<std::uint8_t, 16>& k;
    ~WipeMac() { secure_wipe(k); }
  } wipe_mac{mac_session};
  std::optional<std::uint64_t> card_balance;
  if (with_idd) {
    card_balance = verify_idd(account, cipher, atc, iad.subspan(kIadSize), mac_session);
    if (!card_balance) return decline(rc::kCryptogramFailed);
  }

  // 6. A fresh ATC; it stays accepted whatever follows (P51).
  if (atc <= account.last_atc) return decline(rc::kDuplicateAtc);
  account.last_atc = atc;

  // 7-10.
  auto holder = store_.find_holder(account.ssn);
  if (!holder.ok()) return holder.error();
  const auto state = *holder ? (*holder)->card_state : wire::CardState::kActive;
  std::string_view code = rc::kApproved;
  if (state == wire::CardState::kLossReported) {
    code = rc::kLostCard;
  } else if (state == wire::CardState::kBlocked) {
    code = rc::kBlocked;
  } else if (account.expiry < *txn_date) {
    code = rc::kExpired;
  } else if (r.pin_block && account.pin_tries == 0) {
    code = rc::kPinTriesExceeded;
  } else if (r.pin_block && !pin_matches(r, account)) {
    account.pin_tries = static_cast<std::uint8_t>(account.pin_tries - 1);
    code = account.pin_tries == 0 ? rc::kPinTriesExceeded : rc::kWrongPin;
  } else {
    if (r.pin_block) account.pin_tries = kPinTryLimit;
    if (load) {
      auto loaded = load_ecash(account, *card_balance, *amount, record);
      if (!loaded.ok()) return loaded.error();
      code = *loaded;
    } else if (account.balance_fen < *amount) {
      code = rc::kInsufficientFunds;
    } else {
      account.balance_fen -= *amount;
      record.approved = true;
    }
  }
  if (auto u = store_.update_account(account); !u.ok()) return u;

  // The answer passed steps 5 and 6: it is authenticated for the card (§6.4).
  out.response_code = std::string(code);
  std::array<std::uint8_t, 8> arpc{};
  bool signed_ok = false;
  {
    std::lock_guard lock(crypto_mutex_);
    signed_ok = crypto::arpc_method1(*crypto_, cipher, session, arqc, as_bytes(out.response_code), arpc).ok();
  }
  if (!signed_ok) return SetupError{"the ARPC cannot be computed"};
  wire::IssuerAuthentication auth{};
  std::copy(arpc.begin(), arpc.end(), auth.begin());
  auth[8] = static_cast<std::uint8_t>(out.response_code[0]);
  auth[9] = static_cast<std::uint8_t>(out.response_code[1]);
  out.issuer_authentication = auth;
  if (load && record.approved) {
    auto s = add_load_script(cipher, mac_session, atc, arqc, *card_balance + *amount, out);
    if (!s.ok()) return s;
  }
  return deliver_scripts(record.key, account, cipher, atc, arqc, out);
}

bool PaymentIssuer::pin_matches(const wire::Request& r, const PaymentAccount& account) {
  if (!keys_.pin_master || !crypto_) return false;
  // PEK(terminal) = SM4 Div(PIN master, F) with the link-key factor F of the originating terminal (§6.9).
  std::array<std::uint8_t, 8> factor{};
  for (std::size_t i = 0; i < 6; ++i) {
    factor[i] = static_cast<std::uint8_t>(((r.terminal[2 * i] - '0') << 4) | (r.terminal[2 * i + 1] - '0'));
  }
  factor[6] = factor[7] = 0xFF;
  std::array<std::uint8_t, crypto::kDiversifiedKeySize> pek{};
  std::array<std::uint8_t, 8> block{};
  std::array<char, 12> pin{};
  bool match = false;
  {
    std::lock_guard lock(crypto_mutex_);
    if (crypto::diversify(*crypto_, crypto::Cipher::kSm4, *keys_.pin_master, factor, pek).ok() &&
        crypto_->decrypt_ecb(crypto::Cipher::kTdes, pek, *r.pin_block, block).ok()) {
      auto n = crypto::parse_pin_block(crypto::PinBlockFormat::kFormat0, block, account.pan, pin);
      match = n.ok() && *n == account.pin.size() &&
              constant_time_equal(ByteSpan(reinterpret_cast<const std::uint8_t*>(pin.data()), *n),
                                  as_bytes(account.pin));
    }
  }
  secure_wipe(pek);
  secure_wipe(block);
  secure_wipe(MutableByteSpan(reinterpret_cast<std::uint8_t*>(pin.data()), pin.size()));
  return match;
}

wire::Response PaymentIssuer::reverse(const wire::Request& r, const wire::Response& base) {
  return answer_once(r, base, [&](const std::string& pan, wire::Response& out) -> Result<void, SetupError> {
    const wire::IdempotencyKey& original_key = *r.original_key;
    auto original = store_.find_payment(original_key);
    if (!original.ok()) return original.error();
    if (*original) {
      PaymentRecord& p = **original;
      if (!pan.empty() && pan != p.pan) {
        out.result = ResultCode::kKeyConflict;  // another card's original: nothing applied, nothing stored
        return {};
      }
      if (!p.approved) {
        out.reversal_status = wire::ReversalStatus::kNothingToReverse;
      } else if (p.reversed_by) {
        out.reversal_status = wire::ReversalStatus::kAlreadyReversed;
      } else {
        if (p.amount_fen > 0) {  // a settlement without a card part took nothing from the account
          auto account = store_.find_account(p.pan);
          if (!account.ok()) return account.error();
          if (!*account) return SetupError{"the account of an approved payment is gone"};
          (*account)->balance_fen += p.amount_fen;  // the ATC is never undone
          if (auto u = store_.update_account(**account); !u.ok()) return u;
        }
        if (p.operation == Operation::kSettle) {
          if (auto u = undo_settlement(p); !u.ok()) return u;
        }
        if (p.operation == Operation::kEcashLoad) {
          if (auto u = undo_ecash_load(p); !u.ok()) return u;
        }
        p.reversed_by = r.key;
        if (auto u = store_.update_payment(p); !u.ok()) return u;
        out.reversal_status = wire::ReversalStatus::kReversed;
      }
    } else {
      auto tomb = store_.find_tombstone(original_key);
      if (!tomb.ok()) return tomb.error();
      if (!*tomb) {
        if (auto s = store_.store_tombstone(original_key, Tombstone{pan, r.key}); !s.ok()) return s;
      }
      out.reversal_status = wire::ReversalStatus::kUnknownOriginal;
    }
    return store_answer(store_, r, pan, out);
  });
}

wire::Response PaymentIssuer::confirm(const wire::Request& r, const wire::Response& base) {
  return answer_once(r, base, [&](const std::string& pan, wire::Response& out) -> Result<void, SetupError> {
    auto original = store_.find_payment(*r.original_key);
    if (!original.ok()) return original.error();
    if (!*original || !(*original)->approved || (*original)->reversed_by) {
      out.result = ResultCode::kInvalidState;  // unknown, declined or reversed original (§10)
      return store_answer(store_, r, pan, out);
    }
    PaymentRecord& p = **original;
    if (pan != p.pan) {
      out.result = ResultCode::kKeyConflict;
      return {};
    }
    auto icc = IccData::parse(*r.icc_data);
    if (!icc.ok()) return SetupError{"decoded ICC data does not parse"};
    auto bytes_of = [&](tlv::Tag t) {
      const auto v = icc->get(t);
      return v ? Bytes(v->begin(), v->end()) : Bytes();
    };
    const Confirmation c{p.key,        p.pan,        bytes_of(0x9F26), bytes_of(0x9F27), bytes_of(0x9F10),
                         bytes_of(0x95), bytes_of(wire::kScriptResultsTag), wire::now_ms()};
    if (auto s = store_.store_confirmation(r.key, c); !s.ok()) return s;
    p.confirmed = true;
    if (auto u = store_.update_payment(p); !u.ok()) return u;
    return store_answer(store_, r, pan, out);
  });
}

wire::Response PaymentIssuer::totals(const wire::Request& r, const wire::Response& base) {
  wire::Response out = base;
  auto t = store_.payment_totals(r.terminal, r.business_date);
  if (!t.ok()) {
    out.result = ResultCode::kIssuerUnavailable;
    return out;
  }
  out.issuer_totals = *t;
  out.totals_comparison = wire::totals_balance(*r.kiosk_totals, *t) ? wire::TotalsComparison::kBalanced
                                                                     : wire::TotalsComparison::kOutOfBalance;
  return out;
}

}  // namespace sscard::sim::host::detail

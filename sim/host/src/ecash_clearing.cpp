// The home issuer's clearing of an offline e-cash TC (operation 0D, CONTACTLESS.md §7): the TC verified as
// authorise verifies an ARQC (PAYMENT.md §6.3, §9.2 steps 3-5), the IDD MAC of the 19-byte 9F10 (§2.2), the ATC
// never cleared before for the PAN, then the e-cash account debited; the answer stored under the key in the
// same SQLite transaction.
#include <algorithm>
#include <array>
#include <string_view>

#include "payment_issuer.h"
#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "sscard/wire/payment.h"

namespace sscard::sim::host::detail {
namespace {

using wire::IccData;
namespace rc = wire::rc;

constexpr std::size_t kIadSize = 8;
constexpr std::size_t kIadWithIddSize = 19;  // CONTACTLESS.md §2.2
constexpr std::uint8_t kCvn = 0x01;
constexpr std::uint8_t kAlgorithmTdes = 0x01;
constexpr std::uint8_t kAlgorithmSm4 = 0x04;
// CVR byte 2 bits 6-5 (CONTACTLESS.md §2.2): 01 = TC.
constexpr std::uint8_t kCvrTypeMask = 0x30;
constexpr std::uint8_t kCvrTc = 0x10;

// What a clearing's FF40 must carry: the PAN, the cryptogram and the inputs of §6.3.
constexpr std::array<tlv::Tag, 14> kClearingIccTags = {0x5A, 0x5F34, 0x82,  0x9F36, 0x9F26, 0x9F10, 0x9F37,
                                                       0x95, 0x9A,   0x9C,  0x9F02, 0x9F03, 0x5F2A, 0x9F1A};
// The 29 terminal bytes of the cryptogram input, then AIP and ATC (PAYMENT.md §6.3).
constexpr std::array<tlv::Tag, 10> kCryptogramInput = {0x9F02, 0x9F03, 0x9F1A, 0x95, 0x5F2A,
                                                       0x9A,   0x9C,   0x9F37, 0x82, 0x9F36};
constexpr std::array<std::size_t, 10> kCryptogramInputSizes = {6, 6, 2, 5, 2, 3, 1, 4, 2, 2};

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

// 5F24 (YYMMDD, 3 bytes BCD) as digits; empty when not BCD.
std::string bcd_text(ByteSpan v) {
  std::string out;
  for (std::uint8_t b : v) {
    if ((b >> 4) > 9 || (b & 0x0F) > 9) return {};
    out.push_back(static_cast<char>('0' + (b >> 4)));
    out.push_back(static_cast<char>('0' + (b & 0x0F)));
  }
  return out;
}

}  // namespace

wire::Response PaymentIssuer::ecash_clear(const wire::Request& r, const wire::Response& base) {
  return answer_once(r, base, [&](const std::string& pan, wire::Response& out) -> Result<void, SetupError> {
    out = base;
    auto code = clear_decision(r, pan);
    if (!code.ok()) return code.error();
    out.response_code = std::string(*code);
    return store_answer(store_, r, pan, out);
  });
}

Result<std::string_view, SetupError> PaymentIssuer::clear_decision(const wire::Request& r, const std::string& pan) {
  // A consistent request (§9.2 step 3).
  auto parsed = IccData::parse(*r.icc_data);
  if (!parsed.ok() || !parsed->has_all(kClearingIccTags)) return rc::kInvalid;
  const IccData& icc = *parsed;
  for (std::size_t i = 0; i < kCryptogramInput.size(); ++i) {
    if (icc.get(kCryptogramInput[i])->size() != kCryptogramInputSizes[i]) return rc::kInvalid;
  }
  const auto amount = bcd_amount(*icc.get(0x9F02));
  const ByteSpan currency = *icc.get(0x5F2A);
  if (pan.size() < 12 || !luhn_valid(pan) || r.card_region != pan.substr(6, 6) || !amount || *amount == 0 ||
      currency[0] != 0x01 || currency[1] != 0x56 || icc.get(0x9F26)->size() != 8 || icc.get(0x5F34)->size() != 1) {
    return rc::kInvalid;
  }

  // A card of this issuer (step 4).
  auto found = store_.find_account(pan);
  if (!found.ok()) return found.error();
  if (!*found) return rc::kUnknownPan;
  const PaymentAccount account = std::move(**found);
  if ((*icc.get(0x5F34))[0] != account.psn) return rc::kInvalid;
  if (const auto expiry = icc.get(0x5F24); expiry && bcd_text(*expiry) != account.expiry) return rc::kInvalid;

  // The TC and the IDD (step 5; CONTACTLESS.md §2.2): only a contactless TC carries the e-cash balance.
  const ByteSpan iad = *icc.get(0x9F10);
  if (iad.size() != kIadWithIddSize || iad[0] != 0x07 || iad[1] != keys_.dki || iad[2] != kCvn ||
      (iad[4] & kCvrTypeMask) != kCvrTc || (iad[7] != kAlgorithmTdes && iad[7] != kAlgorithmSm4) ||
      (iad[7] == kAlgorithmSm4 && !account.sm)) {
    return rc::kCryptogramFailed;
  }
  const crypto::Cipher cipher = iad[7] == kAlgorithmSm4 ? crypto::Cipher::kSm4 : crypto::Cipher::kTdes;
  const IssuerMasterKeys& family = cipher == crypto::Cipher::kSm4 ? keys_.sm4 : keys_.tdes;
  const ByteSpan atc_bytes = *icc.get(0x9F36);
  const auto atc = static_cast<std::uint16_t>((atc_bytes[0] << 8) | atc_bytes[1]);
  Bytes data;
  for (tlv::Tag t : kCryptogramInput) {
    const ByteSpan v = *icc.get(t);
    data.insert(data.end(), v.begin(), v.end());
  }
  data.insert(data.end(), iad.begin() + 3, iad.begin() + 7);  // the CVR with its length byte
  std::array<std::uint8_t, 8> factor{};
  std::array<std::uint8_t, crypto::kDiversifiedKeySize> udk{}, session{}, mac_session{};
  bool verified = false;
  {
    std::lock_guard lock(crypto_mutex_);
    verified = crypto_ && crypto::udk_factor(pan, account.psn, factor).ok() &&
               crypto::diversify(*crypto_, cipher, family.ac, factor, udk).ok() &&
               crypto::session_key(*crypto_, cipher, udk, atc, session).ok() &&
               crypto::verify_application_cryptogram(*crypto_, cipher, session, data, *icc.get(0x9F26)).ok();
  }
  secure_wipe(udk);
  secure_wipe(session);
  std::optional<std::uint64_t> balance_after;
  if (verified) balance_after = verify_idd(account, cipher, atc, iad.subspan(kIadSize), mac_session);
  secure_wipe(mac_session);
  if (!balance_after) return rc::kCryptogramFailed;

  // A fresh ATC: this TC was never cleared (offline TCs of one card reach the issuer out of order through
  // different validators, so "fresh" is "not cleared before", not "above the last authorised ATC").
  auto recorded = store_.record_ecash_clearing(pan, atc, *amount, r.terminal, r.key);
  if (!recorded.ok()) return recorded.error();
  if (!*recorded) return rc::kDuplicateAtc;

  // The e-cash account pays. One not yet known is opened with what the card held before this TC (its
  // personalised or loaded balance, as its MAC-checked IDD says).
  auto ecash_found = store_.find_ecash(pan);
  if (!ecash_found.ok()) return ecash_found.error();
  EcashAccount ecash;
  ecash.pan = pan;
  ecash.account_fen = *balance_after + *amount;
  if (*ecash_found) ecash = **ecash_found;
  if (ecash.account_fen < *amount) return rc::kInsufficientFunds;
  ecash.account_fen -= *amount;
  if (auto p = store_.put_ecash(ecash); !p.ok()) return p.error();
  return rc::kApproved;
}

}  // namespace sscard::sim::host::detail

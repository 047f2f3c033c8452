// The home issuer's e-cash side (CONTACTLESS.md §2.2, §2.4, §7): the issuer discretionary data the card appends
// to a 19-byte IAD (its e-cash balance and MAC), the load of `ecash_load` (0C) and its reversal.
#include <algorithm>
#include <array>

#include "payment_issuer.h"
#include "sscard/crypto/diversify.h"

namespace sscard::sim::host::detail {
namespace {

constexpr std::uint8_t kIddLength = 0x0A;  // [13] 7.4.5 table 3: the length byte, then its ID
constexpr std::uint8_t kIddId = 0x01;
constexpr std::size_t kIddMacSize = 4;
constexpr std::uint32_t kLoadScriptId = 0;  // 9F18 of the load's script; queued scripts count from 1

// Ten BCD digits; nullopt on a nibble above 9.
std::optional<std::uint64_t> bcd5(ByteSpan v) {
  std::uint64_t n = 0;
  for (std::uint8_t b : v) {
    if ((b >> 4) > 9 || (b & 0x0F) > 9) return std::nullopt;
    n = n * 100 + static_cast<std::uint64_t>((b >> 4) * 10 + (b & 0x0F));
  }
  return n;
}

// The IDD MAC: ATC ‖ balance (5) ‖ 00 (8 bytes); 3DES one DES-EDE block, SM4 one block after padding
// method 2 to 16 bytes; leftmost 4 bytes.
bool idd_mac(crypto::Crypto& crypto, crypto::Cipher cipher, ByteSpan key, std::uint16_t atc, ByteSpan balance,
             std::array<std::uint8_t, kIddMacSize>& mac) {
  std::array<std::uint8_t, 16> block{};
  block[0] = static_cast<std::uint8_t>(atc >> 8);
  block[1] = static_cast<std::uint8_t>(atc);
  std::copy(balance.begin(), balance.end(), block.begin() + 2);
  block[7] = 0x00;
  std::array<std::uint8_t, 16> enciphered{};
  bool ok = false;
  if (cipher == crypto::Cipher::kSm4) {
    block[8] = 0x80;
    ok = crypto.encrypt_ecb(cipher, key, block, enciphered).ok();
  } else {
    ok = crypto.encrypt_ecb(cipher, key, ByteSpan(block.data(), 8), MutableByteSpan(enciphered.data(), 8)).ok();
  }
  std::copy_n(enciphered.begin(), mac.size(), mac.begin());
  return ok;
}

}  // namespace

std::optional<std::uint64_t> PaymentIssuer::verify_idd(const PaymentAccount& account, crypto::Cipher cipher,
                                                       std::uint16_t atc, ByteSpan idd,
                                                       std::span<std::uint8_t, 16> mac_session) {
  if (idd.size() != 2 + 5 + kIddMacSize || idd[0] != kIddLength || idd[1] != kIddId) return std::nullopt;
  const ByteSpan balance = idd.subspan(2, 5);
  const auto value = bcd5(balance);
  if (!value) return std::nullopt;
  const IssuerMasterKeys& family = cipher == crypto::Cipher::kSm4 ? keys_.sm4 : keys_.tdes;
  std::array<std::uint8_t, 8> factor{};
  std::array<std::uint8_t, crypto::kDiversifiedKeySize> mac_udk{};
  std::array<std::uint8_t, kIddMacSize> expected{};
  bool ok = false;
  {
    std::lock_guard lock(crypto_mutex_);
    ok = crypto_ && crypto::udk_factor(account.pan, account.psn, factor).ok() &&
         crypto::diversify(*crypto_, cipher, family.mac, factor, mac_udk).ok() &&
         crypto::session_key(*crypto_, cipher, mac_udk, atc, mac_session).ok() &&
         idd_mac(*crypto_, cipher, mac_session, atc, balance, expected);
  }
  secure_wipe(mac_udk);
  if (!ok || !constant_time_equal(expected, idd.subspan(7, kIddMacSize))) return std::nullopt;
  return value;
}

Result<std::string_view, SetupError> PaymentIssuer::load_ecash(PaymentAccount& account, std::uint64_t card_balance_fen,
                                                               std::uint64_t amount_fen, PaymentRecord& record) {
  auto found = store_.find_ecash(account.pan);
  if (!found.ok()) return found.error();
  EcashAccount ecash;
  ecash.pan = account.pan;
  if (*found) ecash = **found;
  // The balance the card reported, not the issuer's account: the card may have spent offline since.
  if (card_balance_fen + amount_fen > ecash.balance_limit_fen) return std::string_view(wire::rc::kExceedsLimit);
  if (account.balance_fen < amount_fen) return std::string_view(wire::rc::kInsufficientFunds);
  account.balance_fen -= amount_fen;
  ecash.account_fen += amount_fen;
  if (auto p = store_.put_ecash(ecash); !p.ok()) return p.error();
  record.approved = true;
  return std::string_view(wire::rc::kApproved);
}

Result<void, SetupError> PaymentIssuer::add_load_script(crypto::Cipher cipher, ByteSpan mac_session, std::uint16_t atc,
                                                        ByteSpan arqc, std::uint64_t new_balance_fen,
                                                        wire::Response& out) {
  const ScriptKeys keys{cipher, mac_session, {}, {}, atc, arqc};
  std::lock_guard lock(crypto_mutex_);
  if (!crypto_) return SetupError{"no crypto backend"};
  auto script = build_ecash_load_script(*crypto_, keys, kLoadScriptId, new_balance_fen);
  if (!script.ok()) return script.error();
  out.scripts = std::move(*script);
  return {};
}

Result<void, SetupError> PaymentIssuer::undo_ecash_load(const PaymentRecord& original) {
  auto found = store_.find_ecash(original.pan);
  if (!found.ok()) return found.error();
  if (!*found) return SetupError{"the e-cash account of an approved load is gone"};
  EcashAccount ecash = **found;
  // Clearing may already have taken part of it: the account never goes below zero.
  ecash.account_fen -= std::min(ecash.account_fen, original.amount_fen);
  return store_.put_ecash(ecash);
}

}  // namespace sscard::sim::host::detail

// The home issuer sends the card's queued scripts with an authenticated answer (PAYMENT.md §9.3): built with
// this transaction's ATC and ARQC under the MAC and ENC keys of the family the IAD named (§6.2, §6.5).
#include <array>

#include "payment_issuer.h"
#include "sscard/crypto/diversify.h"

namespace sscard::sim::host::detail {

namespace {
constexpr std::size_t kMaxScriptBytes = 128;  // per answer (§9.3)
}

Result<void, SetupError> PaymentIssuer::deliver_scripts(const wire::IdempotencyKey& key, const PaymentAccount& account,
                                                        crypto::Cipher cipher, std::uint16_t atc, ByteSpan arqc,
                                                        wire::Response& out) {
  auto pending = store_.pending_scripts(account.pan);
  if (!pending.ok()) return pending.error();
  if (pending->empty()) return {};
  const IssuerMasterKeys& family = cipher == crypto::Cipher::kSm4 ? keys_.sm4 : keys_.tdes;
  std::array<std::uint8_t, 8> factor{};
  std::array<std::uint8_t, crypto::kDiversifiedKeySize> mac_udk{}, enc_udk{}, mac_session{}, enc_session{};
  struct Wipe {
    std::array<std::array<std::uint8_t, crypto::kDiversifiedKeySize>*, 4> keys;
    ~Wipe() {
      for (auto* k : keys) secure_wipe(*k);
    }
  } wipe{{&mac_udk, &enc_udk, &mac_session, &enc_session}};
  std::lock_guard lock(crypto_mutex_);
  if (!crypto_ || !crypto::udk_factor(account.pan, account.psn, factor).ok() ||
      !crypto::diversify(*crypto_, cipher, family.mac, factor, mac_udk).ok() ||
      !crypto::diversify(*crypto_, cipher, family.enc, factor, enc_udk).ok() ||
      !crypto::session_key(*crypto_, cipher, mac_udk, atc, mac_session).ok() ||
      !crypto::session_key(*crypto_, cipher, enc_udk, atc, enc_session).ok()) {
    return SetupError{"the script keys cannot be derived"};
  }
  const ScriptKeys keys{cipher, mac_session, enc_session, enc_udk, atc, arqc};
  Bytes scripts = out.scripts.value_or(Bytes{});  // an e-cash load's own script goes first
  for (const QueuedScript& q : *pending) {
    auto built = build_script(*crypto_, keys, q);
    if (!built.ok()) return built.error();
    if (scripts.size() + built->size() > kMaxScriptBytes) break;  // the rest wait, in order, for a later answer
    if (auto m = store_.mark_script_delivered(q.sequence, key); !m.ok()) return m;
    scripts.insert(scripts.end(), built->begin(), built->end());
  }
  if (!scripts.empty()) out.scripts = std::move(scripts);
  return {};
}

}  // namespace sscard::sim::host::detail

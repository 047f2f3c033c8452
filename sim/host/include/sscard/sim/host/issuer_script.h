// Issuer scripts queued at the home issuer and delivered with an authorisation (docs/PAYMENT.md §6.5, §6.6,
// §9.3): the script kinds, the check of their values, and the bytes of one script as a `72` template.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/host/setup_error.h"

namespace sscard::sim::host {

enum class ScriptKind : std::uint8_t {
  kPinUnblock,
  kPinChange,        // value: the new PIN, 4 to 12 digits
  kAppBlock,
  kAppUnblock,
  kTerminalVelocity,  // value "L,U": 9F14 and 9F23, 0..255 each, L <= U
  kCardVelocity,      // value "LOWER,UPPER": 9F58 and 9F59, 0..255 each, LOWER <= UPPER
};

// "pin-unblock", "pin-change", "app-block", "app-unblock", "terminal-velocity", "card-velocity".
std::string_view script_kind_name(ScriptKind kind);
std::optional<ScriptKind> script_kind_from_name(std::string_view name);

// A script waiting at the issuer for the next authenticated answer to its card.
struct QueuedScript {
  std::uint32_t sequence = 0;  // the queue's sequence number, sent as 9F18
  std::string pan;
  ScriptKind kind = ScriptKind::kAppBlock;
  std::string value;  // "" for the kinds without a value
};

// Checks `value` for `kind` (see ScriptKind); the error says what is wrong without echoing a PIN.
Result<void, SetupError> check_script_value(ScriptKind kind, std::string_view value);

// The card keys and transaction data a script is built with: MAC and ENC session keys of this transaction's
// ATC and the ENC UDK (PIN change), of the family the IAD named.
struct ScriptKeys {
  crypto::Cipher cipher = crypto::Cipher::kTdes;
  ByteSpan mac_session_key;
  ByteSpan enc_session_key;
  ByteSpan enc_udk;
  std::uint16_t atc = 0;
  ByteSpan arqc;  // the GAC1 cryptogram, 8 bytes
};

// `72 L ‖ 9F18 04 sequence ‖ 86 L command …` with the commands of §6.6 (card-velocity: two PUT DATA).
Result<Bytes, SetupError> build_script(crypto::Crypto& crypto, const ScriptKeys& keys, const QueuedScript& script);

// The e-cash load (CONTACTLESS.md §2.4, §7): `72 L ‖ 9F18 04 script_id ‖ 86 0F 04 DA 9F 79 0A ‖ new balance
// (n12, 6 bytes) ‖ MAC (4)`, the MAC as for the other PUT DATA scripts (§6.5). kInvalidArgument-like failure
// for a balance over 12 digits.
Result<Bytes, SetupError> build_ecash_load_script(crypto::Crypto& crypto, const ScriptKeys& keys,
                                                  std::uint32_t script_id, std::uint64_t new_balance_fen);

}  // namespace sscard::sim::host

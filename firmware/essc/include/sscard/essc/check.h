// What a kiosk checks on its own before it trusts an electronic-card code (docs/ESSC.md "Offline checks"): the
// format, a key it trusts, the signature, the time window, the purpose, and that this kiosk has not seen the
// code's nonce before. The online check (is the card still active?) is the home issuer's (docs/ESSC.md).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/essc/code.h"

namespace sscard::essc {

// A platform key the kiosk trusts (its configuration, docs/KIOSK-CONFIG.md "essc").
struct TrustedKey {
  std::string platform;  // 6 digits
  std::uint8_t index = 0;
  std::array<std::uint8_t, 64> public_key{};  // x||y
};

// Codes issued up to this far in the kiosk's future are still taken (clocks of phones and kiosks differ).
inline constexpr std::int64_t kClockSkewSeconds = 300;

enum class Refusal : std::uint8_t {
  kNone = 0,
  kNotACode,            // FormatError::kNotACode
  kMalformed,           // FormatError::kMalformed
  kUnsupportedVersion,  // FormatError::kUnsupportedVersion
  kUnknownKey,          // no trusted key for (platform, key index)
  kBadSignature,        // the signature does not verify: a changed byte or a foreign key
  kNotYetValid,         // issued more than kClockSkewSeconds after the kiosk's now
  kExpired,             // now >= issued_at + validity
  kWrongPurpose,        // a code for another purpose than the flow's
  kReplayed,            // this kiosk has already taken this code
  kUnknownRegion,       // the card's region has no home issuer this kiosk can reach (not 50xxxx or 51xxxx)
};
std::string_view refusal_name(Refusal r);  // "not_a_code", ..., for --format json
// One line for the holder or operator that says what to do (e.g. "the code has expired: show a fresh one").
std::string refusal_message(Refusal r);
Refusal refusal_of(FormatError e);

struct CheckContext {
  std::span<const TrustedKey> keys;
  Purpose purpose;   // the flow's
  std::int64_t now;  // seconds since 1970-01-01 UTC
};

// Every offline check but replay, in the order of docs/ESSC.md "Offline checks"; kNone when the code may be used.
// A code from parse_text() has passed the format checks; one built in memory that is not well_formed() is
// kMalformed. A trusted key that is no point of the curve counts as no key (kUnknownKey: the configuration is at
// fault, not the code). Constant-time comparisons are not needed here: nothing secret is compared.
Refusal check_code(crypto::Crypto& crypto, const Code& code, const CheckContext& context);

}  // namespace sscard::essc

#include "sscard/essc/check.h"

#include "sscard/wire/messages.h"

namespace sscard::essc {

std::string_view refusal_name(Refusal r) {
  switch (r) {
    case Refusal::kNone: return "none";
    case Refusal::kNotACode: return "not_a_code";
    case Refusal::kMalformed: return "malformed";
    case Refusal::kUnsupportedVersion: return "unsupported_version";
    case Refusal::kUnknownKey: return "unknown_key";
    case Refusal::kBadSignature: return "bad_signature";
    case Refusal::kNotYetValid: return "not_yet_valid";
    case Refusal::kExpired: return "expired";
    case Refusal::kWrongPurpose: return "wrong_purpose";
    case Refusal::kReplayed: return "replayed";
    case Refusal::kUnknownRegion: return "unknown_region";
  }
  return "unknown";
}

std::string refusal_message(Refusal r) {
  switch (r) {
    case Refusal::kNone: return "the code is valid";
    case Refusal::kNotACode:
      return "this is not an electronic social-security card code: show the code from the card's app";
    case Refusal::kMalformed: return "the code could not be read: show it again, or a fresh one";
    case Refusal::kUnsupportedVersion:
      return "the code is of a format this kiosk does not read: use the plastic card, or ask staff to update the "
             "kiosk";
    case Refusal::kUnknownKey:
      return "this kiosk does not know the key that signed the code: show a fresh one, or ask staff to update its "
             "keys";
    case Refusal::kBadSignature: return "the code is not genuine or was altered: show the code from the card's app";
    case Refusal::kNotYetValid:
      return "the code is dated ahead of this kiosk: check the phone's clock, then show a fresh one";
    case Refusal::kExpired: return "the code has expired: show a fresh one";
    case Refusal::kWrongPurpose: return "the code was made for another service: show a code made for this one";
    case Refusal::kReplayed: return "the code has already been used: show a fresh one";
    case Refusal::kUnknownRegion:
      return "cards of the code's region cannot be served here: use a kiosk or counter of the card's home region";
  }
  return "the code was refused: show a fresh one";
}

Refusal refusal_of(FormatError e) {
  switch (e) {
    case FormatError::kNotACode: return Refusal::kNotACode;
    case FormatError::kMalformed: return Refusal::kMalformed;
    case FormatError::kUnsupportedVersion: return Refusal::kUnsupportedVersion;
  }
  return Refusal::kMalformed;
}

Refusal check_code(crypto::Crypto& crypto, const Code& code, const CheckContext& context) {
  // docs/ESSC.md "Offline checks", in the order of its table; the format checks before the signature were
  // made by parse_text() on a scanned code, and are made again here for a code built in memory.
  if (!well_formed(code)) return Refusal::kMalformed;
  if (!wire::home_province(code.region).has_value()) return Refusal::kUnknownRegion;

  const TrustedKey* key = nullptr;
  for (const TrustedKey& k : context.keys) {
    if (k.platform == code.platform && k.index == code.key_index) {
      key = &k;
      break;
    }
  }
  if (key == nullptr) return Refusal::kUnknownKey;
  const Status verified = verify(crypto, key->public_key, code);
  // A configured key that is not a point of the curve is no usable key for this platform: the kiosk's
  // configuration is at fault, not the code. Any other failure leaves the signature unproven.
  if (verified == Error::kInvalidArgument) return Refusal::kUnknownKey;
  if (!verified.ok()) return Refusal::kBadSignature;

  // Written so that no sum can overflow whatever `now` is: issued_at is 32 bits, validity at most 10 minutes.
  const std::int64_t issued = code.issued_at;
  if (context.now < issued - kClockSkewSeconds) return Refusal::kNotYetValid;
  if (context.now >= issued + std::int64_t{code.validity_minutes} * 60) return Refusal::kExpired;
  if (code.purpose != context.purpose) return Refusal::kWrongPurpose;
  return Refusal::kNone;
}

}  // namespace sscard::essc

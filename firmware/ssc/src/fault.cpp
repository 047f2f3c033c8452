#include "sscard/ssc/fault.h"

#include <cstdio>

namespace sscard::ssc {
namespace {

std::string hex_sw(StatusWord sw) {
  char text[5];
  std::snprintf(text, sizeof text, "%04X", static_cast<unsigned>(sw.value()));
  return text;
}

long minus_sw(StatusWord sw, long fallback) { return sw.value() != 0 ? -static_cast<long>(sw.value()) : fallback; }

// A transport or local Status on the card's side.
long card_code(Status s) {
  switch (s.code()) {
    case Error::kNoCard:
    case Error::kCardRemoved:
      return -2;
    case Error::kMalformed:
    case Error::kTruncated:
    case Error::kNotFound:
      return -1;
    default:
      return -11;
  }
}

}  // namespace

long interface_code(const Fault& f) {
  switch (f.failure) {
    case Failure::kNone: return 0;
    case Failure::kCard: return card_code(f.status);
    case Failure::kNotSocialSecurityCard: return -1;
    case Failure::kWrongCard: return -1;
    case Failure::kCardStatus: return minus_sw(f.sw, f.status.ok() ? -11 : card_code(f.status));
    case Failure::kNoPsam: return -2201;
    case Failure::kPsamStatus: return minus_sw(f.sw, -2201);
    case Failure::kAlgorithmUnsupported: return -2202;
    case Failure::kPsamLacksReadKey: return -2203;
    case Failure::kPsamLacksIssuerKeys: return -21;
    case Failure::kPsamLacksKey: return minus_sw(f.sw, -2201);
    case Failure::kInternalAuthFailed: return -21;
    case Failure::kExternalAuthRefused: return minus_sw(f.sw, -11);
    case Failure::kHsmNotNeeded: return -2204;
    case Failure::kHsmMismatch: return -25;
    case Failure::kHsmBadInput: return -25;
    case Failure::kWrongPin: return -51;
    case Failure::kPinBlocked: return -52;
    case Failure::kInitialPin: return -35;
    case Failure::kNewPinIsInitial: return -36;
    case Failure::kPinPadNotConnected: return -31;
    case Failure::kPinEntryCancelled: return -32;
    case Failure::kPinEntryTimeout: return -33;
    case Failure::kPinEntryMismatch: return -34;
    case Failure::kPinEntryInvalid: return -34;
    case Failure::kInternal: return -11;
  }
  return -11;
}

std::string describe(const Fault& f) {
  const std::string status = f.status.ok() ? std::string() : " (" + std::string(f.status.name()) + ")";
  switch (f.failure) {
    case Failure::kNone: return "ok";
    case Failure::kCard:
      if (f.status == Error::kNoCard) return "no card in the reader";
      if (f.status == Error::kCardRemoved) return "the card was removed during the operation";
      if (f.status == Error::kMalformed || f.status == Error::kTruncated) return "the card sent malformed data" + status;
      return "card reader failure" + status;
    case Failure::kNotSocialSecurityCard: return "not a social-security card" + status;
    case Failure::kWrongCard: return "this is not the card the request names";
    case Failure::kCardStatus: return "the card answered " + hex_sw(f.sw) + status;
    case Failure::kNoPsam: return "no PSAM in the terminal, or it does not answer" + status;
    case Failure::kPsamStatus: return "the PSAM answered " + hex_sw(f.sw) + status;
    case Failure::kAlgorithmUnsupported: return "the PSAM does not support the card's algorithm";
    case Failure::kPsamLacksReadKey: return "PSAM holds no read key (RKSSSE) for issuer " + f.issuer;
    case Failure::kPsamLacksIssuerKeys: return "PSAM holds no keys for issuer " + f.issuer;
    case Failure::kPsamLacksKey: return "PSAM holds no " + f.key + " key for issuer " + f.issuer;
    case Failure::kInternalAuthFailed: return "internal authentication failed: the card is not genuine" + status;
    case Failure::kExternalAuthRefused: return "the card refused the terminal's authentication (" + hex_sw(f.sw) + ")";
    case Failure::kHsmNotNeeded: return "HSM mode is not needed for a 1st/2nd-generation card";
    case Failure::kHsmMismatch: return "the HSM's internal-authentication result does not match the card's";
    case Failure::kHsmBadInput: return "the HSM answer is not R'|A| (16 hex digits each), or Step1 did not run";
    case Failure::kWrongPin:
      return "wrong PIN, " + std::to_string(f.tries_left < 0 ? 0 : f.tries_left) + " tries left";
    case Failure::kPinBlocked: return "the PIN is blocked";
    case Failure::kInitialPin: return "the PIN is still the initial PIN: change it first";
    case Failure::kNewPinIsInitial: return "the new PIN may not be the initial PIN";
    case Failure::kPinPadNotConnected: return "the PIN pad is not connected";
    case Failure::kPinEntryCancelled: return "PIN entry cancelled";
    case Failure::kPinEntryTimeout: return "PIN entry timed out";
    case Failure::kPinEntryMismatch: return "the two entries of the new PIN differ";
    case Failure::kPinEntryInvalid: return "a PIN has 4 to 12 digits";
    case Failure::kInternal: return "internal error" + status;
  }
  return "unknown failure";
}

}  // namespace sscard::ssc

#include "sscard/ssc/fault.h"

#include <cstdio>
#include <initializer_list>
#include <string_view>

namespace sscard::ssc {
namespace {

using Code = InterfaceCode;

std::string hex_sw(StatusWord sw) {
  char text[5];
  std::snprintf(text, sizeof text, "%04X", static_cast<unsigned>(sw.value()));
  return text;
}

// The status word's code, or `fallback` when no word decided (docs/CARD.md: "other" row).
long sw_or(StatusWord sw, long fallback) { return sw.value() != 0 ? status_word_code(sw) : fallback; }

// A transport or local Status on the card's side (DECISIONS.md I4).
Code card_code(Status s) {
  switch (s.code()) {
    case Error::kNoCard:
    case Error::kCardRemoved:
      return Code::kNoCard;
    case Error::kMalformed:
    case Error::kTruncated:
    case Error::kNotFound:
      return Code::kWrongCardType;
    default:
      return Code::kReaderConnection;
  }
}

Code failure_code(const Fault& f) {
  switch (f.failure) {
    case Failure::kNone: return Code::kOk;
    case Failure::kCard: return card_code(f.status);
    case Failure::kNotSocialSecurityCard:
    case Failure::kWrongCard:
      return Code::kWrongCardType;
    case Failure::kCardStatus: return f.status.ok() ? Code::kReaderConnection : card_code(f.status);
    case Failure::kNoPsam:
    case Failure::kPsamStatus:
    case Failure::kPsamLacksKey:
      return Code::kNoPsam;
    case Failure::kAlgorithmUnsupported: return Code::kPsamAlgorithmUnsupported;
    case Failure::kPsamLacksReadKey: return Code::kPsamLacksReadKey;
    case Failure::kPsamLacksIssuerKeys:
    case Failure::kInternalAuthFailed:
      return Code::kInternalAuthFailed;
    case Failure::kExternalAuthRefused: return Code::kReaderConnection;
    case Failure::kHsmNotNeeded: return Code::kHsmNotNeeded;
    case Failure::kHsmMismatch:
    case Failure::kHsmBadInput:
      return Code::kHsmMismatch;
    case Failure::kWrongPin: return Code::kWrongPin;
    case Failure::kPinBlocked: return Code::kPinBlocked;
    case Failure::kInitialPin: return Code::kInitialPin;
    case Failure::kNewPinIsInitial: return Code::kNewPinIsInitial;
    // DECISIONS.md I1: the public vendor numbering; the keypad belongs to the reader.
    case Failure::kPinPadNotConnected: return Code::kReaderConnection;
    case Failure::kPinEntryCancelled: return Code::kPinEntryCancelled;
    case Failure::kPinEntryTimeout: return Code::kPinEntryTimeout;
    case Failure::kPinEntryInvalid: return Code::kPinLengthInvalid;
    case Failure::kPinEntryMismatch: return Code::kNewPinEntriesDiffer;
    case Failure::kInternal: return Code::kReaderConnection;
  }
  return Code::kReaderConnection;
}

// Failures whose code is the status word that decided them, when there is one.
bool coded_by_status_word(Failure f) {
  return f == Failure::kCardStatus || f == Failure::kPsamStatus || f == Failure::kPsamLacksKey ||
         f == Failure::kExternalAuthRefused;
}

// " (name)" for a Status that adds to the message, "" when there is none or it would repeat the message.
std::string status_suffix(Status s, std::initializer_list<Error> said) {
  if (s.ok()) return {};
  for (Error e : said) {
    if (s == e) return {};
  }
  return " (" + std::string(s.name()) + ")";
}

std::string issuer_text(const Fault& f) { return f.issuer ? f.issuer->to_string() : std::string("?"); }

std::string tries_text(int tries) {
  const int n = tries < 0 ? 0 : tries;
  return std::to_string(n) + (n == 1 ? " try left" : " tries left");
}

}  // namespace

long interface_code(const Fault& f) {
  const long code = to_long(failure_code(f));
  return coded_by_status_word(f.failure) ? sw_or(f.sw, code) : code;
}

std::string describe(const Fault& f) {
  switch (f.failure) {
    case Failure::kNone: return "ok";
    case Failure::kCard:
      if (f.status == Error::kNoCard) return "no card in the reader";
      if (f.status == Error::kCardRemoved) return "the card was removed during the operation";
      if (f.status == Error::kMalformed || f.status == Error::kTruncated) {
        return "the card sent malformed data" + status_suffix(f.status, {Error::kMalformed});
      }
      return "card reader failure" + status_suffix(f.status, {});
    case Failure::kNotSocialSecurityCard:
      return "not a social-security card" + status_suffix(f.status, {Error::kNotFound});
    case Failure::kWrongCard: return "this is not the card the request names";
    case Failure::kCardStatus:
      if (f.sw.value() == 0) return "the card refused a command" + status_suffix(f.status, {Error::kCardStatus});
      return "the card answered " + hex_sw(f.sw) + status_suffix(f.status, {Error::kCardStatus});
    case Failure::kNoPsam: return "no PSAM in the terminal, or it does not answer" + status_suffix(f.status, {});
    case Failure::kPsamStatus:
      if (f.status == Error::kMalformed || f.status == Error::kTruncated) {
        return "the PSAM sent malformed data" + status_suffix(f.status, {Error::kMalformed});
      }
      if (f.sw.value() == 0) return "the PSAM failed" + status_suffix(f.status, {});
      return "the PSAM answered " + hex_sw(f.sw) + status_suffix(f.status, {Error::kCardStatus});
    case Failure::kAlgorithmUnsupported: return "the PSAM does not support the card's algorithm";
    case Failure::kPsamLacksReadKey: return "PSAM holds no read key (RKSSSE) for issuer " + issuer_text(f);
    case Failure::kPsamLacksIssuerKeys: return "PSAM holds no keys for issuer " + issuer_text(f);
    case Failure::kPsamLacksKey:
      return "PSAM holds no " + std::string(f.key ? psam::key_class_name(*f.key) : std::string_view("such")) +
             " key for issuer " + issuer_text(f);
    case Failure::kInternalAuthFailed:
      return "internal authentication failed: the card is not genuine" + status_suffix(f.status, {});
    case Failure::kExternalAuthRefused: return "the card refused the terminal's authentication (" + hex_sw(f.sw) + ")";
    case Failure::kHsmNotNeeded: return "HSM mode is not needed for a 1st/2nd-generation card";
    case Failure::kHsmMismatch: return "the HSM's internal-authentication result does not match the card's";
    case Failure::kHsmBadInput: return "the HSM answer is not R'|A| (16 hex digits each), or Step1 did not run";
    case Failure::kWrongPin:
      if (f.tries_left < 0) return "wrong PIN";
      if (f.tries_left == 0) return "wrong PIN, no tries left: the PIN is now blocked";
      return "wrong PIN, " + tries_text(f.tries_left);
    case Failure::kPinBlocked: return "the PIN is blocked";
    case Failure::kInitialPin: return "the PIN is still the initial PIN: change it first";
    case Failure::kNewPinIsInitial: return "the new PIN may not be the initial PIN";
    case Failure::kPinPadNotConnected: return "the PIN pad is not connected";
    case Failure::kPinEntryCancelled: return "PIN entry cancelled";
    case Failure::kPinEntryTimeout: return "PIN entry timed out";
    case Failure::kPinEntryMismatch: return "the two entries of the new PIN differ";
    case Failure::kPinEntryInvalid: return "a PIN has 4 to 12 digits";
    case Failure::kInternal: return "internal error" + status_suffix(f.status, {Error::kInternal});
  }
  return "unknown failure";
}

}  // namespace sscard::ssc

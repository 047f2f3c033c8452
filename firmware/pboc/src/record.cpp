#include "sscard/pboc/record.h"

#include <cstdio>

#include "sscard/core/status_word.h"

namespace sscard::pboc {

Cryptogram GacAnswer::type() const {
  switch (cid & 0xC0) {
    case 0x00: return Cryptogram::kAac;
    case 0x40: return Cryptogram::kTc;
    case 0x80: return Cryptogram::kArqc;
    default: return Cryptogram::kNone;
  }
}

std::string_view online_failure_name(OnlineFailure failure) {
  switch (failure) {
    case OnlineFailure::kUnreachable: return "host unreachable";
    case OnlineFailure::kTimeout: return "no answer in time";
    case OnlineFailure::kBadMac: return "the answer did not authenticate";
    case OnlineFailure::kNoDecision: return "the issuer did not decide";
  }
  return "unknown";
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kApproved: return "approved";
    case Outcome::kDeclined: return "declined";
    case Outcome::kFailed: return "failed";
  }
  return "failed";
}

std::string_view step_name(Step step) {
  switch (step) {
    case Step::kSelection: return "application selection";
    case Step::kInitiation: return "initiate application processing";
    case Step::kReadRecords: return "read application data";
    case Step::kOfflineDataAuthentication: return "offline data authentication";
    case Step::kProcessingRestrictions: return "processing restrictions";
    case Step::kCardholderVerification: return "cardholder verification";
    case Step::kTerminalRiskManagement: return "terminal risk management";
    case Step::kTerminalActionAnalysis: return "terminal action analysis";
    case Step::kFirstGenerateAc: return "first GENERATE AC";
    case Step::kOnline: return "online authorisation";
    case Step::kIssuerAuthentication: return "issuer authentication";
    case Step::kSecondGenerateAc: return "second GENERATE AC";
    case Step::kScripts: return "issuer scripts";
    case Step::kCompletion: return "completion";
  }
  return "unknown step";
}

std::string_view reason_text(Reason reason) {
  switch (reason) {
    case Reason::kNone: return "no reason recorded";
    case Reason::kNoApplication: return "no payment application";
    case Reason::kApplicationBlocked: return "payment application blocked";
    case Reason::kCardCommunication: return "the card exchange failed";
    case Reason::kUnexpectedStatus: return "the card answered an unexpected status word";
    case Reason::kMalformedCardData: return "the card sent malformed data";
    case Reason::kMissingCardData: return "mandatory card data is missing";
    case Reason::kConditionsNotSatisfied: return "the card refused to start the transaction";
    case Reason::kDeclinedOffline: return "declined offline by the card";
    case Reason::kApprovedOffline: return "approved offline";
    case Reason::kApprovedOnline: return "approved by the issuer";
    case Reason::kDeclinedByIssuer: return "declined by the issuer";
    case Reason::kDeclinedByCard: return "declined by the card after the issuer's answer";
    case Reason::kUnableToGoOnline: return "unable to go online";
    case Reason::kCdaFailed: return "the card's combined data authentication failed";
    case Reason::kUseContactInterface: return "please insert the card into the contact slot";
    case Reason::kFddaFailed: return "the card's fast dynamic data authentication failed";
    case Reason::kTornTapCompleted: return "the earlier interrupted tap was completed; nothing more was charged";
    case Reason::kDeferredAuthorisation: return "the card's online cryptogram is kept for a later authorisation";
    case Reason::kInternal: return "the terminal failed";
  }
  return "unknown reason";
}

std::string_view oda_name(OdaMethod method, OdaResult result) {
  if (result == OdaResult::kFailed) return "failed";
  switch (method) {
    case OdaMethod::kNone: return "none";
    case OdaMethod::kSda: return "sda";
    case OdaMethod::kDda: return "dda";
    case OdaMethod::kCda: return "cda";
    case OdaMethod::kSm2Sda: return "sm2-sda";
    case OdaMethod::kSm2Dda: return "sm2-dda";
    case OdaMethod::kFdda: return "fdda";
    case OdaMethod::kSm2Fdda: return "sm2-fdda";
  }
  return "none";
}

std::string_view interface_name(CardInterface i) {
  return i == CardInterface::kContactless ? "contactless" : "contact";
}

std::string_view cvm_name(Cvm cvm) {
  switch (cvm) {
    case Cvm::kOfflinePin: return "offline-pin";
    case Cvm::kOfflineEncipheredPin: return "offline-enciphered-pin";
    case Cvm::kOnlinePin: return "online-pin";
    case Cvm::kNone:
    case Cvm::kNoCvmRequired:
    case Cvm::kFailed: break;
  }
  return "none";
}

std::string_view cryptogram_name(Cryptogram c) {
  switch (c) {
    case Cryptogram::kTc: return "TC";
    case Cryptogram::kAac: return "AAC";
    case Cryptogram::kArqc: return "ARQC";
    case Cryptogram::kNone: break;
  }
  return "none";
}

std::string mask_pan(std::string_view pan) {
  if (pan.size() < 10) return std::string(pan.size(), '*');
  std::string out(pan.substr(0, 6));
  out.append(pan.size() - 10, '*');
  out.append(pan.substr(pan.size() - 4));
  return out;
}

std::string describe(const TransactionRecord& r) {
  std::string out;
  out += "outcome: ";
  out += outcome_name(r.outcome);
  out += " (";
  out += reason_text(r.reason);
  out += ")\n";
  if (r.outcome == Outcome::kFailed) {
    out += "ended at: ";
    out += step_name(r.failed_step);
    if (r.reason == Reason::kUnexpectedStatus) {
      char sw[8];
      std::snprintf(sw, sizeof sw, "%04X", r.last_sw.value());
      out += ", status word ";
      out += sw;
    }
    if (!r.status.ok()) {
      out += ", ";
      out += r.status.name();
    }
    out += "\n";
  }
  if (!r.pan.empty()) out += "pan: " + mask_pan(r.pan) + "\n";
  if (!r.aid.empty()) out += "aid: " + to_hex(r.aid) + " " + r.application_label + "\n";
  out += "oda: ";
  out += oda_name(r.oda_method, r.oda_result);
  out += ", cvm: ";
  out += cvm_name(r.cvm);
  out += ", cryptogram: ";
  out += cryptogram_name(r.final_cryptogram);
  out += "\n";
  for (const StepRecord& step : r.steps) {
    out += step.ok ? "  + " : "  - ";
    out += step_name(step.step);
    out += ": ";
    out += step.note;
    out += "\n";
  }
  out += "tvr " + to_hex(r.tvr.bytes()) + ": " + describe_tvr(r.tvr) + "\n";
  out += "tsi " + to_hex(r.tsi.bytes()) + ": " + describe_tsi(r.tsi) + "\n";
  return out;
}

}  // namespace sscard::pboc

#include "sscard/pboc/tvr.h"

namespace sscard::pboc {
namespace {

constexpr TvrBit kAllTvrBits[] = {
    TvrBit::kOdaNotPerformed, TvrBit::kSdaFailed, TvrBit::kIccDataMissing, TvrBit::kCardInExceptionFile,
    TvrBit::kDdaFailed, TvrBit::kCdaFailed,
    TvrBit::kDifferentVersions, TvrBit::kExpiredApplication, TvrBit::kApplicationNotYetEffective,
    TvrBit::kServiceNotAllowed, TvrBit::kNewCard,
    TvrBit::kCardholderVerificationFailed, TvrBit::kUnrecognisedCvm, TvrBit::kPinTryLimitExceeded,
    TvrBit::kPinPadMissing, TvrBit::kPinNotEntered, TvrBit::kOnlinePinEntered,
    TvrBit::kFloorLimitExceeded, TvrBit::kLowerOfflineLimitExceeded, TvrBit::kUpperOfflineLimitExceeded,
    TvrBit::kRandomlySelectedOnline, TvrBit::kMerchantForcedOnline,
    TvrBit::kDefaultTdolUsed, TvrBit::kIssuerAuthenticationFailed, TvrBit::kScriptFailedBeforeFinalGac,
    TvrBit::kScriptFailedAfterFinalGac,
};

constexpr TsiBit kAllTsiBits[] = {
    TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed, TsiBit::kCardRiskManagementPerformed,
    TsiBit::kIssuerAuthenticationPerformed, TsiBit::kTerminalRiskManagementPerformed,
    TsiBit::kScriptProcessingPerformed,
};

template <typename Bits, typename Bit, std::size_t M>
std::string join(const Bits& bits, const Bit (&all)[M], std::string_view (*name)(Bit)) {
  std::string out;
  for (Bit bit : all) {
    if (!bits.has(bit)) continue;
    if (!out.empty()) out += "; ";
    out += name(bit);
  }
  return out.empty() ? std::string("none") : out;
}

}  // namespace

std::string_view tvr_bit_name(TvrBit bit) {
  switch (bit) {
    case TvrBit::kOdaNotPerformed: return "offline data authentication was not performed";
    case TvrBit::kSdaFailed: return "static data authentication failed";
    case TvrBit::kIccDataMissing: return "ICC data missing";
    case TvrBit::kCardInExceptionFile: return "card appears on the terminal exception file";
    case TvrBit::kDdaFailed: return "dynamic data authentication failed";
    case TvrBit::kCdaFailed: return "combined DDA/application cryptogram generation failed";
    case TvrBit::kDifferentVersions: return "ICC and terminal have different application versions";
    case TvrBit::kExpiredApplication: return "expired application";
    case TvrBit::kApplicationNotYetEffective: return "application not yet effective";
    case TvrBit::kServiceNotAllowed: return "requested service not allowed for card product";
    case TvrBit::kNewCard: return "new card";
    case TvrBit::kCardholderVerificationFailed: return "cardholder verification was not successful";
    case TvrBit::kUnrecognisedCvm: return "unrecognised CVM";
    case TvrBit::kPinTryLimitExceeded: return "PIN try limit exceeded";
    case TvrBit::kPinPadMissing: return "PIN entry required and PIN pad not present or not working";
    case TvrBit::kPinNotEntered: return "PIN entry required, PIN pad present, but PIN was not entered";
    case TvrBit::kOnlinePinEntered: return "online PIN entered";
    case TvrBit::kFloorLimitExceeded: return "transaction exceeds floor limit";
    case TvrBit::kLowerOfflineLimitExceeded: return "lower consecutive offline limit exceeded";
    case TvrBit::kUpperOfflineLimitExceeded: return "upper consecutive offline limit exceeded";
    case TvrBit::kRandomlySelectedOnline: return "transaction selected randomly for online processing";
    case TvrBit::kMerchantForcedOnline: return "merchant forced transaction online";
    case TvrBit::kDefaultTdolUsed: return "default TDOL used";
    case TvrBit::kIssuerAuthenticationFailed: return "issuer authentication failed";
    case TvrBit::kScriptFailedBeforeFinalGac: return "script processing failed before final GENERATE AC";
    case TvrBit::kScriptFailedAfterFinalGac: return "script processing failed after final GENERATE AC";
  }
  return "unknown bit";
}

std::string_view tsi_bit_name(TsiBit bit) {
  switch (bit) {
    case TsiBit::kOdaPerformed: return "offline data authentication was performed";
    case TsiBit::kCardholderVerificationPerformed: return "cardholder verification was performed";
    case TsiBit::kCardRiskManagementPerformed: return "card risk management was performed";
    case TsiBit::kIssuerAuthenticationPerformed: return "issuer authentication was performed";
    case TsiBit::kTerminalRiskManagementPerformed: return "terminal risk management was performed";
    case TsiBit::kScriptProcessingPerformed: return "script processing was performed";
  }
  return "unknown bit";
}

std::string describe_tvr(const Tvr& tvr) { return join(tvr, kAllTvrBits, &tvr_bit_name); }
std::string describe_tsi(const Tsi& tsi) { return join(tsi, kAllTsiBits, &tsi_bit_name); }

}  // namespace sscard::pboc

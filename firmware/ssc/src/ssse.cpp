#include "sscard/ssc/ssse.h"

#include "sscard/core/tlv.h"
#include "sscard/ssc/commands.h"

namespace sscard::ssc {
namespace {

// FCI of SSSE: 9F0C 03 86 01 xx, xx = algorithm identifier (CARD.md "Applications and files"; D1).
constexpr tlv::Tag kTagFciIssuerData = 0x9F0C;
constexpr tlv::Tag kTagAlgorithmId = 0x86;
constexpr std::uint8_t kDefaultAlgorithmId = 1;

}  // namespace

Result<std::uint8_t> algorithm_id_from_fci(ByteSpan fci) {
  if (fci.empty()) return kDefaultAlgorithmId;
  auto issuer_data = tlv::find_recursive(fci, kTagFciIssuerData);
  if (!issuer_data.ok()) {
    if (issuer_data.status() == Error::kNotFound) return kDefaultAlgorithmId;
    return Error::kMalformed;
  }
  auto algorithm = tlv::find(issuer_data->value, kTagAlgorithmId);
  if (!algorithm.ok() || algorithm->value.size() != 1) return Error::kMalformed;
  return algorithm->value[0];
}

Result<SsseSelection> select_ssse(transport::Transport& t, MutableByteSpan buffer) {
  SSCARD_TRY_ASSIGN(const apdu::Response selected, t.transmit(ssc::select_ssse(), buffer));
  if (selected.sw == sw::kFileNotFound) return Error::kNotFound;
  const bool blocked = selected.sw == sw::kFileInvalidated;
  if (!selected.sw.is_success() && !blocked) return Error::kCardStatus;
  SSCARD_TRY_ASSIGN(const std::uint8_t algorithm_id, algorithm_id_from_fci(selected.data));
  return SsseSelection{selected.data, algorithm_id, blocked};
}

Fault select_fault(Status error, StatusWord last_sw) {
  switch (error.code()) {
    case Error::kNotFound: return Fault::make(Failure::kNotSocialSecurityCard, Status{}, sw::kFileNotFound);
    case Error::kMalformed: return Fault::make(Failure::kNotSocialSecurityCard, error);
    case Error::kCardStatus: return Fault::card_status(last_sw);
    default: return Fault::card(error);
  }
}

}  // namespace sscard::ssc

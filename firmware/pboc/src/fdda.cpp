// fDDA ([12] annex B; CONTACTLESS.md §2.3): certificate recovery shared with the contact kernel (oda_keys.h),
// then the signed dynamic data of the GPO answer.
#include "sscard/pboc/fdda.h"

#include "oda_keys.h"
#include "sscard/crypto/emv_pki.h"
#include "sscard/crypto/sm2_pki.h"

namespace sscard::pboc {
namespace {

Status verify_rsa(const detail::PkiInputs& pki, const CaKey& ca, const FddaInput& input) {
  SSCARD_TRY_ASSIGN(const detail::RsaKey issuer, detail::recover_rsa_issuer_key(pki, ca));
  SSCARD_TRY_ASSIGN(const detail::RsaKey icc, detail::recover_rsa_icc_key(pki, issuer, input.static_data));
  // Format 05, SHA-1 over the ICC dynamic data (02 ‖ ATC) ‖ terminal dynamic data ([7] 5.3.5.1).
  SSCARD_TRY_ASSIGN(const crypto::DynamicSignature signature,
                    crypto::recover_dynamic_signature(pki.crypto, icc.modulus, icc.exponent,
                                                      input.signed_dynamic_data, input.terminal_dynamic_data));
  if (signature.number_size != 2 || signature.atc() != input.atc) return Error::kSecurity;
  return kOk;
}

Status verify_sm2(const detail::PkiInputs& pki, const CaKey& ca, const FddaInput& input) {
  SSCARD_TRY_ASSIGN(auto issuer, detail::recover_sm2_issuer_key(pki, ca));
  SSCARD_TRY_ASSIGN(auto icc, detail::recover_sm2_icc_key(pki, *issuer, input.static_data));
  // Format 15 over 15 ‖ LDD ‖ 02 ‖ ATC ‖ terminal dynamic data, SM3 with the default ID ([17] 5.2.4).
  SSCARD_TRY_ASSIGN(const crypto::Sm2DynamicSignature signature,
                    crypto::verify_sm2_dynamic_signature(*icc, input.signed_dynamic_data,
                                                         input.terminal_dynamic_data));
  if (signature.icc_dynamic_data_size != 3 || signature.atc() != input.atc) return Error::kSecurity;
  return kOk;
}

}  // namespace

Result<Bytes> fdda_terminal_dynamic_data(bool version_01, ByteSpan unpredictable_number, ByteSpan amount,
                                         ByteSpan currency, ByteSpan card_authentication_data) {
  if (unpredictable_number.size() != 4) return Status(Error::kMalformed);
  Bytes out(unpredictable_number.begin(), unpredictable_number.end());
  if (!version_01) return out;
  if (amount.size() != 6 || currency.size() != 2 || card_authentication_data.empty()) {
    return Status(Error::kMalformed);
  }
  out.insert(out.end(), amount.begin(), amount.end());
  out.insert(out.end(), currency.begin(), currency.end());
  out.insert(out.end(), card_authentication_data.begin(), card_authentication_data.end());
  return out;
}

Status verify_fdda(crypto::Crypto& crypto, const CaKeyTable& ca_keys, const FddaInput& input, bool sm_data_set,
                   OdaMethod& method) {
  const std::uint32_t today = detail::transaction_yyyymmdd(input.date);
  const CaKey* ca = detail::find_ca_key(ca_keys, input.aid, input.card, today);
  const bool sm2 = ca != nullptr ? ca->algorithm == CaKeyAlgorithm::kSm2 : sm_data_set;
  method = sm2 ? OdaMethod::kSm2Fdda : OdaMethod::kFdda;
  if (ca == nullptr) return Error::kNotFound;
  const detail::PkiInputs pki{crypto, input.card, input.pan, today};
  return sm2 ? verify_sm2(pki, *ca, input) : verify_rsa(pki, *ca, input);
}

}  // namespace sscard::pboc

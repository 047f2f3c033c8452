// Offline data authentication ([6] 7.5, [7] 5, [17] 5 and 10.4; PAYMENT.md §7, §8.2 step 4; P42).
#include <algorithm>
#include <array>

#include "sscard/core/bcd.h"
#include "sscard/core/tlv.h"
#include "sscard/crypto/emv_pki.h"
#include "sscard/crypto/sm2_pki.h"
#include "sscard/pboc/commands.h"
#include "sscard/pboc/dol.h"
#include "oda_keys.h"
#include "session.h"

namespace sscard::pboc::detail {
namespace {

PkiInputs pki(const Session& s) {
  return PkiInputs{s.ctx.crypto, s.card, s.rec.pan, transaction_yyyymmdd(s.req.date)};
}

ByteSpan card_value(const Session& s, tlv::Tag tag) { return s.card.find(tag).value_or(ByteSpan{}); }

const CaKey* find_ca_key(const Session& s) {
  return detail::find_ca_key(s.ctx.ca_keys, s.rec.aid, s.card, transaction_yyyymmdd(s.req.date));
}

// ---- RSA ----

Status recover_issuer_key(Session& s, const CaKey& ca) {
  if (s.issuer_key) return kOk;
  SSCARD_TRY_ASSIGN(s.issuer_key, recover_rsa_issuer_key(pki(s), ca));
  return kOk;
}

Status recover_icc_key(Session& s, const CaKey& ca) {
  if (s.icc_key) return kOk;
  SSCARD_TRY(recover_issuer_key(s, ca));
  if (s.static_data_invalid) return Error::kSecurity;
  SSCARD_TRY_ASSIGN(s.icc_key, recover_rsa_icc_key(pki(s), *s.issuer_key, s.static_data));
  return kOk;
}

Status rsa_sda(Session& s, const CaKey& ca) {
  SSCARD_TRY(recover_issuer_key(s, ca));
  if (s.static_data_invalid) return Error::kSecurity;
  SSCARD_TRY_ASSIGN(const crypto::SignedStaticData ssad,
                    crypto::recover_signed_static_data(s.ctx.crypto, s.issuer_key->modulus, s.issuer_key->exponent,
                                                       card_value(s, 0x93), s.static_data));
  return s.card.put(0x9F45, ssad.data_authentication_code);
}

// INTERNAL AUTHENTICATE with the DDOL (the card's 9F49, else the terminal's default; it must ask for 9F37).
// The signed dynamic data goes into `sdad`; `ddol_data` receives what was sent.
Status internal_authenticate_card(Session& s, Bytes& ddol_data, Bytes& sdad) {
  ByteSpan ddol = card_value(s, 0x9F49);
  if (ddol.empty()) ddol = s.ctx.terminal.default_ddol;
  bool asks_for_un = false;
  DolParser parser(ddol);
  while (true) {
    SSCARD_TRY_ASSIGN(const auto entry, parser.next());
    if (!entry) break;
    if (entry->tag == 0x9F37) asks_for_un = true;
  }
  if (!asks_for_un) return Error::kSecurity;
  SSCARD_TRY_ASSIGN(ddol_data, s.build_dol(ddol));
  const auto response = s.send(internal_authenticate(ddol_data));
  if (!response.ok()) return response.status();
  if (!response->sw.is_success()) return Error::kSecurity;
  // Format 1: 80 L SDAD; format 2: 77 { 9F4B ... } ([5] B.9.4).
  SSCARD_TRY_ASSIGN(const tlv::Element answer, tlv::decode(response->data));
  if (answer.encoded.size() != response->data.size()) return Error::kMalformed;
  if (answer.tag == 0x80) {
    sdad.assign(answer.value.begin(), answer.value.end());
    return kOk;
  }
  if (answer.tag != 0x77) return Error::kMalformed;
  SSCARD_TRY_ASSIGN(const tlv::Element signature, tlv::find(answer.value, 0x9F4B));
  sdad.assign(signature.value.begin(), signature.value.end());
  return kOk;
}

Status rsa_dda(Session& s, const CaKey& ca) {
  SSCARD_TRY(recover_icc_key(s, ca));
  Bytes ddol_data;
  Bytes sdad;
  SSCARD_TRY(internal_authenticate_card(s, ddol_data, sdad));
  SSCARD_TRY_ASSIGN(const crypto::DynamicSignature signature,
                    crypto::recover_dynamic_signature(s.ctx.crypto, s.icc_key->modulus, s.icc_key->exponent, sdad,
                                                      ddol_data));
  return s.card.put(0x9F4C, signature.number());
}

// ---- SM2 ----

Result<std::unique_ptr<crypto::Sm2PublicKey>> sm2_issuer_key(Session& s, const CaKey& ca) {
  return recover_sm2_issuer_key(pki(s), ca);
}

Status sm2_sda(Session& s, const CaKey& ca) {
  SSCARD_TRY_ASSIGN(auto issuer_key, sm2_issuer_key(s, ca));
  if (s.static_data_invalid) return Error::kSecurity;
  SSCARD_TRY_ASSIGN(const crypto::Sm2SignedStaticData ssad,
                    crypto::verify_sm2_signed_static_data(*issuer_key, card_value(s, 0x93), s.static_data));
  return s.card.put(0x9F45, ssad.data_authentication_code);
}

Status sm2_dda(Session& s, const CaKey& ca) {
  SSCARD_TRY_ASSIGN(auto issuer_key, sm2_issuer_key(s, ca));
  if (s.static_data_invalid) return Error::kSecurity;
  SSCARD_TRY_ASSIGN(s.icc_sm2_key, recover_sm2_icc_key(pki(s), *issuer_key, s.static_data));
  Bytes ddol_data;
  Bytes sdad;
  SSCARD_TRY(internal_authenticate_card(s, ddol_data, sdad));
  SSCARD_TRY_ASSIGN(const crypto::Sm2DynamicSignature signature,
                    crypto::verify_sm2_dynamic_signature(*s.icc_sm2_key, sdad, ddol_data));
  const std::uint8_t number[] = {static_cast<std::uint8_t>(signature.atc() >> 8),
                                 static_cast<std::uint8_t>(signature.atc())};
  return s.card.put(0x9F4C, number);
}

TvrBit failure_bit(OdaMethod method) {
  switch (method) {
    case OdaMethod::kSda:
    case OdaMethod::kSm2Sda: return TvrBit::kSdaFailed;
    case OdaMethod::kDda:
    case OdaMethod::kSm2Dda:
    case OdaMethod::kFdda:
    case OdaMethod::kSm2Fdda: return TvrBit::kDdaFailed;
    case OdaMethod::kCda:
    case OdaMethod::kNone: break;
  }
  return TvrBit::kCdaFailed;
}

}  // namespace

bool authenticate_offline(Session& s) {
  const std::uint8_t aip = s.rec.aip[0];
  const std::uint8_t caps = s.ctx.terminal.capabilities[2];
  enum class Kind { kNone, kSda, kDda, kCda } kind = Kind::kNone;
  // P42, [6] 7.5.3.3: CDA, else DDA, else SDA; no CDA with the SM data set (P7).
  if ((aip & 0x01) != 0 && (caps & 0x08) != 0 && s.rec.data_set == DataSet::kRsa) {
    kind = Kind::kCda;
  } else if ((aip & 0x20) != 0 && (caps & 0x40) != 0) {
    kind = Kind::kDda;
  } else if ((aip & 0x40) != 0 && (caps & 0x80) != 0) {
    kind = Kind::kSda;
  }
  if (kind == Kind::kNone) {
    s.rec.tvr.set(TvrBit::kOdaNotPerformed);
    s.note(Step::kOfflineDataAuthentication, true, "no offline data authentication method in common");
    return true;
  }
  s.rec.tsi.set(TsiBit::kOdaPerformed);
  const CaKey* ca = find_ca_key(s);
  // The family is that of the CA key ([17] 10.4); without a key, name the method of the data set.
  const bool sm2 = ca != nullptr ? ca->algorithm == CaKeyAlgorithm::kSm2 : s.rec.data_set == DataSet::kSm;
  switch (kind) {
    case Kind::kCda: s.rec.oda_method = OdaMethod::kCda; break;
    case Kind::kDda: s.rec.oda_method = sm2 ? OdaMethod::kSm2Dda : OdaMethod::kDda; break;
    case Kind::kSda: s.rec.oda_method = sm2 ? OdaMethod::kSm2Sda : OdaMethod::kSda; break;
    case Kind::kNone: break;
  }
  Status status = Error::kNotFound;  // no usable CA key
  if (ca != nullptr) {
    switch (s.rec.oda_method) {
      case OdaMethod::kSda: status = rsa_sda(s, *ca); break;
      case OdaMethod::kDda: status = rsa_dda(s, *ca); break;
      case OdaMethod::kCda: status = recover_icc_key(s, *ca); break;
      case OdaMethod::kSm2Sda: status = sm2_sda(s, *ca); break;
      case OdaMethod::kSm2Dda: status = sm2_dda(s, *ca); break;
      case OdaMethod::kFdda:
      case OdaMethod::kSm2Fdda:  // contactless only (qpboc.cpp)
      case OdaMethod::kNone: break;
    }
  }
  // A transport failure during INTERNAL AUTHENTICATE ends the transaction; anything else fails ODA only.
  if (status == Error::kCardRemoved || status == Error::kNoCard || status == Error::kReaderUnavailable ||
      status == Error::kTimeout) {
    return s.communication_failure(Step::kOfflineDataAuthentication, status);
  }
  if (!status.ok()) {
    s.rec.tvr.set(failure_bit(s.rec.oda_method));
    s.rec.oda_result = OdaResult::kFailed;
    s.note(Step::kOfflineDataAuthentication, false,
           ca == nullptr ? "no CA public key for the card's index" : "offline data authentication failed");
    return true;
  }
  if (s.rec.oda_method == OdaMethod::kCda) {
    // The signature itself comes with GENERATE AC (P43).
    s.cda_requested = true;
    s.note(Step::kOfflineDataAuthentication, true, "CDA keys recovered; the signature follows at GENERATE AC");
  } else {
    s.rec.oda_result = OdaResult::kSucceeded;
    s.note(Step::kOfflineDataAuthentication, true, "offline data authentication succeeded");
  }
  return true;
}

bool recover_icc_rsa_key(Session& s) {
  if (s.icc_key) return true;
  const CaKey* ca = find_ca_key(s);
  return ca != nullptr && recover_icc_key(s, *ca).ok();
}

bool verify_cda(Session& s, ByteSpan gac_template, GacAnswer& answer, bool second_gac) {
  if (!s.icc_key) return false;
  const auto sdad = tlv::find(gac_template, 0x9F4B);
  const auto un = s.terminal.find(0x9F37);
  if (!sdad.ok() || !un) return false;
  const auto signature = crypto::recover_dynamic_signature(s.ctx.crypto, s.icc_key->modulus, s.icc_key->exponent,
                                                           sdad->value, *un);
  if (!signature.ok() || !signature->has_cda_data || signature->cid != answer.cid) return false;
  // TDH = SHA-1(PDOL data || CDOL1 data || [CDOL2 data] || the answer's TLVs but 9F4B) ([7] 5.3.6.1).
  Bytes hashed(s.pdol_data);
  hashed.insert(hashed.end(), s.cdol1_data.begin(), s.cdol1_data.end());
  if (second_gac) hashed.insert(hashed.end(), s.cdol2_data.begin(), s.cdol2_data.end());
  tlv::Elements elements(gac_template);
  for (const tlv::Element& e : elements) {
    if (e.tag != 0x9F4B) hashed.insert(hashed.end(), e.encoded.begin(), e.encoded.end());
  }
  if (!elements.status().ok()) return false;
  std::array<std::uint8_t, 20> tdh{};
  const auto hashed_size = s.ctx.crypto.digest(crypto::Hash::kSha1, hashed, tdh);
  if (!hashed_size.ok() || !constant_time_equal(tdh, signature->transaction_data_hash)) return false;
  if (signature->number_size == 2 && signature->atc() != answer.atc) return false;
  answer.cryptogram = signature->cryptogram;
  return true;
}

}  // namespace sscard::pboc::detail

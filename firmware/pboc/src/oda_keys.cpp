// Certificate recovery shared by both kernels (oda_keys.h).
#include "oda_keys.h"

#include "sscard/core/bcd.h"
#include "sscard/crypto/emv_pki.h"
#include "sscard/crypto/sm2_pki.h"

namespace sscard::pboc::detail {
namespace {

ByteSpan card_value(const TagStore& card, tlv::Tag tag) { return card.find(tag).value_or(ByteSpan{}); }

// The certificate's PAN (F-padded) equals the card's.
bool same_pan(std::string_view pan, ByteSpan certificate_pan) {
  const auto digits = bcd::decode_cn(certificate_pan);
  return digits.ok() && *digits == pan;
}

Result<std::unique_ptr<crypto::Sm2PublicKey>> prepare(crypto::Crypto& crypto, ByteSpan point) {
  return crypto.sm2_prepare_public_key(point, crypto::kSm2DefaultId);
}

}  // namespace

std::uint32_t transaction_yyyymmdd(ByteSpan yymmdd) {
  const auto digits = bcd::decode_n(yymmdd);
  std::uint32_t v = 0;
  if (digits.ok()) {
    for (char c : *digits) v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return 20000000u + v;
}

bool certificate_current(ByteSpan mmyy, std::uint32_t today) {
  const auto digits = bcd::decode_n(mmyy);
  if (!digits.ok() || digits->size() != 4) return false;
  const std::uint32_t month = static_cast<std::uint32_t>((*digits)[0] - '0') * 10 + static_cast<std::uint32_t>((*digits)[1] - '0');
  const std::uint32_t yy = static_cast<std::uint32_t>((*digits)[2] - '0') * 10 + static_cast<std::uint32_t>((*digits)[3] - '0');
  if (month < 1 || month > 12) return false;
  const std::uint32_t year = yy < 50 ? 2000 + yy : 1900 + yy;
  return year * 100 + month >= today / 100;
}

const CaKey* find_ca_key(const CaKeyTable& table, ByteSpan aid, const TagStore& card, std::uint32_t today) {
  const auto index = card.find(0x8F);
  if (!index || index->size() != 1 || aid.size() < 5) return nullptr;
  const CaKey* key = table.find(aid.first(5), (*index)[0]);
  if (key == nullptr) return nullptr;
  const std::uint32_t expiry = static_cast<std::uint32_t>(key->expiry.year) * 10000 + key->expiry.month * 100u +
                               key->expiry.day;
  return expiry >= today ? key : nullptr;
}

Result<RsaKey> recover_rsa_issuer_key(const PkiInputs& in, const CaKey& ca) {
  if (ca.algorithm != CaKeyAlgorithm::kRsa) return Status(Error::kSecurity);
  SSCARD_TRY_ASSIGN(const crypto::IssuerCertificate cert,
                    crypto::recover_issuer_certificate(in.crypto, ca.modulus, ca.exponent, card_value(in.card, 0x90),
                                                       card_value(in.card, 0x92), card_value(in.card, 0x9F32)));
  if (!crypto::issuer_id_matches(cert.issuer_id, in.pan) || !certificate_current(cert.expiry, in.today)) {
    return Status(Error::kSecurity);
  }
  const ByteSpan modulus = cert.key.modulus();
  const ByteSpan exponent = cert.key.exponent();
  return RsaKey{Bytes(modulus.begin(), modulus.end()), Bytes(exponent.begin(), exponent.end())};
}

Result<RsaKey> recover_rsa_icc_key(const PkiInputs& in, const RsaKey& issuer, ByteSpan static_data) {
  SSCARD_TRY_ASSIGN(const crypto::IccCertificate cert,
                    crypto::recover_icc_certificate(in.crypto, issuer.modulus, issuer.exponent,
                                                    card_value(in.card, 0x9F46), card_value(in.card, 0x9F48),
                                                    card_value(in.card, 0x9F47), static_data));
  if (!same_pan(in.pan, cert.pan) || !certificate_current(cert.expiry, in.today)) return Status(Error::kSecurity);
  const ByteSpan modulus = cert.key.modulus();
  const ByteSpan exponent = cert.key.exponent();
  return RsaKey{Bytes(modulus.begin(), modulus.end()), Bytes(exponent.begin(), exponent.end())};
}

Result<std::unique_ptr<crypto::Sm2PublicKey>> recover_sm2_issuer_key(const PkiInputs& in, const CaKey& ca) {
  if (ca.algorithm != CaKeyAlgorithm::kSm2) return Status(Error::kSecurity);
  SSCARD_TRY_ASSIGN(auto ca_key, prepare(in.crypto, ca.sm2_point));
  SSCARD_TRY_ASSIGN(const crypto::Sm2IssuerCertificate cert,
                    crypto::verify_sm2_issuer_certificate(*ca_key, card_value(in.card, 0x90)));
  if (!crypto::issuer_id_matches(cert.issuer_id, in.pan) || !certificate_current(cert.expiry, in.today)) {
    return Status(Error::kSecurity);
  }
  return prepare(in.crypto, cert.public_key);
}

Result<std::unique_ptr<crypto::Sm2PublicKey>> recover_sm2_icc_key(const PkiInputs& in,
                                                                  crypto::Sm2PublicKey& issuer_key,
                                                                  ByteSpan static_data) {
  SSCARD_TRY_ASSIGN(const crypto::Sm2IccCertificate cert,
                    crypto::verify_sm2_icc_certificate(issuer_key, card_value(in.card, 0x9F46), static_data));
  if (!same_pan(in.pan, cert.pan) || !certificate_current(cert.expiry, in.today)) return Status(Error::kSecurity);
  return prepare(in.crypto, cert.public_key);
}

}  // namespace sscard::pboc::detail

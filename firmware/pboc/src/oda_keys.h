// Certificate recovery shared by the contact kernel's ODA and the contactless fDDA ([7] 5.2-5.3, [17] 5.1-5.2;
// PAYMENT.md §7): the CA key lookup, the issuer and ICC public keys of both families with the terminal's checks
// (issuer identifier, PAN, expiry), each from explicit inputs so that neither kernel's session is needed.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/pboc/ca_keys.h"
#include "sscard/pboc/tag_store.h"

namespace sscard::pboc::detail {

// An RSA public key recovered from a certificate.
struct RsaKey {
  Bytes modulus;
  Bytes exponent;
};

// What certificate recovery reads: the card's data elements (8F 90 92 9F32 9F46 9F47 9F48), its PAN (digits)
// and the transaction date as YYYYMMDD.
struct PkiInputs {
  crypto::Crypto& crypto;
  const TagStore& card;
  std::string_view pan;
  std::uint32_t today = 0;
};

// 9A (YYMMDD BCD) as YYYYMMDD (20YYMMDD; 20000000 for a date that is not BCD).
std::uint32_t transaction_yyyymmdd(ByteSpan yymmdd);
// A certificate's MMYY is valid through the last day of that month ([7] 5.2.2 step 9).
bool certificate_current(ByteSpan mmyy, std::uint32_t today);
// The CA key named by the AID's RID and the card's 8F, if present and not expired on `today`.
const CaKey* find_ca_key(const CaKeyTable& table, ByteSpan aid, const TagStore& card, std::uint32_t today);

// RSA: the issuer key from 90, 92, 9F32 (kSecurity: another family's CA key, a wrong issuer id or expiry).
Result<RsaKey> recover_rsa_issuer_key(const PkiInputs& in, const CaKey& ca);
// RSA: the ICC key from 9F46, 9F48, 9F47 over `static_data` (kSecurity: another PAN, expired).
Result<RsaKey> recover_rsa_icc_key(const PkiInputs& in, const RsaKey& issuer, ByteSpan static_data);

// SM2: the issuer key from the certificate 90 (format 12) verified with the CA key.
Result<std::unique_ptr<crypto::Sm2PublicKey>> recover_sm2_issuer_key(const PkiInputs& in, const CaKey& ca);
// SM2: the ICC key from the certificate 9F46 (format 14) verified over `static_data` with the issuer key.
Result<std::unique_ptr<crypto::Sm2PublicKey>> recover_sm2_icc_key(const PkiInputs& in,
                                                                  crypto::Sm2PublicKey& issuer_key,
                                                                  ByteSpan static_data);

}  // namespace sscard::pboc::detail

// SM2 offline data authentication objects of PBOC 3.0 (JR/T 0025.17 5 and 8.2; docs/PAYMENT.md 7.3): the
// issuer and ICC public key certificates, the signed static application data and the signed dynamic
// application data, each `fields || r || s` with an SM2 signature (SM3, the ID of [17] 8.2.2) over a message M.
//
// The terminal parses an object, then verifies it with the signer's prepared key (Crypto::sm2_prepare_public_key
// with kSm2DefaultId): the CA's for the issuer certificate, the issuer's for the SSAD and the ICC certificate,
// the ICC's for the dynamic signature. The signer (the card, the test PKI) builds M with the *_message
// functions, signs it with Crypto::sm2_sign and stores the object's fields followed by the signature.
//
// Errors: kMalformed when the object's length or a fixed byte is wrong (format, key length 40); kUnsupported
// when the signature algorithm indicator is not 04 (SM2) or the curve parameter indicator not 11 ([17] A.4);
// kSecurity when the signature does not verify; kInvalidArgument when a caller's part has the wrong length or
// M would be longer than kSm2MaxMessageSize; kBufferTooSmall for a short `out`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto {

inline constexpr std::size_t kSm2IssuerCertificateSize = 142;
inline constexpr std::size_t kSm2SignedStaticDataSize = 67;
inline constexpr std::size_t kSm2IccCertificateSize = 148;
inline constexpr std::size_t kSm2DdaSize = 69;                // 15 || 03 || 02 || ATC || r || s
inline constexpr std::size_t kSm2IssuerCertificateSigned = 78;  // the certificate's fields before r || s
inline constexpr std::size_t kSm2IccCertificateSigned = 84;
inline constexpr std::size_t kSm2MaxMessageSize = 2048;
inline constexpr std::uint8_t kSm2SignatureAlgorithm = 0x04;  // [17] table 1: SM2
inline constexpr std::uint8_t kSm2CurveParameter = 0x11;      // [17] A.4: the recommended curve

using Sm2Point = std::array<std::uint8_t, Sm2PublicKey::kPointSize>;
using Sm2Signature = std::array<std::uint8_t, Sm2PublicKey::kSignatureSize>;

// [17] table 4: 12 | issuer id (4) | MMYY (2) | serial (3) | 04 | 00 | 11 | 40 | key (64) | r || s (64).
struct Sm2IssuerCertificate {
  std::array<std::uint8_t, 4> issuer_id{};  // leftmost 3-8 PAN digits, F-padded (see issuer_id_matches)
  std::array<std::uint8_t, 2> expiry{};     // MMYY, BCD
  std::array<std::uint8_t, 3> serial{};
  std::uint8_t signature_algorithm = kSm2SignatureAlgorithm;
  std::uint8_t encryption_algorithm = 0x00;
  std::uint8_t curve = kSm2CurveParameter;
  Sm2Point public_key{};
  Sm2Signature signature{};
};

// [17] table 8: 14 | PAN (10) | MMYY (2) | serial (3) | 04 | 00 | 11 | 40 | key (64) | r || s (64).
struct Sm2IccCertificate {
  std::array<std::uint8_t, 10> pan{};  // F-padded (cn 20)
  std::array<std::uint8_t, 2> expiry{};
  std::array<std::uint8_t, 3> serial{};
  std::uint8_t signature_algorithm = kSm2SignatureAlgorithm;
  std::uint8_t encryption_algorithm = 0x00;
  std::uint8_t curve = kSm2CurveParameter;
  Sm2Point public_key{};
  Sm2Signature signature{};
};

// [17] table 5: 13 | DAC (2) | r || s (64).
struct Sm2SignedStaticData {
  std::array<std::uint8_t, 2> data_authentication_code{};
  Sm2Signature signature{};
};

// [17] table 11: 15 | LDD | ICC dynamic data (LDD: here 02 || ATC) | r || s (64).
struct Sm2DynamicSignature {
  std::array<std::uint8_t, 32> icc_dynamic_data_storage{};
  std::size_t icc_dynamic_data_size = 0;
  Sm2Signature signature{};

  ByteSpan icc_dynamic_data() const { return ByteSpan(icc_dynamic_data_storage).first(icc_dynamic_data_size); }
  // The ATC when the ICC dynamic data is 02 || ATC (docs/PAYMENT.md 7.3), else 0.
  std::uint16_t atc() const {
    if (icc_dynamic_data_size != 3 || icc_dynamic_data_storage[0] != 2) return 0;
    return static_cast<std::uint16_t>((icc_dynamic_data_storage[1] << 8) | icc_dynamic_data_storage[2]);
  }
};

// Layout only, no signature check.
Result<Sm2IssuerCertificate> parse_sm2_issuer_certificate(ByteSpan certificate);
Result<Sm2IccCertificate> parse_sm2_icc_certificate(ByteSpan certificate);
Result<Sm2SignedStaticData> parse_sm2_signed_static_data(ByteSpan ssad);
// LDD up to 32 bytes; the object is 2 + LDD + 64 bytes.
Result<Sm2DynamicSignature> parse_sm2_dynamic_signature(ByteSpan sdad);

// Parse, then verify the signature ([17] 5.1.2 g), 5.1.3 d), 5.2.3 g), 5.2.4.2) with the signer's key over M:
//   issuer certificate: the first 78 bytes;  SSAD: 13 || DAC || static data;
//   ICC certificate: the first 84 bytes || static data;  dynamic signature: 15 || LDD || data || terminal data.
Result<Sm2IssuerCertificate> verify_sm2_issuer_certificate(Sm2PublicKey& ca_key, ByteSpan certificate);
Result<Sm2SignedStaticData> verify_sm2_signed_static_data(Sm2PublicKey& issuer_key, ByteSpan ssad,
                                                          ByteSpan static_data);
Result<Sm2IccCertificate> verify_sm2_icc_certificate(Sm2PublicKey& issuer_key, ByteSpan certificate,
                                                     ByteSpan static_data);
Result<Sm2DynamicSignature> verify_sm2_dynamic_signature(Sm2PublicKey& icc_key, ByteSpan sdad,
                                                         ByteSpan terminal_data);

// The signed message M of each object, for the signer; the `signature` members are not used. Each returns
// M's length. The stored object is the first 78 (issuer), 84 (ICC), 3 (SSAD) or 2 + LDD (dynamic) bytes of
// M followed by r || s.
Result<std::size_t> sm2_issuer_certificate_message(const Sm2IssuerCertificate& fields, MutableByteSpan out);
Result<std::size_t> sm2_icc_certificate_message(const Sm2IccCertificate& fields, ByteSpan static_data,
                                                MutableByteSpan out);
Result<std::size_t> sm2_signed_static_data_message(ByteSpan data_authentication_code, ByteSpan static_data,
                                                   MutableByteSpan out);
// kInvalidArgument: `icc_dynamic_data` empty or over 32 bytes.
Result<std::size_t> sm2_dynamic_signature_message(ByteSpan icc_dynamic_data, ByteSpan terminal_data,
                                                  MutableByteSpan out);

// Signs M (sm2_sign with kSm2DefaultId) and writes the stored object: the first `fields_size` bytes of M, then
// r || s. Returns fields_size + 64. kInvalidArgument: fields_size over M's length.
Result<std::size_t> sm2_sign_object(Crypto& crypto, ByteSpan private_key, ByteSpan message, std::size_t fields_size,
                                    MutableByteSpan out);

}  // namespace sscard::crypto

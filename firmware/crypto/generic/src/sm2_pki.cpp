#include "sscard/crypto/sm2_pki.h"

#include <algorithm>
#include <array>

namespace sscard::crypto {
namespace {

constexpr std::uint8_t kIssuerFormat = 0x12;
constexpr std::uint8_t kSsadFormat = 0x13;
constexpr std::uint8_t kIccFormat = 0x14;
constexpr std::uint8_t kDynamicFormat = 0x15;
constexpr std::uint8_t kKeyLength = 0x40;
constexpr std::size_t kSig = Sm2PublicKey::kSignatureSize;
constexpr std::size_t kMaxDynamicData = 32;

// The four indicator bytes and the key that follow the serial in both certificates ([17] tables 4 and 8).
template <typename Certificate>
Status read_key_part(ByteSpan part, Certificate& c) {
  c.signature_algorithm = part[0];
  c.encryption_algorithm = part[1];
  c.curve = part[2];
  if (part[3] != kKeyLength) return Error::kMalformed;
  if (c.signature_algorithm != kSm2SignatureAlgorithm || c.curve != kSm2CurveParameter) return Error::kUnsupported;
  std::copy_n(part.begin() + 4, c.public_key.size(), c.public_key.begin());
  return kOk;
}

template <typename Certificate>
MutableByteSpan::iterator write_key_part(const Certificate& c, MutableByteSpan::iterator at) {
  *at++ = c.signature_algorithm;
  *at++ = c.encryption_algorithm;
  *at++ = c.curve;
  *at++ = kKeyLength;
  return std::copy(c.public_key.begin(), c.public_key.end(), at);
}

// Concatenates parts into `out`; kInvalidArgument when they do not fit.
Result<std::size_t> concatenate(std::initializer_list<ByteSpan> parts, MutableByteSpan out) {
  std::size_t total = 0;
  for (ByteSpan p : parts) total += p.size();
  if (total > kSm2MaxMessageSize) return Error::kInvalidArgument;
  if (out.size() < total) return Error::kBufferTooSmall;
  auto at = out.begin();
  for (ByteSpan p : parts) at = std::copy(p.begin(), p.end(), at);
  return total;
}

Status verify_over(Sm2PublicKey& key, std::initializer_list<ByteSpan> parts, ByteSpan signature) {
  std::array<std::uint8_t, kSm2MaxMessageSize> m{};
  SSCARD_TRY_ASSIGN(const std::size_t n, concatenate(parts, m));
  return key.verify(std::span(m).first(n), signature);
}

}  // namespace

Result<Sm2IssuerCertificate> parse_sm2_issuer_certificate(ByteSpan certificate) {
  if (certificate.size() != kSm2IssuerCertificateSize || certificate[0] != kIssuerFormat) return Error::kMalformed;
  Sm2IssuerCertificate c;
  std::copy_n(certificate.begin() + 1, 4, c.issuer_id.begin());
  std::copy_n(certificate.begin() + 5, 2, c.expiry.begin());
  std::copy_n(certificate.begin() + 7, 3, c.serial.begin());
  SSCARD_TRY(read_key_part(certificate.subspan(10, 4 + Sm2PublicKey::kPointSize), c));
  std::copy_n(certificate.begin() + kSm2IssuerCertificateSigned, kSig, c.signature.begin());
  return c;
}

Result<Sm2IccCertificate> parse_sm2_icc_certificate(ByteSpan certificate) {
  if (certificate.size() != kSm2IccCertificateSize || certificate[0] != kIccFormat) return Error::kMalformed;
  Sm2IccCertificate c;
  std::copy_n(certificate.begin() + 1, 10, c.pan.begin());
  std::copy_n(certificate.begin() + 11, 2, c.expiry.begin());
  std::copy_n(certificate.begin() + 13, 3, c.serial.begin());
  SSCARD_TRY(read_key_part(certificate.subspan(16, 4 + Sm2PublicKey::kPointSize), c));
  std::copy_n(certificate.begin() + kSm2IccCertificateSigned, kSig, c.signature.begin());
  return c;
}

Result<Sm2SignedStaticData> parse_sm2_signed_static_data(ByteSpan ssad) {
  if (ssad.size() != kSm2SignedStaticDataSize || ssad[0] != kSsadFormat) return Error::kMalformed;
  Sm2SignedStaticData s;
  s.data_authentication_code = {ssad[1], ssad[2]};
  std::copy_n(ssad.begin() + 3, kSig, s.signature.begin());
  return s;
}

Result<Sm2DynamicSignature> parse_sm2_dynamic_signature(ByteSpan sdad) {
  if (sdad.size() < 2 + 1 + kSig || sdad[0] != kDynamicFormat) return Error::kMalformed;
  const std::size_t ldd = sdad[1];
  if (ldd == 0 || ldd > kMaxDynamicData || sdad.size() != 2 + ldd + kSig) return Error::kMalformed;
  Sm2DynamicSignature d;
  std::copy_n(sdad.begin() + 2, ldd, d.icc_dynamic_data_storage.begin());
  d.icc_dynamic_data_size = ldd;
  std::copy_n(sdad.begin() + static_cast<std::ptrdiff_t>(2 + ldd), kSig, d.signature.begin());
  return d;
}

Result<Sm2IssuerCertificate> verify_sm2_issuer_certificate(Sm2PublicKey& ca_key, ByteSpan certificate) {
  SSCARD_TRY_ASSIGN(Sm2IssuerCertificate c, parse_sm2_issuer_certificate(certificate));
  SSCARD_TRY(ca_key.verify(certificate.first(kSm2IssuerCertificateSigned), c.signature));
  return c;
}

Result<Sm2SignedStaticData> verify_sm2_signed_static_data(Sm2PublicKey& issuer_key, ByteSpan ssad,
                                                          ByteSpan static_data) {
  SSCARD_TRY_ASSIGN(Sm2SignedStaticData s, parse_sm2_signed_static_data(ssad));
  SSCARD_TRY(verify_over(issuer_key, {ssad.first(3), static_data}, s.signature));
  return s;
}

Result<Sm2IccCertificate> verify_sm2_icc_certificate(Sm2PublicKey& issuer_key, ByteSpan certificate,
                                                     ByteSpan static_data) {
  SSCARD_TRY_ASSIGN(Sm2IccCertificate c, parse_sm2_icc_certificate(certificate));
  SSCARD_TRY(verify_over(issuer_key, {certificate.first(kSm2IccCertificateSigned), static_data}, c.signature));
  return c;
}

Result<Sm2DynamicSignature> verify_sm2_dynamic_signature(Sm2PublicKey& icc_key, ByteSpan sdad,
                                                         ByteSpan terminal_data) {
  SSCARD_TRY_ASSIGN(Sm2DynamicSignature d, parse_sm2_dynamic_signature(sdad));
  SSCARD_TRY(verify_over(icc_key, {sdad.first(2 + d.icc_dynamic_data_size), terminal_data}, d.signature));
  return d;
}

Result<std::size_t> sm2_issuer_certificate_message(const Sm2IssuerCertificate& fields, MutableByteSpan out) {
  if (out.size() < kSm2IssuerCertificateSigned) return Error::kBufferTooSmall;
  auto at = out.begin();
  *at++ = kIssuerFormat;
  at = std::copy(fields.issuer_id.begin(), fields.issuer_id.end(), at);
  at = std::copy(fields.expiry.begin(), fields.expiry.end(), at);
  at = std::copy(fields.serial.begin(), fields.serial.end(), at);
  write_key_part(fields, at);
  return kSm2IssuerCertificateSigned;
}

Result<std::size_t> sm2_icc_certificate_message(const Sm2IccCertificate& fields, ByteSpan static_data,
                                                MutableByteSpan out) {
  if (kSm2IccCertificateSigned + static_data.size() > kSm2MaxMessageSize) return Error::kInvalidArgument;
  if (out.size() < kSm2IccCertificateSigned + static_data.size()) return Error::kBufferTooSmall;
  auto at = out.begin();
  *at++ = kIccFormat;
  at = std::copy(fields.pan.begin(), fields.pan.end(), at);
  at = std::copy(fields.expiry.begin(), fields.expiry.end(), at);
  at = std::copy(fields.serial.begin(), fields.serial.end(), at);
  at = write_key_part(fields, at);
  std::copy(static_data.begin(), static_data.end(), at);
  return kSm2IccCertificateSigned + static_data.size();
}

Result<std::size_t> sm2_signed_static_data_message(ByteSpan data_authentication_code, ByteSpan static_data,
                                                   MutableByteSpan out) {
  if (data_authentication_code.size() != 2) return Error::kInvalidArgument;
  const std::array<std::uint8_t, 1> format = {kSsadFormat};
  return concatenate({format, data_authentication_code, static_data}, out);
}

Result<std::size_t> sm2_dynamic_signature_message(ByteSpan icc_dynamic_data, ByteSpan terminal_data,
                                                  MutableByteSpan out) {
  if (icc_dynamic_data.empty() || icc_dynamic_data.size() > kMaxDynamicData) return Error::kInvalidArgument;
  const std::array<std::uint8_t, 2> head = {kDynamicFormat, static_cast<std::uint8_t>(icc_dynamic_data.size())};
  return concatenate({head, icc_dynamic_data, terminal_data}, out);
}

Result<std::size_t> sm2_sign_object(Crypto& crypto, ByteSpan private_key, ByteSpan message, std::size_t fields_size,
                                    MutableByteSpan out) {
  if (fields_size > message.size()) return Error::kInvalidArgument;
  if (out.size() < fields_size + kSig) return Error::kBufferTooSmall;
  Sm2Signature signature{};
  SSCARD_TRY(crypto.sm2_sign(private_key, kSm2DefaultId, message, signature));
  auto at = std::copy_n(message.begin(), fields_size, out.begin());
  std::copy(signature.begin(), signature.end(), at);
  return fields_size + kSig;
}

}  // namespace sscard::crypto

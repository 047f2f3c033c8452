#include "sscard/crypto/emv_pki.h"

#include <algorithm>
#include <array>

namespace sscard::crypto {
namespace {

constexpr std::size_t kSha1Size = 20;
constexpr std::uint8_t kHeader = 0x6A;
constexpr std::uint8_t kTrailer = 0xBC;

// The public key fields shared by both certificates, starting at the key algorithm indicator:
// key algorithm || key length || exponent length || leftmost key digits (`field` bytes).
struct KeyFields {
  std::uint8_t hash_algorithm;
  std::uint8_t key_algorithm;
  std::size_t key_length;
  std::size_t exponent_length;
  ByteSpan leftmost;  // the modulus field of the certificate, padded with BB when the key is shorter
};

// Fills `key` from the certificate's fields, the remainder and the exponent ([7] 5.2.2 step 9, 5.3.3 step 10).
Status assemble_key(const KeyFields& f, ByteSpan remainder, ByteSpan exponent, RsaPublicKey& key) {
  if (f.hash_algorithm != kEmvHashSha1 || f.key_algorithm != kEmvKeyAlgorithmRsa) return Error::kUnsupported;
  if (f.key_length == 0 || f.key_length > kEmvMaxModulusSize) return Error::kMalformed;
  const std::size_t in_certificate = std::min(f.key_length, f.leftmost.size());
  if (remainder.size() != f.key_length - in_certificate) return Error::kMalformed;
  if ((f.exponent_length != 1 && f.exponent_length != 3) || exponent.size() != f.exponent_length) {
    return Error::kMalformed;
  }
  auto at = std::copy_n(f.leftmost.begin(), in_certificate, key.modulus_storage.begin());
  std::copy(remainder.begin(), remainder.end(), at);
  key.modulus_size = f.key_length;
  std::copy(exponent.begin(), exponent.end(), key.exponent_storage.begin());
  key.exponent_size = exponent.size();
  return kOk;
}

// MSG1 of a recovered X: everything between the header and the hash.
ByteSpan msg1_of(ByteSpan x) { return x.subspan(1, x.size() - kEmvBlockOverhead); }

// Up to three parts, concatenated: what the caller adds to MSG beyond MSG1.
struct Parts {
  std::array<ByteSpan, 3> parts;
  std::size_t count;
};

// Recovery into a local block, then the checks; `rest` is concatenated into a local MSG.
template <std::size_t N>
Result<std::size_t> recover_into(Crypto& crypto, ByteSpan modulus, ByteSpan exponent, ByteSpan object,
                                 EmvObject format, const Parts& rest, std::array<std::uint8_t, N>& x) {
  std::array<std::uint8_t, kEmvMaxMessageSize> tail{};
  std::size_t tail_size = 0;
  for (std::size_t i = 0; i < rest.count; ++i) {
    if (tail_size + rest.parts[i].size() > tail.size()) return Error::kInvalidArgument;
    std::copy(rest.parts[i].begin(), rest.parts[i].end(), tail.begin() + static_cast<std::ptrdiff_t>(tail_size));
    tail_size += rest.parts[i].size();
  }
  return emv_recover(crypto, modulus, exponent, object, format, std::span(tail).first(tail_size), x);
}

}  // namespace

Result<std::size_t> emv_signature_block(Crypto& crypto, std::size_t modulus_size, ByteSpan msg, MutableByteSpan out) {
  if (modulus_size <= kEmvBlockOverhead || modulus_size > kEmvMaxModulusSize) return Error::kInvalidArgument;
  const std::size_t msg1 = modulus_size - kEmvBlockOverhead;
  if (msg.size() < msg1) return Error::kInvalidArgument;
  if (out.size() < modulus_size) return Error::kBufferTooSmall;
  std::array<std::uint8_t, kSha1Size> hash{};
  SSCARD_TRY(crypto.digest(Hash::kSha1, msg, hash));
  // [7] 11.2.1: X = 6A || MSG1 || H || BC, N bytes.
  out[0] = kHeader;
  std::copy_n(msg.begin(), msg1, out.begin() + 1);
  std::copy(hash.begin(), hash.end(), out.begin() + static_cast<std::ptrdiff_t>(1 + msg1));
  out[modulus_size - 1] = kTrailer;
  return modulus_size;
}

Result<std::size_t> emv_sign(Crypto& crypto, ByteSpan modulus, ByteSpan private_exponent, ByteSpan msg,
                             MutableByteSpan out) {
  if (out.size() < modulus.size()) return Error::kBufferTooSmall;
  std::array<std::uint8_t, kEmvMaxModulusSize> x{};
  SSCARD_TRY_ASSIGN(const std::size_t n, emv_signature_block(crypto, modulus.size(), msg, x));
  // A block whose first byte 6A is above the modulus's cannot be signed: the key is too small for EMV use.
  return crypto.rsa_private(modulus, private_exponent, std::span(x).first(n), out);
}

Result<std::size_t> emv_recover(Crypto& crypto, ByteSpan modulus, ByteSpan exponent, ByteSpan signed_object,
                                EmvObject format, ByteSpan msg_rest, MutableByteSpan x) {
  const std::size_t n = modulus.size();
  if (n <= kEmvBlockOverhead || n > kEmvMaxModulusSize || (modulus.back() & 1) == 0) return Error::kInvalidArgument;
  if (x.size() < n) return Error::kBufferTooSmall;
  if (signed_object.size() != n) return Error::kMalformed;
  if (n - kEmvBlockOverhead + msg_rest.size() > kEmvMaxMessageSize) return Error::kInvalidArgument;
  // Same length, big-endian: a value not below the modulus is not a signature of this key.
  if (!std::lexicographical_compare(signed_object.begin(), signed_object.end(), modulus.begin(), modulus.end())) {
    return Error::kSecurity;
  }
  SSCARD_TRY(crypto.rsa_public(modulus, exponent, signed_object, x.first(n)));
  const ByteSpan block = x.first(n);
  if (block[0] != kHeader || block[n - 1] != kTrailer) return Error::kSecurity;
  if (block[1] != static_cast<std::uint8_t>(format)) return Error::kMalformed;
  std::array<std::uint8_t, kEmvMaxMessageSize> msg{};
  const ByteSpan msg1 = msg1_of(block);
  auto at = std::copy(msg1.begin(), msg1.end(), msg.begin());
  at = std::copy(msg_rest.begin(), msg_rest.end(), at);
  std::array<std::uint8_t, kSha1Size> hash{};
  SSCARD_TRY(crypto.digest(Hash::kSha1, std::span(msg).first(static_cast<std::size_t>(at - msg.begin())), hash));
  if (!constant_time_equal(hash, block.subspan(n - 1 - kSha1Size, kSha1Size))) return Error::kSecurity;
  return n;
}

Result<IssuerCertificate> recover_issuer_certificate(Crypto& crypto, ByteSpan ca_modulus, ByteSpan ca_exponent,
                                                     ByteSpan certificate, ByteSpan remainder, ByteSpan exponent) {
  std::array<std::uint8_t, kEmvMaxModulusSize> x{};
  SSCARD_TRY(recover_into(crypto, ca_modulus, ca_exponent, certificate, EmvObject::kIssuerCertificate,
                          Parts{{remainder, exponent, {}}, 2}, x));
  // [7] 5.2.2 table: 02 | issuer id (4) | MMYY (2) | serial (3) | hash alg | key alg | key length | exponent
  // length | key digits (N_CA - 36), then the hash and BC.
  const ByteSpan b = std::span(x).first(ca_modulus.size());
  if (b.size() < 37) return Error::kMalformed;  // no room for a single key digit
  IssuerCertificate c;
  std::copy_n(b.begin() + 2, 4, c.issuer_id.begin());
  std::copy_n(b.begin() + 6, 2, c.expiry.begin());
  std::copy_n(b.begin() + 8, 3, c.serial.begin());
  c.hash_algorithm = b[11];
  c.key_algorithm = b[12];
  const KeyFields f{b[11], b[12], b[13], b[14], b.subspan(15, b.size() - 36)};
  SSCARD_TRY(assemble_key(f, remainder, exponent, c.key));
  return c;
}

Result<IccCertificate> recover_icc_certificate(Crypto& crypto, ByteSpan issuer_modulus, ByteSpan issuer_exponent,
                                               ByteSpan certificate, ByteSpan remainder, ByteSpan exponent,
                                               ByteSpan static_data) {
  std::array<std::uint8_t, kEmvMaxModulusSize> x{};
  SSCARD_TRY(recover_into(crypto, issuer_modulus, issuer_exponent, certificate, EmvObject::kIccCertificate,
                          Parts{{remainder, exponent, static_data}, 3}, x));
  // [7] 5.3.3 table: 04 | PAN (10) | MMYY (2) | serial (3) | hash alg | key alg | key length | exponent length
  // | key digits (N_I - 42), then the hash and BC.
  const ByteSpan b = std::span(x).first(issuer_modulus.size());
  if (b.size() < 43) return Error::kMalformed;  // no room for a single key digit
  IccCertificate c;
  std::copy_n(b.begin() + 2, 10, c.pan.begin());
  std::copy_n(b.begin() + 12, 2, c.expiry.begin());
  std::copy_n(b.begin() + 14, 3, c.serial.begin());
  c.hash_algorithm = b[17];
  c.key_algorithm = b[18];
  const KeyFields f{b[17], b[18], b[19], b[20], b.subspan(21, b.size() - 42)};
  SSCARD_TRY(assemble_key(f, remainder, exponent, c.key));
  return c;
}

Result<SignedStaticData> recover_signed_static_data(Crypto& crypto, ByteSpan issuer_modulus,
                                                    ByteSpan issuer_exponent, ByteSpan ssad, ByteSpan static_data) {
  std::array<std::uint8_t, kEmvMaxModulusSize> x{};
  SSCARD_TRY(recover_into(crypto, issuer_modulus, issuer_exponent, ssad, EmvObject::kSignedStaticData,
                          Parts{{static_data, {}, {}}, 1}, x));
  // [7] 5.2.3 table: 03 | hash alg | DAC (2) | pad BB.., then the hash and BC.
  SignedStaticData s;
  s.hash_algorithm = x[2];
  if (s.hash_algorithm != kEmvHashSha1) return Error::kUnsupported;
  s.data_authentication_code = {x[3], x[4]};
  return s;
}

Result<DynamicSignature> recover_dynamic_signature(Crypto& crypto, ByteSpan icc_modulus, ByteSpan icc_exponent,
                                                   ByteSpan sdad, ByteSpan terminal_data) {
  std::array<std::uint8_t, kEmvMaxModulusSize> x{};
  SSCARD_TRY(recover_into(crypto, icc_modulus, icc_exponent, sdad, EmvObject::kSignedDynamicData,
                          Parts{{terminal_data, {}, {}}, 1}, x));
  // [7] 5.3.5.2 table: 05 | hash alg | LDD | ICC dynamic data (LDD) | pad BB.., then the hash and BC.
  const std::size_t n = icc_modulus.size();
  DynamicSignature d;
  d.hash_algorithm = x[2];
  if (d.hash_algorithm != kEmvHashSha1) return Error::kUnsupported;
  const std::size_t ldd = x[3];
  if (ldd > n - 25) return Error::kMalformed;
  const ByteSpan data = std::span(x).subspan(4, ldd);
  // [7] 5.3.5.1 and 5.3.6.1 table 16: number length (1) | number (2-8) [| CID | AC (8) | TDH (20)].
  if (data.empty() || data[0] < 2 || data[0] > 8 || data[0] + 1u > data.size()) return Error::kMalformed;
  std::copy(data.begin(), data.end(), d.icc_dynamic_data_storage.begin());
  d.icc_dynamic_data_size = data.size();
  d.number_size = data[0];
  std::copy_n(data.begin() + 1, d.number_size, d.number_storage.begin());
  const ByteSpan after = data.subspan(1 + d.number_size);
  if (after.size() == 1 + 8 + kSha1Size) {
    d.has_cda_data = true;
    d.cid = after[0];
    std::copy_n(after.begin() + 1, 8, d.cryptogram.begin());
    std::copy_n(after.begin() + 9, kSha1Size, d.transaction_data_hash.begin());
  }
  return d;
}

namespace {
// Nibble i of packed BCD, the high nibble first.
unsigned nibble_at(ByteSpan bcd, std::size_t i) {
  const unsigned byte = bcd[i / 2];
  return i % 2 == 0 ? byte >> 4 : byte & 0xFu;
}
}  // namespace

bool issuer_id_matches(ByteSpan issuer_id, std::string_view pan) {
  if (issuer_id.size() != 4) return false;
  std::size_t digits = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    const unsigned nibble = nibble_at(issuer_id, i);
    if (nibble == 0xF) break;
    if (nibble > 9 || i >= pan.size() || pan[i] != static_cast<char>('0' + nibble)) return false;
    ++digits;
  }
  for (std::size_t i = digits; i < 8; ++i) {  // only F after the digits
    if (nibble_at(issuer_id, i) != 0xF) return false;
  }
  return digits >= 3;
}

}  // namespace sscard::crypto

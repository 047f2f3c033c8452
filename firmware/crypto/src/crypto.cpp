#include "sscard/crypto/crypto.h"

#include <algorithm>

namespace sscard::crypto {

std::size_t block_size(Cipher c) {
  switch (c) {
    case Cipher::kTdes:
      return 8;  // DES block, FIPS 46-3 / NIST SP 800-67
    case Cipher::kSm4:
      return 16;  // GB/T 32907-2016 5.1
    case Cipher::kAes:
      return 16;  // FIPS 197 3.1
  }
  return 0;
}

Status check_rsa_private_arguments(ByteSpan modulus, ByteSpan private_exponent, ByteSpan in, MutableByteSpan out) {
  constexpr std::size_t kMaxModulusSize = 512;  // 4096 bits: above every EMV and PBOC key
  if (modulus.empty() || modulus.size() > kMaxModulusSize || modulus[0] == 0 || (modulus.back() & 1) == 0) {
    return Error::kInvalidArgument;
  }
  if (private_exponent.empty() || private_exponent.size() > modulus.size() ||
      std::all_of(private_exponent.begin(), private_exponent.end(), [](std::uint8_t b) { return b == 0; })) {
    return Error::kInvalidArgument;
  }
  if (in.size() != modulus.size()) return Error::kInvalidArgument;
  // Same length, big-endian: byte order comparison is numeric comparison.
  if (!std::lexicographical_compare(in.begin(), in.end(), modulus.begin(), modulus.end())) {
    return Error::kInvalidArgument;
  }
  if (out.size() < modulus.size()) return Error::kBufferTooSmall;
  return Status();
}

std::size_t digest_size(Hash h) {
  switch (h) {
    case Hash::kSha1:
      return 20;  // FIPS 180-4 6.1
    case Hash::kSha256:
      return 32;  // FIPS 180-4 6.2
    case Hash::kSm3:
      return 32;  // GB/T 32905-2016 5.1
  }
  return 0;
}

Status Sm2PublicKey::verify(ByteSpan message, ByteSpan signature) {
  // A signature of another length is a wrong signature, as in Crypto::sm2_verify (it came from a card).
  if (signature.size() != kSignatureSize) return Error::kSecurity;
  return verify_signature(message, signature.first<kSignatureSize>());
}

Result<std::size_t> Crypto::aead_seal(Aead /*a*/, ByteSpan /*key*/, ByteSpan /*nonce*/, ByteSpan /*aad*/,
                                      ByteSpan /*plaintext*/, MutableByteSpan /*out*/) {
  return Error::kUnsupported;
}

Result<std::size_t> Crypto::aead_open(Aead /*a*/, ByteSpan /*key*/, ByteSpan /*nonce*/, ByteSpan /*aad*/,
                                      ByteSpan /*sealed*/, MutableByteSpan /*out*/) {
  return Error::kUnsupported;
}

Status check_aead_arguments(Aead a, ByteSpan key, ByteSpan nonce, MutableByteSpan out, std::size_t out_needed) {
  bool key_ok = false;
  switch (a) {
    case Aead::kAesGcm:
      key_ok = key.size() == 16 || key.size() == 24 || key.size() == 32;
      break;
  }
  if (!key_ok || nonce.size() != kAeadNonceSize) return Error::kInvalidArgument;
  if (out.size() < out_needed) return Error::kBufferTooSmall;
  return kOk;
}

Result<std::unique_ptr<Sm2PublicKey>> Crypto::sm2_prepare_public_key(ByteSpan /*public_key*/, std::string_view /*id*/) {
  return Error::kUnsupported;
}

}  // namespace sscard::crypto

// RSA offline data authentication objects of PBOC 3.0 (JR/T 0025.7 5.2, 5.3 and 11.2.1; EMV Book 2 5, 6;
// docs/PAYMENT.md 7.2): the signature block X = 6A || MSG1 || SHA-1(MSG) || BC, its signing (card, issuer,
// CA) and its recovery and checks (terminal), and the content of the issuer and ICC public key certificates,
// the signed static application data and the signed dynamic application data.
//
// Errors of the recover_* functions, each meaning "this data authentication fails":
//   kMalformed  the object's layout is wrong: its length is not the signer's modulus length, the format byte
//               is not the object's, a length inside it does not fit (key length, exponent length, remainder,
//               ICC dynamic data length);
//   kSecurity   the signature is wrong: the recovered block does not start with 6A and end with BC, or the hash
//               inside it is not SHA-1 of MSG (also when the object is not below the signer's modulus);
//   kUnsupported the hash algorithm indicator is not 01 (SHA-1), the only one PBOC defines, or the public
//               key algorithm indicator is not 01 (RSA) (read once the SHA-1 hash has matched);
//   kInvalidArgument the caller's key is unusable (empty, even modulus, over 248 bytes), or the data the caller
//               adds to MSG makes it longer than kEmvMaxMessageSize.
// Dates are returned as they are (MMYY): whether a certificate has expired, and whether the issuer
// identifier and PAN match the card's, are the caller's checks (the parsed values are here for them).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto {

inline constexpr std::size_t kEmvMaxModulusSize = 248;         // 1984 bits, the EMV maximum
inline constexpr std::size_t kEmvBlockOverhead = 22;           // 6A, the 20-byte SHA-1, BC
inline constexpr std::size_t kEmvMaxMessageSize = 2048;        // MSG1 || the rest, as hashed
inline constexpr std::uint8_t kEmvHashSha1 = 0x01;             // hash algorithm indicator
inline constexpr std::uint8_t kEmvKeyAlgorithmRsa = 0x01;      // public key algorithm indicator

// The format bytes of [7] 5.2 and 5.3 (the second byte of X).
enum class EmvObject : std::uint8_t {
  kIssuerCertificate = 0x02,
  kSignedStaticData = 0x03,
  kIccCertificate = 0x04,
  kSignedDynamicData = 0x05,
};

// Writes X = 6A || MSG1 || SHA-1(MSG) || BC for a signer whose modulus is `modulus_size` bytes, MSG1 being the
// first modulus_size - 22 bytes of `msg` (the rest of `msg` is only hashed). Returns modulus_size.
// kInvalidArgument: modulus_size under 23 or over 248, or `msg` shorter than modulus_size - 22.
// kBufferTooSmall: `out` is shorter than modulus_size.
Result<std::size_t> emv_signature_block(Crypto& crypto, std::size_t modulus_size, ByteSpan msg, MutableByteSpan out);

// Signs `msg` as [7] 11.2.1 does: emv_signature_block, then the raw private operation (Crypto::rsa_private).
// Writes modulus.size() bytes and returns that length. Errors of both.
Result<std::size_t> emv_sign(Crypto& crypto, ByteSpan modulus, ByteSpan private_exponent, ByteSpan msg,
                             MutableByteSpan out);

// Recovers X from `signed_object` with the signer's public key and checks it: 6A header, BC trailer, format
// byte `format`, and the hash over MSG = the recovered MSG1 || `msg_rest` (what the caller knows of MSG beyond
// the block). Writes X (modulus.size() bytes) into `x` and returns its length; MSG1 is x[1 .. N - 21).
// kBufferTooSmall: `x` shorter than the modulus. Other errors: above.
Result<std::size_t> emv_recover(Crypto& crypto, ByteSpan modulus, ByteSpan exponent, ByteSpan signed_object,
                                EmvObject format, ByteSpan msg_rest, MutableByteSpan x);

// An RSA public key recovered from a certificate: modulus (its bytes in modulus_storage) and exponent.
struct RsaPublicKey {
  std::array<std::uint8_t, kEmvMaxModulusSize> modulus_storage{};
  std::size_t modulus_size = 0;
  std::array<std::uint8_t, 3> exponent_storage{};
  std::size_t exponent_size = 0;

  ByteSpan modulus() const { return ByteSpan(modulus_storage).first(modulus_size); }
  ByteSpan exponent() const { return ByteSpan(exponent_storage).first(exponent_size); }
};

// The issuer public key certificate (tag 90) of [7] 5.2.2 / 5.3.2, after recovery.
struct IssuerCertificate {
  std::array<std::uint8_t, 4> issuer_id{};  // leftmost 3-8 PAN digits, F-padded (cn 8)
  std::array<std::uint8_t, 2> expiry{};     // MMYY, BCD
  std::array<std::uint8_t, 3> serial{};
  std::uint8_t hash_algorithm = 0;          // 01: SHA-1
  std::uint8_t key_algorithm = 0;           // 01: RSA
  RsaPublicKey key;
};

// Recovers the issuer public key from tag 90 with the CA key, tag 92 (`remainder`, empty when the card has
// none) and tag 9F32 (`exponent`, 1 or 3 bytes). MSG = recovered MSG1 || remainder || exponent. kMalformed also
// when the remainder's length is not what the key length needs, or the exponent's length differs from the
// certificate's.
Result<IssuerCertificate> recover_issuer_certificate(Crypto& crypto, ByteSpan ca_modulus, ByteSpan ca_exponent,
                                                     ByteSpan certificate, ByteSpan remainder, ByteSpan exponent);

// The ICC public key certificate (tag 9F46) of [7] 5.3.3, after recovery.
struct IccCertificate {
  std::array<std::uint8_t, 10> pan{};   // the PAN, F-padded (cn 20)
  std::array<std::uint8_t, 2> expiry{};  // MMYY, BCD
  std::array<std::uint8_t, 3> serial{};
  std::uint8_t hash_algorithm = 0;
  std::uint8_t key_algorithm = 0;
  RsaPublicKey key;
};

// Recovers the ICC public key from tag 9F46 with the issuer key, tag 9F48 (`remainder`, may be empty), tag
// 9F47 (`exponent`) and the static data to authenticate. MSG = MSG1 || remainder || exponent || static data.
Result<IccCertificate> recover_icc_certificate(Crypto& crypto, ByteSpan issuer_modulus, ByteSpan issuer_exponent,
                                               ByteSpan certificate, ByteSpan remainder, ByteSpan exponent,
                                               ByteSpan static_data);

// Signed static application data (tag 93) of [7] 5.2.3, after recovery.
struct SignedStaticData {
  std::uint8_t hash_algorithm = 0;
  std::array<std::uint8_t, 2> data_authentication_code{};  // DAC, kept by the terminal in 9F45
};

// Recovers tag 93 with the issuer key; MSG = MSG1 || static data to authenticate.
Result<SignedStaticData> recover_signed_static_data(Crypto& crypto, ByteSpan issuer_modulus,
                                                    ByteSpan issuer_exponent, ByteSpan ssad, ByteSpan static_data);

// Signed dynamic application data (tag 9F4B) of [7] 5.3.5 (DDA) and 5.3.6 (CDA), after recovery. The ICC
// dynamic data is `number` (its length byte and value: here the ATC) and, for CDA, CID || AC || TDH.
struct DynamicSignature {
  std::uint8_t hash_algorithm = 0;
  std::array<std::uint8_t, kEmvMaxModulusSize> icc_dynamic_data_storage{};
  std::size_t icc_dynamic_data_size = 0;
  std::array<std::uint8_t, 8> number_storage{};  // the ICC dynamic number, 2 to 8 bytes
  std::size_t number_size = 0;
  bool has_cda_data = false;  // the ICC dynamic data holds exactly number || CID || AC || TDH
  std::uint8_t cid = 0;
  std::array<std::uint8_t, 8> cryptogram{};
  std::array<std::uint8_t, 20> transaction_data_hash{};

  ByteSpan icc_dynamic_data() const { return ByteSpan(icc_dynamic_data_storage).first(icc_dynamic_data_size); }
  ByteSpan number() const { return ByteSpan(number_storage).first(number_size); }
  // The ATC when the dynamic number is 2 bytes (docs/PAYMENT.md 7.2), else 0.
  std::uint16_t atc() const {
    return number_size == 2 ? static_cast<std::uint16_t>((number_storage[0] << 8) | number_storage[1]) : 0;
  }
};

// Recovers tag 9F4B with the ICC key; MSG = MSG1 || `terminal_data` (DDA: the DDOL data; CDA: the unpredictable
// number). kMalformed also when the ICC dynamic data length runs past the block or its number length is not 2
// to 8. The caller compares the CID, the TDH it computes and (with CDA) the cryptogram's place in the answer.
Result<DynamicSignature> recover_dynamic_signature(Crypto& crypto, ByteSpan icc_modulus, ByteSpan icc_exponent,
                                                   ByteSpan sdad, ByteSpan terminal_data);

// True when `issuer_id` (4 bytes, cn 8: 3 to 8 digits, F-padded) is the leftmost digits of `pan`
// ([7] 5.2.2 step 8 / 5.3.2). False for a malformed identifier (fewer than 3 digits, a digit after an F).
bool issuer_id_matches(ByteSpan issuer_id, std::string_view pan);

}  // namespace sscard::crypto

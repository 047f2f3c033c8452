// The electronic social-security card's QR code, format 1 (docs/ESSC.md "The code"): a short-lived code for
// one holder and one purpose, signed with SM2 by the issuing platform. This header is the code as a value,
// its binary and text forms, and signing; the kiosk's checks are in check.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"

namespace sscard::essc {

inline constexpr std::uint8_t kFormatVersion = 1;
// The text a QR code carries: this prefix, then the binary form in RFC 4648 Base32 without padding, so the
// whole text stays within the QR alphanumeric set (docs/ESSC.md "Text form").
inline constexpr std::string_view kTextPrefix = "ESSC:";

inline constexpr std::size_t kReferenceSize = 16;
inline constexpr std::size_t kNonceSize = 8;
inline constexpr std::size_t kSignatureSize = 64;
inline constexpr std::size_t kSignedSize = 38;                        // bytes 0..37, what the signature covers
inline constexpr std::size_t kCodeSize = kSignedSize + kSignatureSize;  // 102
inline constexpr std::size_t kTextSize = 5 + 164;                      // prefix + Base32 of 102 bytes
inline constexpr int kMaxValidityMinutes = 10;

// What a code may be used for; a kiosk accepts a code only in flows of its purpose.
enum class Purpose : std::uint8_t {
  kQuery = 0x01,    // identity and benefit query (also a scenic-spot gate's admission)
  kPayment = 0x02,  // a payment from the holder's bank account behind the electronic card
  kMedical = 0x03,  // medical settlement
};
std::string_view purpose_name(Purpose p);  // "query", "payment", "medical"
std::optional<Purpose> purpose_from_name(std::string_view name);

using Reference = std::array<std::uint8_t, kReferenceSize>;
using Nonce = std::array<std::uint8_t, kNonceSize>;
using Signature = std::array<std::uint8_t, kSignatureSize>;

struct Code {
  Purpose purpose = Purpose::kQuery;
  std::string platform;        // 6 digits: the issuing platform ("000000": the national platform)
  std::uint8_t key_index = 0;  // which of the platform's keys signed
  std::string region;          // 6 digits: the card's issuing region, which routes the online check
  Reference reference{};       // the platform's reference of the holder's card (never the SSN)
  std::uint32_t issued_at = 0;        // seconds since 1970-01-01 UTC
  std::uint8_t validity_minutes = 0;  // 1..kMaxValidityMinutes
  Nonce nonce{};
  Signature signature{};
  friend bool operator==(const Code&, const Code&) = default;
};

// Why a text or a byte string is not a well-formed code (before any signature or time check).
enum class FormatError : std::uint8_t {
  kNotACode,            // no "ESSC:" prefix: some other QR code or barcode
  kMalformed,           // bad Base32, wrong length, bad digits, a purpose or validity out of range
  kUnsupportedVersion,  // a format version this kiosk does not read
};
std::string_view format_error_name(FormatError e);  // "not_a_code", "malformed", "unsupported_version"

// Every field within the rules of the format: a known purpose, a 6-digit platform and region, a validity of 1 to
// kMaxValidityMinutes. What decode_binary() ensures, and what sign() and verify() require.
bool well_formed(const Code& code);

// The 102-byte binary form, and back. Decoding checks every field's range; the version byte is read first,
// before the length, since another version may have another layout (docs/ESSC.md "Offline checks"). Encoding a
// code that is not well formed writes FF FF FF for a platform or region that is not 6 digits.
Bytes encode_binary(const Code& code);
Result<Code, FormatError> decode_binary(ByteSpan bytes);
// The text form ("ESSC:" + Base32), and back.
std::string encode_text(const Code& code);
Result<Code, FormatError> parse_text(std::string_view text);

// The bytes the signature covers: the first kSignedSize bytes of the binary form.
Bytes signed_part(const Code& code);

// Signs the code (SM2 with SM3 and the GM/T default ID, crypto::kSm2DefaultId) with the platform's private key
// into code.signature. kInvalidArgument: a malformed key, or a code whose fields are out of range.
Status sign(crypto::Crypto& crypto, ByteSpan private_key, Code& code);
// kSecurity when the signature does not verify under `public_key` (64 bytes x||y); kInvalidArgument: a malformed
// key (not a point of the curve), or a code whose fields are out of range.
Status verify(crypto::Crypto& crypto, ByteSpan public_key, const Code& code);

}  // namespace sscard::essc

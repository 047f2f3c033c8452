#include "sscard/essc/code.h"

#include <algorithm>

#include "sscard/core/bcd.h"
#include "sscard/essc/base32.h"

namespace sscard::essc {
namespace {

// docs/ESSC.md "The code": the offsets of the binary form.
constexpr std::size_t kOffVersion = 0;
constexpr std::size_t kOffPurpose = 1;
constexpr std::size_t kOffPlatform = 2;
constexpr std::size_t kOffKeyIndex = 5;
constexpr std::size_t kOffRegion = 6;
constexpr std::size_t kOffReference = 9;
constexpr std::size_t kOffIssuedAt = 25;
constexpr std::size_t kOffValidity = 29;
constexpr std::size_t kOffNonce = 30;
constexpr std::size_t kOffSignature = kSignedSize;
static_assert(kOffNonce + kNonceSize == kSignedSize);
static_assert(kOffReference + kReferenceSize == kOffIssuedAt);
static_assert(kTextSize == kTextPrefix.size() + (kCodeSize * 8 + 4) / 5);

constexpr std::size_t kDigitsSize = 3;  // 6 BCD digits

bool six_digits(std::string_view s) {
  return s.size() == 6 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool known_purpose(std::uint8_t p) {
  return p == static_cast<std::uint8_t>(Purpose::kQuery) || p == static_cast<std::uint8_t>(Purpose::kPayment) ||
         p == static_cast<std::uint8_t>(Purpose::kMedical);
}

// Six digits as 3 BCD bytes; anything else as FF FF FF, which no decoder takes for digits.
void put_digits(std::string_view digits, std::uint8_t* out) {
  const MutableByteSpan span(out, kDigitsSize);
  if (!six_digits(digits) || !bcd::encode_n(digits, span).ok()) {
    std::fill(span.begin(), span.end(), std::uint8_t{0xFF});
  }
}

}  // namespace

bool well_formed(const Code& code) {
  return known_purpose(static_cast<std::uint8_t>(code.purpose)) && six_digits(code.platform) &&
         six_digits(code.region) && code.validity_minutes >= 1 && code.validity_minutes <= kMaxValidityMinutes;
}

std::string_view purpose_name(Purpose p) {
  switch (p) {
    case Purpose::kQuery: return "query";
    case Purpose::kPayment: return "payment";
    case Purpose::kMedical: return "medical";
  }
  return "unknown";
}

std::optional<Purpose> purpose_from_name(std::string_view name) {
  for (Purpose p : {Purpose::kQuery, Purpose::kPayment, Purpose::kMedical}) {
    if (purpose_name(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view format_error_name(FormatError e) {
  switch (e) {
    case FormatError::kNotACode: return "not_a_code";
    case FormatError::kMalformed: return "malformed";
    case FormatError::kUnsupportedVersion: return "unsupported_version";
  }
  return "unknown";
}

Bytes encode_binary(const Code& code) {
  Bytes out(kCodeSize, 0);
  out[kOffVersion] = kFormatVersion;
  out[kOffPurpose] = static_cast<std::uint8_t>(code.purpose);
  put_digits(code.platform, &out[kOffPlatform]);
  out[kOffKeyIndex] = code.key_index;
  put_digits(code.region, &out[kOffRegion]);
  std::copy(code.reference.begin(), code.reference.end(), out.data() + kOffReference);
  for (std::size_t i = 0; i < 4; ++i) {
    out[kOffIssuedAt + i] = static_cast<std::uint8_t>(code.issued_at >> (8 * (3 - i)));
  }
  out[kOffValidity] = code.validity_minutes;
  std::copy(code.nonce.begin(), code.nonce.end(), out.data() + kOffNonce);
  std::copy(code.signature.begin(), code.signature.end(), out.data() + kOffSignature);
  return out;
}

Result<Code, FormatError> decode_binary(ByteSpan bytes) {
  // The version first, before the length or any field: another version may have another layout
  // (docs/ESSC.md "Offline checks").
  if (bytes.empty()) return FormatError::kMalformed;
  if (bytes[kOffVersion] != kFormatVersion) return FormatError::kUnsupportedVersion;
  if (bytes.size() != kCodeSize) return FormatError::kMalformed;

  Code code;
  if (!known_purpose(bytes[kOffPurpose])) return FormatError::kMalformed;
  code.purpose = static_cast<Purpose>(bytes[kOffPurpose]);
  auto platform = bcd::decode_n(bytes.subspan(kOffPlatform, kDigitsSize));
  auto region = bcd::decode_n(bytes.subspan(kOffRegion, kDigitsSize));
  if (!platform.ok() || !region.ok()) return FormatError::kMalformed;
  code.platform = std::move(platform).value();
  code.key_index = bytes[kOffKeyIndex];
  code.region = std::move(region).value();
  std::copy_n(bytes.data() + kOffReference, kReferenceSize, code.reference.begin());
  for (std::size_t i = 0; i < 4; ++i) {
    code.issued_at = (code.issued_at << 8) | static_cast<std::uint32_t>(bytes[kOffIssuedAt + i]);
  }
  code.validity_minutes = bytes[kOffValidity];
  if (code.validity_minutes < 1 || code.validity_minutes > kMaxValidityMinutes) return FormatError::kMalformed;
  std::copy_n(bytes.data() + kOffNonce, kNonceSize, code.nonce.begin());
  std::copy_n(bytes.data() + kOffSignature, kSignatureSize, code.signature.begin());
  return code;
}

std::string encode_text(const Code& code) {
  return std::string(kTextPrefix) + base32_encode(encode_binary(code));
}

Result<Code, FormatError> parse_text(std::string_view text) {
  if (!text.starts_with(kTextPrefix)) return FormatError::kNotACode;
  // Base32 is the text form of every version (the prefix says so), so the whole text is decoded before the
  // version byte is read; text that is not Base32 is malformed whatever its version.
  auto bytes = base32_decode(text.substr(kTextPrefix.size()));
  if (!bytes.ok()) return FormatError::kMalformed;
  return decode_binary(*bytes);
}

Bytes signed_part(const Code& code) {
  Bytes bytes = encode_binary(code);
  bytes.resize(kSignedSize);
  return bytes;
}

Status sign(crypto::Crypto& crypto, ByteSpan private_key, Code& code) {
  if (!well_formed(code)) return Error::kInvalidArgument;
  Signature signature{};
  SSCARD_TRY(crypto.sm2_sign(private_key, crypto::kSm2DefaultId, signed_part(code), signature));
  code.signature = signature;
  return kOk;
}

Status verify(crypto::Crypto& crypto, ByteSpan public_key, const Code& code) {
  // Out-of-range fields have no binary form of their own (put_digits), so they are refused before any
  // signature is looked at.
  if (!well_formed(code)) return Error::kInvalidArgument;
  return crypto.sm2_verify(public_key, crypto::kSm2DefaultId, signed_part(code), code.signature);
}

}  // namespace sscard::essc

#include "sscard/transport/trace.h"

#include <algorithm>

#include "sscard/core/apdu.h"

namespace sscard::transport {
namespace {

// Instructions whose command data field carries a PIN, a PIN block or a cryptogram.
constexpr std::uint8_t kInsVerify = 0x20;               // ISO/IEC 7816-4 11.5.6; SSC: 00 20 00 00 03 <PIN>
constexpr std::uint8_t kInsChangeReference = 0x24;      // ISO CHANGE REFERENCE DATA; SSC/PBOC PIN UNBLOCK 84 24
constexpr std::uint8_t kInsResetRetryCounter = 0x2C;    // ISO/IEC 7816-4 11.5.10
constexpr std::uint8_t kInsChangePin = 0x5E;            // PBOC / SSC CHANGE PIN 80 5E
constexpr std::uint8_t kInsExternalAuthenticate = 0x82; // ISO/IEC 7816-4 11.5.4
constexpr std::uint8_t kInsInternalAuthenticate = 0x88; // ISO/IEC 7816-4 11.5.2
constexpr std::uint8_t kInsGenerateAc = 0xAE;           // EMV Book 3 6.5.5 / JR/T 0025.5 B.6

// ISO/IEC 7816-4 5.1.1: CLA b4 b3 != 00 marks secure messaging; the PBOC issuer scripts (84 1E, 84 18, 84 24,
// 04 DC, 04 DA; JR/T 0025.5 C.2) end their data field with a 4-byte MAC.
constexpr std::uint8_t kClaSecureMessagingBits = 0x0C;
constexpr std::size_t kScriptMacSize = 4;

// EMV Book 3 Annex A: 5A application PAN (cn, up to 19 digits, F-padded); 57 track 2 equivalent data and
// 9F6B (qPBOC / JR/T 0025.12) track 2 data: PAN, separator D, expiry YYMM, service code, discretionary data.
constexpr std::uint32_t kTagPan = 0x5A;
constexpr std::uint32_t kTagTrack2 = 0x57;
constexpr std::uint32_t kTagTrack2Contactless = 0x9F6B;
// 9F26 application cryptogram (format 2 GENERATE AC answers); 9F46 ICC public key certificate, which in the
// SM2 data set (JR/T 0025.17 5, format 14) carries the PAN in clear in bytes 2-11.
constexpr std::uint32_t kTagApplicationCryptogram = 0x9F26;
constexpr std::uint32_t kTagIccCertificate = 0x9F46;
constexpr std::uint8_t kSm2IccCertificateFormat = 0x14;
constexpr std::size_t kSm2CertificatePanSize = 10;
// A format 1 GENERATE AC answer: 80 L CID (1) ATC (2) AC (8) IAD (JR/T 0025.5 B.6.4).
constexpr std::uint8_t kTagFormat1Template = 0x80;
constexpr std::size_t kFormat1CryptogramOffset = 2 + 1 + 2;
constexpr std::size_t kCryptogramSize = 8;

// PCI DSS 3.4 style truncation: the first six and the last four digits may be shown.
constexpr std::size_t kPanShownFront = 6;
constexpr std::size_t kPanShownBack = 4;
constexpr std::size_t kTrack2SeparatorNibble = 0xD;
constexpr std::size_t kTrack2ExpiryAndServiceNibbles = 4 + 3;

// Holder identity (masked unless the trace is asked to show it). PBOC records: 5F20 cardholder name, 9F0B
// cardholder name extended (EMV Book 3 Annex A), 9F61 cardholder ID number (JR/T 0025.5 Annex A).
constexpr std::uint32_t kTagCardholderName = 0x5F20;
constexpr std::uint32_t kTagCardholderNameExtended = 0x9F0B;
constexpr std::uint32_t kTagCardholderIdNumber = 0x9F61;
// SSSE records (docs/CARD.md "Record format"): each record is one SIMPLE-TLV object. EF05 07 card number;
// EF06 08 social security number, 09 and 4E name, 0A sex, 0B ethnic group, 0C birthplace, 0D birth date.
constexpr std::uint8_t kInsReadRecord = 0xB2;
constexpr std::uint8_t kInsUpdateRecord = 0xDC;
constexpr std::uint8_t kSfiCurrent = 0;
constexpr std::uint8_t kSfiEf05 = 5;
constexpr std::uint8_t kSfiEf06 = 6;
constexpr std::size_t kSimpleTlvHeader = 2;

bool is_pboc_identity_tag(std::uint32_t tag) {
  return tag == kTagCardholderName || tag == kTagCardholderNameExtended || tag == kTagCardholderIdNumber;
}

bool is_ssse_identity_tag(std::uint8_t tag) {
  return tag == 0x07 || tag == 0x08 || tag == 0x09 || tag == 0x4E || (tag >= 0x0A && tag <= 0x0D);
}

// A READ RECORD / UPDATE RECORD of EF05 or EF06 (by SFI in P2 b8-b4, or of the current EF) whose record is
// one of the identity records above: `record` is the SIMPLE-TLV object (complete or not).
bool is_ssse_identity_record(ByteSpan command, ByteSpan record) {
  if (command.size() < 4 || record.empty()) return false;
  const std::uint8_t sfi = static_cast<std::uint8_t>(command[3] >> 3);
  if (sfi != kSfiCurrent && sfi != kSfiEf05 && sfi != kSfiEf06) return false;
  return is_ssse_identity_tag(record[0]);
}

constexpr int kMaxDepth = 8;
constexpr std::size_t kUnknown = static_cast<std::size_t>(-1);

bool has_secret_data_field(std::uint8_t ins) {
  switch (ins) {
    case kInsVerify:
    case kInsChangeReference:
    case kInsResetRetryCounter:
    case kInsChangePin:
    case kInsExternalAuthenticate:
    case kInsInternalAuthenticate:
      return true;
    default:
      return false;
  }
}

std::uint8_t nibble(ByteSpan bytes, std::size_t index) {
  const std::uint8_t b = bytes[index / 2];
  return index % 2 == 0 ? static_cast<std::uint8_t>(b >> 4) : static_cast<std::uint8_t>(b & 0x0F);
}

// Masks the bytes of a packed PAN (starting at `offset`, `available` bytes present) that hold any digit but
// the first six and the last four. With `digits` unknown (the element is cut short) every byte after the
// first three is masked: the end of the PAN is not known yet.
void mask_pan(SecretRanges& secrets, std::size_t offset, std::size_t available, std::size_t digits) {
  constexpr std::size_t kFrontBytes = kPanShownFront / 2;
  if (digits == kUnknown) {
    if (available > kFrontBytes) secrets.add(offset + kFrontBytes, available - kFrontBytes);
    return;
  }
  if (digits <= kPanShownFront) return;
  // A PAN too short to keep both ends keeps only the front.
  const std::size_t shown_back = digits > kPanShownFront + kPanShownBack ? kPanShownBack : 0;
  const std::size_t last_masked_digit = digits - shown_back - 1;
  const std::size_t last_byte = std::min(last_masked_digit / 2, available - 1);
  if (last_byte >= kFrontBytes) secrets.add(offset + kFrontBytes, last_byte - kFrontBytes + 1);
}

void mask_cn_pan(SecretRanges& secrets, std::size_t offset, ByteSpan value, bool complete) {
  std::size_t digits = kUnknown;
  if (complete) {
    digits = 0;
    while (digits < 2 * value.size() && nibble(value, digits) <= 9) ++digits;
  }
  mask_pan(secrets, offset, value.size(), digits);
}

void mask_track2(SecretRanges& secrets, std::size_t offset, ByteSpan value) {
  std::size_t separator = 0;
  while (separator < 2 * value.size() && nibble(value, separator) != kTrack2SeparatorNibble) ++separator;
  if (separator == 2 * value.size()) {
    // No separator (yet): treat it all as PAN of unknown length.
    mask_pan(secrets, offset, value.size(), kUnknown);
    return;
  }
  mask_pan(secrets, offset, value.size(), separator);
  const std::size_t discretionary = (separator + 1 + kTrack2ExpiryAndServiceNibbles) / 2;
  if (discretionary < value.size()) secrets.add(offset + discretionary, value.size() - discretionary);
}

// Walks BER-TLV leniently: an element cut short still has its available value inspected, and the walk
// stops at the first thing that is not TLV. `base` is the offset of `data` in the whole response.
void scan(ByteSpan data, std::size_t base, SecretRanges& secrets, int depth, bool mask_identity) {
  std::size_t pos = 0;
  while (pos < data.size()) {
    if (data[pos] == 0x00 || data[pos] == 0xFF) {  // padding between elements (ISO/IEC 7816-4 5.2)
      ++pos;
      continue;
    }
    const std::uint8_t first = data[pos++];
    std::uint32_t tag = first;
    if ((first & 0x1F) == 0x1F) {
      std::size_t extra = 0;
      while (true) {
        if (pos == data.size() || ++extra > 3) return;
        const std::uint8_t b = data[pos++];
        tag = (tag << 8) | b;
        if ((b & 0x80) == 0) break;
      }
    }
    if (pos == data.size()) return;
    std::size_t length = data[pos++];
    if (length == 0x80 || length > 0x84) return;
    if (length > 0x80) {
      const std::size_t count = length - 0x80;
      if (data.size() - pos < count) return;
      length = 0;
      for (std::size_t i = 0; i < count; ++i) length = (length << 8) | data[pos++];
    }
    const std::size_t available = std::min(length, data.size() - pos);
    const bool complete = available == length;
    const ByteSpan value = data.subspan(pos, available);
    if (tag == kTagPan) {
      mask_cn_pan(secrets, base + pos, value, complete);
    } else if (tag == kTagTrack2 || tag == kTagTrack2Contactless) {
      mask_track2(secrets, base + pos, value);
    } else if (tag == kTagApplicationCryptogram || (mask_identity && is_pboc_identity_tag(tag))) {
      secrets.add(base + pos, available);
    } else if (tag == kTagIccCertificate && !value.empty() && value[0] == kSm2IccCertificateFormat) {
      const ByteSpan pan = value.subspan(1, std::min(kSm2CertificatePanSize, value.size() - 1));
      mask_cn_pan(secrets, base + pos + 1, pan, pan.size() == kSm2CertificatePanSize);
    } else if ((first & 0x20) != 0 && depth < kMaxDepth) {
      scan(value, base + pos, secrets, depth + 1, mask_identity);
    }
    if (!complete) return;
    pos += length;
  }
}

}  // namespace

void DefaultRedactor::command_secrets(ByteSpan command, SecretRanges& secrets) const {
  if (command.size() < 4) return;
  if (identity_ == Identity::kMasked && command[1] == kInsUpdateRecord) {
    auto parsed = apdu::parse_command(command);
    if (!parsed.ok()) {
      secrets.add(4, command.size() - 4);
    } else if (is_ssse_identity_record(command, parsed->data) && parsed->data.size() > kSimpleTlvHeader) {
      const std::size_t data = static_cast<std::size_t>(parsed->data.data() - command.data());
      secrets.add(data + kSimpleTlvHeader, parsed->data.size() - kSimpleTlvHeader);
    }
  }
  if (!has_secret_data_field(command[1])) {
    if ((command[0] & kClaSecureMessagingBits) == 0) return;
    // A secure-messaging command: its data may be plain (a new limit) but its MAC is a secret.
    auto parsed = apdu::parse_command(command);
    if (!parsed.ok()) {
      secrets.add(4, command.size() - 4);
      return;
    }
    const std::size_t mac = std::min(kScriptMacSize, parsed->data.size());
    if (mac > 0) {
      secrets.add(static_cast<std::size_t>(parsed->data.data() - command.data()) + parsed->data.size() - mac, mac);
    }
    return;
  }
  auto parsed = apdu::parse_command(command);
  if (!parsed.ok()) {
    // Not a well-formed APDU: everything after the header may be the secret.
    secrets.add(4, command.size() - 4);
    return;
  }
  if (parsed->data.empty()) return;
  secrets.add(static_cast<std::size_t>(parsed->data.data() - command.data()), parsed->data.size());
}

void DefaultRedactor::response_secrets(ByteSpan command, ByteSpan response_data, SecretRanges& secrets) const {
  if (command.size() >= 2 && command[1] == kInsInternalAuthenticate) {
    secrets.add(0, response_data.size());  // the card's authentication cryptogram
    return;
  }
  if (command.size() >= 2 && command[1] == kInsGenerateAc && !response_data.empty() &&
      response_data[0] == kTagFormat1Template) {
    // Format 1 has no 9F26 tag around the cryptogram; a short (cut) answer masks what it has of it.
    if (response_data.size() > kFormat1CryptogramOffset) {
      secrets.add(kFormat1CryptogramOffset,
                  std::min(kCryptogramSize, response_data.size() - kFormat1CryptogramOffset));
    }
    return;
  }
  const bool mask_identity = identity_ == Identity::kMasked;
  if (mask_identity && command.size() >= 4 && command[1] == kInsReadRecord &&
      is_ssse_identity_record(command, response_data)) {
    if (response_data.size() > kSimpleTlvHeader) {
      secrets.add(kSimpleTlvHeader, response_data.size() - kSimpleTlvHeader);
    }
    return;
  }
  scan(response_data, 0, secrets, 0, mask_identity);
}

const Redactor& default_redactor() {
  static const DefaultRedactor redactor(DefaultRedactor::Identity::kMasked);
  return redactor;
}

const Redactor& identity_showing_redactor() {
  static const DefaultRedactor redactor(DefaultRedactor::Identity::kShown);
  return redactor;
}

}  // namespace sscard::transport

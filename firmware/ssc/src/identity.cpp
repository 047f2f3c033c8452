#include "sscard/ssc/identity.h"

#include <algorithm>
#include <array>

#include "sscard/core/atr.h"
#include "sscard/core/bcd.h"
#include "sscard/core/date.h"
#include "sscard/core/gbk.h"
#include "sscard/core/status_word.h"
#include "sscard/core/tlv.h"
#include "sscard/ssc/commands.h"

namespace sscard::ssc {
namespace {

// SSC-CARD.md "Record format": EF05 record n has tag 0n; EF06 holds 08, 09, 4E, 0A..0D.
enum : std::uint8_t {
  kTagCardId = 0x01,
  kTagCardType = 0x02,
  kTagSpecVersion = 0x03,
  kTagInitOrg = 0x04,
  kTagIssueDate = 0x05,
  kTagExpiryDate = 0x06,
  kTagCardNumber = 0x07,
  kTagSsn = 0x08,
  kTagName = 0x09,
  kTagNameExtension = 0x4E,
  kTagSex = 0x0A,
  kTagNation = 0x0B,
  kTagBirthplace = 0x0C,
  kTagBirthDate = 0x0D,
};

constexpr std::array<RecordField, 14> kRecords = {{
    {kSfiEf05, kTagCardId, 16, false},
    {kSfiEf05, kTagCardType, 1, false},
    {kSfiEf05, kTagSpecVersion, 4, false},
    {kSfiEf05, kTagInitOrg, 12, true},
    {kSfiEf05, kTagIssueDate, 4, false},
    {kSfiEf05, kTagExpiryDate, 4, false},
    {kSfiEf05, kTagCardNumber, 9, true},
    {kSfiEf06, kTagSsn, 18, true},
    {kSfiEf06, kTagName, 30, true},
    {kSfiEf06, kTagNameExtension, 20, true},
    {kSfiEf06, kTagSex, 1, false},
    {kSfiEf06, kTagNation, 1, false},
    {kSfiEf06, kTagBirthplace, 3, false},
    {kSfiEf06, kTagBirthDate, 4, false},
}};

// 卡识别码 = issuing region (3 bytes BCD) + D156000005 + 8 card-specific bytes.
constexpr std::size_t kRegionBytes = 3;

// FCI of SSSE: 9F0C 03 86 01 xx, xx = algorithm identifier (SSC-CARD.md "Applications and files").
constexpr tlv::Tag kTagFciIssuerData = 0x9F0C;
constexpr tlv::Tag kTagAlgorithmId = 0x86;
constexpr std::uint8_t kDefaultAlgorithmId = 1;

const RecordField* find_field(std::uint8_t tag) {
  for (const RecordField& f : kRecords) {
    if (f.tag == tag) return &f;
  }
  return nullptr;
}

// Text going into a '|'-separated line must hold neither control characters nor the separator.
bool is_clean_text(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F || c == '|';
  });
}

ByteSpan trim_zero_padding(ByteSpan field) {
  std::size_t n = field.size();
  while (n > 0 && field[n - 1] == 0x00) --n;
  return field.first(n);
}

// `an`: ASCII, left-aligned, padded with 00 (SSC-CARD.md "Record format").
Result<std::string> decode_an(ByteSpan field) {
  const ByteSpan text = trim_zero_padding(field);
  std::string out(text.begin(), text.end());
  for (char c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E || c == '|') return Error::kMalformed;
  }
  return out;
}

// GBK text padded with 00 (or spaces).
Result<std::string> decode_gbk(ByteSpan field) {
  SSCARD_TRY_ASSIGN(std::string text, gbk::to_utf8(gbk::trim_padding(field)));
  if (!is_clean_text(text)) return Error::kMalformed;
  return text;
}

bool all_bytes_are(ByteSpan field, std::uint8_t value) {
  return std::all_of(field.begin(), field.end(), [value](std::uint8_t b) { return b == value; });
}

// A BCD field of all 00 or all FF was never written.
bool is_unset(ByteSpan field) { return all_bytes_are(field, 0x00) || all_bytes_are(field, 0xFF); }

Result<std::string> decode_date(ByteSpan field) {
  if (is_unset(field)) return std::string();
  SSCARD_TRY_ASSIGN(Date date, decode_bcd_date(field));
  return to_yyyymmdd(date);
}

Result<std::string> decode_number(ByteSpan field) {
  if (is_unset(field)) return std::string();
  return bcd::decode_n(field);
}

Result<std::string> decode_region_code(ByteSpan field) {
  if (is_unset(field)) return std::string();
  return bcd::decode_cn(field);
}

// The initialising organisation's code: its encoding is unconfirmed (SSC-CARD.md), so printable ASCII is
// kept as text and anything else is shown as hex.
std::string decode_init_org(ByteSpan field) {
  auto text = decode_an(field);
  if (text.ok()) return *text;
  return to_hex(field);
}

// Stores `result` into `field`. Any decoding failure is a malformed record, except a C library without a
// GBK converter (kUnsupported), which is this build's limit and not the card's fault.
Status assign(std::string& field, Result<std::string> result) {
  if (!result.ok()) return result.status() == Error::kUnsupported ? Error::kUnsupported : Error::kMalformed;
  field = std::move(result).value();
  return kOk;
}

Status decode_value(std::uint8_t tag, ByteSpan value, Identity& id) {
  switch (tag) {
    case kTagCardId: {
      auto region = bcd::decode_n(value.first(kRegionBytes));
      if (!region.ok()) return Error::kMalformed;
      id.region = *region;
      id.card_id = to_hex(value);
      return kOk;
    }
    case kTagCardType:
      return assign(id.card_type, decode_an(value));
    case kTagSpecVersion:
      SSCARD_TRY(assign(id.spec_version, decode_an(value)));
      id.generation = generation_from_spec_version(id.spec_version);
      return kOk;
    case kTagInitOrg:
      id.init_org = decode_init_org(value);
      return kOk;
    case kTagIssueDate:
      return assign(id.issue_date, decode_date(value));
    case kTagExpiryDate:
      return assign(id.expiry_date, decode_date(value));
    case kTagCardNumber:
      return assign(id.card_number, decode_an(value));
    case kTagSsn:
      return assign(id.ssn, decode_an(value));
    case kTagName:
      return assign(id.name, decode_gbk(value));
    case kTagNameExtension: {
      std::string extension;
      SSCARD_TRY(assign(extension, decode_gbk(value)));
      id.name += extension;
      return kOk;
    }
    case kTagSex:
      return assign(id.sex, decode_an(value));
    case kTagNation:
      return assign(id.nation, decode_number(value));
    case kTagBirthplace:
      return assign(id.birthplace, decode_region_code(value));
    case kTagBirthDate:
      return assign(id.birth_date, decode_date(value));
    default:
      return Error::kInvalidArgument;
  }
}

}  // namespace

std::span<const RecordField> identity_records() { return kRecords; }

Generation generation_from_spec_version(std::string_view spec_version) {
  if (spec_version.empty()) return Generation::kUnknown;
  switch (spec_version.front()) {
    case '1':
      return Generation::kFirst;
    case '2':
      return Generation::kSecond;
    case '3':
      return Generation::kThird;
    default:
      return Generation::kUnknown;
  }
}

Result<std::uint8_t> algorithm_id_from_fci(ByteSpan fci) {
  if (fci.empty()) return kDefaultAlgorithmId;
  auto issuer_data = tlv::find_recursive(fci, kTagFciIssuerData);
  if (!issuer_data.ok()) {
    if (issuer_data.status() == Error::kNotFound) return kDefaultAlgorithmId;
    return Error::kMalformed;
  }
  auto algorithm = tlv::find(issuer_data->value, kTagAlgorithmId);
  if (!algorithm.ok() || algorithm->value.size() != 1) return Error::kMalformed;
  return algorithm->value[0];
}

Status decode_record(std::uint8_t expected_tag, ByteSpan record, Identity& identity) {
  const RecordField* field = find_field(expected_tag);
  if (field == nullptr) return Error::kInvalidArgument;
  // SSC-CARD.md "Record format": 1-byte tag, 1-byte length, value; the length byte must account for
  // exactly the rest of the record.
  if (record.size() < 2 || record[0] != expected_tag) return Error::kMalformed;
  const std::size_t length = record[1];
  if (record.size() - 2 != length) return Error::kMalformed;
  if (field->variable_length ? length > field->length : length != field->length) return Error::kMalformed;
  return decode_value(expected_tag, record.subspan(2), identity);
}

Result<Identity> read_identity(transport::Transport& t, ByteSpan atr) {
  Identity id;
  if (!atr.empty()) {
    auto parsed = atr::parse(atr);
    if (!parsed.ok()) return Error::kMalformed;
    id.atr_historical = to_hex(parsed->historical);
  }

  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};

  SSCARD_TRY_ASSIGN(apdu::Response selected, t.transmit(select_ssse(), buffer));
  if (selected.sw == sw::kFileNotFound) return Error::kNotFound;
  if (!selected.sw.is_success()) return Error::kCardStatus;
  SSCARD_TRY_ASSIGN(id.algorithm_id, algorithm_id_from_fci(selected.data));
  SSCARD_TRY(read_identity_records(t, id, false));
  return id;
}

Status read_identity_records(transport::Transport& t, Identity& id, bool skip_issuer_head) {
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  for (const RecordField& field : kRecords) {
    if (skip_issuer_head && (field.tag == kTagCardId || field.tag == kTagSpecVersion)) continue;
    SSCARD_TRY_ASSIGN(apdu::Response record,
                      t.transmit(read_record_by_tag(field.tag, field.sfi, 2u + field.length), buffer));
    if (record.sw.is_success()) {
      SSCARD_TRY(decode_record(field.tag, record.data, id));
      continue;
    }
    // 1st-generation cards have no name extension record (SSC-CARD.md, EF06 table).
    if (field.tag == kTagNameExtension && record.sw == sw::kRecordNotFound) continue;
    if (record.sw == sw::kSecurityNotSatisfied) {
      // A 3rd-generation card shows personal data only after external authentication with the PSAM's
      // RKSSSE key; without it the field stays empty. Earlier generations need no authentication to read.
      if (id.generation != Generation::kThird) return Error::kSecurity;
      id.personal_data_withheld = true;
      continue;
    }
    return Error::kCardStatus;
  }
  // The real 3rd-generation trace (SSC-CARD.md "Access") shows the personal records answering with
  // nothing but padding when the terminal has not authenticated: that is withheld data as well.
  if (id.generation == Generation::kThird && id.card_number.empty() && id.ssn.empty() && id.name.empty()) {
    id.personal_data_withheld = true;
  }
  return kOk;
}

std::string format_iface_line(const Identity& identity, std::string_view terminal_number,
                              std::string_view device_number) {
  const std::string_view fields[] = {
      identity.region,       identity.ssn,          identity.card_number, identity.card_id,
      identity.name,         identity.atr_historical, identity.spec_version, identity.issue_date,
      identity.expiry_date,  terminal_number,       device_number,
  };
  std::string line;
  for (std::string_view f : fields) {
    line += f;
    line += '|';
  }
  return line;
}

}  // namespace sscard::ssc

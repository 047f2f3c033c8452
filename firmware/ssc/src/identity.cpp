#include "sscard/ssc/identity.h"

#include <algorithm>
#include <array>

#include "sscard/core/atr.h"
#include "sscard/core/gbk.h"
#include "sscard/core/status_word.h"
#include "sscard/ssc/commands.h"

namespace sscard::ssc {
namespace {

// CARD.md "Record format": EF05 record n has tag 0n; EF06 holds 08, 09, 4E, 0A..0D.
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

const RecordField* find_field(std::uint8_t tag) {
  for (const RecordField& f : kRecords) {
    if (f.tag == tag) return &f;
  }
  return nullptr;
}

// Text going into a '|'-separated line must hold neither control characters nor the separator (D16).
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

// `an`: ASCII, left-aligned, padded with 00 (CARD.md "Record format"); printable characters only (D16).
template <std::size_t N>
Status decode_an(ByteSpan field, FixedString<N>& out) {
  const ByteSpan text = trim_zero_padding(field);
  for (std::uint8_t b : text) {
    if (b < 0x20 || b > 0x7E || b == '|') return Error::kMalformed;
  }
  auto decoded = FixedString<N>::from(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
  if (!decoded.ok()) return Error::kMalformed;
  out = *decoded;
  return kOk;
}

// GBK text padded with 00 (or spaces), appended to `name` as UTF-8. A C library without a GBK converter
// (kUnsupported) is this build's limit, not the card's fault; any other failure is a malformed record.
Status append_gbk(ByteSpan field, Name& name) {
  auto text = gbk::to_utf8(gbk::trim_padding(field));
  if (!text.ok()) return text.status() == Error::kUnsupported ? Error::kUnsupported : Error::kMalformed;
  if (!is_clean_text(*text) || !name.append(*text).ok()) return Error::kMalformed;
  return kOk;
}

bool all_bytes_are(ByteSpan field, std::uint8_t value) {
  return std::all_of(field.begin(), field.end(), [value](std::uint8_t b) { return b == value; });
}

// A BCD field of all 00 or all FF was never written (DECISIONS.md D11).
bool is_unset(ByteSpan field) { return all_bytes_are(field, 0x00) || all_bytes_are(field, 0xFF); }

Status decode_date(ByteSpan field, std::optional<Date>& out) {
  if (is_unset(field)) {
    out.reset();
    return kOk;
  }
  auto date = decode_bcd_date(field);
  if (!date.ok()) return Error::kMalformed;
  out = *date;
  return kOk;
}

// A BCD code (GB/T 2260 region, GB/T 3304 ethnic group): all its digits, or unset.
template <std::size_t Digits>
Status decode_code(ByteSpan field, std::optional<NumericCode<Digits>>& out) {
  if (is_unset(field)) {
    out.reset();
    return kOk;
  }
  auto code = NumericCode<Digits>::from_bcd(field);
  if (!code.ok()) return Error::kMalformed;
  out = *code;
  return kOk;
}

// GB/T 2261.1 as one ASCII character; 00 is unset.
Status decode_sex(ByteSpan field, Sex& out) {
  FixedString<1> text;
  SSCARD_TRY(decode_an(field, text));
  if (text.empty()) {
    out = Sex{};
  } else if (text == "1") {
    out = Sex::male();
  } else if (text == "2") {
    out = Sex::female();
  } else {
    out = Sex{Sex::Kind::kOther, text.view().front()};
  }
  return kOk;
}

Status decode_value(std::uint8_t tag, ByteSpan value, Identity& id) {
  switch (tag) {
    case kTagCardId: {
      auto region = RegionCode::from_bcd(value.first(kRegionBytes));
      if (!region.ok()) return Error::kMalformed;
      id.region = *region;
      std::copy(value.begin(), value.end(), id.card_id.begin());
      return kOk;
    }
    case kTagCardType:
      return decode_an(value, id.card_type);
    case kTagSpecVersion:
      SSCARD_TRY(decode_an(value, id.spec_version));
      id.generation = generation_from_spec_version(id.spec_version.view());
      return kOk;
    case kTagInitOrg: {
      auto raw = InitOrg::from(value);
      if (!raw.ok()) return Error::kMalformed;
      id.init_org = *raw;
      return kOk;
    }
    case kTagIssueDate:
      return decode_date(value, id.issue_date);
    case kTagExpiryDate:
      return decode_date(value, id.expiry_date);
    case kTagCardNumber:
      return decode_an(value, id.card_number);
    case kTagSsn:
      return decode_an(value, id.ssn);
    case kTagName:
      id.name.clear();
      return append_gbk(value, id.name);
    case kTagNameExtension:
      return append_gbk(value, id.name);
    case kTagSex:
      return decode_sex(value, id.sex);
    case kTagNation:
      return decode_code(value, id.nation);
    case kTagBirthplace:
      return decode_code(value, id.birthplace);
    case kTagBirthDate:
      return decode_date(value, id.birth_date);
    default:
      return Error::kInvalidArgument;
  }
}

std::string date_text(const std::optional<Date>& date) { return date ? to_yyyymmdd(*date) : std::string(); }

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

Status decode_record(std::uint8_t expected_tag, ByteSpan record, Identity& identity) {
  const RecordField* field = find_field(expected_tag);
  if (field == nullptr) return Error::kInvalidArgument;
  // CARD.md "Record format": 1-byte tag, 1-byte length, value; the length byte must account for exactly
  // the rest of the record.
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
    auto historical = AtrHistorical::from(parsed->historical);
    if (!historical.ok()) return Error::kMalformed;
    id.atr_historical = *historical;
  }

  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  SSCARD_TRY_ASSIGN(const SsseSelection selected, select_ssse(t, buffer));
  // A blocked application's records cannot be read: the card's 6283 is the answer (D30).
  if (selected.blocked) return Error::kCardStatus;
  id.algorithm_id = selected.algorithm_id;
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
    // 1st-generation cards have no name extension record (CARD.md, EF06 table).
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
  // The real 3rd-generation trace (CARD.md "Third-generation access") shows the personal records answering
  // with nothing but padding when the terminal has not authenticated: that is withheld data as well (D17).
  if (id.generation == Generation::kThird && id.card_number.empty() && id.ssn.empty() && id.name.empty()) {
    id.personal_data_withheld = true;
  }
  return kOk;
}

bool valid_device_number(std::string_view device_number) {
  if (device_number.size() > kMaxDeviceNumberSize) return false;
  for (const char c : device_number) {
    if (c < 0x20 || c > 0x7E || c == '|') return false;
  }
  return true;
}

std::string format_iface_line(const Identity& identity, std::string_view terminal_number,
                              std::string_view device_number) {
  const std::string fields[] = {
      identity.region ? identity.region->to_string() : std::string(),
      std::string(identity.ssn.view()),
      std::string(identity.card_number.view()),
      to_hex(identity.card_id),
      std::string(identity.name.view()),
      to_hex(identity.atr_historical.span()),
      std::string(identity.spec_version.view()),
      date_text(identity.issue_date),
      date_text(identity.expiry_date),
      std::string(terminal_number),
      std::string(device_number),
  };
  std::string line;
  for (const std::string& f : fields) {
    line += f;
    line += '|';
  }
  return line;
}

}  // namespace sscard::ssc

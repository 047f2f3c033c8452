// Reading the card and holder identity from the social-security environment (SSSE): the data behind the
// standard terminal interface's iReadCardBas (docs/CARD.md "Record format", "The standard terminal
// interface"). The identity is a typed record: codes, dates and bounded texts, stored inline (no heap);
// turning it into text is the front end's job, except for the iReadCardBas line, which is the interface's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "sscard/core/bytes.h"
#include "sscard/core/date.h"
#include "sscard/core/fixed_string.h"
#include "sscard/core/result.h"
#include "sscard/ssc/codes.h"
#include "sscard/ssc/ssse.h"
#include "sscard/transport/transport.h"

namespace sscard::ssc {

enum class Generation : std::uint8_t { kUnknown = 0, kFirst = 1, kSecond = 2, kThird = 3 };

// EF06 0A, one ASCII character (GB/T 2261.1): '1' male, '2' female. Any other printable character is kept
// as kOther with the character in `code`; unset (00) is kUnset.
struct Sex {
  enum class Kind : std::uint8_t { kUnset, kMale, kFemale, kOther };
  Kind kind = Kind::kUnset;
  char code = '\0';  // the character as stored; '\0' when unset

  static constexpr Sex male() { return Sex{Kind::kMale, '1'}; }
  static constexpr Sex female() { return Sex{Kind::kFemale, '2'}; }
  friend constexpr bool operator==(const Sex&, const Sex&) = default;
};

// The bounds of the record format (CARD.md "Record format"); the name is UTF-8 of at most 50 GBK bytes
// (09 and 4E), and one GBK byte may take up to three UTF-8 bytes.
using CardId = std::array<std::uint8_t, 16>;  // 卡识别码
using CardType = FixedString<1>;
using SpecVersion = FixedString<4>;
using InitOrg = FixedBytes<12>;                // the value bytes as stored, padding included (D3)
using CardNumber = FixedString<9>;
using Ssn = FixedString<18>;
using Name = FixedString<3 * (30 + 20)>;
using AtrHistorical = FixedBytes<15>;          // ISO/IEC 7816-3 8.2.2: at most 15 historical bytes

// A field the card left unset (a date or code of all 00 or all FF, an empty `an` field: D11) or withheld (3rd
// generation, see below) is empty: an empty optional or an empty text.
struct Identity {
  std::optional<RegionCode> region;      // EF05 01: first 3 BCD bytes of 卡识别码; set once 01 is read
  CardId card_id{};                      // EF05 01
  CardType card_type;                    // EF05 02, ASCII
  SpecVersion spec_version;              // EF05 03, e.g. "2.00"
  InitOrg init_org;                      // EF05 04, raw: its encoding is unconfirmed (D3)
  std::optional<Date> issue_date;        // EF05 05
  std::optional<Date> expiry_date;       // EF05 06
  CardNumber card_number;                // EF05 07, e.g. "X00000019"
  Ssn ssn;                               // EF06 08, the citizen ID number
  Name name;                             // EF06 09 followed by the name extension 4E, UTF-8
  Sex sex;                               // EF06 0A
  std::optional<NationCode> nation;      // EF06 0B, GB/T 3304
  std::optional<RegionCode> birthplace;  // EF06 0C, GB/T 2260
  std::optional<Date> birth_date;        // EF06 0D
  AtrHistorical atr_historical;          // from the ATR
  std::uint8_t algorithm_id = 1;
  Generation generation{};
  bool personal_data_withheld = false;  // 3rd-gen card read without PSAM authentication
};

static_assert(std::is_trivially_copyable_v<Identity>, "an Identity owns no heap memory");

// Reads the identity: select_ssse() (ssse.h), the algorithm identifier from its FCI, then EF05 records 01..07 (SFI 5)
// and EF06 records 08, 09, 4E, 0A..0D (SFI 6), each READ RECORD by identifier with Le = 2 + the documented
// length. `atr` is the card's ATR as power_up() returned it (its historical bytes go into the identity; an
// empty span leaves atr_historical empty).
//
// Errors (the card stays selected on SSSE where it got that far):
//  - kNotFound: SELECT SSSE answered 6A82: not a social-security card.
//  - kMalformed: the ATR cannot be parsed (nothing sent), the FCI is not BER-TLV or its 9F0C does not hold
//    86 01 xx, or a record breaks its format (wrong tag, length byte disagreeing with the data, a length
//    other than documented for a fixed field or over it for a text field, bad BCD, a code other than all
//    digits or all 00/FF, an invalid date, invalid GBK, a control character or '|' in text).
//  - kSecurity: a record answered 6982 on a card that is not 3rd generation. On a 3rd-generation card the
//    field is left empty and personal_data_withheld is set instead.
//  - kCardStatus: any other unexpected status word (6283 to SELECT: the application is blocked; 6A83 for a
//    record other than the name extension, ...); Transport::last_status_word() tells which.
//  - the transport's errors, passed through: kNoCard, kCardRemoved, kBufferTooSmall, kTimeout...
Result<Identity> read_identity(transport::Transport& t, ByteSpan atr);

// Reads the records of identity_records() into `identity` after SSSE has been selected, with the rules of
// read_identity() (withheld 3rd-generation fields, missing name extension). With `skip_issuer_head` the
// records 01 (卡识别码) and 03 (spec version), which the secured flows read first, are not read again.
// Errors as read_identity().
Status read_identity_records(transport::Transport& t, Identity& identity, bool skip_issuer_head);

// The iReadCardBas output: 11 fields, each followed by '|' (CARD.md "The standard terminal interface"):
// region|SSN|card number|卡识别码|name|ATR historical|spec version|issue date|expiry|terminal number|device number|
// with 卡识别码 and the historical bytes in upper-case hex, dates YYYYMMDD, unset fields empty.
std::string format_iface_line(const Identity& identity, std::string_view terminal_number,
                              std::string_view device_number);

// A terminal device number (field 11) that keeps the line well formed: at most 32 printable ASCII
// characters other than '|' (DECISIONS.md D16).
inline constexpr std::size_t kMaxDeviceNumberSize = 32;
bool valid_device_number(std::string_view device_number);

// ---- The pieces read_identity() is made of, public for tests and tools. ----

// One record of EF05 / EF06 as the card stores it: tag, length, value (CARD.md "Record format").
struct RecordField {
  std::uint8_t sfi;
  std::uint8_t tag;
  std::uint8_t length;    // the documented length of the value
  bool variable_length;   // free text that may be stored shorter (its padding is trimmed anyway)
};

// The records read_identity() reads, in order.
std::span<const RecordField> identity_records();

// The generation a spec version names by its first character: '1', '2', '3'; kUnknown otherwise.
Generation generation_from_spec_version(std::string_view spec_version);

// Checks one record (tag + length + value, exactly the response data) against the field `expected_tag`
// of identity_records() and stores its decoded value in `identity`. Record 4E appends to the name, so
// it must come after 09. kMalformed as for read_identity(); kInvalidArgument for a tag not in the table.
Status decode_record(std::uint8_t expected_tag, ByteSpan record, Identity& identity);

}  // namespace sscard::ssc

// Reading the card and holder identity from the social-security environment (SSSE): the data behind the
// standard terminal interface's iReadCardBas (docs SSC-CARD.md "Record format", "The standard terminal
// interface").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/transport/transport.h"

namespace sscard::ssc {

enum class Generation : std::uint8_t { kUnknown = 0, kFirst = 1, kSecond = 2, kThird = 3 };

// Every text is UTF-8; a field the card left unset (a date of all 00 or all FF, an empty `an` field) or
// withheld (3rd generation, see below) is an empty string.
struct Identity {
  std::string region;        // 6 digits, first 3 BCD bytes of the card identification code
  std::string card_id;       // 卡识别码, 32 upper-case hex chars
  std::string card_type;     // EF05 02, ASCII
  std::string spec_version;  // EF05 03, e.g. "2.00"
  std::string init_org;      // EF05 04: ASCII when printable, otherwise upper-case hex of the 12 bytes
  std::string issue_date;    // YYYYMMDD
  std::string expiry_date;   // YYYYMMDD
  std::string card_number;   // EF05 07, e.g. "X00000019"
  std::string ssn;           // EF06 08, the citizen ID number
  std::string name;          // EF06 09 followed by the name extension 4E
  std::string sex;           // "1" male, "2" female (as stored)
  std::string nation;        // 2 digits, GB 3304
  std::string birthplace;    // 6 digits, GB/T 2260
  std::string birth_date;    // YYYYMMDD
  std::string atr_historical;  // upper-case hex
  std::uint8_t algorithm_id = 1;
  Generation generation{};
  bool personal_data_withheld = false;  // 3rd-gen card read without PSAM authentication
};

// Reads the identity: SELECT SSSE, the algorithm identifier from its FCI, then EF05 records 01..07 (SFI 5)
// and EF06 records 08, 09, 4E, 0A..0D (SFI 6), each READ RECORD by identifier with Le = 2 + the documented
// length. `atr` is the card's ATR as power_up() returned it (its historical bytes go into the identity; an
// empty span leaves atr_historical empty).
//
// Errors (the card stays selected on SSSE where it got that far):
//  - kNotFound: SELECT SSSE answered 6A82: not a social-security card.
//  - kMalformed: the ATR cannot be parsed (nothing sent), the FCI is not BER-TLV or its 9F0C does not hold
//    86 01 xx, or a record breaks its format (wrong tag, length byte disagreeing with the data, a length
//    other than documented for a fixed field or over it for a text field, bad BCD, an invalid date,
//    invalid GBK, a control character or '|' in text).
//  - kSecurity: a record answered 6982 on a card that is not 3rd generation. On a 3rd-generation card the
//    field is left empty and personal_data_withheld is set instead.
//  - kCardStatus: any other unexpected status word (6283 application blocked, 6A83 for a record other than
//    the name extension, ...); Transport::last_status_word() tells which.
//  - the transport's errors, passed through: kNoCard, kCardRemoved, kBufferTooSmall, kTimeout...
Result<Identity> read_identity(transport::Transport& t, ByteSpan atr);

// Reads the records of identity_records() into `identity` after SSSE has been selected, with the rules of
// read_identity() (withheld 3rd-generation fields, missing name extension). With `skip_issuer_head` the
// records 01 (卡识别码) and 03 (spec version), which the secured flows read first, are not read again.
// Errors as read_identity().
Status read_identity_records(transport::Transport& t, Identity& identity, bool skip_issuer_head);

// The iReadCardBas output: 11 fields, each followed by '|':
// region|SSN|card number|卡识别码|name|ATR historical|spec version|issue date|expiry|terminal number|device number|
std::string format_iface_line(const Identity& identity, std::string_view terminal_number,
                              std::string_view device_number);

// ---- The pieces read_identity() is made of, public for tests and tools. ----

// One record of EF05 / EF06 as the card stores it: tag, length, value (SSC-CARD.md "Record format").
struct RecordField {
  std::uint8_t sfi;
  std::uint8_t tag;
  std::uint8_t length;    // the documented length of the value
  bool variable_length;   // free text that may be stored shorter (its padding is trimmed anyway)
};

// The records read_identity() reads, in order.
std::span<const RecordField> identity_records();

// The algorithm identifier from SSSE's FCI: the value of 86 (1 byte) inside 9F0C, found at any depth.
// 1 when there is no 9F0C (or no FCI). kMalformed: the FCI is not BER-TLV, or 9F0C lacks a one-byte 86.
Result<std::uint8_t> algorithm_id_from_fci(ByteSpan fci);

// The generation a spec version names by its first character: '1', '2', '3'; kUnknown otherwise.
Generation generation_from_spec_version(std::string_view spec_version);

// Checks one record (tag + length + value, exactly the response data) against the field `expected_tag`
// of identity_records() and stores its decoded value in `identity`. Record 4E appends to the name, so
// it must come after 09. kMalformed as for read_identity(); kInvalidArgument for a tag not in the table.
Status decode_record(std::uint8_t expected_tag, ByteSpan record, Identity& identity);

}  // namespace sscard::ssc

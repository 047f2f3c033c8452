#include "sscard/ssc/commands.h"

namespace sscard::ssc {
namespace {

constexpr std::uint8_t kClaInterindustry = 0x00;
constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsReadRecord = 0xB2;
constexpr std::uint8_t kInsGetChallenge = 0x84;
constexpr std::uint8_t kInsVerify = 0x20;

// ISO/IEC 7816-4 11.1.1 table 39: P1 04 select by DF name, 02 an EF under the current DF.
constexpr std::uint8_t kSelectByName = 0x04;
constexpr std::uint8_t kSelectEfUnderDf = 0x02;

// ISO/IEC 7816-4 11.3.3 table 49: P2 = SFI in bits 8..4, then 000 "first occurrence of the record
// identifier in P1" or 100 "record number in P1".
constexpr std::uint8_t kRecordIdFirst = 0x00;
constexpr std::uint8_t kRecordNumber = 0x04;

std::uint8_t record_p2(std::uint8_t sfi, std::uint8_t mode) {
  return static_cast<std::uint8_t>(((sfi & 0x1F) << 3) | mode);
}

}  // namespace

apdu::Command select_ssse() { return select_by_name(kSsseName); }

apdu::Command select_by_name(ByteSpan name) {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsSelect, .p1 = kSelectByName, .p2 = 0x00,
                       .data = name};
}

apdu::Command select_ef(std::uint16_t fid, std::span<std::uint8_t, 2> fid_field) {
  fid_field[0] = static_cast<std::uint8_t>(fid >> 8);
  fid_field[1] = static_cast<std::uint8_t>(fid & 0xFF);
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsSelect, .p1 = kSelectEfUnderDf, .p2 = 0x00,
                       .data = fid_field};
}

apdu::Command read_record_by_tag(std::uint8_t tag, std::uint8_t sfi, std::size_t ne) {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsReadRecord, .p1 = tag,
                       .p2 = record_p2(sfi, kRecordIdFirst), .ne = ne};
}

apdu::Command read_record_by_number(std::uint8_t number, std::uint8_t sfi, std::size_t ne) {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsReadRecord, .p1 = number,
                       .p2 = record_p2(sfi, kRecordNumber), .ne = ne};
}

apdu::Command get_challenge(std::size_t length) {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsGetChallenge, .ne = length};
}

Result<apdu::Command> verify_pin(std::string_view pin, std::span<std::uint8_t, kPinFieldSize> pin_field) {
  if (pin.size() != kPinDigits) return Error::kInvalidArgument;
  for (char c : pin) {
    if (c < '0' || c > '9') return Error::kInvalidArgument;
  }
  for (std::size_t i = 0; i < kPinFieldSize; ++i) {
    pin_field[i] = static_cast<std::uint8_t>(((pin[2 * i] - '0') << 4) | (pin[2 * i + 1] - '0'));
  }
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsVerify, .p1 = 0x00, .p2 = 0x00, .data = pin_field};
}

}  // namespace sscard::ssc

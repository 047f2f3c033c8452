#include "sscard/ssc/commands.h"

namespace sscard::ssc {
namespace {

constexpr std::uint8_t kClaInterindustry = 0x00;
constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsReadRecord = 0xB2;
constexpr std::uint8_t kInsGetChallenge = 0x84;
constexpr std::uint8_t kInsVerify = 0x20;
constexpr std::uint8_t kClaProprietary = 0x80;
constexpr std::uint8_t kInsChangePin = 0x5E;
constexpr std::uint8_t kInsInternalAuthenticate = 0x88;
constexpr std::uint8_t kInsExternalAuthenticate = 0x82;

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


Result<std::size_t> pack_pin(std::string_view digits, MutableByteSpan out) {
  if (digits.size() < 4 || digits.size() > 2 * kMaxPinFieldSize) return Error::kInvalidArgument;
  const std::size_t bytes = (digits.size() + 1) / 2;
  if (out.size() < bytes) return Error::kInvalidArgument;
  for (char c : digits) {
    if (c < '0' || c > '9') return Error::kInvalidArgument;
  }
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto high = static_cast<std::uint8_t>(digits[2 * i] - '0');
    const auto low = 2 * i + 1 < digits.size() ? static_cast<std::uint8_t>(digits[2 * i + 1] - '0') : 0x0F;
    out[i] = static_cast<std::uint8_t>((high << 4) | low);
  }
  return bytes;
}

apdu::Command verify_packed_pin(ByteSpan packed_pin) {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsVerify, .p1 = 0x00, .p2 = 0x00, .data = packed_pin};
}

apdu::Command change_pin(ByteSpan data) {
  return apdu::Command{.cla = kClaProprietary, .ins = kInsChangePin, .p1 = 0x01, .p2 = 0x00, .data = data};
}

apdu::Command internal_authenticate(ByteSpan factor_and_data) {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsInternalAuthenticate, .p1 = 0x00, .p2 = 0x00,
                       .data = factor_and_data, .ne = 8};
}

apdu::Command external_authenticate(std::uint8_t key_id, ByteSpan data) {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsExternalAuthenticate, .p1 = 0x00, .p2 = key_id,
                       .data = data};
}

apdu::Command mac_command(MacCommand header, ByteSpan data_with_mac) {
  return apdu::Command{.cla = header.cla, .ins = header.ins, .p1 = header.p1, .p2 = header.p2,
                       .data = data_with_mac};
}

}  // namespace sscard::ssc

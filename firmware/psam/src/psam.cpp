#include "sscard/psam/psam.h"

#include <algorithm>

#include "sscard/core/bcd.h"

namespace sscard::psam {
namespace {

constexpr std::uint8_t kClaInterindustry = 0x00;
constexpr std::uint8_t kClaProprietary = 0x80;
constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::uint8_t kInsDiversify = 0x1A;
constexpr std::uint8_t kInsCompute = 0xFA;

// ISO/IEC 7816-4 11.2.3: READ BINARY with P1 bit 8 set reads the EF whose SFI is in P1 bits 5..1.
constexpr std::uint8_t kSfiEf16 = 0x96;  // 80 | 16h
constexpr std::uint8_t kSfiEf15 = 0x95;  // 80 | 15h

// COMPUTE P1 (SECURITY.md "PSAM commands").
constexpr std::uint8_t kComputeEncrypt = 0x00;
constexpr std::uint8_t kComputeMac = 0x05;

// "sxN.sh.社会保障" in GBK; N is the algorithm identifier's digit.
constexpr std::array<std::uint8_t, 15> kEnvironment1 = {0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
                                                        0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};
constexpr std::array<std::uint8_t, 15> kEnvironment2 = {0x73, 0x78, 0x32, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
                                                        0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};
constexpr std::array<std::uint8_t, 15> kEnvironment3 = {0x73, 0x78, 0x33, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
                                                        0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};

Status status_of(StatusWord sw) {
  if (sw.is_success()) return kOk;
  if (sw == sw::kReferencedDataNotFound) return Error::kNotFound;
  if (sw == sw::kIncorrectP1P2) return Error::kInvalidArgument;
  return Error::kCardStatus;
}

}  // namespace

KeyUsage key_usage(KeyClass key) {
  switch (key) {
    case KeyClass::kIrk: return {0x01, 0x00};
    case KeyClass::kEak04: return {0x02, 0x04};
    case KeyClass::kRkssse: return {0x02, 0x0A};
    case KeyClass::kEak0d: return {0x02, 0x0D};
    case KeyClass::kStk: return {0x03, 0x00};
    case KeyClass::kPuk: return {0x04, 0x00};
    case KeyClass::kPrk: return {0x05, 0x00};
  }
  return {0x00, 0x00};
}

std::string_view key_class_name(KeyClass key) {
  switch (key) {
    case KeyClass::kIrk: return "IRK";
    case KeyClass::kEak04: return "EAK04";
    case KeyClass::kRkssse: return "RKSSSE";
    case KeyClass::kEak0d: return "EAK0D";
    case KeyClass::kStk: return "STK";
    case KeyClass::kPuk: return "PUK";
    case KeyClass::kPrk: return "PRK";
  }
  return "?";
}

ByteSpan environment_name(std::uint8_t algorithm_id) {
  switch (algorithm_id) {
    case kAlgorithmTripleDes: return kEnvironment1;
    case kAlgorithmSsf33: return kEnvironment2;
    case kAlgorithmSm4: return kEnvironment3;
    default: return {};
  }
}

std::size_t block_size(std::uint8_t algorithm_id) {
  switch (algorithm_id) {
    case kAlgorithmTripleDes: return 8;
    case kAlgorithmSm4: return 16;
    default: return 0;
  }
}

apdu::Command read_terminal_number() {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsReadBinary, .p1 = kSfiEf16, .p2 = 0x00,
                       .ne = kTerminalNumberBytes};
}

apdu::Command read_serial() {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsReadBinary, .p1 = kSfiEf15, .p2 = 0x00,
                       .ne = kSerialBytes};
}

apdu::Command select_environment(ByteSpan df_name) {
  return apdu::Command{.cla = kClaInterindustry, .ins = kInsSelect, .p1 = 0x04, .p2 = 0x00, .data = df_name};
}

apdu::Command diversify(KeyUsage usage, ByteSpan factors) {
  return apdu::Command{.cla = kClaProprietary, .ins = kInsDiversify, .p1 = usage.p1, .p2 = usage.p2,
                       .data = factors};
}

apdu::Command compute_encrypt(ByteSpan data) {
  return apdu::Command{.cla = kClaProprietary, .ins = kInsCompute, .p1 = kComputeEncrypt, .p2 = 0x00,
                       .data = data, .ne = kCryptogramSize};
}

apdu::Command compute_mac(ByteSpan iv_and_message) {
  return apdu::Command{.cla = kClaProprietary, .ins = kInsCompute, .p1 = kComputeMac, .p2 = 0x00,
                       .data = iv_and_message, .ne = kMacSize};
}

void PsamRedactor::command_secrets(ByteSpan command, transport::SecretRanges& secrets) const {
  transport::default_redactor().command_secrets(command, secrets);
  if (command.size() > 4 && command[0] == kClaProprietary && command[1] == kInsCompute) {
    // Everything after the header: the message of a MAC may carry a new PIN (PIN RELOAD).
    secrets.add(4, command.size() - 4);
  }
}

void PsamRedactor::response_secrets(ByteSpan command, ByteSpan response_data,
                                    transport::SecretRanges& secrets) const {
  if (command.size() >= 2 && command[0] == kClaProprietary && command[1] == kInsCompute) {
    secrets.add(0, response_data.size());
    return;
  }
  transport::default_redactor().response_secrets(command, response_data, secrets);
}

const transport::Redactor& psam_redactor() {
  static const PsamRedactor redactor;
  return redactor;
}

Psam::Psam(transport::Transport& transport) : transport_(transport) { transport_.set_redactor(&psam_redactor()); }

Status Psam::read_numbers() {
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  SSCARD_TRY_ASSIGN(apdu::Response terminal, transport_.transmit(read_terminal_number(), buffer));
  if (!terminal.sw.is_success()) return Error::kCardStatus;
  if (terminal.data.size() != kTerminalNumberBytes) return Error::kMalformed;
  auto digits = bcd::decode_n(terminal.data);
  if (!digits.ok()) return Error::kMalformed;
  std::string terminal_number = std::move(digits).value();

  SSCARD_TRY_ASSIGN(apdu::Response serial, transport_.transmit(read_serial(), buffer));
  if (!serial.sw.is_success()) return Error::kCardStatus;
  if (serial.data.size() != kSerialBytes) return Error::kMalformed;

  terminal_number_ = std::move(terminal_number);
  device_number_ = to_hex(serial.data);
  numbers_read_ = true;
  return kOk;
}

Status Psam::select_environment(std::uint8_t algorithm_id) {
  if (block_size(algorithm_id) == 0) return Error::kUnsupported;
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  SSCARD_TRY_ASSIGN(apdu::Response selected,
                    transport_.transmit(psam::select_environment(environment_name(algorithm_id)), buffer));
  if (selected.sw == sw::kFileNotFound) return Error::kUnsupported;
  if (!selected.sw.is_success()) return Error::kCardStatus;
  algorithm_id_ = algorithm_id;
  return kOk;
}

Status Psam::diversify(KeyClass key, ByteSpan city_factor, ByteSpan card_factor, ByteSpan process_factor) {
  if (city_factor.size() != kFactorSize || card_factor.size() != kFactorSize) return Error::kInvalidArgument;
  if (!process_factor.empty() && process_factor.size() != kFactorSize) return Error::kInvalidArgument;
  std::array<std::uint8_t, 3 * kFactorSize> factors{};
  std::copy(city_factor.begin(), city_factor.end(), factors.begin());
  std::copy(card_factor.begin(), card_factor.end(), factors.begin() + kFactorSize);
  std::copy(process_factor.begin(), process_factor.end(), factors.begin() + 2 * kFactorSize);
  const std::size_t length = process_factor.empty() ? 2 * kFactorSize : 3 * kFactorSize;

  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  SSCARD_TRY_ASSIGN(apdu::Response answer,
                    transport_.transmit(psam::diversify(key_usage(key), ByteSpan(factors.data(), length)), buffer));
  return status_of(answer.sw);
}

Status Psam::encrypt(ByteSpan data, std::span<std::uint8_t, kCryptogramSize> out) {
  if (data.size() != kCryptogramSize) return Error::kInvalidArgument;
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  SSCARD_TRY_ASSIGN(apdu::Response answer, transport_.transmit(compute_encrypt(data), buffer));
  Status result = kOk;
  if (!answer.sw.is_success()) {
    result = Error::kCardStatus;
  } else if (answer.data.size() != kCryptogramSize) {
    result = Error::kMalformed;
  } else {
    std::copy(answer.data.begin(), answer.data.end(), out.begin());
  }
  secure_wipe(buffer);
  return result;
}

Status Psam::mac(ByteSpan challenge, ByteSpan message, std::span<std::uint8_t, kMacSize> out) {
  const std::size_t block = block_size(algorithm_id_);
  if (block == 0 || challenge.size() > block || block + message.size() > apdu::kMaxShortNc) {
    return Error::kInvalidArgument;
  }
  // SECURITY.md "MACs": IV = the card's challenge followed by zeros, one block long.
  std::array<std::uint8_t, apdu::kMaxShortNc> data{};
  std::copy(challenge.begin(), challenge.end(), data.begin());
  std::copy(message.begin(), message.end(), data.begin() + static_cast<std::ptrdiff_t>(block));
  const ByteSpan iv_and_message(data.data(), block + message.size());

  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  auto answer = transport_.transmit(compute_mac(iv_and_message), buffer);
  secure_wipe(data);  // the message may hold a new PIN
  if (!answer.ok()) return answer.status();
  Status result = kOk;
  if (!answer->sw.is_success()) {
    result = Error::kCardStatus;
  } else if (answer->data.size() != kMacSize) {
    result = Error::kMalformed;
  } else {
    std::copy(answer->data.begin(), answer->data.end(), out.begin());
  }
  secure_wipe(buffer);
  return result;
}

}  // namespace sscard::psam

#include "sscard/pboc/commands.h"

#include <algorithm>

namespace sscard::pboc {
namespace {

constexpr std::size_t kWholeResponse = 256;  // Le = 00

}  // namespace

apdu::Command select_by_name(ByteSpan name) {
  return apdu::Command{.cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x00, .data = name, .ne = kWholeResponse};
}

apdu::Command read_record(std::uint8_t sfi, std::uint8_t record) {
  return apdu::Command{.cla = 0x00, .ins = 0xB2, .p1 = record,
                       .p2 = static_cast<std::uint8_t>(((sfi & 0x1F) << 3) | 0x04), .ne = kWholeResponse};
}

Result<apdu::Command> get_processing_options(ByteSpan pdol_data, MutableByteSpan field) {
  if (pdol_data.size() > 253 || field.size() < pdol_data.size() + 2) return Error::kInvalidArgument;
  field[0] = 0x83;
  field[1] = static_cast<std::uint8_t>(pdol_data.size());
  std::copy(pdol_data.begin(), pdol_data.end(), field.begin() + 2);
  return apdu::Command{.cla = 0x80, .ins = 0xA8, .p1 = 0x00, .p2 = 0x00,
                       .data = field.first(pdol_data.size() + 2), .ne = kWholeResponse};
}

apdu::Command get_data(std::uint16_t tag) {
  return apdu::Command{.cla = 0x80, .ins = 0xCA, .p1 = static_cast<std::uint8_t>(tag >> 8),
                       .p2 = static_cast<std::uint8_t>(tag & 0xFF), .ne = kWholeResponse};
}

apdu::Command get_challenge() { return apdu::Command{.cla = 0x00, .ins = 0x84, .ne = 8}; }

apdu::Command verify(std::uint8_t p2, ByteSpan data) {
  return apdu::Command{.cla = 0x00, .ins = 0x20, .p1 = 0x00, .p2 = p2, .data = data};
}

apdu::Command internal_authenticate(ByteSpan ddol_data) {
  return apdu::Command{.cla = 0x00, .ins = 0x88, .data = ddol_data, .ne = kWholeResponse};
}

apdu::Command generate_ac(std::uint8_t p1, ByteSpan cdol_data) {
  return apdu::Command{.cla = 0x80, .ins = 0xAE, .p1 = p1, .p2 = 0x00, .data = cdol_data, .ne = kWholeResponse};
}

apdu::Command external_authenticate(ByteSpan issuer_authentication_data) {
  return apdu::Command{.cla = 0x00, .ins = 0x82, .data = issuer_authentication_data};
}

}  // namespace sscard::pboc

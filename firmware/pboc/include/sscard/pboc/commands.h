// The PBOC debit application's commands as the terminal sends them (PAYMENT.md §4.1, §5.1; [5] B).
// Each function only builds the APDU; its data points to the caller's bytes, which must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::pboc {

// "1PAY.SYS.DDF01", the payment system environment ([5] 6.4.1).
inline constexpr std::uint8_t kPseName[] = {'1', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'};

// GENERATE AC reference control parameter ([5] B.6.2 table B.9).
inline constexpr std::uint8_t kGacAac = 0x00;
inline constexpr std::uint8_t kGacTc = 0x40;
inline constexpr std::uint8_t kGacArqc = 0x80;
inline constexpr std::uint8_t kGacCdaRequested = 0x10;

// VERIFY P2: plaintext PIN 80, enciphered PIN 88 ([5] B.15, [EMV-3] 6.5.12).
inline constexpr std::uint8_t kVerifyPlaintext = 0x80;
inline constexpr std::uint8_t kVerifyEnciphered = 0x88;

// 00 A4 04 00 Lc name 00.
apdu::Command select_by_name(ByteSpan name);
// 00 B2 record (SFI << 3 | 4) 00.
apdu::Command read_record(std::uint8_t sfi, std::uint8_t record);
// 80 A8 00 00 Lc 83 L <PDOL data> 00: the template 83 is written into `field` (PDOL data + 2 bytes); the
// command points to it. kInvalidArgument: the PDOL data is over 253 bytes or does not fit `field`.
Result<apdu::Command> get_processing_options(ByteSpan pdol_data, MutableByteSpan field);
// 80 CA P1 P2 00 (tag 9F36 -> P1 9F P2 36).
apdu::Command get_data(std::uint16_t tag);
// 00 84 00 00 08.
apdu::Command get_challenge();
// 00 20 00 P2 Lc data.
apdu::Command verify(std::uint8_t p2, ByteSpan data);
// 00 88 00 00 Lc DDOL data 00.
apdu::Command internal_authenticate(ByteSpan ddol_data);
// 80 AE P1 00 Lc CDOL data 00.
apdu::Command generate_ac(std::uint8_t p1, ByteSpan cdol_data);
// 00 82 00 00 Lc issuer authentication data (ARPC || ARC).
apdu::Command external_authenticate(ByteSpan issuer_authentication_data);

}  // namespace sscard::pboc

// The social-security card's commands as terminals send them (docs SSC-CARD.md "Commands"; LD/T 32 /
// LD/T 33 as seen in vendor code). Each function only builds the APDU; sending it is the transport's job.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::ssc {

// "sx1.sh.社会保障" in GBK: the DF name of the social-security environment SSSE.
inline constexpr std::array<std::uint8_t, 15> kSsseName = {0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
                                                           0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};

// Short file identifiers of the basic files under SSSE.
inline constexpr std::uint8_t kSfiEf05 = 5;  // issuer data
inline constexpr std::uint8_t kSfiEf06 = 6;  // holder basic data

inline constexpr std::size_t kPinDigits = 6;
inline constexpr std::size_t kPinFieldSize = kPinDigits / 2;

// 00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF (no Le: the documented form; T=0 cards
// answer 61xx and the FCI comes with GET RESPONSE).
apdu::Command select_ssse();

// 00 A4 04 00 Lc <name>. `name` must outlive the command.
apdu::Command select_by_name(ByteSpan name);

// 00 A4 02 00 02 <fid>: selects an EF under the current DF. The two FID bytes are written into `fid_field`,
// which the command points to.
apdu::Command select_ef(std::uint16_t fid, std::span<std::uint8_t, 2> fid_field);

// 00 B2 <tag> <SFI << 3> <Le>: READ RECORD by record identifier, first occurrence (ISO/IEC 7816-4 11.3.3,
// P2 bits 3..1 = 000); SFI 5 gives P2 = 28, SFI 6 gives 30. `sfi` is 1..30 (only its low 5 bits are used);
// `ne` 1..256.
apdu::Command read_record_by_tag(std::uint8_t tag, std::uint8_t sfi, std::size_t ne);

// 00 B2 <number> <SFI << 3 | 4> <Le>: READ RECORD by record number (P2 2C for SFI 5, 34 for SFI 6).
apdu::Command read_record_by_number(std::uint8_t number, std::uint8_t sfi, std::size_t ne);

// 00 84 00 00 <length>: GET CHALLENGE (8 bytes; 16 on 3rd-generation cards).
apdu::Command get_challenge(std::size_t length);

// 00 20 00 00 03 <PIN as BCD>: VERIFY of the 6-digit PIN. The packed PIN is written into `pin_field`, which
// the command points to: the caller wipes it (secure_wipe) once the command has been sent.
// kInvalidArgument: `pin` is not exactly 6 decimal digits (nothing written).
Result<apdu::Command> verify_pin(std::string_view pin, std::span<std::uint8_t, kPinFieldSize> pin_field);

}  // namespace sscard::ssc

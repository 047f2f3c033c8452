// The social-security card's commands as terminals send them (docs/CARD.md "Commands"; LD/T 32 /
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
// answer 61xx and the FCI comes with GET RESPONSE). Flows send it through select_ssse() of ssse.h.
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


// ---- Authentication, PIN and MAC commands (docs/SECURITY.md) ----

inline constexpr std::size_t kMaxPinFieldSize = 6;  // 12 digits packed
inline constexpr std::size_t kMacSize = 4;

// Packs 4..12 digits as BCD, F-padded (docs/DECISIONS.md D22): "123456" -> 12 34 56, "12345" -> 12 34 5F.
// Returns the bytes written. kInvalidArgument: not 4..12 digits, or `out` shorter than needed.
Result<std::size_t> pack_pin(std::string_view digits, MutableByteSpan out);

// 00 20 00 00 Lc <packed PIN>: VERIFY of a PIN packed by pack_pin().
apdu::Command verify_packed_pin(ByteSpan packed_pin);

// 80 5E 01 00 Lc <old PIN> FF <new PIN>: CHANGE PIN (SECURITY.md "PINs", DECISIONS.md S10).
apdu::Command change_pin(ByteSpan data);

// 00 88 00 00 10 <process factor (8)> <data (8)> 08: INTERNAL AUTHENTICATE (SECURITY.md, S7).
apdu::Command internal_authenticate(ByteSpan factor_and_data);

// 00 82 00 <key id> Lc <cryptogram> <challenge> [01]: EXTERNAL AUTHENTICATE; the trailing 01 is the SM4
// form (CARD.md "Commands").
apdu::Command external_authenticate(std::uint8_t key_id, ByteSpan data);

// The commands protected by a MAC (SECURITY.md "MACs"): `mac_header` returns the CLA INS P1 P2 Lc the MAC
// covers (Lc counting the 4 MAC bytes); `data` is the command data including the MAC at its end.
struct MacCommand {
  std::uint8_t cla;
  std::uint8_t ins;
  std::uint8_t p1;
  std::uint8_t p2;
};
inline constexpr MacCommand kApplicationBlockTemporary{0x84, 0x1E, 0x00, 0x00};
inline constexpr MacCommand kApplicationBlockPermanent{0x84, 0x1E, 0x00, 0x01};
inline constexpr MacCommand kApplicationUnblock{0x84, 0x18, 0x00, 0x00};
inline constexpr MacCommand kPinUnblock{0x84, 0x24, 0x00, 0x00};
inline constexpr MacCommand kPinReload{0x80, 0x5E, 0x00, 0x00};

apdu::Command mac_command(MacCommand header, ByteSpan data_with_mac);

}  // namespace sscard::ssc

// The qPBOC answers the contactless kernel parses ([12] 6.4.3, 7.4, 7.8.1; CONTACTLESS.md §2.1-§2.2): the
// PPSE directory, the format 2 GPO answer with the cryptogram, and what 9F10 says about the cryptogram type
// and the e-cash balance. Parsing only: no card exchange, no cryptography.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/pboc/record.h"
#include "sscard/pboc/selection.h"

namespace sscard::pboc {

// "2PAY.SYS.DDF01", the proximity payment system environment ([12] 6.4.3).
inline constexpr std::uint8_t kPpseName[] = {'2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'};

// The PPSE FCI: 6F { 84 name, A5 { BF0C { 61 { 4F AID, 50 label, 87 priority }... } } }. Every directory
// entry with a 5..16-byte AID, in the card's order. kMalformed for broken TLV or a missing 84 / A5 / BF0C.
Result<std::vector<Candidate>> parse_ppse_fci(ByteSpan fci);

// The cryptogram type in 9F10 (PAYMENT.md §5.2: 07 01 01 CVR(4) ...): CVR byte 2 = 9F10 byte 5, bits 6-5:
// 10 ARQC, 01 TC, 00 AAC ([12] 7.8.1). kNone for 11 or a 9F10 shorter than 5 bytes.
Cryptogram cryptogram_type_from_iad(ByteSpan iad);

// The e-cash balance in the issuer discretionary data of a 19-byte 9F10 ([13] 7.4.5 table 3: 0A 01 ‖ five
// bytes n10 ‖ MAC(4) at bytes 9 to 19), in fen; nullopt when absent or not BCD.
std::optional<std::uint64_t> ecash_balance_from_iad(ByteSpan iad);

// An n12 amount (6 bytes BCD, e.g. 9F5D or 9F02) in fen; nullopt when not BCD or not 6 bytes.
std::optional<std::uint64_t> amount_from_n12(ByteSpan n12);

// The format 2 GPO answer of a contactless card (CONTACTLESS.md §2.2), its fields as found.
struct QpbocGpoAnswer {
  std::array<std::uint8_t, 2> aip{};  // 82
  Bytes afl;                          // 94, empty without AFL (ARQC, AAC)
  std::uint16_t atc = 0;              // 9F36
  Bytes track2;                       // 57
  std::string pan;                    // digits of 57 before the separator D
  std::array<std::uint8_t, 2> track2_expiry{};  // YYMM after the separator (BCD)
  Bytes issuer_application_data;      // 9F10
  std::array<std::uint8_t, 8> cryptogram{};  // 9F26
  std::optional<std::uint8_t> pan_sequence_number;  // 5F34
  Bytes signed_dynamic_data;          // 9F4B, empty when absent
  std::optional<std::array<std::uint8_t, 2>> ctq;  // 9F6C
  std::optional<std::uint64_t> available_offline_fen;  // 9F5D
  Cryptogram type = Cryptogram::kNone;  // from 9F10
  // 9F27 as a contact card would give it (80 ARQC, 40 TC, 00 AAC): qPBOC answers carry no 9F27.
  std::uint8_t cid() const;
};

// Parses `77 { ... }` (exactly the data, no status word). kMalformed: not a 77 template, broken TLV, a
// repeated tag, a missing or wrong-length 82, 9F36, 57, 9F10, 9F26, an AFL that is not a multiple of 4, or a
// cryptogram type of 11.
Result<QpbocGpoAnswer> parse_qpboc_gpo(ByteSpan data);

}  // namespace sscard::pboc

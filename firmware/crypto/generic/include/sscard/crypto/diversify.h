// Key diversification: card keys from a master key, session keys from a card key, and the multi-level
// national -> province -> city -> card chain of the social-security card ("一卡一密").
//
// Every function writes a 16-byte key into `out` and returns 16. Errors: kInvalidArgument for a key,
// factor or digit string of the wrong length or form; kBufferTooSmall when `out` is shorter than 16
// bytes (nothing written); backend errors pass through. No DES parity adjustment is made: DES ignores
// the parity bits, so the derived key encrypts identically either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto {

inline constexpr std::size_t kDiversifiedKeySize = 16;

// One diversification step (EMV Book 2 A1.4.1 option A; docs/SECURITY.md "PBOC-style key derivation"):
//   kTdes, 8-byte factor F, 16/24-byte master key:  3DES(MK, F) || 3DES(MK, F xor FF..FF)
//   kSm4,  8-byte factor F, 16-byte master key:     SM4(MK, F || (F xor FF..FF))
//   kSm4, 16-byte factor F:                         SM4(MK, F)
Result<std::size_t> diversify(Crypto& crypto, Cipher cipher, ByteSpan master_key, ByteSpan factor,
                              MutableByteSpan out);

// Applies diversify() once per factor, in order: the key of level i is the master key of level i + 1
// (docs/CARD.md "Security model": national -> province -> city -> card). With no factors, kInvalidArgument.
Result<std::size_t> diversify_chain(Crypto& crypto, Cipher cipher, ByteSpan root_key,
                                    std::span<const ByteSpan> factors, MutableByteSpan out);

// Session key from a card key and the ATC (docs/SECURITY.md "PBOC-style key derivation"; the EMV Book 2 A1.3 form of PBOC 2.0):
//   kTdes: 3DES(UDK, 000000000000 || ATC) || 3DES(UDK, 000000000000 || (ATC xor FFFF))
//   kSm4:  SM4(UDK, 000000000000 || ATC || 000000000000 || (ATC xor FFFF))
Result<std::size_t> session_key(Crypto& crypto, Cipher cipher, ByteSpan card_key, std::uint16_t atc,
                                MutableByteSpan out);

// The 8-byte UDK factor of EMV Book 2 A1.4.1: the rightmost 16 digits of PAN || PSN as packed BCD, left-filled
// with zeros when there are fewer. `pan` holds 1 to 19 digits; `psn` is 0..99 (tag 5F34; 0 when absent).
Result<std::size_t> udk_factor(std::string_view pan, std::uint8_t psn, MutableByteSpan out);

// The city-level factor seen in SSC kiosk software (docs/CARD.md, unconfirmed as standard): the ASCII of the
// 6-digit region code followed by 73 78. Writes 8 bytes.
Result<std::size_t> ssc_city_factor(std::string_view region_code, MutableByteSpan out);

// The card-level factor of the same practice: the last 8 bytes of the ATR. kInvalidArgument: ATR under 8 bytes.
Result<std::size_t> ssc_card_factor(ByteSpan atr, MutableByteSpan out);

}  // namespace sscard::crypto

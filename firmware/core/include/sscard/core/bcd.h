// Packed BCD codecs for the card's numeric fields (ISO/IEC 7816 / EMV formats):
//   n  : right-aligned digits, left-padded with 0 nibbles;
//   cn : left-aligned digits, right-padded with F nibbles (e.g. 卡识别码's region, PANs).
#pragma once

#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::bcd {

// Every nibble must be 0-9 (kMalformed otherwise). 2 digits per byte.
Result<std::string> decode_n(ByteSpan bcd);

// Digits then only F nibbles; a digit after an F, or a nibble A-E, is kMalformed. Trailing Fs are dropped.
Result<std::string> decode_cn(ByteSpan bcd);

// Writes `digits` right-aligned into `out`, zero-filled on the left.
// kInvalidArgument: a non-digit, or more digits than 2 * out.size().
Status encode_n(std::string_view digits, MutableByteSpan out);

// Writes `digits` left-aligned into `out`, F-filled on the right. Same errors as encode_n.
Status encode_cn(std::string_view digits, MutableByteSpan out);

}  // namespace sscard::bcd

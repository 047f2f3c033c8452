// Base32 of RFC 4648 §6 (alphabet A-Z 2-7) as the code's text form uses it (docs/ESSC.md "Text form"): upper
// case, no padding, and one text per byte string, so that parsing and encoding again gives the same text.
#pragma once

#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::essc {

// ceil(8 * n / 5) characters.
std::string base32_encode(ByteSpan bytes);

// kMalformed: a character outside the alphabet (lower case and '=' included), a length no byte string encodes
// to (1, 3 or 6 characters past a multiple of 8), or set bits after the last whole byte (RFC 4648 §3.5 lets a
// decoder refuse them; refusing keeps every byte string to one text).
Result<Bytes> base32_decode(std::string_view text);

}  // namespace sscard::essc

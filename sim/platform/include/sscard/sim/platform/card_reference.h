// The card reference a code carries instead of the SSN (docs/ESSC.md "Card references"): one SM4 block under
// the reference key the platform shares with the card's home issuer,
//   SM4-ECB(K_province, 01 ‖ SSN as 9 BCD bytes (check character X as nibble A) ‖ 4 random bytes ‖ 00 00),
// so the home issuer alone turns it back into the holder, and two codes of one holder do not share it.
#pragma once

#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/essc/code.h"

namespace sscard::sim::platform {

// kInvalidArgument: not an 18-character SSN (17 digits and a digit or X) or a key that is not 16 bytes.
Result<essc::Reference> make_reference(crypto::Crypto& crypto, ByteSpan reference_key, std::string_view ssn);
// The SSN behind `reference`; kNotFound when the block does not open to the layout above (another province's
// key, or a reference the platform never made).
Result<std::string> open_reference(crypto::Crypto& crypto, ByteSpan reference_key, const essc::Reference& reference);

}  // namespace sscard::sim::platform

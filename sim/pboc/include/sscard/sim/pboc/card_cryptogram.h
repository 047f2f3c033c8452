// The card's side of the symmetric cryptography of PAYMENT.md §6: which key of which family, and the
// application cryptogram over the CVN 01 input (§6.3), as the GENERATE AC handler computes it.
#pragma once

#include <array>
#include <cstdint>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/pboc/payment_card.h"
#include "sscard/sim/pboc/records.h"

namespace sscard::sim::pboc {

// 3DES for the RSA set, SM4 for the SM set (§6.2).
crypto::Cipher cipher_of(DataSet set);

// The 16-byte session key of `udk` at `atc` (§6.2).
Result<Bytes> session_key_of(crypto::Crypto& crypto, DataSet set, ByteSpan udk, std::uint16_t atc);

// The AC (8 bytes) over `terminal_data` (the 29 CDOL1 bytes, or the CDOL2 data without its ARC) ‖ AIP ‖ ATC ‖
// CVR (4 bytes, 03 first), with the AC session key of `ac_udk` at `atc`. kInvalidArgument: wrong sizes.
Result<std::array<std::uint8_t, 8>> card_cryptogram(crypto::Crypto& crypto, DataSet set, ByteSpan ac_udk,
                                                    ByteSpan terminal_data, std::uint16_t atc, ByteSpan cvr);

}  // namespace sscard::sim::pboc

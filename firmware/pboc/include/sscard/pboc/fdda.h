// Fast dynamic data authentication of a qPBOC offline approval ([12] annex B; CONTACTLESS.md §2.3, §3.2):
// the issuer and ICC keys recovered from the records (RSA [7] 5.3 or SM2 [17] 5.2, the family of the CA key),
// the ICC certificate checked over the static data, then 9F4B over ICC dynamic data ‖ terminal dynamic data.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/pboc/ca_keys.h"
#include "sscard/pboc/record.h"
#include "sscard/pboc/tag_store.h"

namespace sscard::pboc {

struct FddaInput {
  ByteSpan aid;                      // the selected AID (its first 5 bytes are the RID)
  const TagStore& card;              // 8F 90 92 9F32 9F46 9F47 9F48 from the records
  std::string_view pan;              // digits
  std::array<std::uint8_t, 3> date{};  // 9A, for the expiry checks
  ByteSpan static_data;              // the ODA records' values ‖ AIP (when 9F4A lists it)
  ByteSpan signed_dynamic_data;      // 9F4B of the GPO answer
  ByteSpan terminal_dynamic_data;    // fdda_terminal_dynamic_data()
  std::uint16_t atc = 0;             // 9F36 of the GPO answer: the signed ICC dynamic number
};

// Version 01: 9F37 ‖ 9F02 ‖ 5F2A ‖ the whole 9F69 (20 bytes with our 8-byte 9F69); version 00: 9F37 alone
// ([12] B.1 table B.1; §2.3). kMalformed: a part of the wrong length, or 9F69 missing in version 01.
Result<Bytes> fdda_terminal_dynamic_data(bool version_01, ByteSpan unpredictable_number, ByteSpan amount,
                                         ByteSpan currency, ByteSpan card_authentication_data);

// Verifies fDDA. `method` is set to kFdda or kSm2Fdda (by the CA key's family; by the card's data set
// `sm_data_set` when no CA key is found) before any check, so a failure still names the method.
// kNotFound: no usable CA key; kSecurity / kMalformed / kUnsupported: a certificate or the signature failed.
Status verify_fdda(crypto::Crypto& crypto, const CaKeyTable& ca_keys, const FddaInput& input, bool sm_data_set,
                   OdaMethod& method);

}  // namespace sscard::pboc

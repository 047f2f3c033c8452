// The deny-list entry of a card (CONTACTLESS.md §7, operation 0F): the leftmost 16 bytes of
// SM3("sscard-deny/1" ‖ the PAN's digits). Validators read the PAN from the card; gates build it from the card
// region and card number (PAYMENT.md §3). The list carries no PAN in the clear.
#pragma once

#include <string_view>

#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/wire/messages.h"

namespace sscard::wire {

// kInvalidArgument: `pan` is not 12 to 19 digits; a backend error passes through.
Result<DenyDigest> deny_digest(crypto::Crypto& crypto, std::string_view pan);

}  // namespace sscard::wire

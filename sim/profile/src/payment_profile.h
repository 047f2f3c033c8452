// Internal: the `payment` object of a holder profile (docs/PAYMENT.md §2) and what the loader derives for it:
// the PAN and dates (§3), the card keys from the issuer key file (§6.1, §6.2) and the certificate objects
// from the card certificate file, checked against the static data the card now has (§7.3).
#pragma once

#include <string_view>

#include "json_fields.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/profile.h"

namespace sscard::sim::detail {

// Reads the fields; throws the jsondoc failure of a bad one.
PaymentProfile parse_payment(Object o, const HolderProfile& p);

// Fills p.payment->card; a bad or stale key file is a failure of `payment.keys` / `payment.pki`.
void derive_payment(HolderProfile& p, std::string_view file, crypto::Crypto& crypto);

// PAN of §3: 6200 ‖ province (2) ‖ region (6) ‖ last 6 of the card number ‖ Luhn. Empty when the card
// number's last 6 characters are not digits.
std::string payment_pan(const HolderProfile& p);

}  // namespace sscard::sim::detail

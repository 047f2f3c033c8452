// The PBOC 3.0 debit application of a simulated card (docs/PAYMENT.md §4–§7): the PSE 1PAY.SYS.DDF01 with
// its directory and the ADF A000000333010101 beside SSSE in the MF. The ADF has its own command handler
// (DECISIONS.md P27): GPO, READ RECORD, GET DATA, GET CHALLENGE, VERIFY (plaintext and, RSA set, enciphered),
// INTERNAL AUTHENTICATE, GENERATE AC, EXTERNAL AUTHENTICATE and the issuer script commands of §6.6.
// On a generation 3 card the same ADF answers on the contactless interface too (docs/CONTACTLESS.md §2): the
// PPSE 2PAY.SYS.DDF01 (the PSE stays contact-only), the contactless FCI, qPBOC GPO with electronic cash and
// fDDA, the packed records of SFI 6 / 7, e-cash GET DATA, the load script PUT DATA 9F79 and its log (SFI 12).
// Persistent state (ATC, PIN, indicators, limits, log, block state, e-cash, anti-tear record) lives in the
// card's Eeprom, written so that a power cut after any page leaves the old or the new state (§5.6).
#pragma once

#include "sscard/core/result.h"
#include "sscard/sim/card_os.h"
#include "sscard/sim/pboc/payment_card.h"

namespace sscard::sim::pboc {

// Personalises `card` with the application: the PSE and the ADF under the MF, the handler, and the
// application's Eeprom space. The card must have a crypto backend (CardConfig::crypto).
// kInvalidArgument: `data` is not a valid personalisation (records, keys, PIN, tries); kBufferTooSmall: the
// Eeprom is full; kIo: power lost. The card is unusable after an error.
Status install_payment_application(CardOs& card, const PaymentCard& data);

}  // namespace sscard::sim::pboc

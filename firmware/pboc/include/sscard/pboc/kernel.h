// The PBOC 3.0 contact debit/credit terminal kernel (JR/T 0025.6; PAYMENT.md §8): from application selection
// to completion, over the transport, with the terminal's data, CA keys, keypad and issuer link supplied by
// the caller.
//
// The card is reached only through `transport`; PINs come from `pinpad` into wiped buffers and leave the
// kernel only inside VERIFY (plaintext or enciphered) or as the enciphered online PIN block handed to
// `authoriser`. Nothing is logged.
#pragma once

#include "sscard/crypto/crypto.h"
#include "sscard/hal/pinpad.h"
#include "sscard/pboc/ca_keys.h"
#include "sscard/pboc/online.h"
#include "sscard/pboc/record.h"
#include "sscard/pboc/terminal.h"
#include "sscard/transport/transport.h"

namespace sscard::pboc {

struct KernelContext {
  transport::Transport& card;      // the powered card
  crypto::Crypto& crypto;          // RSA, SHA-1, SM2/SM3, 3DES, the RNG
  const TerminalConfig& terminal;  // 9F33, 9F35, TACs, floor limit, AIDs... (configuration)
  const CaKeyTable& ca_keys;
  hal::PinPad* pinpad;             // nullptr: no keypad (PIN CVMs fail with TVR 3.5)
  OnlineAuthoriser& authoriser;
};

// Runs one transaction and returns its record. Never aborts on card or host input: every failure is in the
// record (outcome kFailed, `reason`, `failed_step`). A failure before GENERATE AC sends no GENERATE AC.
TransactionRecord run_transaction(KernelContext& context, const TransactionRequest& request);

}  // namespace sscard::pboc

// The identity read every command starts with: the card (and the PSAM, when there is one) powered up, the
// plain read of docs/CARD.md without a PSAM, the PSAM-mode read of docs/SECURITY.md with one.
#pragma once

#include <string>

#include "sscard/app/identity_report.h"
#include "sscard/core/result.h"
#include "sscard/hal/slot.h"
#include "sscard/ssc/fault.h"
#include "sscard/ssc/identity.h"

namespace sscard::app {

// Why a card step failed: one line for the operator, and the standard interface's code.
struct CardFailure {
  std::string message;
  long code = 0;
};

// "wrong PIN, 5 tries left (-51)".
CardFailure card_failure(const ssc::Fault& fault);

struct IdentityRead {
  ssc::Identity identity;
  TerminalIds terminal;
};

// Powers `card` (and `psam`) up, reads, powers down.
Result<IdentityRead, CardFailure> read_identity(hal::Slot& card, hal::Slot* psam);

}  // namespace sscard::app

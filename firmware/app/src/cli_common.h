// What the sscard commands share: opening the card and PSAM sources named on the command line, running
// the identity read with or without a PSAM, printing it, and one-line errors.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "sscard/app/args.h"
#include "sscard/app/card_source.h"
#include "sscard/app/commands.h"
#include "sscard/app/identity_report.h"
#include "sscard/hal/pinpad.h"
#include "sscard/ssc/identity.h"

namespace sscard::app {

int fail(std::ostream& err, std::string_view message, int code = kExitFailure);

// Parses a whole non-negative number; false on anything else.
bool parse_count(std::string_view text, unsigned long& out);

struct ReadOutcome {
  bool ok = false;
  std::string error;  // one line, when !ok
  ssc::Identity identity;
  TerminalIds terminal;
};

// Powers the card (and the PSAM, when there is one) up and runs the identity read: without a PSAM the
// plain read of SSC-CARD.md, with one the PSAM-mode read of docs/SECURITY.md.
ReadOutcome read_card(hal::Slot& card, hal::Slot* psam);

int print_identity(OutputFormat format, const ReadOutcome& read, std::ostream& out, std::ostream& err);

// The card source named on the command line: --card PROFILE (simulated) or --reader pcsc [--reader-name].
// `usage_error` is set for a wrong combination of options.
OpenResult open_card_source(const Args& args, std::string& usage_error);

// The PSAM named on the command line: --psam PSAM_PROFILE (simulated) or --psam-reader NAME (PC/SC).
// No source and no error when neither is given.
OpenResult open_psam_source(const Args& args, std::string& usage_error);

// The PIN pad: --pinpad sim:PIN[,PIN...] (a scripted keypad; `cancel`, `timeout` are keys too) or, without
// the option, this terminal. Null with `usage_error` set for a malformed option.
std::unique_ptr<hal::PinPad> open_pinpad(const Args& args, std::string& usage_error);

}  // namespace sscard::app

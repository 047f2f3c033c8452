// The kiosk one run of sscard is: its configuration (a default location, or none for read/pin/kiosk), and
// the devices it opens from it, with the command line's overrides. The PSAM, where there is one, must carry
// the configuration's terminal number.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sscard/config/kiosk_config.h"
#include "sscard/core/result.h"
#include "sscard/devices/card_source.h"
#include "sscard/hal/pinpad.h"
#include "sscard/pboc/terminal.h"
#include "sscard/app/terminal_commands.h"

namespace sscard::app {

// A failure to set the kiosk up: one line, and the exit code it calls for (kExitUsage when the command line
// is missing something, kExitFailure otherwise).
struct SetupFailure {
  std::string message;
  int exit_code = kExitFailure;
};

// --config FILE, else $SSCARD_CONFIG / /etc/sscard/kiosk.json. Without `required`, a missing default file
// means "no configuration" (nullopt); an explicitly named file must load.
Result<std::optional<config::KioskConfig>, SetupFailure> load_config(const ConfigOption& option, bool required);

// The card, and first this run's APDU trace (--trace, SSCARD_TRACE; command_trace.h), which every
// transport to the card and the PSAM is then given. The card: --card PROFILE (simulated), --reader-name NAME, else the configuration's card reader, else the
// first PC/SC reader with a card. With --contactless the source's slot is the reader's contactless field:
// --reader-name NAME, else the configuration's readers.contactless, else a PC/SC reader named like one
// (docs/CONTACTLESS.md §1.1).
Result<std::unique_ptr<devices::CardSource>, SetupFailure> open_card(const DeviceOptions& options,
                                                                     const config::KioskConfig* kiosk);

// The PSAM: --psam PROFILE, --psam-reader NAME, --no-psam, else the configuration's; null when there is none.
// With a configuration, the PSAM's terminal number (EF16) must be the configuration's `terminal`.
Result<std::unique_ptr<devices::CardSource>, SetupFailure> open_psam(const DeviceOptions& options,
                                                                     const config::KioskConfig* kiosk);

// --pinpad sim:..., else this terminal's keyboard.
Result<std::unique_ptr<hal::PinPad>, SetupFailure> open_pinpad(const std::optional<std::string>& spec);

// The payment kernel's terminal data (PAYMENT.md §8.1) from the configuration's `payment` part; 9F1C is the
// last 8 digits of the terminal number.
pboc::TerminalConfig payment_terminal(const config::PaymentConfig& payment, const std::string& terminal_number);

}  // namespace sscard::app

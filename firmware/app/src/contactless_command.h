// The contactless and electronic-cash commands (docs/CONTACTLESS.md §3, §4, §8): `sscard pay --contactless`,
// `sscard ecash balance [--contactless]` and `sscard ecash load --amount YUAN`.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "sscard/app/cli_support.h"
#include "sscard/app/terminal_commands.h"
#include "sscard/config/kiosk_config.h"
#include "sscard/devices/card_source.h"
#include "sscard/pboc/qpboc.h"
#include "sscard/pboc/terminal.h"

namespace sscard::app {

// The qPBOC terminal data (CONTACTLESS.md §3.1) from the configuration's `payment` part.
pboc::ContactlessConfig payment_contactless(const config::PaymentConfig& payment, const pboc::TerminalConfig& terminal);

// The contactless field of the reader `card` was opened on (its own slot when that is the field); null if none.
hal::Slot* contactless_slot(devices::CardSource& card);

// sscard pay with the contactless interface (the options of `pay`).
int run_pay_contactless(const PayOptions& options, const Reporter& report, std::ostream& out);

struct EcashOptions {
  ConfigOption config;
  DeviceOptions devices;  // devices.contactless: the balance on the contactless interface
  HostOverrides host;
  std::optional<std::string> pinpad;
  std::string amount;           // load: --amount YUAN
  std::string format = "text";  // text, json
};
int run_ecash_balance(const EcashOptions& options, const Reporter& report, std::ostream& out);
int run_ecash_load(const EcashOptions& options, const Reporter& report, std::ostream& out);

}  // namespace sscard::app

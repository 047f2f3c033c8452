// sscard transit (一卡通行, docs/CONTACTLESS.md §5) and sscard gate (一卡通游, §6): their options, commands and
// their registration on sscard's command line.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "sscard/app/cli_support.h"
#include "sscard/app/terminal_commands.h"

namespace CLI {
class App;
}

namespace sscard::app {

struct TransitOptions {
  std::string action;             // tap, upload, log, deny-list
  std::filesystem::path config;   // --config: the validator (cards/validators/*.json)
  DeviceOptions devices;          // the card (contactless field)
  HostOverrides host;
  bool sync = false;              // deny-list --sync: fetch the hosts' list first
  std::string format = "text";    // text, json
};
int run_transit(const TransitOptions& options, const Reporter& report, std::ostream& out);

struct GateOptions {
  std::string action;             // enter, sync, log
  std::filesystem::path config;   // --config: the gate (cards/gates/*.json)
  DeviceOptions devices;          // the card (contactless field) and the PSAM
  HostOverrides host;
  std::optional<std::string> pinpad;
  std::string format = "text";
  CodeSource essc;                // enter: the holder's electronic card (a query code) instead of the card
};
int run_gate(const GateOptions& options, const Reporter& report, std::ostream& out);

// --essc IMAGE / --essc-scanner DEVICE / --essc-wait on `cmd` (terminal_cli.cpp): the electronic card instead of
// the card, excluding the card's options already on `cmd`.
void essc_options(CLI::App& cmd, CodeSource& o);

// Adds `transit` and `gate` to sscard's command line. The function returned runs the one that was parsed
// (nullopt when neither was).
std::function<std::optional<int>(const Reporter&, std::ostream&)> add_transit_commands(CLI::App& app);

}  // namespace sscard::app

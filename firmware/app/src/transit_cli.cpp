// The command lines of `sscard transit` and `sscard gate`.
#include <memory>

#include <CLI/CLI.hpp>

#include "command_trace.h"
#include "sscard/app/cli_validators.h"
#include "transit_commands.h"

namespace sscard::app {
namespace {

void card_and_host(CLI::App& cmd, DeviceOptions& devices, HostOverrides& host, bool with_card) {
  if (with_card) {
#if SSCARD_WITH_SIMULATOR
    auto* card = cmd.add_option("--card", devices.card, "a simulated card from this holder profile, held to the field")
                     ->type_name("PROFILE")
                     ->check(existing_file());
    cmd.add_flag("--fresh", devices.fresh, "simulated cards start again from their profiles");
#endif
    auto* reader = cmd.add_option("--reader-name", devices.reader, "the PC/SC reader (its name or a part of it)")
                       ->type_name("NAME");
#if SSCARD_WITH_SIMULATOR
    card->excludes(reader);
#else
    (void)reader;
#endif
    add_trace_options(cmd, devices.trace);
  }
  cmd.add_option("--host", host.host, "the acquirer host, instead of the configuration's")->check(host_port_validator());
  cmd.add_option("--timeout-ms", host.timeout_ms, "one exchange with the host")->check(CLI::Range(1, 600000));
  cmd.add_option("--attempts", host.attempts, "frames per request (same idempotency key)")->check(CLI::Range(1, 100));
}

void format_option(CLI::App& cmd, std::string& format) {
  cmd.add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
}

}  // namespace

std::function<std::optional<int>(const Reporter&, std::ostream&)> add_transit_commands(CLI::App& app) {
  auto transit = std::make_shared<TransitOptions>();
  auto gate = std::make_shared<GateOptions>();
  std::vector<CLI::App*> transit_cmds, gate_cmds;

  auto* transit_cmd = app.add_subcommand("transit", "一卡通行: the transit validator (bus, metro)");
  transit_cmd->require_subcommand(1);
  struct Action {
    const char* name;
    const char* help;
    bool card;
  };
  const Action transit_actions[] = {
      {"tap", "a card held to the validator: the fare by qPBOC, the ride logged before the gate opens", true},
      {"upload", "send the rides not yet acknowledged to the acquirer, then refresh the deny list", false},
      {"log", "print the ride log", false},
      {"deny-list", "print the deny list (--sync: fetch the hosts' list first)", false},
  };
  for (const Action& a : transit_actions) {
    auto* sub = transit_cmd->add_subcommand(a.name, a.help);
    sub->add_option("--config", transit->config, "the validator configuration (cards/validators/*.json)")
        ->type_name("FILE")
        ->required()
        ->check(existing_file());
    card_and_host(*sub, transit->devices, transit->host, a.card);
    if (std::string_view(a.name) == "deny-list") sub->add_flag("--sync", transit->sync, "fetch the hosts' list first");
    format_option(*sub, transit->format);
    transit_cmds.push_back(sub);
  }

  auto* gate_cmd = app.add_subcommand("gate", "一卡通游: the scenic-spot gate");
  gate_cmd->require_subcommand(1);
  const Action gate_actions[] = {
      {"enter", "a card held to the gate: identity, deny list, free / discounted / full ticket; or an electronic "
                "card's query code (--essc): free tickets only, by the age its home issuer gives", true},
      {"sync", "fetch the hosts' deny list of lost cards", false},
      {"log", "print the entries", false},
  };
  for (const Action& a : gate_actions) {
    auto* sub = gate_cmd->add_subcommand(a.name, a.help);
    sub->add_option("--config", gate->config, "the gate configuration (cards/gates/*.json)")
        ->type_name("FILE")
        ->required()
        ->check(existing_file());
    card_and_host(*sub, gate->devices, gate->host, a.card);
    if (a.card) {
#if SSCARD_WITH_SIMULATOR
      sub->add_option("--psam", gate->devices.psam, "a simulated PSAM from this PSAM profile")
          ->type_name("PROFILE")
          ->check(existing_file());
#endif
      sub->add_flag("--no-psam", gate->devices.no_psam, "no PSAM, whatever the configuration says");
      sub->add_option("--pinpad", gate->pinpad, "sim:PIN,...: a scripted keypad for an online PIN")->type_name("SPEC");
      // A query code of the electronic card admits as the card does when the ticket is free (docs/ESSC.md).
      essc_options(*sub, gate->essc);
    }
    format_option(*sub, gate->format);
    gate_cmds.push_back(sub);
  }

  return [transit, gate, transit_cmds, gate_cmds](const Reporter& report, std::ostream& out) -> std::optional<int> {
    for (CLI::App* sub : transit_cmds) {
      if (sub->parsed()) {
        transit->action = sub->get_name();
        return run_transit(*transit, report, out);
      }
    }
    for (CLI::App* sub : gate_cmds) {
      if (sub->parsed()) {
        gate->action = sub->get_name();
        return run_gate(*gate, report, out);
      }
    }
    return std::nullopt;
  };
}

}  // namespace sscard::app

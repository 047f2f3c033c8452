// sscard's command line: one CLI11 subcommand per terminal command, each with its own options and help.
#include <CLI/CLI.hpp>

#include "sscard/app/cli_validators.h"
#include "sscard/ssc/identity.h"

#include "sscard/app/terminal_commands.h"
#include "transit_commands.h"
#include "contactless_command.h"
#include "command_trace.h"

namespace sscard::app {
namespace {

constexpr const char* kDescription =
    "sscard: the social-security card kiosk terminal (Chongqing and Sichuan, Chuan-Yu).\n"
    "Exit codes: 0 done; 1 failed (one line on standard error says why); 2 wrong command line;\n"
    "3 a state change was sent but not answered: it is kept in the journal and the next run completes it.";

// A device number goes into a '|'-separated line (iReadCardBas field 11): printable ASCII without '|'.
const CLI::Validator kDeviceNumber(
    [](std::string& text) -> std::string {
      if (!ssc::valid_device_number(text)) return "at most 32 printable ASCII characters other than '|'";
      return {};
    },
    "");

void config_option(CLI::App& cmd, ConfigOption& o) {
  cmd.add_option("--config", o.file,
                 "the kiosk configuration (default: $SSCARD_CONFIG, else /etc/sscard/kiosk.json)")
      ->type_name("FILE")
      ->check(existing_file());
}

// --card (simulator builds) and --reader-name, one excluding the other.
void card_reader_options(CLI::App& cmd, DeviceOptions& o) {
#if SSCARD_WITH_SIMULATOR
  auto* card = cmd.add_option("--card", o.card, "a simulated card from this holder profile")
                   ->type_name("PROFILE")
                   ->check(existing_file());
#endif
  auto* reader = cmd.add_option("--reader-name", o.reader, "the PC/SC reader of the card (its name or a part of it)")
                     ->type_name("NAME");
  cmd.add_flag("--contactless", o.contactless,
               "use the card in the reader's contactless field (3rd-generation cards); PC/SC: the reader "
               "--reader-name names, else the configuration's readers.contactless, else one named like a "
               "contactless reader (PICC, CL, NFC...)");
#if SSCARD_WITH_SIMULATOR
  card->excludes(reader);
#else
  (void)reader;
#endif
  add_trace_options(cmd, o.trace);
}

void fresh_option(CLI::App& cmd, DeviceOptions& o) {
#if SSCARD_WITH_SIMULATOR
  cmd.add_flag("--fresh", o.fresh, "simulated cards start again from their profiles, forgetting their saved memory");
#else
  (void)cmd;
  (void)o;
#endif
}

void device_options(CLI::App& cmd, DeviceOptions& o, bool with_wait) {
  card_reader_options(cmd, o);
  if (with_wait) {
    cmd.add_option("--wait", o.wait_seconds, "wait this long for a card to be inserted (PC/SC)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0, 3600));
  }
#if SSCARD_WITH_SIMULATOR
  auto* psam = cmd.add_option("--psam", o.psam, "a simulated PSAM from this PSAM profile")
                   ->type_name("PROFILE")
                   ->check(existing_file());
#endif
  auto* psam_reader = cmd.add_option("--psam-reader", o.psam_reader, "the PC/SC reader or slot holding the PSAM")
                          ->type_name("NAME");
  auto* no_psam = cmd.add_flag("--no-psam", o.no_psam, "no PSAM, whatever the configuration says");
  no_psam->excludes(psam_reader);
#if SSCARD_WITH_SIMULATOR
  psam->excludes(psam_reader);
  no_psam->excludes(psam);
#endif
  fresh_option(cmd, o);
}

// The card alone (a payment uses no PSAM).
void card_options(CLI::App& cmd, DeviceOptions& o) {
  card_reader_options(cmd, o);
  fresh_option(cmd, o);
}

void pinpad_option(CLI::App& cmd, std::optional<std::string>& pinpad) {
  cmd.add_option("--pinpad", pinpad,
                 "sim:E1,E2,...: a scripted keypad typing one entry per prompt (digits, cancel, timeout, unplug); "
                 "default: type the PINs on this terminal")
      ->type_name("sim:PIN,...")
      ->check(CLI::Validator(
          [](std::string& spec) -> std::string {
            if (spec.rfind("sim:", 0) != 0) return "takes sim:PIN[,PIN...]";
            if (spec.size() == 4) return "sim: needs at least one entry";
            return {};
          },
          "SPEC"));
}

void host_options(CLI::App& cmd, HostOverrides& o) {
  cmd.add_option("--host", o.host, "the issuer host, instead of the configuration's")->check(host_port_validator());
  cmd.add_option("--journal", o.journal, "the kiosk's journal, instead of the configuration's")->type_name("FILE");
  cmd.add_option("--timeout-ms", o.timeout_ms, "one exchange with the host")->check(CLI::Range(1, 600000));
  cmd.add_option("--attempts", o.attempts, "frames per request (same idempotency key)")->check(CLI::Range(1, 100));
}

}  // namespace

// --essc IMAGE / --essc-scanner DEVICE: the electronic card instead of the card (docs/ESSC.md); they exclude the
// card's own options.
void essc_options(CLI::App& cmd, CodeSource& o) {
  auto* image = cmd.add_option("--essc", o.image,
                               "the holder's electronic social-security card: a picture (PNG) of its QR code, "
                               "as a camera takes it, instead of the card")
                    ->type_name("IMAGE")
                    ->check(existing_file());
  auto* scanner = cmd.add_option("--essc-scanner", o.scanner,
                                 "read the electronic card's QR code from this scanner instead of the card: a "
                                 "keyboard-wedge input device (/dev/input/eventN), a serial one (/dev/ttyACM0), or "
                                 "sim:TEXT, a simulated scanner that scans TEXT (tests)")
                      ->type_name("DEVICE");
  cmd.add_option("--essc-wait", o.wait_seconds, "how long a scanner device is waited for")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  image->excludes(scanner);
  for (const char* card_option : {"--card", "--reader-name", "--contactless", "--psam", "--psam-reader", "--no-psam",
                                  "--wait", "--device-number", "--pinpad"}) {
    if (CLI::Option* other = cmd.get_option_no_throw(card_option)) {
      image->excludes(other);
      scanner->excludes(other);
    }
  }
}

int run_terminal(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app(kDescription, "sscard");
  app.require_subcommand(1);
  app.set_version_flag("--version", "sscard " SSCARD_VERSION);

  ReadOptions read;
  auto* read_cmd = app.add_subcommand("read", "read the card and its holder's identity (PSAM mode when the kiosk "
                                              "has a PSAM); with --essc, the holder of an electronic card's code as "
                                              "its home issuer knows them (--config needed)");
  config_option(*read_cmd, read.config);
  device_options(*read_cmd, read.devices, true);
  read_cmd->add_option("--format", read.format, "text, json (fixed keys) or iface (the iReadCardBas line)")
      ->check(CLI::IsMember({"text", "json", "iface"}))
      ->capture_default_str();
  read_cmd->add_option("--device-number", read.device_number,
                       "iReadCardBas field 11 when there is no PSAM (printable ASCII, no '|')")
      ->type_name("TEXT")
      ->check(kDeviceNumber);
  // The electronic card: no card to read, the holder's identity comes from the home issuer (docs/ESSC.md).
  essc_options(*read_cmd, read.essc);
  host_options(*read_cmd, read.host);

  PinOptions pin;
  auto* pin_cmd = app.add_subcommand("pin", "PIN services of the social-security application");
  pin_cmd->require_subcommand(1);
  struct PinAction {
    const char* name;
    const char* help;
  };
  const PinAction actions[] = {
      {"verify", "check the holder's PIN"},
      {"change", "change the PIN (current PIN, then the new one twice)"},
      {"unblock", "reset the try counter with the PSAM's PIN-unblock key (service hall)"},
      {"reload", "set a new PIN with the PSAM's PIN-reload key (service hall)"},
  };
  std::vector<CLI::App*> pin_cmds;
  for (const PinAction& a : actions) {
    auto* sub = pin_cmd->add_subcommand(a.name, a.help);
    config_option(*sub, pin.config);
    device_options(*sub, pin.devices, false);
    if (std::string_view(a.name) != "unblock") pinpad_option(*sub, pin.pinpad);
    pin_cmds.push_back(sub);
  }

  ServiceOptions service;
  struct Service {
    const char* name;
    const char* help;
    bool pinpad;
  };
  const Service services[] = {
      {"query", "the holder's benefits from the card's home issuer: pension, medical account, contributions", false},
      {"activate", "activate the card: change the initial PIN, then tell the home issuer", true},
      {"report-loss", "report the card lost at its home issuer", false},
      {"cancel-loss", "lift the loss report (PIN needed)", true},
      {"certify", "pension eligibility certification where the holder lives (PIN needed)", true},
  };
  std::vector<CLI::App*> service_cmds;
  for (const Service& s : services) {
    auto* sub = app.add_subcommand(s.name, s.help);
    config_option(*sub, service.config);
    device_options(*sub, service.devices, false);
    host_options(*sub, service.host);
    if (s.pinpad) pinpad_option(*sub, service.pinpad);
    sub->add_option("--format", service.format, "text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    if (std::string_view(s.name) == "query") essc_options(*sub, service.essc);
    service_cmds.push_back(sub);
  }

  PayOptions pay;
  auto* pay_cmd = app.add_subcommand("pay", "a purchase from the card's PBOC debit application, authorised online "
                                            "by the card's home issuer");
  config_option(*pay_cmd, pay.config);
  card_options(*pay_cmd, pay.devices);
  host_options(*pay_cmd, pay.host);
  pay_cmd->add_option("--amount", pay.amount, "the amount in yuan, at most two decimals (12.34)")
      ->type_name("YUAN")
      ->required()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (!parse_yuan(text)) return "takes yuan with at most two decimals, more than 0 (e.g. 12.34)";
            return {};
          },
          ""));
  pinpad_option(*pay_cmd, pay.pinpad);
  pay_cmd->add_option("--format", pay.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  // sscard ecash balance | load (docs/CONTACTLESS.md §4).
  EcashOptions ecash;
  auto* ecash_cmd = app.add_subcommand("ecash", "the card's electronic cash: its balance, or a load from the bank "
                                                "account through the home issuer");
  ecash_cmd->require_subcommand(1);
  auto* ecash_balance_cmd = ecash_cmd->add_subcommand("balance", "the e-cash balance and limits (GET DATA)");
  auto* ecash_load_cmd = ecash_cmd->add_subcommand("load", "load e-cash from the bank account (contact, online PIN)");
  for (CLI::App* sub : {ecash_balance_cmd, ecash_load_cmd}) {
    config_option(*sub, ecash.config);
    card_options(*sub, ecash.devices);
    host_options(*sub, ecash.host);
    pinpad_option(*sub, ecash.pinpad);
    sub->add_option("--format", ecash.format, "text or json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
  }
  ecash_load_cmd->add_option("--amount", ecash.amount, "the amount in yuan, at most two decimals (100.00)")
      ->type_name("YUAN")
      ->required();

  RecoverOptions recover;
  auto* recover_cmd = app.add_subcommand("recover", "finish the state changes an earlier run left in the journal");
  config_option(*recover_cmd, recover.config);
  host_options(*recover_cmd, recover.host);

  SettleOptions settle;
  auto* settle_cmd = app.add_subcommand("settle", "a medical settlement: the insured share, the medical-insurance "
                                                  "account's share and the card's share of a bill; with --essc (a "
                                                  "medical code), the card's share from the holder's account");
  config_option(*settle_cmd, settle.config);
  device_options(*settle_cmd, settle.devices, false);
  host_options(*settle_cmd, settle.host);
  settle_cmd->add_option("--total", settle.total, "the bill in yuan, at most two decimals (356.78)")
      ->type_name("YUAN")
      ->required();
  settle_cmd->add_option("--category", settle.category, "the kind of bill")
      ->check(CLI::IsMember({"outpatient", "pharmacy", "inpatient"}))
      ->required();
  pinpad_option(*settle_cmd, settle.pinpad);
  settle_cmd->add_option("--format", settle.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  // A code of purpose 03: the home issuer debits the card's share from the holder's account (docs/ESSC.md).
  essc_options(*settle_cmd, settle.essc);

  TotalsOptions totals;
  auto* totals_cmd = app.add_subcommand("totals", "reconcile one business date's payments with both issuers");
  config_option(*totals_cmd, totals.config);
  host_options(*totals_cmd, totals.host);
  totals_cmd->add_option("--date", totals.date, "the business date (DF09 of the payments)")
      ->type_name("YYYYMMDD")
      ->required();
  totals_cmd->add_option("--format", totals.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  KioskLoopOptions kiosk;
  auto* kiosk_cmd = app.add_subcommand("kiosk", "serve cards on a PC/SC reader: wait for a card, read it, wait for "
                                                "its removal, repeat");
  config_option(*kiosk_cmd, kiosk.config);
  kiosk_cmd->add_option("--reader-name", kiosk.reader, "the PC/SC reader (its name or a part of it)")
      ->type_name("NAME");
  kiosk_cmd->add_option("--count", kiosk.count, "stop after this many cards (0: never)")->check(CLI::Range(0, 1000000));
  kiosk_cmd->add_option("--format", kiosk.format, "text, json or iface")
      ->check(CLI::IsMember({"text", "json", "iface"}))
      ->capture_default_str();
  add_trace_options(*kiosk_cmd, kiosk.trace);

  auto* version_cmd = app.add_subcommand("version", "the program version");

  const auto run_transit_or_gate = add_transit_commands(app);

  if (auto code = parse_command_line(app, argc, argv, out, err)) return *code;
  const Reporter report(command_path(app), err);

  if (read_cmd->parsed()) return run_read(read, report, out);
  for (CLI::App* sub : pin_cmds) {
    if (sub->parsed()) {
      pin.action = sub->get_name();
      return run_pin(pin, report, out);
    }
  }
  for (CLI::App* sub : service_cmds) {
    if (sub->parsed()) {
      service.service = sub->get_name();
      return run_service(service, report, out);
    }
  }
  if (auto code = run_transit_or_gate(report, out)) return *code;
  if (pay_cmd->parsed()) return pay.devices.contactless ? run_pay_contactless(pay, report, out) : run_pay(pay, report, out);
  if (ecash_balance_cmd->parsed()) return run_ecash_balance(ecash, report, out);
  if (ecash_load_cmd->parsed()) return run_ecash_load(ecash, report, out);
  if (recover_cmd->parsed()) return run_recover(recover, report, out);
  if (totals_cmd->parsed()) return run_totals(totals, report, out);
  if (settle_cmd->parsed()) return run_settle(settle, report, out);
  if (kiosk_cmd->parsed()) return run_kiosk_loop(kiosk, report, out);
  if (version_cmd->parsed()) {
    out << "sscard " << SSCARD_VERSION << '\n';
    return kExitOk;
  }
  return report.fail("nothing to do", kExitUsage);
}

}  // namespace sscard::app

#include "sscard/app/commands.h"

#include <array>
#include <charconv>
#include <chrono>
#include <string>

#include "cli_common.h"
#include "pin_command.h"
#include "service_command.h"
#include "sscard/app/args.h"
#include "sscard/app/card_source.h"
#include "sscard/app/identity_report.h"
#include "sscard/app/messages.h"
#include "sscard/core/apdu.h"
#if SSCARD_WITH_SIMULATOR
#include "host_command.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/psam_profile.h"
#include "sscard/sim/vicc.h"
#endif
#include "sscard/ssc/identity.h"
#include "sscard/transport/transport.h"

namespace sscard::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sscard <command> [options]\n"
    "\n"
    "commands:\n"
    "  read --card PROFILE [--format text|json|iface] [--device-number N]\n"
    "                     read the card and holder data of a simulated card\n"
    "  read --reader pcsc [--reader-name NAME] [--wait SECONDS] [--format ...]\n"
    "                     the same from the card in a PC/SC reader\n"
    "       add --psam PSAM_PROFILE (simulated) or --psam-reader NAME (PC/SC) for the PSAM-mode read:\n"
    "       card and terminal authentication, every field of a 3rd-generation card\n"
    "  pin verify|change|unblock|reload (--card PROFILE | --reader pcsc ...) [--psam ...]\n"
    "      [--pinpad sim:PIN,PIN...]  PIN services; PINs are typed on this terminal unless --pinpad\n"
    "  kiosk --reader pcsc [--reader-name NAME] [--count N] [--format ...]\n"
    "                     wait for a card, read it, wait for its removal; repeat (N cards, or forever)\n"
    "  vicc (--card PROFILE | --psam PSAM_PROFILE) [--host 127.0.0.1] [--port 35963]\n"
    "                     put a simulated card behind pcscd through vpcd (SIGUSR1 pulls it,\n"
    "                     SIGUSR2 inserts it again, SIGTERM/SIGINT stop)\n"
    "  query|activate|report-loss|cancel-loss|certify --kiosk cq|sc (--card PROFILE | --reader pcsc ...)\n"
    "      [--psam ...] [--pinpad sim:PIN,...] [--format text|json] [--host HOST:PORT] [--journal FILE]\n"
    "      [--state DIR] [--timeout-ms N] [--attempts N]\n"
    "                     card services at a Chongqing or Sichuan kiosk; the card's home issuer answers,\n"
    "                     through the Chuan-Yu hub for the other province's cards; in-process simulated\n"
    "                     issuers unless --host (exit 3: sent, not answered, kept in the journal)\n"
    "  recover --kiosk cq|sc [--host HOST:PORT] [--journal FILE]\n"
    "                     finish the state changes an earlier run left in the kiosk's journal\n"
    "  host --province cq|sc [--listen HOST:PORT] [--db FILE] [--hub HOST:PORT] [--population N]\n"
    "                     a simulated issuer host on TCP (prints \"... listening on HOST:PORT\")\n"
    "  hub --cq HOST:PORT --sc HOST:PORT [--listen HOST:PORT]\n"
    "                     the Chuan-Yu hub between the two issuer hosts\n"
    "  demo [--cards DIR] read every bundled card, then the cross-province benefit queries\n"
    "  help               this text\n"
    "  version            the program version\n";

int run_read(const Args& args, std::ostream& out, std::ostream& err) {
  OutputFormat format = OutputFormat::kText;
  if (auto f = args.value("format"); f && !parse_output_format(*f, format)) {
    return fail(err, "unknown --format '" + std::string(*f) + "' (text, json or iface)", kExitUsage);
  }
  unsigned long wait_seconds = 0;
  if (auto w = args.value("wait"); w && !parse_count(*w, wait_seconds)) {
    return fail(err, "--wait takes a number of seconds", kExitUsage);
  }
  std::string usage_error;
  auto opened = open_card_source(args, usage_error);
  if (!usage_error.empty()) return fail(err, usage_error, kExitUsage);
  if (!opened.source) return fail(err, opened.error);
  auto psam = open_psam_source(args, usage_error);
  if (!usage_error.empty()) return fail(err, usage_error, kExitUsage);
  if ((args.has("psam") || args.has("psam-reader")) && !psam.source) return fail(err, "PSAM: " + psam.error);
  CardSource& source = *opened.source;

  if (source.is_pcsc && wait_seconds > 0) {
    auto waited = wait_for_card(source, true, std::chrono::seconds(wait_seconds));
    if (!waited.ok()) {
      return fail(err, source.description + ": " +
                           (waited.status() == Error::kTimeout ? std::string("no card was inserted in time")
                                                               : read_failure_message(waited.status())));
    }
  }
  auto read = read_card(*source.slot, psam.source ? psam.source->slot : nullptr);
  const std::string where = args.value("card") ? std::string(*args.value("card")) : source.description;
  if (!read.ok) return fail(err, where + ": " + read.error);
  if (!psam.source) {
    if (auto d = args.value("device-number")) read.terminal.device_number = std::string(*d);
  }
  return print_identity(format, read, out, err);
}

// The kiosk loop on a PC/SC reader: wait for a card, read it, show it, wait for it to leave.
int run_kiosk(const Args& args, std::ostream& out, std::ostream& err) {
  OutputFormat format = OutputFormat::kText;
  if (auto f = args.value("format"); f && !parse_output_format(*f, format)) {
    return fail(err, "unknown --format '" + std::string(*f) + "' (text, json or iface)", kExitUsage);
  }
  unsigned long count = 0;  // 0: forever
  if (auto c = args.value("count"); c && !parse_count(*c, count)) {
    return fail(err, "--count takes a whole number", kExitUsage);
  }
  if (args.value("reader").value_or("") != "pcsc") return fail(err, "kiosk needs --reader pcsc", kExitUsage);
  auto opened = open_pcsc_reader(std::string(args.value("reader-name").value_or("")));
  if (!opened.source) return fail(err, opened.error);
  CardSource& source = *opened.source;
  err << "sscard: kiosk on " << source.description << ": insert a card\n";

  constexpr std::chrono::hours kForever{24};
  for (unsigned long served = 0; count == 0 || served < count;) {
    auto inserted = wait_for_card(source, true, kForever);
    if (!inserted.ok()) {
      if (inserted.status() == Error::kTimeout) continue;
      return fail(err, source.description + ": " + read_failure_message(inserted.status()));
    }
    auto read = read_card(*source.slot, nullptr);
    if (read.ok) {
      (void)print_identity(format, read, out, err);
      ++served;
    } else {
      err << "sscard: " << read.error << '\n';
    }
    err << "sscard: remove the card\n";
    auto removed = wait_for_card(source, false, kForever);
    if (!removed.ok() && removed.status() != Error::kTimeout) {
      return fail(err, source.description + ": " + read_failure_message(removed.status()));
    }
  }
  return kExitOk;
}

int run_vicc(const Args& args, std::ostream& err) {
#if SSCARD_WITH_SIMULATOR
  auto card = args.value("card");
  auto psam = args.value("psam");
  if (card.has_value() == psam.has_value()) {
    return fail(err, "vicc needs --card PROFILE or --psam PSAM_PROFILE", kExitUsage);
  }
  sim::ViccOptions options;
  if (auto h = args.value("host")) options.host = std::string(*h);
  if (auto p = args.value("port")) {
    unsigned long port = 0;
    if (!parse_count(*p, port) || port == 0 || port > 65535) return fail(err, "--port takes 1..65535", kExitUsage);
    options.port = static_cast<std::uint16_t>(port);
  }
  std::shared_ptr<sim::Card> simulated;
  if (card) {
    auto loaded = sim::load_profile(std::string(*card));
    if (!loaded.ok()) return fail(err, loaded.error().to_string());
    simulated = sim::make_card(loaded.value());
  } else {
    auto loaded = sim::load_psam_profile(std::string(*psam));
    if (!loaded.ok()) return fail(err, loaded.error().to_string());
    simulated = sim::make_psam_card(loaded.value());
  }
  options.log = [&err](std::string_view line) { err << "sscard vicc: " << line << std::endl; };
  return sim::run_vicc_command(options, std::move(simulated));
#else
  (void)args;
  return fail(err, "vicc: this build has no card simulator (SSCARD_WITH_SIMULATOR=OFF)");
#endif
}

int run_demo(const Args& args, std::ostream& out, std::ostream& err) {
  std::filesystem::path dir = default_cards_dir();
  if (auto d = args.value("cards")) dir = std::string(*d);
  auto profiles = bundled_profiles(dir);
  if (profiles.empty()) return fail(err, "no card profiles found in " + dir.string());

  out << "sscard demo: identity read of " << profiles.size() << " bundled cards from " << dir.string()
      << "\n(kiosk firmware -> HAL -> in-process simulated reader; no PSAM in this terminal)\n";
  int failures = 0;
  for (const auto& profile : profiles) {
    out << '\n' << profile.filename().string();
    auto opened = open_simulated_card(profile);
    if (!opened.source) {
      out << ": " << opened.error << '\n';
      ++failures;
      continue;
    }
    out << " - " << opened.source->description << '\n';
    auto read = read_card(*opened.source->slot, nullptr);
    if (!read.ok) {
      out << "  read failed: " << read.error << '\n';
      ++failures;
      continue;
    }
    out << identity_text(read.identity);
  }
  out << '\n' << (profiles.size() - static_cast<std::size_t>(failures)) << " of " << profiles.size()
      << " cards read\n";

  // The same cards at a Chongqing kiosk with its PSAM: card and terminal authentication, every field of a
  // 3rd-generation card, and Sichuan cards read under the Chuan-Yu agreement (docs/SECURITY.md).
  const auto kiosk_psam = dir / "psam" / "cq-kiosk.json";
  if (std::filesystem::exists(kiosk_psam)) {
    out << "\nPSAM-mode reads at a Chongqing kiosk (" << kiosk_psam.filename().string() << "):\n";
    for (const auto& profile : profiles) {
      auto card = open_simulated_card(profile);
      auto psam = open_simulated_psam(kiosk_psam);
      if (!card.source || !psam.source) continue;
      auto read = read_card(*card.source->slot, psam.source->slot);
      out << "  " << profile.filename().string() << ": ";
      if (!read.ok) {
        out << read.error << '\n';
        ++failures;
        continue;
      }
      out << read.identity.name << ", " << region_name(read.identity.region) << ", ssn " << read.identity.ssn
          << ", terminal " << read.terminal.terminal_number << '\n';
    }
  }
  failures += demo_cross_province(out);
  return failures == 0 ? kExitOk : kExitFailure;
}

}  // namespace

int run_cli(const std::vector<std::string_view>& argv, std::ostream& out, std::ostream& err) {
  static const std::vector<FlagSpec> kFlags = {
      {"card"}, {"format"}, {"cards"}, {"device-number"}, {"reader"}, {"reader-name"},
      {"wait"}, {"count"}, {"host"}, {"port"}, {"psam"}, {"psam-reader"}, {"pinpad"},
      {"kiosk"}, {"journal"}, {"state"}, {"link-keys"}, {"timeout-ms"}, {"attempts"}, {"no-psam", false},
      {"province"}, {"listen"}, {"db"}, {"hub"}, {"cq"}, {"sc"}, {"threads"}, {"stall-ms"},
      {"forward-timeout-ms"}, {"population"},
  };
  if (argv.empty()) {
    err << kUsage;
    return kExitUsage;
  }
  // `pin ACTION ...`: the action is the one positional word after the command.
  std::vector<std::string_view> words = argv;
  std::string_view action;
  if (words.size() >= 2 && words[0] == "pin" && words[1].substr(0, 2) != "--") {
    action = words[1];
    words.erase(words.begin() + 1);
  }
  auto parsed = parse_args(words, kFlags);
  if (!parsed.args) return fail(err, parsed.error.message, kExitUsage);
  const Args& args = *parsed.args;

  if (args.command == "read") return run_read(args, out, err);
  if (args.command == "demo") return run_demo(args, out, err);
  if (args.command == "kiosk") return run_kiosk(args, out, err);
  if (args.command == "pin") return run_pin(args, action, out, err);
  if (args.command == "vicc") return run_vicc(args, err);
  if (is_service_command(args.command)) return run_service(args, out, err);
#if SSCARD_WITH_SIMULATOR
  if (args.command == "host") return run_host(args, out, err);
  if (args.command == "hub") return run_hub(args, out, err);
#endif
  if (args.command == "help" || args.command == "--help" || args.command == "-h") {
    out << kUsage;
    return kExitOk;
  }
  if (args.command == "version" || args.command == "--version") {
    out << "sscard " << SSCARD_VERSION << '\n';
    return kExitOk;
  }
  return fail(err, "unknown command '" + args.command + "' (try `sscard help`)", kExitUsage);
}

}  // namespace sscard::app

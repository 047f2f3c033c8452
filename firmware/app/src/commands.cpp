#include "sscard/app/commands.h"

#include <array>
#include <string>

#include "sscard/app/args.h"
#include "sscard/app/card_source.h"
#include "sscard/app/identity_report.h"
#include "sscard/app/messages.h"
#include "sscard/core/apdu.h"
#include "sscard/ssc/identity.h"
#include "sscard/transport/transport.h"

namespace sscard::app {
namespace {

constexpr std::string_view kUsage =
    "usage: sscard <command> [options]\n"
    "\n"
    "commands:\n"
    "  read --card PROFILE [--format text|json|iface] [--device-number N]\n"
    "                     read the card and holder data of one card\n"
    "  demo [--cards DIR] read every bundled card and print a summary\n"
    "  help               this text\n"
    "  version            the program version\n";

struct ReadOutcome {
  Status status;
  ssc::Identity identity;
};

// Powers the card up and runs the identity read (SSC-CARD.md: SELECT SSSE, EF05, EF06).
ReadOutcome read_card(hal::Slot& slot) {
  ReadOutcome outcome;
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot.power_up(atr);
  if (!atr_len.ok()) {
    outcome.status = atr_len.status();
    return outcome;
  }
  transport::Transport transport(slot);
  auto identity = ssc::read_identity(transport, ByteSpan(atr.data(), *atr_len));
  (void)slot.power_down();
  if (!identity.ok()) {
    outcome.status = identity.status();
    return outcome;
  }
  outcome.identity = std::move(identity).value();
  return outcome;
}

int fail(std::ostream& err, std::string_view message, int code = kExitFailure) {
  err << "sscard: " << message << '\n';
  return code;
}

int run_read(const Args& args, std::ostream& out, std::ostream& err) {
  OutputFormat format = OutputFormat::kText;
  if (auto f = args.value("format"); f && !parse_output_format(*f, format)) {
    return fail(err, "unknown --format '" + std::string(*f) + "' (text, json or iface)", kExitUsage);
  }
  auto card = args.value("card");
  if (!card) return fail(err, "read needs --card PROFILE", kExitUsage);

  auto opened = open_simulated_card(std::string(*card));
  if (!opened.source) return fail(err, opened.error);
  auto outcome = read_card(*opened.source->slot);
  if (!outcome.status.ok()) return fail(err, std::string(*card) + ": " + read_failure_message(outcome.status));

  const ssc::Identity& id = outcome.identity;
  switch (format) {
    case OutputFormat::kJson: out << identity_json(id) << '\n'; break;
    case OutputFormat::kIface: {
      TerminalIds ids;
      if (auto d = args.value("device-number")) ids.device_number = std::string(*d);
      out << ssc::format_iface_line(id, ids.terminal_number, ids.device_number) << '\n';
      break;
    }
    case OutputFormat::kText: out << identity_text(id); break;
  }
  if (format != OutputFormat::kText) {
    if (auto notice = withheld_notice(id); !notice.empty()) err << "sscard: note: " << notice << '\n';
  }
  return kExitOk;
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
    auto outcome = read_card(*opened.source->slot);
    if (!outcome.status.ok()) {
      out << "  read failed: " << read_failure_message(outcome.status) << '\n';
      ++failures;
      continue;
    }
    out << identity_text(outcome.identity);
  }
  out << '\n' << (profiles.size() - static_cast<std::size_t>(failures)) << " of " << profiles.size()
      << " cards read\n";
  return failures == 0 ? kExitOk : kExitFailure;
}

}  // namespace

int run_cli(const std::vector<std::string_view>& argv, std::ostream& out, std::ostream& err) {
  static const std::vector<FlagSpec> kFlags = {
      {"card"}, {"format"}, {"cards"}, {"device-number"},
  };
  if (argv.empty()) {
    err << kUsage;
    return kExitUsage;
  }
  auto parsed = parse_args(argv, kFlags);
  if (!parsed.args) return fail(err, parsed.error.message, kExitUsage);
  const Args& args = *parsed.args;

  if (args.command == "read") return run_read(args, out, err);
  if (args.command == "demo") return run_demo(args, out, err);
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

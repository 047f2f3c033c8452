// sscard-sim demo: the terminal's own commands (sscard_app), run in this process against the simulated
// world: every bundled card read by a terminal without a PSAM, then by the Chongqing test kiosk with its
// PSAM, then a Sichuan card served in Chongqing and a Chongqing card in Sichuan through the simulated
// issuers and the Chuan-Yu hub, for a benefit query and for a payment.
#include <sstream>

#include "commands.h"
#include "sscard/app/terminal_commands.h"
#include "sscard/sim/profile.h"

namespace sscard::simapp {
namespace {

// Runs one terminal command; its error lines go to `out` too, indented, so the demo reads top to bottom.
template <typename Options, typename Run>
bool run_terminal_command(const std::string& command, const Options& options, Run run, std::ostream& out) {
  std::ostringstream result;
  std::ostringstream errors;
  const app::Reporter report(command, errors);
  const int code = run(options, report, result);
  out << result.str();
  std::istringstream lines(errors.str());
  for (std::string line; std::getline(lines, line);) out << "  " << line << '\n';
  return code == app::kExitOk;
}

}  // namespace

int run_demo(const DemoOptions& o, const app::Reporter& report, std::ostream& out) {
  const auto profiles = sim::holder_profiles(o.cards);
  if (profiles.empty()) return report.fail("no card profiles in " + o.cards.string());
  const auto cq_kiosk = o.cards / "kiosks" / "cq-tongnan.json";
  const auto sc_kiosk = o.cards / "kiosks" / "sc-suining.json";
  std::size_t failures = 0;

  out << "sscard-sim demo: " << profiles.size() << " bundled cards from " << o.cards.string() << "\n"
      << "(the kiosk firmware -> HAL -> an in-process simulated reader; each card keeps its memory between runs)\n"
      << "\n1. Identity read by a terminal without a PSAM (sscard read --card PROFILE --no-psam)\n";
  std::size_t read = 0;
  for (const auto& profile : profiles) {
    out << '\n' << profile.filename().string() << '\n';
    app::ReadOptions options;
    options.devices.card = profile;
    options.devices.no_psam = true;
    if (run_terminal_command("sscard read", options, app::run_read, out)) ++read;
  }
  out << '\n' << read << " of " << profiles.size() << " cards read\n";
  failures += profiles.size() - read;

  out << "\n2. PSAM-mode reads at the Chongqing test kiosk (sscard read --config " << cq_kiosk.filename().string()
      << " --card PROFILE --format iface): card and terminal authentication, every field of a 3rd-generation "
         "card, Sichuan cards under the Chuan-Yu agreement\n";
  for (const auto& profile : profiles) {
    out << profile.filename().string() << ": ";
    app::ReadOptions options;
    options.config.file = cq_kiosk;
    options.devices.card = profile;
    options.format = "iface";
    std::ostringstream line;
    const bool ok = run_terminal_command("sscard read", options, app::run_read, line);
    out << (ok ? "" : "\n") << line.str();
    if (!ok) ++failures;
  }

  out << "\n3. Chuan-Yu benefit queries (kiosk -> its province's host -> hub -> the card's home issuer)\n";
  struct Case {
    const char* card;
    std::filesystem::path kiosk;
  };
  for (const Case& c : {Case{"sc-suining-gen3.json", cq_kiosk}, Case{"cq-yuzhong-gen2.json", sc_kiosk}}) {
    out << '\n' << c.card << " at " << c.kiosk.filename().string() << ":\n";
    app::ServiceOptions options;
    options.service = "query";
    options.config.file = c.kiosk;
    options.devices.card = o.cards / c.card;
    if (!run_terminal_command("sscard query", options, app::run_service, out)) ++failures;
  }

  out << "\n4. Chuan-Yu payments from the cards' PBOC debit applications (sscard pay): data authentication (RSA "
         "on a 2nd-generation card, SM2 on a 3rd-generation one), the card's offline PIN, online authorisation "
         "by the home issuer through the hub\n";
  struct Payment {
    const char* card;
    std::filesystem::path kiosk;
    const char* pinpad;  // the card's payment PIN (cards/README.md)
  };
  for (const Payment& p : {Payment{"sc-chengdu-gen2.json", cq_kiosk, "sim:246810"},
                           Payment{"cq-tongnan-gen3.json", sc_kiosk, "sim:147258"}}) {
    out << '\n' << p.card << " at " << p.kiosk.filename().string() << ":\n";
    app::PayOptions options;
    options.config.file = p.kiosk;
    options.devices.card = o.cards / p.card;
    options.pinpad = p.pinpad;
    options.amount = "12.34";
    if (!run_terminal_command("sscard pay", options, app::run_pay, out)) ++failures;
  }
  return failures == 0 ? app::kExitOk : app::kExitFailure;
}

}  // namespace sscard::simapp

// sscard-sim: the test world of the sscard terminal — simulated cards behind pcscd, the Chongqing and
// Sichuan issuer hosts, the Chuan-Yu hub, the demo, simulated cards' memory, and new test kiosks.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "sscard/app/cli_validators.h"

namespace sscard::simapp {
namespace {

constexpr const char* kDescription =
    "sscard-sim: the test world of the sscard kiosk terminal (simulated cards, issuer hosts, hub, the\n"
    "electronic-card platform).\n"
    "Exit codes: 0 done, 1 failed (one line on standard error says why), 2 wrong command line.";

void server_options(CLI::App& cmd, ServerOptions& o, const std::filesystem::path& cards) {
  o.link_keys = cards / "keys" / "test-link-keys.json";
  cmd.add_option("--listen", o.listen, "where to accept connections (port 0: any free port)")
      ->type_name("HOST:PORT")
      ->check(app::host_port_validator())
      ->capture_default_str();
  cmd.add_option("--link-keys", o.link_keys, "the test world's master link key file")
      ->type_name("FILE")
      ->check(app::existing_file())
      ->capture_default_str();
  cmd.add_option("--threads", o.threads, "worker threads")->check(CLI::Range(1, 256))->capture_default_str();
  cmd.add_option("--stall-ms", o.stall_ms, "answer every message this much later (fault tests)")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cmd.add_option("--forward-timeout-ms", o.forward_timeout_ms, "how long a forwarded request may take")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  const std::filesystem::path cards = default_cards_dir();
  CLI::App app(kDescription, "sscard-sim");
  app.require_subcommand(1);
  app.set_version_flag("--version", "sscard-sim " SSCARD_VERSION);

  ViccCommandOptions vicc;
  auto* vicc_cmd = app.add_subcommand(
      "vicc", "put a simulated card behind pcscd through vpcd (SIGUSR1 pulls it, SIGUSR2 inserts it again, "
              "SIGTERM stops)");
  auto* vicc_card = vicc_cmd->add_option("--card", vicc.card, "a holder card profile")->type_name("PROFILE")
                        ->check(app::existing_file());
  auto* vicc_psam = vicc_cmd->add_option("--psam", vicc.psam, "a PSAM profile")->type_name("PROFILE")
                        ->check(app::existing_file());
  vicc_card->excludes(vicc_psam);
  vicc_cmd->add_option("--host", vicc.host, "where vpcd listens")->capture_default_str();
  vicc_cmd->add_option("--port", vicc.port, "vpcd's port (35963: slot 0, 35964: slot 1)")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  vicc_cmd->add_flag("--fresh", vicc.fresh, "start the card again from its profile, forgetting its saved memory");
  vicc_cmd->add_flag("--contactless", vicc.contactless,
                     "present the card's contactless side (its ATR built from the ATS; 3rd-generation cards)")
      ->excludes(vicc_psam);

  HostOptions host;
  host.cards = cards;
  auto* host_cmd = app.add_subcommand("host", "a simulated issuer host on TCP");
  host_cmd->add_option("--province", host.province, "whose host: cq (Chongqing) or sc (Sichuan)")
      ->required()
      ->check(CLI::IsMember({"cq", "sc"}));
  host_cmd->add_option("--db", host.db, "its SQLite database (created and seeded on first use); default: in memory")
      ->type_name("FILE");
  host_cmd->add_option("--hub", host.hub, "the Chuan-Yu hub, for the other province's cards")->check(app::host_port_validator());
  host_cmd->add_option("--population", host.population, "synthetic holders added to a new database")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10'000'000}));
  host_cmd->add_option("--cards", host.cards, "the holder profiles a new database is seeded from")
      ->type_name("DIR")
      ->check(app::existing_folder())
      ->capture_default_str();
  server_options(*host_cmd, host.server, cards);

  HubCommandOptions hub;
  auto* hub_cmd = app.add_subcommand("hub", "the Chuan-Yu hub between the two issuer hosts");
  hub_cmd->add_option("--cq", hub.cq, "the Chongqing host")->required()->check(app::host_port_validator());
  hub_cmd->add_option("--sc", hub.sc, "the Sichuan host")->required()->check(app::host_port_validator());
  server_options(*hub_cmd, hub.server, cards);

  DemoOptions demo;
  demo.cards = cards;
  auto* demo_cmd = app.add_subcommand(
      "demo", "the kiosk firmware on every bundled card, then Chuan-Yu benefit queries across the border");
  demo_cmd->add_option("--cards", demo.cards, "the cards folder")->type_name("DIR")
      ->check(app::existing_folder())
      ->capture_default_str();

  CardCommandOptions card;
  auto* card_cmd = app.add_subcommand("card", "the memory a simulated card keeps between runs");
  card_cmd->require_subcommand(1);
  auto* show_cmd = card_cmd->add_subcommand("show", "what a simulated card's saved memory holds");
  auto* reset_cmd = card_cmd->add_subcommand("reset", "forget a simulated card's saved memory: it starts again "
                                                      "from its profile");
  for (CLI::App* sub : {show_cmd, reset_cmd}) {
    auto* c = sub->add_option("--card", card.card, "a holder card profile")->type_name("PROFILE")
                  ->check(app::existing_file());
    auto* p = sub->add_option("--psam", card.psam, "a PSAM profile")->type_name("PROFILE")
                  ->check(app::existing_file());
    c->excludes(p);
    if (sub == reset_cmd) {
      auto* all = sub->add_flag("--all", card.all, "every saved card and PSAM");
      all->excludes(c);
      all->excludes(p);
    } else {
      sub->add_option("--format", card.format, "text or json")->check(CLI::IsMember({"text", "json"}))
          ->capture_default_str();
    }
  }

  auto* world_cmd = app.add_subcommand("world", "the simulated issuers that sscard runs in its own process");
  world_cmd->require_subcommand(1);
  auto* world_reset_cmd = world_cmd->add_subcommand(
      "reset", "forget their databases: the next run seeds them again from the card profiles");
  WorldScriptOptions script;
  script.cards = cards;
  auto* world_script_cmd = world_cmd->add_subcommand(
      "script", "queue an issuer script for a card at its home issuer: it goes with the card's next online "
                "payment");
  world_script_cmd->add_option("--card", script.card, "a holder card profile (generation 2 or 3)")
      ->required()
      ->type_name("PROFILE")
      ->check(app::existing_file());
  world_script_cmd->add_option("--script", script.script, "pin-unblock, pin-change, app-block, app-unblock, "
                                                          "terminal-velocity or card-velocity")
      ->required()
      ->type_name("KIND");
  world_script_cmd->add_option("--value", script.value, "pin-change: the new PIN; terminal-velocity and "
                                                        "card-velocity: LOWER,UPPER (0-255)")
      ->type_name("V");

  ProvisionOptions provision;
  provision.cards = cards;
  provision.link_keys = cards / "keys" / "test-link-keys.json";
  provision.pin_keys = cards / "keys" / "test-pin-keys.json";
  auto* provision_cmd = app.add_subcommand(
      "provision", "write the configuration of a new test kiosk, with the link key derived for its terminal number");
  provision_cmd->add_option("--terminal", provision.terminal, "its terminal number (12 digits)")
      ->required()
      ->check(app::digits_validator(12));
  provision_cmd->add_option("--region", provision.region, "where it stands: a 6-digit GB/T 2260 code in Chongqing "
                                                          "(50xxxx) or Sichuan (51xxxx)")
      ->required()
      ->check(app::digits_validator(6));
  provision_cmd->add_option("--out", provision.out, "the configuration file to write")->required()->type_name("FILE");
  provision_cmd->add_option("--id", provision.id, "short name (default: t<terminal>)");
  provision_cmd->add_option("--name", provision.name, "display name");
  provision_cmd->add_option("--host", provision.host, "its province's issuer host; default: the simulated issuers "
                                                      "inside sscard")
      ->check(app::host_port_validator());
  provision_cmd->add_option("--psam-out", provision.psam_out, "also write a simulated PSAM with its terminal number")
      ->type_name("FILE");
  provision_cmd->add_option("--link-keys", provision.link_keys, "the test world's master link key file")
      ->type_name("FILE")
      ->check(app::existing_file())
      ->capture_default_str();
  provision_cmd->add_option("--pin-keys", provision.pin_keys, "the test world's PIN master key file")
      ->type_name("FILE")
      ->check(app::existing_file())
      ->capture_default_str();
  provision_cmd->add_option("--cards", provision.cards, "the cards folder the simulated issuers are seeded from")
      ->type_name("DIR")
      ->check(app::existing_folder())
      ->capture_default_str();
  provision_cmd->add_flag("--force", provision.force, "replace existing files");

  PlatformOptions platform;
  platform.keys = cards / "keys" / "test-platform-keys.json";
  auto* platform_cmd = app.add_subcommand("platform", "the national platform of the electronic social-security "
                                                      "card: codes for the bundled holders, and its public key");
  platform_cmd->require_subcommand(1);
  auto* platform_issue_cmd = platform_cmd->add_subcommand(
      "issue", "a signed QR code for a holder, as the holder's phone shows it: a PNG (--out) or drawn here");
  platform_issue_cmd->add_option("--card", platform.card, "the holder's card profile")
      ->required()
      ->type_name("PROFILE")
      ->check(app::existing_file());
  platform_issue_cmd->add_option("--purpose", platform.purpose, "what the code is for: query, payment or medical")
      ->check(CLI::IsMember({"query", "payment", "medical"}))
      ->capture_default_str();
  platform_issue_cmd->add_option("--out", platform.out, "write the QR code to this PNG file (readable by its owner "
                                                        "only); without it the code is drawn on the terminal")
      ->type_name("FILE.png");
  platform_issue_cmd->add_option("--validity", platform.validity_minutes, "minutes the code is valid")
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  platform_issue_cmd->add_option("--key-index", platform.key_index, "which of the platform's signing keys")
      ->check(CLI::Range(1, 255))
      ->capture_default_str();
  platform_issue_cmd->add_option("--at", platform.at, "issue as if the clock said this (seconds since 1970, UTC): "
                                                      "codes that have expired or are not yet valid, for tests")
      ->type_name("SECONDS")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{4294967295}));
  platform_issue_cmd->add_option("--format", platform.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  auto* platform_key_cmd = platform_cmd->add_subcommand(
      "key", "the platform's public keys, as the \"essc\" section of a kiosk configuration lists them");
  for (CLI::App* sub : {platform_issue_cmd, platform_key_cmd}) {
    sub->add_option("--keys", platform.keys, "the platform's key file")
        ->type_name("FILE")
        ->check(app::existing_file())
        ->capture_default_str();
  }

  auto* version_cmd = app.add_subcommand("version", "the program version");

  if (auto code = app::parse_command_line(app, argc, argv, out, err)) return *code;
  const app::Reporter report(app::command_path(app), err);

  if (vicc_cmd->parsed()) {
    if (vicc.card.empty() && vicc.psam.empty()) return report.fail("give --card PROFILE or --psam PROFILE", app::kExitUsage);
    return run_vicc(vicc, report);
  }
  if (host_cmd->parsed()) return run_host(host, report, out);
  if (hub_cmd->parsed()) return run_hub(hub, report, out);
  if (demo_cmd->parsed()) return run_demo(demo, report, out);
  if (show_cmd->parsed()) {
    if (card.card.empty() && card.psam.empty()) return report.fail("give --card PROFILE or --psam PROFILE", app::kExitUsage);
    return run_card_show(card, report, out);
  }
  if (reset_cmd->parsed()) {
    if (card.card.empty() && card.psam.empty() && !card.all) {
      return report.fail("give --card PROFILE, --psam PROFILE or --all", app::kExitUsage);
    }
    return run_card_reset(card, report, out);
  }
  if (world_reset_cmd->parsed()) return run_world_reset(report, out);
  if (world_script_cmd->parsed()) return run_world_script(script, report, out);
  if (provision_cmd->parsed()) return run_provision(provision, report, out);
  if (platform_issue_cmd->parsed()) return run_platform_issue(platform, report, out);
  if (platform_key_cmd->parsed()) return run_platform_key(platform, report, out);
  if (version_cmd->parsed()) {
    out << "sscard-sim " << SSCARD_VERSION << '\n';
    return app::kExitOk;
  }
  return report.fail("nothing to do", app::kExitUsage);
}

std::filesystem::path default_cards_dir() {
  if (const char* env = std::getenv("SSCARD_CARDS_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  if (std::filesystem::is_directory(SSCARD_SOURCE_CARDS_DIR, ec)) return SSCARD_SOURCE_CARDS_DIR;
  const auto installed = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / ".." / "share" /
                         "sscard" / "cards";
  if (!ec && std::filesystem::is_directory(installed, ec)) return installed.lexically_normal();
  return "cards";
}

}  // namespace sscard::simapp

int main(int argc, char** argv) { return sscard::simapp::run(argc, argv, std::cout, std::cerr); }

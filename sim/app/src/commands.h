// The commands of sscard-sim, the test world: simulated cards behind pcscd (vicc), the two issuer hosts and
// the Chuan-Yu hub on TCP, the demo, the simulated cards' saved memory, and provisioning of new test kiosks.
// Each takes its parsed options and returns the process exit code (sscard/app/cli_support.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "sscard/app/cli_support.h"

namespace sscard::simapp {

// Where the bundled cards are: $SSCARD_CARDS_DIR, else the cards/ of the source tree this program was built
// from, else share/sscard/cards beside the installed program, else ./cards.
std::filesystem::path default_cards_dir();

struct ServerOptions {
  std::string listen = "127.0.0.1:0";
  std::filesystem::path link_keys;  // the simulated world's master link key
  int threads = 8;
  int stall_ms = 0;
  int forward_timeout_ms = 5000;
};

struct HostOptions {
  ServerOptions server;
  std::string province;  // "cq" or "sc"
  std::string db;        // empty: in memory
  std::string hub;       // HOST:PORT; empty: other provinces' cards are answered issuer_unavailable
  std::size_t population = 0;
  std::filesystem::path cards;
};
int run_host(const HostOptions& options, const app::Reporter& report, std::ostream& out);

struct HubCommandOptions {
  ServerOptions server;
  std::string cq;
  std::string sc;
};
int run_hub(const HubCommandOptions& options, const app::Reporter& report, std::ostream& out);

struct ViccCommandOptions {
  std::filesystem::path card;  // a holder profile, or
  std::filesystem::path psam;  // a PSAM profile
  std::string host = "127.0.0.1";
  int port = 35963;
  bool fresh = false;
  bool contactless = false;    // present the card's contactless side (docs/CONTACTLESS.md §1.1)
};
int run_vicc(const ViccCommandOptions& options, const app::Reporter& report);

struct DemoOptions {
  std::filesystem::path cards;
};
int run_demo(const DemoOptions& options, const app::Reporter& report, std::ostream& out);

struct CardCommandOptions {
  std::filesystem::path card;
  std::filesystem::path psam;
  bool all = false;            // reset: every saved card
  std::string format = "text";
};
int run_card_show(const CardCommandOptions& options, const app::Reporter& report, std::ostream& out);
int run_card_reset(const CardCommandOptions& options, const app::Reporter& report, std::ostream& out);
int run_world_reset(const app::Reporter& report, std::ostream& out);

struct WorldScriptOptions {
  std::filesystem::path card;  // a holder profile of generation 2 or 3
  std::string script;          // a script kind name (sscard/sim/host/issuer_script.h)
  std::string value;           // pin-change: the new PIN; velocity kinds: "LOWER,UPPER"
  std::filesystem::path cards;  // the profiles a new database is seeded from
};
int run_world_script(const WorldScriptOptions& options, const app::Reporter& report, std::ostream& out);

struct ProvisionOptions {
  std::string terminal;   // 12 digits
  std::string region;     // 6 digits
  std::string id;         // default: "t" + terminal
  std::string name;       // default: "Test kiosk <terminal>"
  std::string host;       // HOST:PORT; empty: the simulated issuers inside the terminal program
  std::filesystem::path out;
  std::filesystem::path psam_out;  // also write a PSAM profile carrying the terminal number
  std::filesystem::path link_keys;
  std::filesystem::path pin_keys;  // the test world's PIN master, from which the kiosk's PIN key is derived
  std::filesystem::path cards;
  bool force = false;
};
int run_provision(const ProvisionOptions& options, const app::Reporter& report, std::ostream& out);

// sscard-sim platform issue | key (docs/ESSC.md).
struct PlatformOptions {
  std::filesystem::path keys;         // the platform key file (sscard-platform-keys/1)
  std::filesystem::path card;         // issue: the holder's card profile
  std::string purpose = "query";      // issue: query, payment, medical
  std::filesystem::path out;          // issue: the PNG to write; empty: drawn for the terminal
  int validity_minutes = 2;           // issue: 1..10
  int key_index = 1;                  // issue: which signing key
  std::optional<std::int64_t> at;     // issue: the issuing time (seconds since 1970) instead of now
  std::string format = "text";        // issue: text or json
};
int run_platform_issue(const PlatformOptions& options, const app::Reporter& report, std::ostream& out);
int run_platform_key(const PlatformOptions& options, const app::Reporter& report, std::ostream& out);

}  // namespace sscard::simapp

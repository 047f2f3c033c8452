// The commands of sscard, the kiosk terminal. Each takes its parsed options and returns the process exit
// code (sscard/app/cli_support.h): results on `out`, errors and notes on the reporter's stream.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "sscard/app/cli_support.h"

namespace sscard::app {

// The kiosk configuration: --config FILE, else $SSCARD_CONFIG, else /etc/sscard/kiosk.json (if it exists:
// read, pin and kiosk work without one).
struct ConfigOption {
  std::filesystem::path file;  // empty: the default location
};

// The APDU trace of a card-touching command (docs/SECURITY.md "The APDU trace").
struct TraceOptions {
  std::string file;      // --trace FILE; empty: $SSCARD_TRACE, else no trace
  std::string identity;  // --trace-identity masked|full; empty: $SSCARD_TRACE_IDENTITY, else masked
};

// Where the card and the PSAM are, overriding the configuration's readers for one run.
struct DeviceOptions {
  std::filesystem::path card;         // --card PROFILE: a simulated card (builds with the simulator)
  std::optional<std::string> reader;  // --reader-name NAME: the PC/SC reader of the card
  bool contactless = false;           // --contactless: the card in the reader's contactless field
  int wait_seconds = 0;               // --wait: for a card to be inserted (PC/SC)
  std::filesystem::path psam;         // --psam PROFILE: a simulated PSAM
  std::optional<std::string> psam_reader;  // --psam-reader NAME: the PC/SC reader or slot of the PSAM
  bool no_psam = false;               // --no-psam
  bool fresh = false;                 // --fresh: simulated cards start again from their profiles
  TraceOptions trace;                 // --trace, --trace-identity
};

struct PinOptions {
  std::string action;                 // verify, change, unblock, reload
  ConfigOption config;
  DeviceOptions devices;
  std::optional<std::string> pinpad;  // --pinpad sim:PIN,...; default: this terminal's keyboard
};
int run_pin(const PinOptions& options, const Reporter& report, std::ostream& out);

struct HostOverrides {
  std::optional<std::string> host;    // --host HOST:PORT
  std::filesystem::path journal;      // --journal FILE
  std::optional<int> timeout_ms;
  std::optional<int> attempts;
};

// Where an electronic social-security card's code is read from (docs/ESSC.md): a picture from a camera,
// decoded here, or a scanner device (keyboard-wedge input device or serial port).
struct CodeSource {
  std::filesystem::path image;        // --essc IMAGE
  std::filesystem::path scanner;      // --essc-scanner DEVICE
  int wait_seconds = 30;              // how long a scanner device is waited for
  bool given() const { return !image.empty() || !scanner.empty(); }
};

struct ReadOptions {
  ConfigOption config;
  DeviceOptions devices;
  std::string format = "text";        // text, json, iface
  std::optional<std::string> device_number;  // iReadCardBas field 11 without a PSAM
  CodeSource essc;                    // the holder shows the electronic card: identity from the home issuer
  HostOverrides host;                 // with essc only
};
int run_read(const ReadOptions& options, const Reporter& report, std::ostream& out);

struct ServiceOptions {
  std::string service;                // query, activate, report-loss, cancel-loss, certify
  ConfigOption config;
  DeviceOptions devices;
  HostOverrides host;
  std::optional<std::string> pinpad;
  std::string format = "text";        // text, json
  CodeSource essc;                    // query: the holder shows the electronic card instead of the card
};
int run_service(const ServiceOptions& options, const Reporter& report, std::ostream& out);

// sscard pay (docs/PAYMENT.md §12): the kiosk, the card, the amount in yuan, the keypad.
struct PayOptions {
  ConfigOption config;
  DeviceOptions devices;              // the card only: a payment needs no PSAM
  HostOverrides host;
  std::optional<std::string> pinpad;
  std::string amount;                 // --amount YUAN, e.g. "12.34"
  std::string format = "text";        // text, json
};
int run_pay(const PayOptions& options, const Reporter& report, std::ostream& out);

// sscard settle (docs/PAYMENT.md §11, §12): a medical settlement; the SSSE PIN first, then the PBOC PINs.
struct SettleOptions {
  ConfigOption config;
  DeviceOptions devices;              // the card, and the PSAM where the kiosk has one
  HostOverrides host;
  std::optional<std::string> pinpad;
  std::string total;                  // --total YUAN
  std::string category;               // outpatient, pharmacy, inpatient
  std::string format = "text";        // text, json
  CodeSource essc;                    // a purpose-03 code instead of the card (no card, no PIN)
};
int run_settle(const SettleOptions& options, const Reporter& report, std::ostream& out);

// An amount in yuan as an exact decimal ("12", "12.3", "12.34") in fen; nullopt for anything else, for 0 and
// for more than the 12 digits of 9F02. No floating point.
std::optional<std::uint64_t> parse_yuan(std::string_view text);

struct RecoverOptions {
  ConfigOption config;
  HostOverrides host;
};
int run_recover(const RecoverOptions& options, const Reporter& report, std::ostream& out);

// sscard totals (docs/PAYMENT.md §10, §12): the kiosk's payments of one business date against both issuers'.
struct TotalsOptions {
  ConfigOption config;
  HostOverrides host;
  std::string date;                   // --date YYYYMMDD
  std::string format = "text";        // text, json
};
int run_totals(const TotalsOptions& options, const Reporter& report, std::ostream& out);

struct KioskLoopOptions {
  ConfigOption config;
  std::optional<std::string> reader;
  unsigned count = 0;                 // 0: serve cards until stopped
  std::string format = "text";
  TraceOptions trace;
};
int run_kiosk_loop(const KioskLoopOptions& options, const Reporter& report, std::ostream& out);

// The whole program: parses argv and runs the chosen command.
int run_terminal(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace sscard::app

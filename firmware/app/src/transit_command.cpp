// sscard transit tap | upload | log | deny-list (docs/CONTACTLESS.md §5): the validator of its configuration,
// the ride log and deny list in the state folder, the acquirer through the validator's host link.
#include <array>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "command_trace.h"
#include "contactless_command.h"
#include "host_link.h"
#include "sscard/config/ca_key_file.h"
#include "sscard/core/date.h"
#include "sscard/core/test_point.h"
#if SSCARD_WITH_SIMULATOR
#include "sscard/sim/host/crash_points.h"
#endif
#include "sscard/crypto/default_crypto.h"
#include "sscard/flows/payment.h"
#include "sscard/flows/services.h"
#include "sscard/transit/validator.h"
#include "sscard/transport/transport.h"
#include "terminal.h"
#include "transit_commands.h"

namespace sscard::app {
namespace {

using Clock = std::chrono::system_clock;

// Builds with the simulator (never a board's): SSCARD_TEST_CRASH_AT=before-send|after-answer|after-mark kills
// the process at that upload step, as a power cut would.
std::function<void(std::string_view)> upload_checkpoint() {
#if SSCARD_WITH_SIMULATOR
  const char* crash = std::getenv("SSCARD_TEST_CRASH_AT");
  if (crash == nullptr || *crash == '\0') return {};
  sim::host::install_crash_points("kiosk");  // NAME, NAME#N or list
  return [](std::string_view step) { test_point::pass(step); };
#else
  return {};
#endif
}

std::string yuan_or_empty(const std::optional<std::uint64_t>& fen) { return fen ? yuan(*fen) : std::string(); }

int tap(const transit::ValidatorConfig& config, transit::RideLog& log, const TransitOptions& o, const Reporter& report,
        std::ostream& out) {
  const config::KioskConfig kiosk = transit::as_kiosk(config);
  // Always the reader's contactless field (the configuration's readers are found by name, CONTACTLESS.md §1.1).
  DeviceOptions devices = o.devices;
  devices.contactless = true;
  auto card = open_card(devices, &kiosk);
  if (!card.ok()) return report.fail(card.error().message, card.error().exit_code);
  auto crypto = crypto::make_default_crypto();
  const Clock::time_point now = Clock::now();
  const std::string date = flows::kiosk_date(now);
  const auto today = parse_yyyymmdd(date);
  if (!today.ok()) return report.fail("the system clock gives no valid date");
  auto ca_keys = config::load_ca_key_file(config.ca_keys, *crypto, *today);
  if (!ca_keys.ok()) return report.fail(ca_keys.error().to_string());

  hal::Slot* slot = contactless_slot(**card);
  if (slot == nullptr) return report.fail("this reader has no contactless field");
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot->power_up(atr);
  if (!atr_len.ok()) return report.fail("no card in the field (" + std::string(atr_len.status().name()) + ")");
  transport::Transport card_transport(*slot);
  trace_card(card_transport);
  const flows::CstDateTime cst = flows::cst_date_time(now);
  pboc::TransactionRequest request;
  request.amount_fen = config.fare_fen;
  request.date = cst.date;
  request.time = cst.time;
  auto outcome = transit::tap(config, log, card_transport, *crypto, *ca_keys, request, date);
  (void)slot->power_down();
  if (!outcome.ok()) {
    return report.fail("the ride log cannot be written (" + std::string(outcome.status().name()) +
                       "): the gate stays closed");
  }
  const transit::NewRide& ride = outcome->ride;
  const pboc::TransactionRecord& r = outcome->record;
  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["operation"] = "transit-tap";
    j["validator"] = config.id;
    j["ride"] = outcome->ride_number;
    j["kind"] = std::string(transit::ride_kind_name(ride.kind));
    j["gate"] = outcome->gate_opens ? "open" : "closed";
    j["fare"] = yuan(ride.fare_fen);
    j["pan"] = ride.pan_masked;
    j["atc"] = ride.atc;
    j["cryptogram"] = std::string(pboc::cryptogram_name(r.final_cryptogram));
    j["oda"] = std::string(pboc::oda_name(r.oda_method, r.oda_result));
    j["ecash_balance"] = yuan_or_empty(r.ecash_balance_fen);
    j["reason"] = ride.reason;
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    out << "transit tap: ride " << outcome->ride_number << ", " << transit::ride_kind_name(ride.kind) << ", gate "
        << (outcome->gate_opens ? "opens" : "stays closed") << '\n';
    if (ride.kind != transit::RideKind::kRefused) {
      out << "  fare: " << yuan(ride.fare_fen) << " yuan ("
          << (ride.kind == transit::RideKind::kOffline ? "from e-cash" : "deferred, from the bank account") << "), "
          << config.city << " " << config.mode << " line " << config.line << '\n';
    }
    if (!ride.pan_masked.empty()) out << "  card: " << ride.pan_masked << ", ATC " << ride.atc << '\n';
    if (r.ecash_balance_fen) out << "  e-cash balance: " << yuan(*r.ecash_balance_fen) << " yuan\n";
    if (!ride.reason.empty()) out << "  " << ride.reason << '\n';
  }
  out.flush();
  if (outcome->gate_opens) return kExitOk;
  return report.fail("gate stays closed: " + (ride.reason.empty() ? std::string("refused") : ride.reason));
}

Status sync_deny_list(HostLink& link, transit::RideLog& log, const std::string& date, const Reporter& report) {
  auto list = link.client->deny_list(date);
  if (!list.ok()) {
    report.note("deny list not refreshed: " + host::describe(list.error()));
    return Error::kTimeout;
  }
  return log.replace_host_deny_list(*list);
}

int upload(const transit::ValidatorConfig& config, transit::RideLog& log, const TransitOptions& o,
           const Reporter& report, std::ostream& out) {
  auto link = open_host_link(transit::as_kiosk(config), o.host);
  if (!link.ok()) return report.fail(link.error().message, link.error().exit_code);
  const std::string date = flows::kiosk_date(Clock::now());
  const transit::UploadSummary s = transit::upload(log, *(*link)->client, date, upload_checkpoint());
  const Status synced = s.error ? Status(Error::kTimeout) : sync_deny_list(**link, log, date, report);
  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["operation"] = "transit-upload";
    j["validator"] = config.id;
    j["sent"] = s.sent;
    j["cleared"] = s.cleared;
    j["declined"] = s.declined;
    j["left_pending"] = s.left_pending;
    j["denied_cards"] = s.denied_cards;
    j["deny_list"] = synced.ok() ? "refreshed" : "not refreshed";
    j["error"] = s.error ? host::describe(*s.error) : std::string();
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    out << "transit upload: " << s.sent << " sent, " << s.cleared << " cleared, " << s.declined << " declined ("
        << s.denied_cards << " card(s) put on the deny list), " << s.left_pending << " left pending\n";
  }
  out.flush();
  if (s.error) return report.fail("upload stopped: " + host::describe(*s.error) + "; run upload again", kExitPending);
  if (s.left_pending > 0) return report.fail("some rides are still pending; run upload again", kExitPending);
  return kExitOk;
}

int print_log(transit::RideLog& log, const TransitOptions& o, const Reporter& report, std::ostream& out) {
  auto rides = log.rides();
  if (!rides.ok()) return report.fail("the ride log cannot be read (" + std::string(rides.status().name()) + ")");
  if (o.format == "json") {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const transit::Ride& r : *rides) {
      list.push_back({{"ride", r.number},
                      {"date", r.date},
                      {"kind", std::string(transit::ride_kind_name(r.kind))},
                      {"state", std::string(transit::ride_state_name(r.state))},
                      {"fare", yuan(r.fare_fen)},
                      {"pan", r.pan_masked},
                      {"atc", r.atc},
                      {"response_code", r.response_code},
                      {"reason", r.reason}});
    }
    out << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kExitOk;
  }
  for (const transit::Ride& r : *rides) {
    out << "ride " << r.number << "  " << r.date << "  " << transit::ride_kind_name(r.kind) << "  "
        << transit::ride_state_name(r.state) << "  " << yuan(r.fare_fen) << "  " << r.pan_masked;
    if (!r.response_code.empty()) out << "  response " << r.response_code;
    if (!r.reason.empty()) out << "  (" << r.reason << ")";
    out << '\n';
  }
  if (rides->empty()) out << "no rides\n";
  return kExitOk;
}

int print_deny_list(const transit::ValidatorConfig& config, transit::RideLog& log, const TransitOptions& o,
                    const Reporter& report, std::ostream& out) {
  if (o.sync) {
    auto link = open_host_link(transit::as_kiosk(config), o.host);
    if (!link.ok()) return report.fail(link.error().message, link.error().exit_code);
    if (!sync_deny_list(**link, log, flows::kiosk_date(Clock::now()), report).ok()) {
      return report.fail("the deny list could not be fetched");
    }
  }
  auto entries = log.deny_entries();
  if (!entries.ok()) return report.fail("the deny list cannot be read");
  if (o.format == "json") {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& [digest, source] : *entries) {
      list.push_back({{"digest", to_hex(digest)}, {"source", source == transit::DenySource::kHost ? "host" : "declined"}});
    }
    out << list.dump(2) << '\n';
    return kExitOk;
  }
  for (const auto& [digest, source] : *entries) {
    out << to_hex(digest) << "  " << (source == transit::DenySource::kHost ? "host" : "declined ride") << '\n';
  }
  out << entries->size() << " card(s) on the deny list\n";
  return kExitOk;
}

}  // namespace

int run_transit(const TransitOptions& o, const Reporter& report, std::ostream& out) {
  auto config = transit::load_validator_config(o.config);
  if (!config.ok()) return report.fail(config.error().to_string());
  auto file = transit::ride_log_file(*config);
  if (!file.ok()) return report.fail("no folder for the ride log: set XDG_STATE_HOME or HOME to an absolute path");
  std::error_code ec;
  if (const auto dir = file->parent_path(); !dir.empty()) std::filesystem::create_directories(dir, ec);
  auto log = transit::RideLog::open_store(file->string());
  if (!log.ok()) return report.fail("cannot open the ride log: " + log.error().message());
  if (o.action == "tap") return tap(*config, **log, o, report, out);
  if (o.action == "upload") return upload(*config, **log, o, report, out);
  if (o.action == "log") return print_log(**log, o, report, out);
  return print_deny_list(*config, **log, o, report, out);
}

}  // namespace sscard::app

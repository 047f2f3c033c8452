// sscard query|activate|report-loss|cancel-loss|certify|recover: the card services of a kiosk
// (docs/HOST-PROTOCOL.md; the rules are DECISIONS.md H1-H13), against its province's issuer host — on TCP,
// or the simulated issuers in this process when the configuration says so.
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "code_reading.h"
#include "command_trace.h"
#include "identity_reading.h"
#include "sscard/app/identity_report.h"
#include "sscard/app/terminal_commands.h"
#include "sscard/core/date.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/essc/check.h"
#include "sscard/flows/services.h"
#include "sscard/gate/admission.h"
#include "sscard/host/client.h"
#include "sscard/host/journal.h"
#include "sscard/psam/psam.h"
#include "sscard/ssc/security.h"
#include "sscard/transport/transport.h"
#include "sscard/wire/tcp.h"
#include "host_link.h"
#include "terminal.h"
#if SSCARD_WITH_SIMULATOR
#include "sscard/app/host_world.h"
#endif

namespace sscard::app {
namespace {

using flows::ServiceOutcome;

struct ServiceSpec {
  std::string_view command;
  ServiceOutcome (*run)(const flows::Kiosk&, const flows::CardAccess&);
  bool needs_pinpad;
};

constexpr std::array<ServiceSpec, 5> kServices = {{
    {"query", &flows::query, false},
    {"activate", &flows::activate, true},
    {"report-loss", &flows::report_loss, false},
    {"cancel-loss", &flows::cancel_loss, true},
    {"certify", &flows::certify, true},
}};

const ServiceSpec* find_service(std::string_view command) {
  for (const ServiceSpec& s : kServices) {
    if (s.command == command) return &s;
  }
  return nullptr;
}

nlohmann::ordered_json response_json(const wire::Response& r) {
  nlohmann::ordered_json j;
  j["result"] = std::string(wire::result_name(r.result));
  j["home_issuer"] = r.home_issuer.empty() ? std::string() : province_name(r.home_issuer);
  j["home_issuer_code"] = r.home_issuer;
  j["served_by"] = province_name(r.served_by);
  j["served_by_code"] = r.served_by;
  if (r.name) j["name"] = *r.name;
  if (r.card_state) j["card_state"] = std::string(wire::card_state_name(*r.card_state));
  if (r.pension_status) {
    j["pension"] = {{"status", std::string(wire::pension_status_name(*r.pension_status))},
                    {"monthly", yuan(r.pension_monthly_fen.value_or(0))}};
  }
  if (r.medical_balance_fen) j["medical_balance"] = yuan(*r.medical_balance_fen);
  if (r.result == wire::ResultCode::kOk && r.pension_status) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const wire::Contribution& c : r.contributions) {
      list.push_back({{"period", c.period}, {"kind", std::string(wire::contribution_kind_name(c.kind))},
                      {"amount", yuan(c.amount_fen)}});
    }
    j["contributions"] = list;
  }
  if (r.last_certification) j["last_certification"] = *r.last_certification;
  j["duplicate"] = r.duplicate;
  return j;
}

void print_text(const ServiceOutcome& o, const config::KioskConfig& kiosk, std::ostream& out) {
  const ssc::Identity& id = o.identity;
  out << wire::operation_name(o.operation) << ": " << flows::outcome_kind_name(o.kind) << '\n';
  if (id.region && id.card_number.view().empty()) {
    out << "  electronic card: " << province_name(id.region->digits()) << " (region " << id.region->digits() << ")\n";
  } else if (id.region) {
    out << "  card: " << province_name(id.region->digits()) << " (region " << id.region->digits() << "), card number "
        << id.card_number << (id.name.empty() ? "" : ", ") << id.name << '\n';
  }
  out << "  kiosk: " << province_name(kiosk.province) << ", terminal " << kiosk.terminal << '\n';
  if (!o.message.empty()) out << "  " << o.message << '\n';
  if (!o.response) return;
  const wire::Response& r = *o.response;
  out << "  issuer: " << wire::result_name(r.result) << (r.duplicate ? " (the answer stored for this request)" : "")
      << "; home issuer " << (r.home_issuer.empty() ? "none" : province_name(r.home_issuer)) << ", served by "
      << province_name(r.served_by) << '\n';
  if (r.card_state) out << "  card state: " << wire::card_state_name(*r.card_state) << '\n';
  if (r.pension_status) {
    out << "  pension: " << wire::pension_status_name(*r.pension_status);
    if (r.pension_monthly_fen && *r.pension_monthly_fen > 0) out << ", " << yuan(*r.pension_monthly_fen) << " yuan a month";
    out << '\n';
  }
  if (r.medical_balance_fen) out << "  medical-insurance account: " << yuan(*r.medical_balance_fen) << " yuan\n";
  if (r.last_certification) out << "  last eligibility certification: " << *r.last_certification << '\n';
  for (const wire::Contribution& c : r.contributions) {
    out << "  contribution " << c.period << ' ' << wire::contribution_kind_name(c.kind) << ' ' << yuan(c.amount_fen)
        << '\n';
  }
}

// `by_code`: the holder showed the electronic card (no card number was read).
void print_json(const ServiceOutcome& o, const config::KioskConfig& kiosk, std::ostream& out, bool by_code = false) {
  nlohmann::ordered_json j;
  j["operation"] = std::string(wire::operation_name(o.operation));
  j["outcome"] = std::string(flows::outcome_kind_name(o.kind));
  j["region"] = o.identity.region ? o.identity.region->to_string() : std::string();
  if (by_code) {
    j["via"] = "essc";
  } else {
    j["card_number"] = std::string(o.identity.card_number.view());
  }
  j["kiosk"] = kiosk.id;
  j["terminal"] = kiosk.terminal;
  if (o.key) j["request_key"] = to_hex(*o.key);
  if (o.response) {
    const nlohmann::ordered_json answer = response_json(*o.response);
    for (const auto& item : answer.items()) j[item.key()] = item.value();
  }
  // A card, PSAM or keypad step that failed carries the standard interface's code.
  if (o.kind == ServiceOutcome::Kind::kCardFault) j["code"] = card_failure(o.fault).code;
  if (!o.message.empty()) j["message"] = o.message;
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

int exit_code(const ServiceOutcome& o) {
  switch (o.kind) {
    case ServiceOutcome::Kind::kDone: return kExitOk;
    case ServiceOutcome::Kind::kHostUnreachable:
    case ServiceOutcome::Kind::kHostRefused:
    case ServiceOutcome::Kind::kBadAnswer:
      return o.journaled ? kExitPending : kExitFailure;
    default: return kExitFailure;
  }
}

// The one line a failed service leaves on standard error.
std::string failure_line(const ServiceOutcome& o, const config::KioskConfig& kiosk, const HostLink& link) {
  switch (o.kind) {
    case ServiceOutcome::Kind::kCardFault: return card_failure(o.fault).message;
    case ServiceOutcome::Kind::kRefusedByIssuer: {
      std::string line = o.message;
      if (o.response && o.response->card_state && line.find("the card is ") == std::string::npos) {
        line += "; the card is " + std::string(wire::card_state_name(*o.response->card_state));
      }
      if (o.response && !o.response->home_issuer.empty()) {
        line += " (home issuer " + province_name(o.response->home_issuer) + ")";
      }
      return line;
    }
    case ServiceOutcome::Kind::kHostRefused:
      if (o.host_error && o.host_error->refusal == wire::RefusalReason::kBadMac) {
        return "the issuer host refused this kiosk's messages (bad MAC): the link key in " + kiosk.file.string() +
               " is not the one the host holds for terminal " + kiosk.terminal;
      }
      if (o.host_error && o.host_error->refusal == wire::RefusalReason::kStale) {
        return o.message + ": this kiosk's clock differs from the host's by more than 5 minutes";
      }
      break;
    default: break;
  }
  std::string line = o.message;
  if (exit_code(o) == kExitPending) {
    line += " (journal " + link.journal_file.string() + "; the next run or `sscard recover` completes it)";
  }
  return line;
}

// sscard query --essc IMAGE | --essc-scanner DEVICE: the offline checks, the code taken once at this kiosk,
// then the query by the code's card reference (flows::query_code).
int run_code_query(const ServiceOptions& o, const config::KioskConfig& kiosk, const Reporter& report,
                   std::ostream& out) {
  auto taken = take_code_for("query", o.essc, essc::Purpose::kQuery, kiosk, o.host, o.format, report, out);
  if (!taken.ok()) return taken.error();
  HostLink& link = *taken->link;
  const flows::Kiosk flow_kiosk{kiosk.region, *link.client, *link.journal, *link.crypto, {}};
  const ServiceOutcome outcome = flows::query_code(flow_kiosk, taken->code);
  if (o.format == "json") print_json(outcome, kiosk, out, true);
  else if (outcome.ok()) print_text(outcome, kiosk, out);
  out.flush();
  const int exit = exit_code(outcome);
  if (exit != kExitOk) return report.fail(failure_line(outcome, kiosk, link), exit);
  return kExitOk;
}

std::string sex_label(char sex) {
  if (sex == '1') return "male";
  if (sex == '2') return "female";
  return std::string(1, sex);
}

// The holder's age at the kiosk's date, from the birth date the home issuer gave; nullopt when it gave none.
std::optional<int> age_today(const wire::Response& r) {
  if (!r.birth_date) return std::nullopt;
  const auto birth = parse_yyyymmdd(*r.birth_date);
  const auto today = parse_yyyymmdd(flows::kiosk_date(std::chrono::system_clock::now()));
  if (!birth.ok() || !today.ok()) return std::nullopt;
  return gate::age_on(*birth, *today);
}

// sscard read --essc: the holder as the home issuer answered for the code (docs/ESSC.md "At the kiosk").
void print_code_holder(const ServiceOutcome& o, const config::KioskConfig& kiosk, OutputFormat format,
                       std::ostream& out) {
  const std::string region = o.identity.region ? o.identity.region->to_string() : std::string();
  const std::optional<wire::Response>& r = o.response;
  // -1: no age (an optional here trips GCC 12's -Wmaybe-uninitialized once inlined).
  const int age = r ? age_today(*r).value_or(-1) : -1;
  const auto field = [](const std::optional<std::string>& v) { return v.value_or(std::string()); };
  if (format == OutputFormat::kJson) {
    nlohmann::ordered_json j;
    j["via"] = "essc";
    j["outcome"] = std::string(flows::outcome_kind_name(o.kind));
    j["region"] = region;
    j["ssn"] = r ? field(r->ssn_masked) : std::string();
    j["name"] = r ? field(r->name) : std::string();
    j["sex"] = r && r->sex ? std::string(1, *r->sex) : std::string();
    j["birth_date"] = r ? field(r->birth_date) : std::string();
    j["age"] = age >= 0 ? nlohmann::ordered_json(age) : nlohmann::ordered_json();
    j["card_state"] = r && r->card_state ? std::string(wire::card_state_name(*r->card_state)) : std::string();
    j["home_issuer"] = r && !r->home_issuer.empty() ? province_name(r->home_issuer) : std::string();
    j["served_by"] = r ? province_name(r->served_by) : std::string();
    j["kiosk"] = kiosk.id;
    j["terminal"] = kiosk.terminal;
    if (o.kind == ServiceOutcome::Kind::kRefusedByIssuer && r) j["result"] = std::string(wire::result_name(r->result));
    if (!o.ok()) j["message"] = o.message;
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return;
  }
  if (!o.ok() || !r) return;
  const auto line = [&](std::string_view label, const std::string& value) {
    out << "  " << label << std::string(label.size() < 16 ? 16 - label.size() : 1, ' ')
        << (value.empty() ? std::string("-") : value) << '\n';
  };
  line("card", "electronic social-security card (code)");
  line("region", region + " (" + region_name(region) + ")");
  line("name", field(r->name));
  line("ssn", field(r->ssn_masked));
  line("sex", r->sex ? sex_label(*r->sex) : std::string());
  line("birth date", field(r->birth_date) + (age >= 0 ? " (age " + std::to_string(age) + ")" : std::string()));
  line("card state", r->card_state ? std::string(wire::card_state_name(*r->card_state)) : std::string());
  line("home issuer", (r->home_issuer.empty() ? std::string("-") : province_name(r->home_issuer)) + ", served by " +
                          province_name(r->served_by));
}

}  // namespace

int run_service(const ServiceOptions& o, const Reporter& report, std::ostream& out) {
  const ServiceSpec* spec = find_service(o.service);
  if (spec == nullptr) return report.fail("unknown service '" + o.service + "'", kExitUsage);
  auto loaded = load_config(o.config, true);
  if (!loaded.ok()) return report.fail(loaded.error().message, loaded.error().exit_code);
  const config::KioskConfig& kiosk = **loaded;
  if (o.essc.given()) return run_code_query(o, kiosk, report, out);

  auto card = open_card(o.devices, &kiosk);
  if (!card.ok()) return report.fail(card.error().message, card.error().exit_code);
  auto psam = open_psam(o.devices, &kiosk);
  if (!psam.ok()) return report.fail(psam.error().message, psam.error().exit_code);
  std::unique_ptr<hal::PinPad> pinpad;
  if (spec->needs_pinpad) {
    auto opened = open_pinpad(o.pinpad);
    if (!opened.ok()) return report.fail(opened.error().message, opened.error().exit_code);
    pinpad = std::move(opened).value();
  }
  auto link = open_host_link(kiosk, o.host);
  if (!link.ok()) return report.fail(link.error().message, link.error().exit_code);

  // Whatever an earlier run left unfinished goes first, with its original idempotency key.
  std::ostringstream earlier;
  if (!recover_pending(**link, earlier, false).ok()) {
    return report.fail("cannot read the kiosk's journal " + (*link)->journal_file.string());
  }
  std::istringstream earlier_lines(earlier.str());
  for (std::string line; std::getline(earlier_lines, line);) report.note(line);

  hal::Slot& slot = (*card)->slot();
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot.power_up(atr);
  if (!atr_len.ok()) return report.fail(card_failure(ssc::Fault::card(atr_len.status())).message);
  transport::Transport card_transport(slot);
  trace_card(card_transport);

  std::optional<transport::Transport> psam_transport;
  std::optional<psam::Psam> psam_client;
  if (*psam) {
    std::array<std::uint8_t, hal::kMaxAtrSize> psam_atr{};
    if (auto n = (*psam)->slot().power_up(psam_atr); !n.ok()) {
      (void)slot.power_down();
      return report.fail(card_failure(ssc::Fault::make(ssc::Failure::kNoPsam, n.status())).message);
    }
    psam_transport.emplace((*psam)->slot());
    trace_psam(*psam_transport);
    psam_client.emplace(*psam_transport);
  }

  const flows::Kiosk flow_kiosk{kiosk.region, *(*link)->client, *(*link)->journal, *(*link)->crypto, {}};
  const flows::CardAccess access{card_transport, ByteSpan(atr.data(), *atr_len),
                                 psam_client ? &*psam_client : nullptr, pinpad.get()};
  const ServiceOutcome outcome = spec->run(flow_kiosk, access);
  (void)slot.power_down();
  if (*psam) (void)(*psam)->slot().power_down();

  const bool json = o.format == "json";
  if (json) print_json(outcome, kiosk, out);
  else if (outcome.ok()) print_text(outcome, kiosk, out);
  out.flush();
  const int code = exit_code(outcome);
  if (code != kExitOk) return report.fail(failure_line(outcome, kiosk, **link), code);
  return kExitOk;
}

int run_code_read(const ReadOptions& o, const Reporter& report, std::ostream& out) {
  auto loaded = load_config(o.config, true);
  if (!loaded.ok()) return report.fail(loaded.error().message, loaded.error().exit_code);
  const config::KioskConfig& kiosk = **loaded;
  OutputFormat format = OutputFormat::kText;
  if (!parse_output_format(o.format, format) || format == OutputFormat::kIface) {
    return report.fail("--format iface needs a card (the iReadCardBas line): use text or json with a code",
                       kExitUsage);
  }
  auto taken = take_code_for("read", o.essc, essc::Purpose::kQuery, kiosk, o.host, o.format, report, out);
  if (!taken.ok()) return taken.error();
  HostLink& link = *taken->link;
  const flows::Kiosk flow_kiosk{kiosk.region, *link.client, *link.journal, *link.crypto, {}};
  const ServiceOutcome outcome = flows::query_code(flow_kiosk, taken->code);
  print_code_holder(outcome, kiosk, format, out);
  out.flush();
  const int exit = exit_code(outcome);
  if (exit != kExitOk) return report.fail(failure_line(outcome, kiosk, link), exit);
  return kExitOk;
}

int run_recover(const RecoverOptions& o, const Reporter& report, std::ostream& out) {
  auto loaded = load_config(o.config, true);
  if (!loaded.ok()) return report.fail(loaded.error().message, loaded.error().exit_code);
  auto link = open_host_link(**loaded, o.host);
  if (!link.ok()) return report.fail(link.error().message, link.error().exit_code);
  const auto pending = recover_pending(**link, out, true);
  if (!pending.ok()) return report.fail("cannot read the kiosk's journal " + (*link)->journal_file.string());
  out.flush();
  const std::string journal = (*link)->journal_file.string();
  const auto requests = [](int n) { return std::to_string(n) + (n == 1 ? " request is" : " requests are"); };
  // One line per kind of leftover, each saying what clears it; exit 3 while re-running can still help, exit 4
  // when only held entries are left (README "Errors and exit codes").
  if (pending->held > 0) {
    const int n = pending->held;
    report.fail(std::to_string(n) + (n == 1 ? " activation is" : " activations are") +
                    " held at the card step (a run was cut off around CHANGE PIN, so the issuer was never told and "
                    "`sscard recover` will never send it): with the card and its holder, an operator checks which "
                    "PIN the card takes and releases or drops the entry as docs/RELIABILITY.md \"Held "
                    "activations\" says (journal " + journal + ")",
                kExitHeld);
  }
  if (pending->not_accepted > 0) {
    report.fail(requests(pending->not_accepted) +
                    " still pending: the host refused them or its answer failed this kiosk's checks (see the lines "
                    "above); run `sscard recover` again once that is fixed",
                kExitPending);
  }
  if (pending->unanswered > 0) {
    report.fail(requests(pending->unanswered) +
                    " still pending: the host did not answer; run `sscard recover` again later",
                kExitPending);
  }
  if (pending->unanswered > 0 || pending->not_accepted > 0) return kExitPending;
  if (pending->held > 0) return kExitHeld;
  return kExitOk;
}

}  // namespace sscard::app

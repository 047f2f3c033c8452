#include "service_command.h"

#include <array>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "kiosk_site.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/flows/services.h"
#include "sscard/host/client.h"
#include "sscard/host/journal.h"
#include "sscard/wire/tcp.h"
#include "sscard/psam/psam.h"
#include "sscard/ssc/fault.h"
#include "sscard/transport/transport.h"
#if SSCARD_WITH_SIMULATOR
#include "host_world.h"
#endif

namespace sscard::app {
namespace {

using flows::ServiceOutcome;

struct ServiceSpec {
  std::string_view command;
  wire::Operation operation;
  ServiceOutcome (*run)(const flows::Kiosk&, const flows::CardAccess&);
  bool needs_pinpad;
};

constexpr std::array<ServiceSpec, 5> kServices = {{
    {"query", wire::Operation::kQuery, &flows::query, false},
    {"activate", wire::Operation::kActivate, &flows::activate, true},
    {"report-loss", wire::Operation::kReportLoss, &flows::report_loss, false},
    {"cancel-loss", wire::Operation::kCancelLoss, &flows::cancel_loss, true},
    {"certify", wire::Operation::kCertify, &flows::certify, true},
}};

const ServiceSpec* find_service(std::string_view command) {
  for (const ServiceSpec& s : kServices) {
    if (s.command == command) return &s;
  }
  return nullptr;
}

// Fen as yuan with two decimals, exactly ("1234.56").
std::string yuan(std::uint64_t fen) {
  std::string cents = std::to_string(fen % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return std::to_string(fen / 100) + "." + cents;
}

std::string key_hex(const std::optional<wire::IdempotencyKey>& key) { return key ? to_hex(*key) : std::string(); }

// The host side this run talks to: the in-process simulated world or a TCP hop to a real host.
struct HostSide {
#if SSCARD_WITH_SIMULATOR
  std::unique_ptr<HostWorld> world;
#endif
  std::shared_ptr<wire::Channel> channel;
  std::string error;
};

std::filesystem::path default_state_dir() {
  if (const char* env = std::getenv("SSCARD_STATE_DIR"); env != nullptr && *env != '\0') return env;
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".local" / "state" / "sscard";
  }
  return ".";
}

HostSide open_host_side(const Args& args, const KioskSite& site, const wire::LinkKey& master) {
  HostSide side;
  if (auto addr = args.value("host")) {
    auto parsed = wire::Address::parse(*addr);
    if (!parsed.ok()) {
      side.error = "--host takes HOST:PORT";
      return side;
    }
    side.channel = std::make_shared<wire::TcpChannel>(*parsed);
    return side;
  }
#if SSCARD_WITH_SIMULATOR
  std::filesystem::path cards = default_cards_dir();
  if (auto d = args.value("cards")) cards = std::string(*d);
  std::filesystem::path state;
  if (auto s = args.value("state")) state = std::string(*s);
  side.world = HostWorld::create(cards, master, state, side.error);
  if (side.world) side.channel = side.world->kiosk_channel(site.province);
#else
  (void)site;
  (void)master;
  side.error = "this build has no simulated issuers: give --host HOST:PORT";
#endif
  return side;
}

// The journal: --journal PATH; else in the --state folder; else in memory for in-process hosts and in
// $SSCARD_STATE_DIR (or ~/.local/state/sscard) for a real host, where it must survive a restart.
std::string journal_path(const Args& args, const KioskSite& site) {
  if (auto j = args.value("journal")) return std::string(*j);
  const std::string file = "journal-" + std::string(site.terminal) + ".db";
  if (auto s = args.value("state")) return (std::filesystem::path(std::string(*s)) / file).string();
  if (!args.has("host")) return ":memory:";
  const auto dir = default_state_dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return (dir / file).string();
}

host::RetryPolicy retry_policy(const Args& args, std::string& usage_error) {
  host::RetryPolicy policy;
  unsigned long n = 0;
  if (auto t = args.value("timeout-ms")) {
    if (!parse_count(*t, n) || n == 0 || n > 600'000) usage_error = "--timeout-ms takes 1..600000";
    else policy.timeout = std::chrono::milliseconds(n);
  }
  if (auto a = args.value("attempts")) {
    if (!parse_count(*a, n) || n == 0 || n > 100) usage_error = "--attempts takes 1..100";
    else policy.attempts = static_cast<int>(n);
  }
  return policy;
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
    nlohmann::ordered_json p;
    p["status"] = std::string(wire::pension_status_name(*r.pension_status));
    p["monthly"] = yuan(r.pension_monthly_fen.value_or(0));
    j["pension"] = p;
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

void print_text(const ServiceOutcome& o, const KioskSite& site, std::ostream& out) {
  const ssc::Identity& id = o.identity;
  out << wire::operation_name(o.operation) << ": " << flows::outcome_kind_name(o.kind) << '\n';
  if (!id.region.empty()) {
    out << "  card: " << province_name(id.region) << " (region " << id.region << "), card number "
        << id.card_number << (id.name.empty() ? "" : ", " + id.name) << '\n';
  }
  out << "  kiosk: " << province_name(site.province) << ", terminal " << site.terminal << '\n';
  if (!o.message.empty()) out << "  " << o.message << '\n';
  if (!o.response) return;
  const wire::Response& r = *o.response;
  out << "  issuer: " << wire::result_name(r.result) << (r.duplicate ? " (the answer stored for this request)" : "")
      << "; home issuer " << (r.home_issuer.empty() ? "none" : province_name(r.home_issuer)) << ", served by "
      << province_name(r.served_by) << '\n';
  if (r.card_state) out << "  card state: " << wire::card_state_name(*r.card_state) << '\n';
  if (r.pension_status) {
    out << "  pension: " << wire::pension_status_name(*r.pension_status);
    if (r.pension_monthly_fen && *r.pension_monthly_fen > 0) {
      out << ", " << yuan(*r.pension_monthly_fen) << " yuan a month";
    }
    out << '\n';
  }
  if (r.medical_balance_fen) out << "  medical-insurance account: " << yuan(*r.medical_balance_fen) << " yuan\n";
  if (r.last_certification) out << "  last eligibility certification: " << *r.last_certification << '\n';
  for (const wire::Contribution& c : r.contributions) {
    out << "  contribution " << c.period << ' ' << wire::contribution_kind_name(c.kind) << ' ' << yuan(c.amount_fen)
        << '\n';
  }
}

void print_json(const ServiceOutcome& o, const KioskSite& site, std::ostream& out) {
  nlohmann::ordered_json j;
  j["operation"] = std::string(wire::operation_name(o.operation));
  j["outcome"] = std::string(flows::outcome_kind_name(o.kind));
  j["region"] = o.identity.region;
  j["card_number"] = o.identity.card_number;
  j["kiosk"] = std::string(site.name);
  j["terminal"] = std::string(site.terminal);
  if (o.key) j["request_key"] = key_hex(o.key);
  if (o.response) {
    const nlohmann::ordered_json answer = response_json(*o.response);
    for (const auto& item : answer.items()) j[item.key()] = item.value();
  }
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

// Finishes what an earlier run left in the journal, and says what became of each.
int report_recovery(host::HostClient& client, host::Journal& journal, std::ostream& err, bool verbose,
                    std::ostream& out) {
  auto recovered = host::recover(client, journal);
  if (!recovered.ok()) {
    err << "sscard: journal: " << recovered.status().name() << '\n';
    return kExitFailure;
  }
  int still_pending = 0;
  for (const host::Recovery& r : *recovered) {
    std::ostream& to = verbose ? out : err;
    to << "sscard: earlier " << wire::operation_name(r.operation) << " " << to_hex(r.key) << ": "
       << host::recovery_kind_name(r.kind);
    if (r.response) {
      to << " (" << wire::result_name(r.response->result) << (r.response->duplicate ? ", stored answer" : "") << ")";
    }
    if (r.error) to << " (" << host::describe(*r.error) << ")";
    to << '\n';
    if (r.kind != host::Recovery::Kind::kDone && r.kind != host::Recovery::Kind::kCorrupt &&
        r.kind != host::Recovery::Kind::kGaveUp) {
      ++still_pending;
    }
  }
  if (verbose && recovered->empty()) out << "sscard: nothing pending in the journal\n";
  return still_pending == 0 ? kExitOk : kExitPending;
}

}  // namespace

bool is_service_command(std::string_view command) { return command == "recover" || find_service(command) != nullptr; }

int run_service(const Args& args, std::ostream& out, std::ostream& err) {
  const ServiceSpec* spec = find_service(args.command);
  const auto kiosk_name = args.value("kiosk");
  if (!kiosk_name) return fail(err, args.command + " needs --kiosk cq|sc", kExitUsage);
  const auto site = find_kiosk_site(*kiosk_name);
  if (!site) return fail(err, "--kiosk takes cq (Chongqing) or sc (Sichuan)", kExitUsage);
  OutputFormat format = OutputFormat::kText;
  if (auto f = args.value("format"); f && (!parse_output_format(*f, format) || format == OutputFormat::kIface)) {
    return fail(err, "--format takes text or json", kExitUsage);
  }
  std::string usage_error;
  const host::RetryPolicy policy = retry_policy(args, usage_error);
  if (!usage_error.empty()) return fail(err, usage_error, kExitUsage);

  LinkMaster master = read_link_master(args);
  if (!master.key) return fail(err, master.error);

  HostSide side = open_host_side(args, *site, *master.key);
  if (!side.channel) return fail(err, side.error);

  auto crypto = crypto::make_default_crypto();
  auto link_key = wire::derive_link_key(*crypto, *master.key, site->terminal);
  secure_wipe(*master.key);
  if (!link_key.ok()) return fail(err, "cannot derive the kiosk's link key");
  host::KioskIdentity identity{std::string(site->terminal), std::string(site->province), *link_key};
  secure_wipe(*link_key);
  host::HostClient client(*crypto, std::move(identity), *side.channel, policy);

  const std::string journal_file = journal_path(args, *site);
  auto journal = host::Journal::open(journal_file);
  if (!journal.ok()) return fail(err, "journal " + journal_file + ": " + std::string(journal.status().name()));

  // Whatever an earlier run left unfinished goes first, with its original idempotency key.
  const int recovery = report_recovery(client, *journal, err, spec == nullptr, out);
  if (spec == nullptr) return recovery;

  auto card = open_card_source(args, usage_error);
  if (!usage_error.empty()) return fail(err, usage_error, kExitUsage);
  if (!card.source) return fail(err, card.error);
  // The kiosk's own PSAM unless another is named; a simulated card comes with the simulated kiosk PSAM.
  OpenResult psam_source = open_psam_source(args, usage_error);
  if (!usage_error.empty()) return fail(err, usage_error, kExitUsage);
  if (!psam_source.source && psam_source.error.empty() && !card.source->is_pcsc && !args.has("no-psam")) {
    psam_source = open_simulated_psam(default_cards_dir() / "psam" / std::string(site->psam_profile));
  }
  if (!psam_source.source && !psam_source.error.empty()) return fail(err, "PSAM: " + psam_source.error);

  std::unique_ptr<hal::PinPad> pinpad;
  if (spec->needs_pinpad) {
    pinpad = open_pinpad(args, usage_error);
    if (!usage_error.empty()) return fail(err, usage_error, kExitUsage);
  }

  hal::Slot& slot = *card.source->slot;
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot.power_up(atr);
  if (!atr_len.ok()) return fail(err, "card: " + std::string(atr_len.status().name()));
  transport::Transport card_transport(slot);

  std::optional<transport::Transport> psam_transport;
  std::optional<psam::Psam> psam_client;
  if (psam_source.source) {
    std::array<std::uint8_t, hal::kMaxAtrSize> psam_atr{};
    if (!psam_source.source->slot->power_up(psam_atr).ok()) return fail(err, "PSAM does not answer (-2201)");
    psam_transport.emplace(*psam_source.source->slot);
    psam_client.emplace(*psam_transport);
  }

  const flows::Kiosk kiosk{std::string(site->region), client, *journal, *crypto, {}};
  const flows::CardAccess access{card_transport, ByteSpan(atr.data(), *atr_len),
                                 psam_client ? &*psam_client : nullptr, pinpad.get()};
  const ServiceOutcome outcome = spec->run(kiosk, access);
  (void)slot.power_down();
  if (psam_source.source) (void)psam_source.source->slot->power_down();

  if (format == OutputFormat::kJson) print_json(outcome, *site, out);
  else print_text(outcome, *site, out);
  out.flush();
  const int code = exit_code(outcome);
  if (code == kExitPending) {
    err << "sscard: the request is kept in the journal (" << journal_file
        << ") and is completed by the next run or `sscard recover`\n";
  }
  return code;
}

int demo_cross_province(std::ostream& out) {
  struct Case {
    std::string_view card;
    std::string_view kiosk;
  };
  constexpr std::array<Case, 2> kCases = {{{"sc-suining-gen3.json", "sc"}, {"cq-yuzhong-gen2.json", "cq"}}};
  int failures = 0;
  out << "\nChuan-Yu benefit queries (kiosk -> its province's host -> hub -> the card's home issuer):\n";
  for (const auto& c : kCases) {
    const std::string other = c.kiosk == "sc" ? "cq" : "sc";
    Args args;
    args.command = "query";
    args.values["card"] = (default_cards_dir() / std::string(c.card)).string();
    args.values["kiosk"] = other;
    std::ostringstream text;
    std::ostringstream err;
    const int code = run_service(args, text, err);
    out << "\n" << c.card << " at a " << province_name(find_kiosk_site(other)->province) << " kiosk:\n"
        << text.str() << err.str();
    if (code != kExitOk) ++failures;
  }
  return failures;
}

}  // namespace sscard::app

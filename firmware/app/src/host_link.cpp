#include "host_link.h"

#include <system_error>

#include "sscard/app/identity_report.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/ssc/security.h"
#include "sscard/wire/tcp.h"
#if SSCARD_WITH_SIMULATOR
#include "sscard/sim/host/crash_points.h"
#endif

namespace sscard::app {
namespace {

constexpr const char* kNoStateFolder =
    "no folder for the kiosk's state: set XDG_STATE_HOME or HOME to an absolute path, or give --journal";

}  // namespace

std::string yuan(std::uint64_t fen) {
  std::string cents = std::to_string(fen % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return std::to_string(fen / 100) + "." + cents;
}

std::string province_name(std::string_view code) { return region_name(ssc::province_of(code)); }

Result<std::unique_ptr<HostLink>, SetupFailure> open_host_link(const config::KioskConfig& kiosk,
                                                              const HostOverrides& overrides) {
#if SSCARD_WITH_SIMULATOR
  // Every online command opens its link before its first journal write: the crash tests' hook goes here.
  sim::host::install_crash_points("kiosk");
#endif
  auto link = std::make_unique<HostLink>();
  if (overrides.host) {
    auto address = wire::Address::parse(*overrides.host);
    if (!address.ok()) return SetupFailure{"--host: '" + *overrides.host + "' is not HOST:PORT", kExitUsage};
    link->channel = std::make_shared<wire::TcpChannel>(*address);
  } else if (kiosk.host.address) {
    link->channel = std::make_shared<wire::TcpChannel>(*kiosk.host.address);
  } else {
#if SSCARD_WITH_SIMULATOR
    auto world_dir = simulated_world_dir();
    if (!world_dir.ok()) return SetupFailure{kNoStateFolder};
    auto world = HostWorld::create(kiosk.host.simulated->cards, kiosk.host.simulated->link_keys, *world_dir);
    if (!world.ok()) return SetupFailure{"the simulated issuers: " + world.error()};
    link->world = std::move(world).value();
    link->channel = link->world->kiosk_channel(kiosk.province);
#else
    return SetupFailure{kiosk.file.string() + ": host: this build has no simulated issuers; give \"address\""};
#endif
  }
  host::RetryPolicy policy;
  policy.timeout = overrides.timeout_ms ? std::chrono::milliseconds(*overrides.timeout_ms) : kiosk.host.timeout;
  policy.attempts = overrides.attempts.value_or(kiosk.host.attempts);
  link->crypto = crypto::make_default_crypto();
  host::KioskIdentity identity{kiosk.terminal, kiosk.province, kiosk.link_key};
  link->client = std::make_unique<host::HostClient>(*link->crypto, std::move(identity), *link->channel, policy);

  if (overrides.journal.empty()) {
    auto journal_file = config::journal_file(kiosk);
    if (!journal_file.ok()) return SetupFailure{kNoStateFolder};
    link->journal_file = *journal_file;
  } else {
    link->journal_file = overrides.journal;
  }
  std::error_code ec;
  if (const auto dir = link->journal_file.parent_path(); !dir.empty()) std::filesystem::create_directories(dir, ec);
  auto journal = host::Journal::open_store(link->journal_file.string());
  if (!journal.ok()) return SetupFailure{"cannot open the kiosk's journal: " + journal.error().message()};
  link->journal = std::make_unique<host::Journal>(std::move(journal).value());
  return link;
}

Result<PendingSummary> recover_pending(HostLink& link, std::ostream& to, bool say_nothing_pending) {
  auto recovered = host::recover(*link.client, *link.journal);
  if (!recovered.ok()) return recovered.status();
  PendingSummary summary;
  for (const host::Recovery& r : *recovered) {
    to << "earlier " << wire::operation_name(r.operation) << " " << to_hex(r.key) << ": "
       << host::recovery_kind_name(r.kind);
    if (r.response) {
      to << " (" << wire::result_name(r.response->result) << (r.response->duplicate ? ", stored answer" : "");
      if (r.response->reversal_status) to << ", " << wire::reversal_status_name(*r.response->reversal_status);
      to << ")";
    }
    if (r.error) to << " (" << host::describe(*r.error) << ")";
    if (r.kind == host::Recovery::Kind::kAwaitingCard) to << " (held for an operator; not sent)";
    to << '\n';
    switch (r.kind) {
      case host::Recovery::Kind::kDone:
      case host::Recovery::Kind::kCorrupt:
      case host::Recovery::Kind::kGaveUp: break;
      case host::Recovery::Kind::kUnreachable: ++summary.unanswered; break;
      case host::Recovery::Kind::kRefused:
      case host::Recovery::Kind::kBadAnswer:
      case host::Recovery::Kind::kJournalError: ++summary.not_accepted; break;
      case host::Recovery::Kind::kAwaitingCard: ++summary.held; break;
    }
  }
  if (say_nothing_pending && recovered->empty()) to << "nothing pending in the journal\n";
  return summary;
}

}  // namespace sscard::app

// sscard-sim world script: queues an issuer script for a card at its home issuer in the database of the
// simulated issuers that sscard runs in its own process (PAYMENT.md §9.3); it goes with the card's next
// authenticated online answer.
#include "commands.h"
#include "sscard/app/host_world.h"
#include "sscard/sim/host/issuer_script.h"
#include "sscard/sim/host/population.h"
#include "sscard/sim/profile.h"
#include "sscard/wire/messages.h"

namespace sscard::simapp {

int run_world_script(const WorldScriptOptions& o, const app::Reporter& report, std::ostream& out) {
  const auto kind = sim::host::script_kind_from_name(o.script);
  if (!kind) return report.fail("unknown --script " + o.script, app::kExitUsage);
  if (auto checked = sim::host::check_script_value(*kind, o.value); !checked.ok()) {
    return report.fail(checked.error().message, app::kExitUsage);
  }
  auto profile = sim::load_profile(o.card);
  if (!profile.ok()) return report.fail(profile.error().to_string(), app::kExitUsage);
  const auto account = sim::host::seed_account(*profile);
  if (!account) return report.fail(o.card.string() + ": the card has no payment account (generation 2 or 3 only)",
                                   app::kExitUsage);
  const std::string province = profile->issuer.region.substr(0, 2) + "0000";
  if (!sim::host::is_province(province)) {
    return report.fail(o.card.string() + ": the card's region has no simulated issuer", app::kExitUsage);
  }
  const auto world = app::simulated_world_dir();
  if (!world.ok()) return report.fail("no state folder: set XDG_STATE_HOME or HOME to an absolute path");
  std::error_code ec;
  std::filesystem::create_directories(*world, ec);
  if (ec) return report.fail("cannot make " + world->string() + ": " + ec.message());
  const std::string db = (*world / (province == wire::kChongqing ? "cq-host.db" : "sc-host.db")).string();
  auto store = sim::host::open_seeded_store(db, o.cards, province);
  if (!store.ok()) return report.fail(store.error().message);
  auto sequence = (*store)->queue_script(account->pan, *kind, o.value);
  if (!sequence.ok()) return report.fail(sequence.error().message);
  out << "queued " << o.script << " as script " << *sequence << " for the card ending "
      << account->pan.substr(account->pan.size() - 4) << " at issuer " << province
      << ": it goes with the card's next online payment\n";
  return app::kExitOk;
}

}  // namespace sscard::simapp

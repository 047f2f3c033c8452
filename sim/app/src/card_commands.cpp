// sscard-sim card show|reset and world reset: the memory the simulated cards and the simulated issuers keep
// between runs (cards/README.md "A simulated card's memory between runs").
#include <ctime>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "sscard/app/host_world.h"
#include "sscard/sim/card_state.h"

namespace sscard::simapp {
namespace {

// Where the saved cards are; the error is reported by the command.
std::filesystem::path card_state_dir() {
  auto dir = sim::default_card_state_dir();
  return dir.ok() ? *dir : std::filesystem::path();
}

std::string_view block_state_name(sim::CardOs::BlockState s) {
  switch (s) {
    case sim::CardOs::BlockState::kNone: return "not blocked";
    case sim::CardOs::BlockState::kTemporary: return "blocked (temporarily)";
    case sim::CardOs::BlockState::kPermanent: return "blocked (permanently)";
  }
  return "unknown";
}

std::string local_time(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  std::ostringstream s;
  s << std::put_time(&tm, "%Y-%m-%d %H:%M:%S");
  return s.str();
}

void print_text(const sim::CardStateReport& r, std::ostream& out) {
  out << r.description << '\n';
  out << "  state file      " << r.state_file.string() << '\n';
  if (!r.saved) {
    out << "  saved memory    none: the next run starts from the profile\n";
  } else if (!r.matches_profile) {
    out << "  saved memory    unusable: " << (r.problem ? r.problem->message : std::string("does not match")) << '\n';
  } else {
    out << "  saved memory    " << r.size_bytes << " bytes"
        << (r.modified ? ", last written " + local_time(*r.modified) : std::string()) << '\n';
  }
  if (r.in_use_by) out << "  in use by       process " << *r.in_use_by << '\n';
  if (r.pin_tries_left) {
    out << "  PIN             " << static_cast<int>(*r.pin_tries_left) << " of "
        << static_cast<int>(r.pin_max_tries) << " tries left"
        << (*r.pin_tries_left == 0 ? " (blocked)" : "")
        << (r.pin_is_initial.value_or(false) ? "; the PIN the card was issued with"
                                             : "; changed since the card was issued") << '\n';
  }
  if (r.ssse_block_state) out << "  application     " << block_state_name(*r.ssse_block_state) << '\n';
}

void print_json(const sim::CardStateReport& r, std::ostream& out) {
  nlohmann::ordered_json j;
  j["description"] = r.description;
  j["state_file"] = r.state_file.string();
  j["saved"] = r.saved;
  j["matches_profile"] = r.matches_profile;
  if (r.problem) j["problem"] = {{"kind", std::string(sim::state_error_name(r.problem->kind))},
                                 {"message", r.problem->message}};
  if (r.in_use_by) j["in_use_by"] = *r.in_use_by;
  if (r.pin_tries_left) {
    j["pin"] = {{"tries_left", *r.pin_tries_left}, {"max_tries", r.pin_max_tries},
                {"as_issued", r.pin_is_initial.value_or(false)}};
  }
  if (r.ssse_block_state) j["application_blocked"] = *r.ssse_block_state != sim::CardOs::BlockState::kNone;
  if (r.saved) j["size_bytes"] = r.size_bytes;
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace

int run_card_show(const CardCommandOptions& o, const app::Reporter& report, std::ostream& out) {
  auto r = o.card.empty() ? sim::inspect_psam_state(o.psam, card_state_dir())
                          : sim::inspect_card_state(o.card, card_state_dir());
  if (!r.ok()) return report.fail(r.error().message);
  if (o.format == "json") print_json(*r, out);
  else print_text(*r, out);
  return app::kExitOk;
}

int run_card_reset(const CardCommandOptions& o, const app::Reporter& report, std::ostream& out) {
  if (o.all) {
    auto saved = sim::default_card_state_dir();
    if (!saved.ok()) return report.fail(saved.error().message);
    const std::filesystem::path& dir = *saved;
    std::error_code ec;
    std::size_t removed = 0;
    if (std::filesystem::is_directory(dir, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().extension() != ".card") continue;
        if (std::filesystem::remove(entry.path(), ec)) ++removed;
        if (ec) return report.fail("cannot remove " + entry.path().string() + ": " + ec.message());
      }
    }
    if (ec) return report.fail("cannot read " + dir.string() + ": " + ec.message());
    out << "forgot the saved memory of " << removed << (removed == 1 ? " card" : " cards") << " in " << dir.string()
        << '\n';
    return app::kExitOk;
  }
  auto r = o.card.empty() ? sim::reset_psam_state(o.psam, card_state_dir())
                          : sim::reset_card_state(o.card, card_state_dir());
  if (!r.ok()) return report.fail(r.error().message);
  out << (r->removed ? "forgot the saved memory (" + r->state_file.string() + "): the next run starts from the profile"
                     : "nothing was saved for this card: it starts from its profile")
      << '\n';
  return app::kExitOk;
}

int run_world_reset(const app::Reporter& report, std::ostream& out) {
  const auto world = app::simulated_world_dir();
  if (!world.ok()) return report.fail("no state folder: set XDG_STATE_HOME or HOME to an absolute path");
  const std::filesystem::path& dir = *world;
  std::error_code ec;
  std::size_t removed = 0;
  for (const char* name : {"cq-host.db", "sc-host.db"}) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const auto file = dir / (std::string(name) + suffix);
      if (std::filesystem::remove(file, ec) && suffix[0] == '\0') ++removed;
      if (ec) return report.fail("cannot remove " + file.string() + ": " + ec.message());
    }
  }
  out << "forgot " << removed << " simulated issuer database" << (removed == 1 ? "" : "s") << " in " << dir.string()
      << ": the next run seeds them again from the card profiles\n";
  return app::kExitOk;
}

}  // namespace sscard::simapp

// sscard ecash balance | load (docs/CONTACTLESS.md §4): the e-cash balance and limits by GET DATA, and the load
// through the home issuer with the journal keeping an unresolved load until the card is read again.
#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command_trace.h"
#include "contactless_command.h"
#include "host_link.h"
#include "payment_session.h"
#include "sscard/flows/ecash.h"
#include "sscard/pboc/record.h"
#include "sscard/transport/transport.h"

namespace sscard::app {
namespace {

std::string yuan_or_empty(const std::optional<std::uint64_t>& fen) { return fen ? yuan(*fen) : std::string(); }
std::string province_or_empty(const std::string& code) { return code.empty() ? std::string() : province_name(code); }

nlohmann::ordered_json resolutions_json(const std::vector<flows::LoadResolution>& list) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const flows::LoadResolution& r : list) {
    nlohmann::ordered_json j;
    j["amount"] = yuan(r.load.amount_fen);
    j["balance_before"] = yuan(r.load.old_balance_fen);
    j["resolution"] = std::string(flows::load_resolution_name(r.kind));
    j["decided_by"] = std::string(flows::load_basis_name(r.basis));
    j["follow_up"] = std::string(flows::follow_up_name(r.follow_up));
    a.push_back(std::move(j));
  }
  return a;
}

// A resolution left something owed (an unanswered follow-up, or a load neither the load log nor the balance
// could decide).
bool leaves_pending(const std::vector<flows::LoadResolution>& list) {
  for (const flows::LoadResolution& r : list) {
    if (r.kind == flows::LoadResolution::Kind::kUndecided || r.follow_up == flows::FollowUp::kPending) return true;
  }
  return false;
}

void print_resolutions(const std::vector<flows::LoadResolution>& list, const Reporter& report) {
  for (const flows::LoadResolution& r : list) {
    report.note("an earlier load of " + yuan(r.load.amount_fen) + " yuan: " +
                std::string(flows::load_resolution_name(r.kind)) +
                (r.basis == flows::LoadResolution::Basis::kLoadLog  ? " (by the card's load log)"
                 : r.basis == flows::LoadResolution::Basis::kBalance ? " (by the card's balance)"
                                                                     : "") +
                (r.follow_up == flows::FollowUp::kPending ? " (not answered yet, kept in the journal)" : ""));
  }
}

}  // namespace

int run_ecash_balance(const EcashOptions& o, const Reporter& report, std::ostream& out) {
  auto session = open_payment_session(o.config, o.devices, o.pinpad, o.host, report);
  if (!session.ok()) return report.fail(session.error().message, session.error().exit_code);
  HostLink& link = *session->link;
  hal::Slot* slot = o.devices.contactless ? contactless_slot(*session->card) : &session->card->slot();
  if (slot == nullptr) return report.fail("this reader has no contactless field");
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot->power_up(atr);
  if (!atr_len.ok()) {
    return report.fail(std::string(o.devices.contactless ? "no card in the contactless field" : "the card does not answer") +
                       " (" + std::string(atr_len.status().name()) + ")");
  }
  transport::Transport card(*slot);
  trace_card(card);
  auto data = flows::read_ecash(card, session->terminal);
  if (!data.ok()) {
    (void)slot->power_down();
    return report.fail(data.status().code() == Error::kNotFound
                           ? "the card has no electronic cash"
                           : "the card's e-cash balance cannot be read (" + std::string(data.status().name()) + ")");
  }
  // An unresolved load of this card is decided by the balance just read (CONTACTLESS.md §4); the card is named
  // by its PAN, read on the contact interface only (a contactless GPO would be a purchase).
  std::vector<flows::LoadResolution> resolved;
  std::string message = "the card's electronic cash";
  auto loads = link.journal->unresolved_loads();
  if (loads.ok() && !loads->empty()) {
    if (o.devices.contactless) {
      message = "the journal holds an unresolved e-cash load: read the balance on the contact interface to settle it";
    } else if (auto pan = flows::read_contact_pan(card, session->terminal); pan.ok()) {
      const flows::PaymentKiosk kiosk{*link.client, *link.journal, *link.crypto, session->terminal, session->ca_keys,
                                      {}, {}};
      // After that GPO the card's ATC is past every earlier load's: its load log can prove a script never ran.
      const flows::LoadEvidence evidence = flows::read_load_evidence(card, data->load_log, *data->balance_fen);
      resolved = flows::resolve_loads(kiosk, *pan, evidence);
    }
  }
  (void)slot->power_down();

  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["operation"] = "ecash-balance";
    j["interface"] = o.devices.contactless ? "contactless" : "contact";
    j["balance"] = yuan_or_empty(data->balance_fen);
    j["balance_limit"] = yuan_or_empty(data->balance_limit_fen);
    j["single_limit"] = yuan_or_empty(data->single_limit_fen);
    j["reset_threshold"] = yuan_or_empty(data->reset_threshold_fen);
    j["loads_resolved"] = resolutions_json(resolved);
    j["message"] = message;
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    out << "e-cash balance: " << yuan_or_empty(data->balance_fen) << " yuan\n";
    out << "  limit " << yuan_or_empty(data->balance_limit_fen) << ", single transaction "
        << yuan_or_empty(data->single_limit_fen) << ", reset threshold " << yuan_or_empty(data->reset_threshold_fen)
        << " yuan (" << (o.devices.contactless ? "contactless" : "contact") << ")\n";
    print_resolutions(resolved, report);
  }
  out.flush();
  if (leaves_pending(resolved)) {
    return report.fail("an earlier e-cash load is not settled yet (journal " + link.journal_file.string() + ")",
                       kExitPending);
  }
  return kExitOk;
}

int run_ecash_load(const EcashOptions& o, const Reporter& report, std::ostream& out) {
  const auto amount = parse_yuan(o.amount);
  if (!amount) return report.fail("--amount: '" + o.amount + "' is not an amount in yuan such as 12.34", kExitUsage);
  if (o.devices.contactless) return report.fail("a load runs on the contact interface: insert the card", kExitUsage);
  auto session = open_payment_session(o.config, o.devices, o.pinpad, o.host, report);
  if (!session.ok()) return report.fail(session.error().message, session.error().exit_code);
  HostLink& link = *session->link;
  hal::Slot& slot = session->card->slot();
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot.power_up(atr);
  if (!atr_len.ok()) return report.fail("the card does not answer (" + std::string(atr_len.status().name()) + ")");
  transport::Transport card(slot);
  trace_card(card);

  const flows::PaymentKiosk kiosk{*link.client, *link.journal, *link.crypto, session->terminal, session->ca_keys,
                                  {}, test_checkpoint(slot)};
  const flows::EcashLoadOutcome outcome = flows::load_ecash(kiosk, card, session->pinpad.get(), *amount);
  (void)slot.power_down();

  const flows::PaymentOutcome& p = outcome.payment;
  const pboc::TransactionRecord& r = p.record;
  const bool loaded = outcome.state == flows::EcashLoadOutcome::State::kLoaded;
  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["operation"] = "ecash-load";
    j["outcome"] = loaded ? "approved" : outcome.state == flows::EcashLoadOutcome::State::kUnresolved
                                             ? "unresolved"
                                             : std::string(r.outcome == pboc::Outcome::kFailed ? "failed" : "declined");
    j["amount"] = yuan(*amount);
    j["interface"] = "contact";
    j["pan"] = r.pan.empty() ? std::string() : pboc::mask_pan(r.pan);
    j["atc"] = r.atc;
    j["cvm"] = std::string(pboc::cvm_name(r.cvm));
    j["cryptogram"] = std::string(pboc::cryptogram_name(r.final_cryptogram));
    j["online"] = r.online;
    j["response_code"] = r.online ? std::string(r.response_code.data(), r.response_code.size()) : std::string();
    j["home_issuer"] = province_or_empty(p.home_issuer);
    j["served_by"] = province_or_empty(p.served_by);
    j["balance_before"] = yuan_or_empty(outcome.old_balance_fen);
    j["balance_after"] = yuan_or_empty(outcome.new_balance_fen);
    j["load"] = std::string(flows::load_state_name(outcome.state));
    j["reversal"] = std::string(flows::follow_up_name(p.reversal));
    j["confirmation"] = std::string(flows::follow_up_name(p.confirmation));
    j["tvr"] = to_hex(r.tvr.bytes());
    j["tsi"] = to_hex(r.tsi.bytes());
    j["apdus"] = r.apdus;
    j["loads_resolved"] = resolutions_json(outcome.earlier);
    j["message"] = p.message;
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    if (loaded) {
      out << "ecash load: approved\n  amount: " << yuan(*amount) << " yuan; balance " << yuan_or_empty(outcome.old_balance_fen)
          << " -> " << yuan_or_empty(outcome.new_balance_fen) << " yuan\n  card: " << pboc::mask_pan(r.pan)
          << ", ATC " << r.atc << "; home issuer " << province_or_empty(p.home_issuer) << ", served by "
          << province_or_empty(p.served_by) << "\n  " << p.message << '\n';
    }
    print_resolutions(outcome.earlier, report);
  }
  out.flush();
  if (outcome.state == flows::EcashLoadOutcome::State::kUnresolved || p.follow_up_pending() ||
      leaves_pending(outcome.earlier)) {
    return report.fail(p.message + " (journal " + link.journal_file.string() +
                           "; the next `sscard ecash` command or `sscard recover` completes it)",
                       kExitPending);
  }
  if (loaded) return kExitOk;
  return report.fail(p.message, kExitFailure);
}

}  // namespace sscard::app

// sscard gate enter | sync | log (docs/CONTACTLESS.md §6): the card's identity read on the contactless field as
// the kiosk reads it (PSAM mode with the gate's PSAM), the hosts' deny list, the admission policy, the ticket
// paid by the contactless payment flow, every entry recorded before the gate opens.
#include <array>
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "code_reading.h"
#include "command_trace.h"
#include "contactless_command.h"
#include "host_link.h"
#include "identity_reading.h"
#include "payment_session.h"
#include "sscard/config/ca_key_file.h"
#include "sscard/core/date.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/flows/contactless.h"
#include "sscard/flows/services.h"
#include "sscard/gate/admission.h"
#include "sscard/gate/entry_log.h"
#include "sscard/gate/gate_config.h"
#include "sscard/transport/transport.h"
#include "sscard/wire/deny_digest.h"
#include "terminal.h"
#include "transit_commands.h"

namespace sscard::app {
namespace {

using Clock = std::chrono::system_clock;

struct EnterResult {
  gate::Entry entry;
  bool pending = false;  // a payment follow-up is journaled, not answered
  std::string payment_message;
};

void print_entry(const GateOptions& o, const gate::GateConfig& config, const gate::Entry& e, std::ostream& out) {
  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["operation"] = "gate-enter";
    j["gate"] = config.id;
    j["entry"] = e.number;
    j["outcome"] = e.outcome;
    j["admission"] = e.admission;
    j["price"] = yuan(e.price_fen);
    j["card"] = e.card_masked;
    j["region"] = e.region;
    j["reason"] = e.reason;
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    out << "gate enter: " << config.name << ": entry " << e.number << ", "
        << (e.outcome == "admitted" ? "the gate opens" : "the gate stays closed") << '\n';
    if (!e.admission.empty()) out << "  ticket: " << e.admission << ", " << yuan(e.price_fen) << " yuan\n";
    out << "  card: " << e.card_masked << " (region " << e.region << ")\n";
    if (!e.reason.empty()) out << "  " << e.reason << '\n';
  }
  out.flush();
}

// The ticket paid by one contactless tap through the kiosk payment flow (its journal, reversal, clearing).
Result<flows::ContactlessOutcome, SetupFailure> pay_ticket(const config::KioskConfig& kiosk, hal::Slot& slot,
                                                           const GateOptions& o, std::uint64_t price_fen) {
  auto link = open_host_link(kiosk, o.host);
  if (!link.ok()) return std::move(link).error();
  HostLink& l = **link;
  const auto today = parse_yyyymmdd(flows::kiosk_date(Clock::now()));
  if (!today.ok()) return SetupFailure{"the system clock gives no valid date"};
  auto ca_keys = config::load_ca_key_file(kiosk.payment->ca_keys, *l.crypto, *today);
  if (!ca_keys.ok()) return SetupFailure{ca_keys.error().to_string()};
  auto pad = open_pinpad(o.pinpad);
  if (!pad.ok()) return std::move(pad).error();
  const pboc::TerminalConfig terminal = payment_terminal(*kiosk.payment, kiosk.terminal);
  const pboc::ContactlessConfig contactless = payment_contactless(*kiosk.payment, terminal);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot.power_up(atr);
  if (!atr_len.ok()) return SetupFailure{"the card left the field before the payment"};
  transport::Transport card(slot);
  trace_card(card);
  const flows::PaymentKiosk pay_kiosk{*l.client, *l.journal, *l.crypto, terminal, *ca_keys, {}, test_checkpoint(slot)};
  flows::ContactlessOutcome outcome = flows::pay_contactless(pay_kiosk, contactless, card, pad->get(), price_fen);
  (void)slot.power_down();
  return outcome;
}

// gate enter --essc: a query code (purpose 01) taken at this gate, the holder's home issuer asked as for
// `sscard read --essc` (its answer carries the birth date the admission needs), then the ticket by the same rule
// as for a card. A code pays nothing: a ticket that costs something is refused, to be paid with the card.
int enter_code(const gate::GateConfig& config, gate::EntryLog& log, const GateOptions& o, const Reporter& report,
               std::ostream& out) {
  const config::KioskConfig kiosk = gate::as_kiosk(config);
  auto taken = take_code_for("gate-enter", o.essc, essc::Purpose::kQuery, kiosk, o.host, o.format, report, out);
  if (!taken.ok()) return taken.error();
  HostLink& link = *taken->link;
  const flows::Kiosk flow_kiosk{kiosk.region, *link.client, *link.journal, *link.crypto, {}};
  const flows::ServiceOutcome answer = flows::query_code(flow_kiosk, taken->code);

  const std::string date = flows::kiosk_date(Clock::now());
  const auto today = parse_yyyymmdd(date);
  if (!today.ok()) return report.fail("the system clock gives no valid date");
  gate::Entry e;
  e.date = date;
  e.region = taken->code.region;
  const wire::Response* r = answer.response ? &*answer.response : nullptr;
  // The entry log keeps what the issuer showed of the holder: the masked SSN, never a full number.
  e.card_masked = r && r->ssn_masked ? "essc " + *r->ssn_masked : std::string("essc");
  if (!answer.ok()) {
    if (answer.kind != flows::ServiceOutcome::Kind::kRefusedByIssuer) {
      // No answer (or a refused frame): nothing is known of the holder, and no entry is made.
      return report.fail("the electronic card could not be checked: " + answer.message);
    }
    e.outcome = "refused";
    e.reason = answer.message;
  } else {
    std::optional<Date> birth;
    if (r->birth_date) {
      if (auto d = parse_yyyymmdd(*r->birth_date); d.ok()) birth = *d;
    }
    const gate::Ticket t = gate::ticket_for_birth(e.region, birth, *today, config.free_age, config.price_fen,
                                                  config.discounted_price_fen);
    e.admission = std::string(gate::admission_name(t.admission));
    if (t.price_fen == 0) {
      e.outcome = "admitted";
    } else {
      e.outcome = "refused";
      e.reason = "the " + e.admission + " ticket costs " + yuan(t.price_fen) +
                 " yuan, which an electronic card's code does not pay: hold the card to the gate, or pay at the "
                 "ticket office";
    }
  }
  auto number = log.add(e);
  if (!number.ok()) return report.fail("the entry cannot be recorded: the gate stays closed");
  e.number = *number;
  print_entry(o, config, e, out);
  if (e.outcome == "admitted") return kExitOk;
  return report.fail("gate stays closed: " + e.reason);
}

int enter(const gate::GateConfig& config, gate::EntryLog& log, const GateOptions& o, const Reporter& report,
          std::ostream& out) {
  if (o.essc.given()) return enter_code(config, log, o, report, out);
  const config::KioskConfig kiosk = gate::as_kiosk(config);
  // Always the reader's contactless field (the configuration's readers are found by name, CONTACTLESS.md §1.1).
  DeviceOptions devices = o.devices;
  devices.contactless = true;
  auto card = open_card(devices, &kiosk);
  if (!card.ok()) return report.fail(card.error().message, card.error().exit_code);
  auto psam = open_psam(o.devices, &kiosk);
  if (!psam.ok()) return report.fail(psam.error().message, psam.error().exit_code);
  hal::Slot* slot = contactless_slot(**card);
  if (slot == nullptr) return report.fail("this reader has no contactless field");
  auto read = read_identity(*slot, *psam ? &(*psam)->slot() : nullptr);
  if (!read.ok()) return report.fail("the card's identity cannot be read: " + read.error().message);
  const ssc::Identity& id = read->identity;

  const std::string date = flows::kiosk_date(Clock::now());
  const auto today = parse_yyyymmdd(date);
  if (!today.ok()) return report.fail("the system clock gives no valid date");
  gate::Entry e;
  e.date = date;
  e.card_masked = gate::mask_card_number(id.card_number.view());
  e.region = id.region ? id.region->to_string() : std::string();

  auto crypto = crypto::make_default_crypto();
  bool denied = false;
  if (const auto pan = gate::pan_of_card(e.region, id.card_number.view())) {
    auto digest = wire::deny_digest(*crypto, *pan);
    if (digest.ok()) {
      auto d = log.denied(*digest);
      if (!d.ok()) return report.fail("the deny list cannot be read");
      denied = *d;
    }
  }
  std::string payment_message;
  bool pending = false;
  if (denied) {
    e.outcome = "refused";
    e.reason = "card on the deny list (reported lost)";
  } else {
    // A withheld SSN (no PSAM authentication) gives no age: the holder pays as a Chuan-Yu holder.
    const std::string ssn = id.personal_data_withheld ? std::string() : std::string(id.ssn.view());
    const gate::Ticket t =
        gate::ticket_for(e.region, ssn, *today, config.free_age, config.price_fen, config.discounted_price_fen);
    e.admission = std::string(gate::admission_name(t.admission));
    if (t.price_fen == 0) {
      e.outcome = "admitted";
    } else {
      auto paid = pay_ticket(kiosk, *slot, o, t.price_fen);
      if (!paid.ok()) return report.fail(paid.error().message, paid.error().exit_code);
      const flows::ContactlessOutcome& c = *paid;
      payment_message = c.payment.message;
      pending = c.payment.follow_up_pending() || c.clearing == flows::FollowUp::kPending;
      if (c.payment.record.outcome == pboc::Outcome::kApproved) {
        e.outcome = "admitted";
        e.price_fen = t.price_fen;
      } else {
        e.outcome = "refused";
        e.reason = "ticket not paid: " + payment_message;
      }
    }
  }
  auto number = log.add(e);
  if (!number.ok()) return report.fail("the entry cannot be recorded: the gate stays closed");
  e.number = *number;
  print_entry(o, config, e, out);
  if (pending) {
    return report.fail(payment_message + " (the next run or `sscard recover` completes it)", kExitPending);
  }
  if (e.outcome == "admitted") return kExitOk;
  return report.fail("gate stays closed: " + e.reason);
}

int sync(const gate::GateConfig& config, gate::EntryLog& log, const GateOptions& o, const Reporter& report,
         std::ostream& out) {
  auto link = open_host_link(gate::as_kiosk(config), o.host);
  if (!link.ok()) return report.fail(link.error().message, link.error().exit_code);
  auto list = (*link)->client->deny_list(flows::kiosk_date(Clock::now()));
  if (!list.ok()) return report.fail("the deny list could not be fetched: " + host::describe(list.error()));
  if (!log.replace_deny_list(*list).ok()) return report.fail("the deny list cannot be stored");
  if (o.format == "json") {
    out << nlohmann::ordered_json{{"operation", "gate-sync"}, {"gate", config.id}, {"deny_list", list->size()}}.dump(2)
        << '\n';
  } else {
    out << "gate sync: " << list->size() << " lost card(s) on the deny list\n";
  }
  return kExitOk;
}

int print_log(gate::EntryLog& log, const GateOptions& o, const Reporter& report, std::ostream& out) {
  auto entries = log.entries();
  if (!entries.ok()) return report.fail("the entry log cannot be read");
  if (o.format == "json") {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const gate::Entry& e : *entries) {
      list.push_back({{"entry", e.number}, {"date", e.date}, {"card", e.card_masked}, {"region", e.region},
                      {"admission", e.admission}, {"price", yuan(e.price_fen)}, {"outcome", e.outcome},
                      {"reason", e.reason}});
    }
    out << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kExitOk;
  }
  for (const gate::Entry& e : *entries) {
    out << "entry " << e.number << "  " << e.date << "  " << e.card_masked << "  " << e.outcome << "  "
        << (e.admission.empty() ? "-" : e.admission) << "  " << yuan(e.price_fen);
    if (!e.reason.empty()) out << "  (" << e.reason << ")";
    out << '\n';
  }
  if (entries->empty()) out << "no entries\n";
  return kExitOk;
}

}  // namespace

int run_gate(const GateOptions& o, const Reporter& report, std::ostream& out) {
  auto config = gate::load_gate_config(o.config);
  if (!config.ok()) return report.fail(config.error().to_string());
  auto file = gate::entry_log_file(*config);
  if (!file.ok()) return report.fail("no folder for the entry log: set XDG_STATE_HOME or HOME to an absolute path");
  std::error_code ec;
  if (const auto dir = file->parent_path(); !dir.empty()) std::filesystem::create_directories(dir, ec);
  auto log = gate::EntryLog::open(file->string());
  if (!log.ok()) return report.fail("cannot open the entry log " + file->string());
  if (o.action == "enter") return enter(*config, **log, o, report, out);
  if (o.action == "sync") return sync(*config, **log, o, report, out);
  return print_log(**log, o, report, out);
}

}  // namespace sscard::app

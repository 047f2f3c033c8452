// sscard settle: a medical settlement (就医结算, docs/PAYMENT.md §11, §12): the holder's identity and SSSE PIN,
// the home issuer's quote, the card's share through the PBOC debit application, the settlement itself; the
// reversal or confirmation afterwards through the kiosk's journal, as for sscard pay.
#include <array>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "code_reading.h"
#include "command_trace.h"
#include "host_link.h"
#include "payment_session.h"
#include "identity_reading.h"
#include "sscard/app/terminal_commands.h"
#include "sscard/config/ca_key_file.h"
#include "sscard/core/date.h"
#include "sscard/flows/settle.h"
#include "sscard/pboc/record.h"
#include "sscard/psam/psam.h"
#include "sscard/transport/transport.h"
#include "terminal.h"
#if SSCARD_WITH_SIMULATOR
#include "sscard/sim/host/crash_points.h"
#endif

namespace sscard::app {
namespace {

using flows::SettleOutcome;

std::optional<wire::SettleCategory> category_of(const std::string& name) {
  if (name == "outpatient") return wire::SettleCategory::kOutpatient;
  if (name == "pharmacy") return wire::SettleCategory::kPharmacy;
  if (name == "inpatient") return wire::SettleCategory::kInpatient;
  return std::nullopt;
}

std::string_view outcome_name(const SettleOutcome& o) {
  switch (o.result) {
    case SettleOutcome::Result::kApproved: return "approved";
    case SettleOutcome::Result::kDeclined: return "declined";
    case SettleOutcome::Result::kFailed: break;
  }
  return "failed";
}

std::string province_or_empty(const std::string& code) { return code.empty() ? std::string() : province_name(code); }

const wire::Response* answer_of(const SettleOutcome& o) {
  if (o.settlement) return &*o.settlement;
  if (o.quote) return &*o.quote;
  return nullptr;
}

flows::FollowUp reversal_of(const SettleOutcome& o) { return o.card ? o.card->reversal : o.reversal; }

// PAYMENT.md §12: the keys of pay, the settlement's amounts after `amount`; without a card part the PBOC keys
// are empty, "none" or 0.
// `by_code`: the holder showed the electronic card; "via": "essc" after "operation", the card share paid from the
// holder's account at the home issuer.
void print_json(const SettleOutcome& o, std::size_t apdus, std::ostream& out, bool by_code = false) {
  const pboc::TransactionRecord* r = o.card ? &o.card->record : nullptr;
  const wire::Response* a = answer_of(o);
  nlohmann::ordered_json j;
  j["operation"] = "settle";
  if (by_code) j["via"] = "essc";
  j["outcome"] = std::string(outcome_name(o));
  j["amount"] = yuan(o.card_fen);
  j["total"] = yuan(o.total_fen);
  j["insured"] = yuan(o.insured_fen);
  j["medical_account_paid"] = yuan(o.approved() ? o.medical_fen : 0);
  j["card_paid"] = yuan(o.approved() ? o.card_fen : 0);
  j["medical_balance_after"] = o.medical_balance_after ? yuan(*o.medical_balance_after) : std::string();
  j["currency"] = "156";
  j["interface"] = "contact";
  j["aid"] = r ? to_hex(r->aid) : std::string();
  j["pan"] = r && !r->pan.empty() ? pboc::mask_pan(r->pan) : std::string();
  j["atc"] = r ? r->atc : 0;
  j["oda"] = r ? std::string(pboc::oda_name(r->oda_method, r->oda_result)) : std::string("none");
  j["cvm"] = r ? std::string(pboc::cvm_name(r->cvm)) : std::string("none");
  j["cryptogram"] = r ? std::string(pboc::cryptogram_name(r->final_cryptogram)) : std::string("none");
  const bool online = o.settlement.has_value() && o.settlement->result != wire::ResultCode::kIssuerUnavailable;
  j["online"] = online;
  j["response_code"] = o.settlement ? o.settlement->response_code : std::string();
  j["home_issuer"] = a ? province_or_empty(a->home_issuer) : std::string();
  j["served_by"] = a ? province_or_empty(a->served_by) : std::string();
  j["tvr"] = r ? to_hex(r->tvr.bytes()) : std::string();
  j["tsi"] = r ? to_hex(r->tsi.bytes()) : std::string();
  j["apdus"] = apdus;
  j["reversal"] = std::string(flows::follow_up_name(reversal_of(o)));
  j["message"] = o.message;
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

// The receipt: the bill and its three shares.
void print_text(const SettleOutcome& o, const config::KioskConfig& kiosk, std::ostream& out, bool by_code = false) {
  const wire::Response* a = answer_of(o);
  out << "settle: " << outcome_name(o) << '\n';
  out << "  bill: " << yuan(o.total_fen) << " yuan\n";
  out << "  insured (paid by the fund): " << yuan(o.insured_fen) << " yuan\n";
  out << "  medical-insurance account: " << yuan(o.medical_fen) << " yuan";
  if (o.medical_balance_after) out << ", balance after " << yuan(*o.medical_balance_after) << " yuan";
  out << '\n';
  // With a code the card's share is the holder's account's at the home issuer.
  out << (by_code ? "  bank account (electronic card): " : "  card: ") << yuan(o.card_fen) << " yuan";
  if (o.card) {
    const pboc::TransactionRecord& r = o.card->record;
    out << " from " << pboc::mask_pan(r.pan) << ", ATC " << r.atc << ", cryptogram "
        << pboc::cryptogram_name(r.final_cryptogram);
  }
  out << '\n';
  out << "  kiosk: " << province_name(kiosk.province) << ", terminal " << kiosk.terminal;
  if (a) out << "; home issuer " << province_or_empty(a->home_issuer) << ", served by " << province_or_empty(a->served_by);
  out << '\n';
  out << "  " << o.message << '\n';
}

int exit_code(const SettleOutcome& o) {
  if (o.follow_up_pending()) return kExitPending;
  return o.approved() ? kExitOk : kExitFailure;
}

std::string failure_line(const SettleOutcome& o, const HostLink& link) {
  if (o.card_fault) return card_failure(*o.card_fault).message;
  std::string line = o.message;
  if (o.follow_up_pending()) {
    line += " (journal " + link.journal_file.string() + "; the next run or `sscard recover` completes it)";
  }
  return line;
}

// sscard settle --essc: a purpose-03 code taken at this kiosk, then flows::settle_code (docs/ESSC.md).
int run_code_settle(const SettleOptions& o, std::uint64_t total, wire::SettleCategory category,
                    const Reporter& report, std::ostream& out) {
  auto loaded = load_config(o.config, true);
  if (!loaded.ok()) return report.fail(loaded.error().message, loaded.error().exit_code);
  const config::KioskConfig& kiosk = **loaded;
  if (!kiosk.payment) {
    return report.fail(kiosk.file.string() + ": this kiosk takes no payments (no \"payment\" in its configuration)",
                       kExitUsage);
  }
#if SSCARD_WITH_SIMULATOR
  // Test hook of builds with the simulator (PAYMENT.md §10): SSCARD_TEST_CRASH_AT ends the run at a journal or
  // host-link point; there is no card step to name.
  sim::host::install_crash_points("kiosk");
#endif
  auto taken = take_code_for("settle", o.essc, essc::Purpose::kMedical, kiosk, o.host, o.format, report, out);
  if (!taken.ok()) return taken.error();
  HostLink& link = *taken->link;
  const flows::Kiosk service_kiosk{kiosk.region, *link.client, *link.journal, *link.crypto, {}};
  const SettleOutcome outcome = flows::settle_code(service_kiosk, taken->code, total, category);
  if (o.format == "json") {
    print_json(outcome, 0, out, true);
  } else if (outcome.approved()) {
    print_text(outcome, kiosk, out, true);
  }
  out.flush();
  const int code = exit_code(outcome);
  if (code != kExitOk) return report.fail(failure_line(outcome, link), code);
  return kExitOk;
}

}  // namespace

int run_settle(const SettleOptions& o, const Reporter& report, std::ostream& out) {
  const auto total = parse_yuan(o.total);
  if (!total) return report.fail("--total: '" + o.total + "' is not an amount in yuan such as 356.78", kExitUsage);
  const auto category = category_of(o.category);
  if (!category) return report.fail("--category: outpatient, pharmacy or inpatient", kExitUsage);
  if (o.essc.given()) return run_code_settle(o, *total, *category, report, out);
  auto session = open_payment_session(o.config, o.devices, o.pinpad, o.host, report);
  if (!session.ok()) return report.fail(session.error().message, session.error().exit_code);
  const config::KioskConfig& kiosk = session->kiosk;
  HostLink& link = *session->link;
  auto psam = open_psam(o.devices, &kiosk);
  if (!psam.ok()) return report.fail(psam.error().message, psam.error().exit_code);

  hal::Slot& slot = session->card->slot();
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

  const flows::Kiosk service_kiosk{kiosk.region, *link.client, *link.journal, *link.crypto, {}};
  const flows::PaymentKiosk pay_kiosk{*link.client, *link.journal, *link.crypto, session->terminal,
                                      session->ca_keys, {}, test_checkpoint(slot)};
  const flows::CardAccess access{card_transport, ByteSpan(atr.data(), *atr_len),
                                 psam_client ? &*psam_client : nullptr, session->pinpad.get()};
  const SettleOutcome outcome = flows::settle(service_kiosk, pay_kiosk, access, *total, *category);
  const std::size_t apdus = card_transport.apdu_count();
  (void)slot.power_down();
  if (*psam) (void)(*psam)->slot().power_down();

  if (o.format == "json") {
    print_json(outcome, apdus, out);
  } else if (outcome.approved()) {
    print_text(outcome, kiosk, out);
  }
  out.flush();
  const int code = exit_code(outcome);
  if (code != kExitOk) return report.fail(failure_line(outcome, link), code);
  return kExitOk;
}

}  // namespace sscard::app

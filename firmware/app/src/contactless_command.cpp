// sscard pay --contactless (docs/CONTACTLESS.md §3, §8): one tap on the contactless reader through the qPBOC
// kernel; an ARQC online through the kiosk's host link and journal, an offline TC cleared at the home issuer.
#include <array>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "command_trace.h"
#include "contactless_command.h"
#include "host_link.h"
#include "payment_session.h"
#include "sscard/flows/contactless.h"
#include "sscard/pboc/record.h"
#include "sscard/transport/transport.h"

namespace sscard::app {
namespace {

std::string province_or_empty(const std::string& code) { return code.empty() ? std::string() : province_name(code); }

void print_json(const flows::ContactlessOutcome& c, std::ostream& out) {
  const flows::PaymentOutcome& o = c.payment;
  const pboc::TransactionRecord& r = o.record;
  nlohmann::ordered_json j;
  j["operation"] = "pay";
  j["outcome"] = std::string(pboc::outcome_name(r.outcome));
  j["amount"] = yuan(o.amount_fen);
  j["currency"] = "156";
  j["interface"] = "contactless";
  j["aid"] = to_hex(r.aid);
  j["pan"] = r.pan.empty() ? std::string() : pboc::mask_pan(r.pan);
  j["atc"] = r.atc;
  j["oda"] = std::string(pboc::oda_name(r.oda_method, r.oda_result));
  j["cvm"] = r.cvm == pboc::Cvm::kOnlinePin ? "online-pin" : "none";
  j["cryptogram"] = std::string(pboc::cryptogram_name(r.final_cryptogram));
  j["online"] = r.online;
  j["response_code"] = r.online ? std::string(r.response_code.data(), r.response_code.size()) : std::string();
  j["home_issuer"] = province_or_empty(o.home_issuer);
  j["served_by"] = province_or_empty(o.served_by);
  j["tvr"] = to_hex(r.tvr.bytes());
  j["tsi"] = to_hex(r.tsi.bytes());
  j["apdus"] = r.apdus;
  j["reversal"] = std::string(flows::follow_up_name(o.reversal));
  j["message"] = o.message;
  j["ecash_balance"] = r.ecash_balance_fen ? yuan(*r.ecash_balance_fen) : std::string();
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void print_text(const flows::ContactlessOutcome& c, const config::KioskConfig& kiosk, std::ostream& out) {
  const flows::PaymentOutcome& o = c.payment;
  const pboc::TransactionRecord& r = o.record;
  out << "pay: " << pboc::outcome_name(r.outcome) << '\n';
  out << "  amount: " << yuan(o.amount_fen) << " yuan (currency 156), contactless, application " << to_hex(r.aid)
      << '\n';
  out << "  card: " << pboc::mask_pan(r.pan) << ", ATC " << r.atc << ", data authentication "
      << pboc::oda_name(r.oda_method, r.oda_result) << ", cardholder verification "
      << (r.cvm == pboc::Cvm::kOnlinePin ? "online-pin" : "none") << '\n';
  if (r.ecash_balance_fen) out << "  e-cash balance: " << yuan(*r.ecash_balance_fen) << " yuan\n";
  out << "  kiosk: " << province_name(kiosk.province) << ", terminal " << kiosk.terminal << '\n';
  if (!o.home_issuer.empty()) {
    out << "  issuer: " << (r.online ? "response code " + std::string(r.response_code.data(), 2) + "; " : "")
        << "home issuer " << province_or_empty(o.home_issuer) << ", served by " << province_or_empty(o.served_by)
        << '\n';
  }
  out << "  cryptogram " << pboc::cryptogram_name(r.final_cryptogram) << ", TVR " << to_hex(r.tvr.bytes()) << ", "
      << r.apdus << " APDUs (the card could leave after " << r.apdus_until_card_may_leave << "), reversal "
      << flows::follow_up_name(o.reversal) << '\n';
  out << "  " << o.message << '\n';
}

bool pending(const flows::ContactlessOutcome& c) {
  return c.payment.follow_up_pending() || c.clearing == flows::FollowUp::kPending;
}

}  // namespace

pboc::ContactlessConfig payment_contactless(const config::PaymentConfig& p, const pboc::TerminalConfig& terminal) {
  pboc::ContactlessConfig c;
  c.transaction_limit_fen = p.contactless_limit_fen;
  c.cvm_limit_fen = p.cvm_limit_fen;
  c.floor_limit_fen = p.contactless_floor_limit_fen;
  if (p.ttq != std::array<std::uint8_t, 4>{}) c.ttq = p.ttq;
  c.offline_only = pboc::is_offline_only(terminal);
  return c;
}

hal::Slot* contactless_slot(devices::CardSource& card) {
  if (card.slot().kind() == hal::SlotKind::kContactless) return &card.slot();
  return card.reader().find_slot(hal::SlotKind::kContactless);
}

int run_pay_contactless(const PayOptions& o, const Reporter& report, std::ostream& out) {
  const auto amount = parse_yuan(o.amount);
  if (!amount) return report.fail("--amount: '" + o.amount + "' is not an amount in yuan such as 12.34", kExitUsage);
  auto session = open_payment_session(o.config, o.devices, o.pinpad, o.host, report);
  if (!session.ok()) return report.fail(session.error().message, session.error().exit_code);
  const config::KioskConfig& kiosk = session->kiosk;
  HostLink& link = *session->link;

  hal::Slot* slot = contactless_slot(*session->card);
  if (slot == nullptr) return report.fail("this reader has no contactless field");
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot->power_up(atr);
  if (!atr_len.ok()) {
    return report.fail("no card in the contactless field (" + std::string(atr_len.status().name()) + ")");
  }
  transport::Transport card_transport(*slot);
  trace_card(card_transport);

  const pboc::ContactlessConfig contactless = payment_contactless(*kiosk.payment, session->terminal);
  const flows::PaymentKiosk pay_kiosk{*link.client, *link.journal, *link.crypto, session->terminal, session->ca_keys,
                                      {}, test_checkpoint(*slot)};
  const flows::ContactlessOutcome outcome =
      flows::pay_contactless(pay_kiosk, contactless, card_transport, session->pinpad.get(), *amount);
  (void)slot->power_down();

  const pboc::TransactionRecord& r = outcome.payment.record;
  if (o.format == "json") {
    print_json(outcome, out);
  } else if (r.outcome == pboc::Outcome::kApproved) {
    print_text(outcome, kiosk, out);
  }
  out.flush();
  if (pending(outcome)) {
    return report.fail(outcome.payment.message + " (journal " + link.journal_file.string() +
                           "; the next run or `sscard recover` completes it)",
                       kExitPending);
  }
  if (r.outcome == pboc::Outcome::kApproved) return kExitOk;
  std::string line = outcome.payment.message;
  if (r.reason == pboc::Reason::kUseContactInterface) {
    line = "use the contact interface: insert the card (the amount is at or over the contactless limit, or the "
           "card asked for it)";
  } else if (r.reason == pboc::Reason::kCardCommunication) {
    line += " (" + std::string(r.status.name()) + ")";
  }
  return report.fail(line, kExitFailure);
}

}  // namespace sscard::app

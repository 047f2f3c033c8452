// sscard pay: one purchase from the card's PBOC debit application (docs/PAYMENT.md §12), the kiosk's payment
// parameters and CA keys from its configuration, the online step through its issuer host (or the simulated
// issuers in this process), the reversal or confirmation afterwards through its journal.
#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "command_trace.h"
#include "host_link.h"
#include "payment_session.h"
#include "sscard/app/terminal_commands.h"
#include "sscard/config/ca_key_file.h"
#include "sscard/core/date.h"
#include "sscard/flows/payment.h"
#include "sscard/pboc/record.h"
#include "sscard/transport/transport.h"
#include "terminal.h"

namespace sscard::app {
namespace {

// The largest 9F02 (n12) in fen.
constexpr std::uint64_t kMaxAmountFen = 999'999'999'999ULL;

std::uint8_t bcd_pair(char high, char low) {
  return static_cast<std::uint8_t>(((high - '0') << 4) | (low - '0'));
}

// "0156" -> 01 56, "14" -> 14 (the configuration has checked the digits).
template <std::size_t N>
std::array<std::uint8_t, N> bcd_digits(const std::string& digits) {
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N && 2 * i + 1 < digits.size(); ++i) out[i] = bcd_pair(digits[2 * i], digits[2 * i + 1]);
  return out;
}

std::uint8_t percent(int value) { return static_cast<std::uint8_t>(value < 0 ? 0 : value > 99 ? 99 : value); }

std::string response_code(const pboc::TransactionRecord& r) {
  return r.online ? std::string(r.response_code.data(), r.response_code.size()) : std::string();
}

std::string province_or_empty(const std::string& code) { return code.empty() ? std::string() : province_name(code); }

void print_json(const flows::PaymentOutcome& o, std::ostream& out) {
  const pboc::TransactionRecord& r = o.record;
  nlohmann::ordered_json j;
  j["operation"] = "pay";
  j["outcome"] = std::string(pboc::outcome_name(r.outcome));
  j["amount"] = yuan(o.amount_fen);
  j["currency"] = "156";
  j["interface"] = "contact";
  j["aid"] = to_hex(r.aid);
  j["pan"] = r.pan.empty() ? std::string() : pboc::mask_pan(r.pan);
  j["atc"] = r.atc;
  j["oda"] = std::string(pboc::oda_name(r.oda_method, r.oda_result));
  j["cvm"] = std::string(pboc::cvm_name(r.cvm));
  j["cryptogram"] = std::string(pboc::cryptogram_name(r.final_cryptogram));
  j["online"] = r.online;
  j["response_code"] = response_code(r);
  j["home_issuer"] = province_or_empty(o.home_issuer);
  j["served_by"] = province_or_empty(o.served_by);
  j["tvr"] = to_hex(r.tvr.bytes());
  j["tsi"] = to_hex(r.tsi.bytes());
  j["apdus"] = r.apdus;
  j["reversal"] = std::string(flows::follow_up_name(o.reversal));
  j["message"] = o.message;
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void print_text(const flows::PaymentOutcome& o, const config::KioskConfig& kiosk, std::ostream& out) {
  const pboc::TransactionRecord& r = o.record;
  out << "pay: " << pboc::outcome_name(r.outcome) << '\n';
  out << "  amount: " << yuan(o.amount_fen) << " yuan (currency 156), contact, application " << to_hex(r.aid) << '\n';
  out << "  card: " << pboc::mask_pan(r.pan) << ", ATC " << r.atc << ", data authentication "
      << pboc::oda_name(r.oda_method, r.oda_result) << ", cardholder verification " << pboc::cvm_name(r.cvm) << '\n';
  out << "  kiosk: " << province_name(kiosk.province) << ", terminal " << kiosk.terminal << '\n';
  if (r.online) {
    out << "  issuer: response code " << response_code(r) << "; home issuer " << province_or_empty(o.home_issuer)
        << ", served by " << province_or_empty(o.served_by) << '\n';
  }
  out << "  cryptogram " << pboc::cryptogram_name(r.final_cryptogram) << ", TVR " << to_hex(r.tvr.bytes()) << ", TSI "
      << to_hex(r.tsi.bytes()) << ", " << r.apdus << " APDUs, reversal " << flows::follow_up_name(o.reversal) << '\n';
  out << "  " << o.message << '\n';
}

int exit_code(const flows::PaymentOutcome& o) {
  if (o.follow_up_pending()) return kExitPending;
  return o.record.outcome == pboc::Outcome::kApproved ? kExitOk : kExitFailure;
}

// The one line a payment that did not go through leaves on standard error.
std::string failure_line(const flows::PaymentOutcome& o, const HostLink& link) {
  const pboc::TransactionRecord& r = o.record;
  std::string line = o.message;
  if (r.reason == pboc::Reason::kCardCommunication) line += " (" + std::string(r.status.name()) + ")";
  if (r.reason == pboc::Reason::kUnexpectedStatus) {
    const std::array<std::uint8_t, 2> sw{r.last_sw.sw1(), r.last_sw.sw2()};
    line += " (SW " + to_hex(sw) + ")";
  }
  if (r.tvr.has(pboc::TvrBit::kCardholderVerificationFailed)) {
    line += r.tvr.has(pboc::TvrBit::kPinTryLimitExceeded) ? "; the PIN is blocked" : "; the PIN was not verified";
    if (r.pin_tries_left != 0xFF && !r.tvr.has(pboc::TvrBit::kPinTryLimitExceeded)) {
      line += ", " + std::to_string(r.pin_tries_left) + (r.pin_tries_left == 1 ? " try" : " tries") + " left";
    }
  }
  if (o.follow_up_pending()) {
    line += " (journal " + link.journal_file.string() + "; the next run or `sscard recover` completes it)";
  }
  return line;
}


}  // namespace

std::optional<std::uint64_t> parse_yuan(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view cents = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 10) return std::nullopt;
  if (dot != std::string_view::npos && (cents.empty() || cents.size() > 2)) return std::nullopt;
  std::uint64_t fen = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    fen = fen * 10 + static_cast<std::uint64_t>(c - '0');
  }
  for (std::size_t i = 0; i < 2; ++i) {
    const char c = i < cents.size() ? cents[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    fen = fen * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (fen == 0 || fen > kMaxAmountFen) return std::nullopt;
  return fen;
}

pboc::TerminalConfig payment_terminal(const config::PaymentConfig& p, const std::string& terminal_number) {
  pboc::TerminalConfig t;
  t.capabilities = p.terminal_capabilities;
  t.terminal_type = bcd_digits<1>(p.terminal_type)[0];
  t.additional_capabilities = p.additional_capabilities;
  t.country_code = bcd_digits<2>(p.country_code);
  t.currency_code = bcd_digits<2>(p.currency_code);
  t.tac_denial = p.tac_denial;
  t.tac_online = p.tac_online;
  t.tac_default = p.tac_default;
  t.floor_limit_fen = p.floor_limit_fen;
  t.random_selection_threshold_fen = p.random_selection_threshold_fen;
  t.random_selection_target_percent = percent(p.random_selection_target_percent);
  t.random_selection_max_percent = percent(p.random_selection_max_target_percent);
  // 9F1C (an8): the last 8 digits of the 12-digit terminal number (PAYMENT.md §12).
  const std::string id = terminal_number.size() >= 8 ? terminal_number.substr(terminal_number.size() - 8)
                                                     : terminal_number;
  for (std::size_t i = 0; i < id.size() && i < t.terminal_id.size(); ++i) {
    t.terminal_id[i] = static_cast<std::uint8_t>(id[i]);
  }
  t.merchant_name = p.merchant_name;
  t.national_algorithms = p.national_algorithms;
  t.pin_encryption_key = p.pin_key;
  return t;
}

int run_pay(const PayOptions& o, const Reporter& report, std::ostream& out) {
  const auto amount = parse_yuan(o.amount);
  if (!amount) return report.fail("--amount: '" + o.amount + "' is not an amount in yuan such as 12.34", kExitUsage);
  auto session = open_payment_session(o.config, o.devices, o.pinpad, o.host, report);
  if (!session.ok()) return report.fail(session.error().message, session.error().exit_code);
  const config::KioskConfig& kiosk = session->kiosk;
  HostLink& link = *session->link;

  hal::Slot& slot = session->card->slot();
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot.power_up(atr);
  if (!atr_len.ok()) return report.fail("the card does not answer (" + std::string(atr_len.status().name()) + ")");
  transport::Transport card_transport(slot);
  trace_card(card_transport);

  const flows::PaymentKiosk pay_kiosk{*link.client, *link.journal, *link.crypto, session->terminal, session->ca_keys,
                                      {}, test_checkpoint(slot)};
  const flows::PaymentOutcome outcome = flows::pay(pay_kiosk, card_transport, session->pinpad.get(), *amount);
  (void)slot.power_down();

  if (o.format == "json") {
    print_json(outcome, out);
  } else if (outcome.record.outcome == pboc::Outcome::kApproved) {
    print_text(outcome, kiosk, out);
  }
  out.flush();
  const int code = exit_code(outcome);
  if (code != kExitOk) return report.fail(failure_line(outcome, link), code);
  return kExitOk;
}

}  // namespace sscard::app

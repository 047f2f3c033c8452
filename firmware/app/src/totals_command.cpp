// sscard totals: reconciliation with both home issuers for one business date (docs/PAYMENT.md §10 "totals",
// §12): the kiosk's own record of approved and reversed payments (its journal database) against each issuer's
// (operation 0B through the kiosk's host). Refused while the journal still owes the issuers something.
#include <array>
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "host_link.h"
#include "sscard/app/terminal_commands.h"
#include "sscard/core/date.h"
#include "sscard/flows/services.h"
#include "sscard/wire/payment.h"
#include "terminal.h"

namespace sscard::app {
namespace {

// Both home issuers, always (PAYMENT.md §10).
constexpr std::array<std::string_view, 2> kIssuers = {wire::kChongqing, wire::kSichuan};

struct IssuerTotals {
  std::string province;
  wire::Totals kiosk;
  std::optional<wire::Totals> issuer;  // FF58 when answered
  std::string result;                  // "balanced", "out_of_balance", "failed"
  std::string why;                     // for "failed"
};

nlohmann::ordered_json counters(const wire::Totals& t) {
  nlohmann::ordered_json j;
  j["approved_count"] = t.approved_count;
  j["approved_fen"] = t.approved_fen;
  j["reversed_count"] = t.reversed_count;
  j["reversed_fen"] = t.reversed_fen;
  j["settled_count"] = t.settled_count;
  j["settled_medical_fen"] = t.settled_medical_fen;
  j["settled_card_fen"] = t.settled_card_fen;
  j["settle_reversed_count"] = t.settle_reversed_count;
  j["settle_reversed_medical_fen"] = t.settle_reversed_medical_fen;
  j["settle_reversed_card_fen"] = t.settle_reversed_card_fen;
  return j;
}

IssuerTotals reconcile(HostLink& link, const config::KioskConfig& kiosk, std::string_view province,
                       const std::string& date) {
  IssuerTotals out;
  out.province = std::string(province);
  out.result = "failed";
  auto mine = link.journal->totals(province, date);
  if (!mine.ok()) {
    out.why = "the kiosk's record cannot be read (" + std::string(mine.status().name()) + ")";
    return out;
  }
  out.kiosk = *mine;
  auto key = host::new_idempotency_key(*link.crypto);
  if (!key.ok()) {
    out.why = "no randomness for the request";
    return out;
  }
  wire::Request request;
  request.operation = wire::Operation::kTotals;
  request.key = *key;
  request.terminal = kiosk.terminal;
  request.serving_province = kiosk.province;
  request.card_region = std::string(province);
  request.date = flows::kiosk_date(std::chrono::system_clock::now());
  request.business_date = date;
  request.kiosk_totals = out.kiosk;
  auto answer = link.client->send(request);
  if (!answer.ok()) {
    out.why = host::describe(answer.error());
    return out;
  }
  if (answer->result != wire::ResultCode::kOk || !answer->issuer_totals || !answer->totals_comparison) {
    out.why = "the issuer answered " + std::string(wire::result_name(answer->result));
    return out;
  }
  out.issuer = *answer->issuer_totals;
  // The issuer's comparison is the one that counts; the kiosk's own must agree with it.
  const bool balanced = *answer->totals_comparison == wire::TotalsComparison::kBalanced &&
                        wire::totals_balance(out.kiosk, *out.issuer);
  out.result = balanced ? "balanced" : "out_of_balance";
  return out;
}

}  // namespace

int run_totals(const TotalsOptions& o, const Reporter& report, std::ostream& out) {
  if (o.date.size() != 8 || !parse_yyyymmdd(o.date).ok()) {
    return report.fail("--date: '" + o.date + "' is not a date YYYYMMDD", kExitUsage);
  }
  auto loaded = load_config(o.config, true);
  if (!loaded.ok()) return report.fail(loaded.error().message, loaded.error().exit_code);
  const config::KioskConfig& kiosk = **loaded;
  auto link = open_host_link(kiosk, o.host);
  if (!link.ok()) return report.fail(link.error().message, link.error().exit_code);

  // Counters compared while a reversal or confirmation is still owed would not balance for a good reason.
  auto pending = (*link)->journal->pending();
  auto armed = (*link)->journal->armed_count();
  if (!pending.ok() || !armed.ok()) {
    return report.fail("cannot read the kiosk's journal " + (*link)->journal_file.string());
  }
  const std::size_t owed = pending->size() + static_cast<std::size_t>(*armed);
  if (owed > 0) {
    return report.fail(std::to_string(owed) + (owed == 1 ? " request is" : " requests are") +
                       " still pending in the journal " + (*link)->journal_file.string() +
                       ": run `sscard recover` first");
  }

  std::vector<IssuerTotals> results;
  for (std::string_view province : kIssuers) results.push_back(reconcile(**link, kiosk, province, o.date));
  std::string outcome = "balanced";
  std::string message = "the kiosk's totals for " + o.date + " agree with both issuers";
  for (const IssuerTotals& r : results) {
    if (r.result == "failed") {
      outcome = "failed";
      message = province_name(r.province) + ": " + r.why;
      break;
    }
    if (r.result == "out_of_balance" && outcome == "balanced") {
      outcome = "out_of_balance";
      message = "the kiosk's totals for " + o.date + " differ from " + province_name(r.province) + "'s";
    }
  }

  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["operation"] = "totals";
    j["outcome"] = outcome;
    j["date"] = o.date;
    j["issuers"] = nlohmann::ordered_json::array();
    for (const IssuerTotals& r : results) {
      nlohmann::ordered_json issuer;
      issuer["issuer"] = province_name(r.province);
      issuer["result"] = r.result;
      issuer["kiosk"] = counters(r.kiosk);
      issuer["issuer_totals"] = r.issuer ? counters(*r.issuer) : nlohmann::ordered_json(nullptr);
      j["issuers"].push_back(issuer);
    }
    j["message"] = message;
    out << j.dump(2) << '\n';
  } else if (outcome != "failed") {
    out << "totals " << o.date << ": " << outcome << '\n';
    for (const IssuerTotals& r : results) {
      out << "  " << province_name(r.province) << ": " << r.result << "; kiosk " << r.kiosk.approved_count
          << " approved (" << yuan(r.kiosk.approved_fen) << " yuan), " << r.kiosk.reversed_count << " reversed ("
          << yuan(r.kiosk.reversed_fen) << " yuan)";
      if (r.issuer) {
        out << "; issuer " << r.issuer->approved_count << " approved (" << yuan(r.issuer->approved_fen)
            << " yuan), " << r.issuer->reversed_count << " reversed (" << yuan(r.issuer->reversed_fen) << " yuan)";
      }
      out << '\n';
    }
  }
  out.flush();
  if (outcome != "balanced") return report.fail(message);
  return kExitOk;
}

}  // namespace sscard::app

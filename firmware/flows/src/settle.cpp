#include "sscard/flows/settle.h"

#include <utility>

#include "sscard/ssc/pin.h"

namespace sscard::flows {

namespace {

using wire::Operation;
using Outcome = SettleOutcome::Result;

SettleOutcome& failed(SettleOutcome& o, std::string message) {
  o.result = Outcome::kFailed;
  o.message = std::move(message);
  return o;
}

// The fields every 08 and 09 of this settlement carries (DF01-DF09, DF44, DF45), with a fresh key.
Result<wire::Request> settlement_request(const Kiosk& kiosk, const ssc::Identity& id, Operation op,
                                         std::uint64_t total_fen, wire::SettleCategory category,
                                         const std::string& date) {
  SSCARD_TRY_ASSIGN(const wire::IdempotencyKey key, host::new_idempotency_key(kiosk.crypto));
  wire::Request r;
  r.operation = op;
  r.key = key;
  r.terminal = kiosk.client.identity().terminal;
  r.serving_province = kiosk.client.identity().province;
  r.card_region = id.region ? id.region->to_string() : std::string();
  r.ssn = std::string(id.ssn.view());
  r.card_number = std::string(id.card_number.view());
  r.card_id.assign(id.card_id.begin(), id.card_id.end());
  r.date = date;
  r.bill_total_fen = total_fen;
  r.category = category;
  return r;
}

// An answer under which the issuer may have applied the settlement although the kiosk cannot tell (PAYMENT.md
// §10): as HostAuthoriser::outcome_unknown.
bool outcome_unknown(const Result<wire::Response, host::HostError>& answer) {
  if (!answer.ok()) return answer.error().kind != host::HostError::Kind::kLocal;
  if (answer->result == wire::ResultCode::kIssuerUnavailable) return true;
  return answer->result == wire::ResultCode::kOk && answer->response_code.size() != 2;
}

// Step 4 of settle.h: a settlement the card pays nothing of. Armed like any 09; no card step follows, so an
// authenticated answer disarms at once.
void settle_without_card(const Kiosk& kiosk, wire::Request request, SettleOutcome& o) {
  auto reversal_key = host::new_idempotency_key(kiosk.crypto);
  if (!reversal_key.ok()) {
    failed(o, "no idempotency key");
    return;
  }
  wire::Request reversal;
  reversal.operation = Operation::kReverse;
  reversal.key = *reversal_key;
  reversal.terminal = request.terminal;
  reversal.serving_province = request.serving_province;
  reversal.card_region = request.card_region;
  reversal.date = request.date;
  reversal.original_key = request.key;
  reversal.reversal_reason = wire::ReversalReason::kNoAnswer;
  if (Status s = kiosk.journal.arm(request, reversal); !s.ok()) {
    failed(o, "journal write failed (" + std::string(s.name()) + "); nothing was sent");
    return;
  }
  auto answer = kiosk.client.send(request);
  if (!outcome_unknown(answer)) {
    if (answer.ok() && answer->result == wire::ResultCode::kOk && answer->response_code == wire::rc::kApproved) {
      (void)kiosk.journal.note_approval(request.key);  // the kiosk's totals (0B); a failure costs the record only
    }
    (void)kiosk.journal.disarm(request.key);  // a failure leaves it armed: reversed at the next start
    if (!answer.ok()) {
      o.host_error = answer.error();
      failed(o, host::describe(answer.error()));
      return;
    }
    o.settlement = std::move(answer).value();
    return;
  }
  if (!answer.ok()) o.host_error = answer.error();
  auto activated = kiosk.journal.activate(request.key, wire::ReversalReason::kNoAnswer);
  const wire::Request& sent = activated.ok() ? *activated : reversal;
  auto reversed = activated.ok() ? host::deliver(kiosk.client, kiosk.journal, sent) : kiosk.client.send(sent);
  o.reversal = reversed.ok() ? FollowUp::kSent : FollowUp::kPending;
  if (reversed.ok()) o.reversal_status = reversed->reversal_status;
  failed(o, "no decision from the issuer" +
                std::string(o.host_error ? " (" + host::describe(*o.host_error) + ")" : std::string()) +
                (o.reversal == FollowUp::kSent ? "; the settlement was reversed"
                                               : "; the reversal is kept in the journal to be resent"));
}

// A request made with an electronic card names its holder by the code (docs/ESSC.md): its reference, nonce and
// region instead of the card's SSN, number and 卡识别码.
void name_by_code(wire::Request& r, const essc::Code& code) {
  r.card_region = code.region;
  r.ssn.clear();
  r.card_number.clear();
  r.card_id.clear();
  r.essc_reference = code.reference;
  r.essc_nonce = code.nonce;
}

// Step 2: the quote of `request` (an 08) into `o`; false (with `o` failed) when there is none that adds up.
bool ask_quote(const Kiosk& kiosk, const wire::Request& request, SettleOutcome& o) {
  auto quote = kiosk.client.send(request);
  if (!quote.ok()) {
    o.host_error = quote.error();
    failed(o, "no quote: " + host::describe(quote.error()));
    return false;
  }
  o.quote = std::move(quote).value();
  const wire::Response& q = *o.quote;
  if (q.result != wire::ResultCode::kOk) {
    failed(o, "no quote: the issuer answered " + std::string(wire::result_name(q.result)));
    return false;
  }
  const std::uint64_t total_fen = o.total_fen;
  if (!q.insured_fen || !q.medical_share_fen || !q.card_share_fen ||
      *q.insured_fen > total_fen || *q.medical_share_fen > total_fen - *q.insured_fen ||
      *q.insured_fen + *q.medical_share_fen + *q.card_share_fen != total_fen) {
    failed(o, "the quote's shares do not add up to the bill");
    return false;
  }
  o.insured_fen = *q.insured_fen;
  o.medical_fen = *q.medical_share_fen;
  o.card_fen = *q.card_share_fen;
  return true;
}

std::string decided_message(const SettleOutcome& o) {
  const wire::Response& a = *o.settlement;
  if (a.result == wire::ResultCode::kQuoteChanged) return "the issuer's quote changed: nothing was paid";
  if (a.result != wire::ResultCode::kOk) {
    return "the issuer did not decide: " + std::string(wire::result_name(a.result));
  }
  if (a.response_code == wire::rc::kApproved) return "settled";
  return "declined by the issuer, response code " + a.response_code;
}

// The outcome of a settlement the issuer answered without a card step after it (o.settlement is set).
SettleOutcome& decided(SettleOutcome& o) {
  const wire::Response& a = *o.settlement;
  o.message = decided_message(o);
  if (a.result == wire::ResultCode::kOk && a.response_code == wire::rc::kApproved) {
    o.result = Outcome::kApproved;
    o.medical_balance_after = a.medical_balance_fen;
  } else {
    o.result = a.result == wire::ResultCode::kOk ? Outcome::kDeclined : Outcome::kFailed;
  }
  return o;
}

}  // namespace

SettleOutcome settle(const Kiosk& kiosk, const PaymentKiosk& payment, const CardAccess& access,
                     std::uint64_t total_fen, wire::SettleCategory category) {
  SettleOutcome o;
  o.total_fen = total_fen;
  // 1. The holder, as the card services know them.
  if (access.pinpad == nullptr) {
    o.card_fault = ssc::Fault::of(ssc::Failure::kPinPadNotConnected);
    return failed(o, ssc::describe(*o.card_fault));
  }
  auto identity = read_service_identity(kiosk, access);
  if (!identity.ok()) {
    o.card_fault = identity.error();
    return failed(o, ssc::describe(*o.card_fault));
  }
  o.identity = std::move(identity).value();
  if (ssc::Fault f = ssc::verify_pin(access.card, *access.pinpad); !f.ok()) {
    o.card_fault = f;
    return failed(o, ssc::describe(f));
  }

  // 2. The quote.
  const std::string date = kiosk_date(kiosk.clock ? kiosk.clock() : std::chrono::system_clock::now());
  auto quote_request = settlement_request(kiosk, o.identity, Operation::kSettleQuote, total_fen, category, date);
  if (!quote_request.ok()) return failed(o, "no idempotency key");
  if (!ask_quote(kiosk, *quote_request, o)) return o;

  // 3, 4. The settlement with the quote's shares.
  auto settle_request = settlement_request(kiosk, o.identity, Operation::kSettle, total_fen, category, date);
  if (!settle_request.ok()) return failed(o, "no idempotency key");
  settle_request->insured_fen = o.insured_fen;
  settle_request->medical_fen = o.medical_fen;
  settle_request->card_fen = o.card_fen;
  if (o.card_fen == 0) {
    settle_without_card(kiosk, std::move(settle_request).value(), o);
    if (!o.settlement) return o;
  } else {
    // The card's share always goes online: the settle carries the medical share too.
    pboc::TerminalConfig online_only = payment.terminal;
    online_only.floor_limit_fen = 0;
    online_only.random_selection_threshold_fen = 0;
    const PaymentKiosk card_kiosk{payment.client, payment.journal, payment.crypto, online_only,
                                  payment.ca_keys, payment.clock, payment.checkpoint};
    o.card = pay(card_kiosk, access.card, access.pinpad, o.card_fen, &*settle_request);
    o.settlement = o.card->answer;
    o.host_error = o.card->host_error;
    if (!o.settlement || o.settlement->result != wire::ResultCode::kOk ||
        o.settlement->response_code != wire::rc::kApproved) {
      o.result = o.settlement && o.settlement->result == wire::ResultCode::kOk ? Outcome::kDeclined : Outcome::kFailed;
      o.message = o.settlement && o.settlement->result != wire::ResultCode::kOk ? decided_message(o) : o.card->message;
      return o;
    }
    if (o.card->record.outcome != pboc::Outcome::kApproved) {
      // Approved by the issuer, not completed by the card: the reversal gives both shares back.
      o.result = Outcome::kDeclined;
      o.message = o.card->message;
      return o;
    }
    o.medical_balance_after = o.settlement->medical_balance_fen;
    o.result = Outcome::kApproved;
    o.message = "settled: " + o.card->message;
    return o;
  }
  return decided(o);
}

SettleOutcome settle_code(const Kiosk& kiosk, const essc::Code& code, std::uint64_t total_fen,
                          wire::SettleCategory category) {
  SettleOutcome o;
  o.total_fen = total_fen;
  if (auto region = ssc::RegionCode::parse(code.region); region.ok()) o.identity.region = *region;
  const std::string date = kiosk_date(kiosk.clock ? kiosk.clock() : std::chrono::system_clock::now());
  auto quote_request = settlement_request(kiosk, o.identity, Operation::kSettleQuote, total_fen, category, date);
  if (!quote_request.ok()) return failed(o, "no idempotency key");
  name_by_code(*quote_request, code);
  if (!ask_quote(kiosk, *quote_request, o)) {
    if (o.quote && o.quote->result == wire::ResultCode::kInvalidState && o.quote->card_state) {
      o.message = "the card is " + std::string(wire::card_state_name(*o.quote->card_state)) +
                  ": its electronic card's codes are refused until it is active; nothing was paid";
    }
    return o;
  }
  auto settle_request = settlement_request(kiosk, o.identity, Operation::kSettle, total_fen, category, date);
  if (!settle_request.ok()) return failed(o, "no idempotency key");
  name_by_code(*settle_request, code);
  settle_request->insured_fen = o.insured_fen;
  settle_request->medical_fen = o.medical_fen;
  settle_request->card_fen = o.card_fen;
  // No card part to run: the home issuer debits the card share from the holder's account in the 09 itself.
  settle_without_card(kiosk, std::move(settle_request).value(), o);
  if (!o.settlement) return o;
  decided(o);
  if (o.settlement->result == wire::ResultCode::kInvalidState && o.settlement->card_state) {
    o.message = "the card is " + std::string(wire::card_state_name(*o.settlement->card_state)) +
                ": its electronic card's codes are refused until it is active; nothing was paid";
  }
  return o;
}

}  // namespace sscard::flows

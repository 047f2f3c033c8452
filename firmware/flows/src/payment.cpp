#include "sscard/flows/payment.h"

#include <span>
#include <utility>
#include <vector>

#include "sscard/wire/payment.h"

namespace sscard::flows {

namespace {

using wire::Operation;

std::uint8_t bcd(int value) { return static_cast<std::uint8_t>(((value / 10) << 4) | (value % 10)); }

bool is_printable_code(const std::string& code) {
  if (code.size() != 2) return false;
  for (char c : code) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

pboc::OnlineFailure online_failure_of(const host::HostError& e) {
  switch (e.kind) {
    case host::HostError::Kind::kUnreachable:
      return e.status.code() == Error::kTimeout ? pboc::OnlineFailure::kTimeout : pboc::OnlineFailure::kUnreachable;
    case host::HostError::Kind::kRefused:
      return e.refusal == wire::RefusalReason::kBadMac ? pboc::OnlineFailure::kBadMac
                                                        : pboc::OnlineFailure::kUnreachable;
    case host::HostError::Kind::kBadAnswer: return pboc::OnlineFailure::kBadMac;
    case host::HostError::Kind::kLocal: break;
  }
  return pboc::OnlineFailure::kUnreachable;
}

// The FF40 of a reversal or confirmation: `tags` taken from the authorise's FF40 unless `override_values`
// has them, then 9F5B when the card ran scripts.
Result<Bytes> follow_up_icc_data(ByteSpan original, std::span<const tlv::Tag> tags,
                                 std::span<const wire::IccItem> override_values, ByteSpan script_results) {
  SSCARD_TRY_ASSIGN(const wire::IccData parsed, wire::IccData::parse(original));
  std::vector<wire::IccItem> items;
  for (tlv::Tag tag : tags) {
    const wire::IccItem* own = nullptr;
    for (const wire::IccItem& o : override_values) {
      if (o.tag == tag) own = &o;
    }
    if (own != nullptr) {
      items.push_back(*own);
      continue;
    }
    const auto value = parsed.get(tag);
    if (!value) return Status(Error::kMalformed);
    items.push_back(wire::IccItem{tag, Bytes(value->begin(), value->end())});
  }
  if (!script_results.empty()) {
    items.push_back(wire::IccItem{wire::kScriptResultsTag, Bytes(script_results.begin(), script_results.end())});
  }
  return wire::build_icc_data(items);
}

// A reversal or confirmation of `original`: journaled first, then sent (host::deliver), so recover() resends
// it after a restart until it is answered.
struct FollowUpResult {
  FollowUp state = FollowUp::kPending;
  bool journaled = false;
  std::optional<wire::Response> response;
};

FollowUpResult send_follow_up(const PaymentKiosk& kiosk, const wire::Request& original, Operation op,
                              std::optional<Bytes> icc_data, std::optional<wire::ReversalReason> reason) {
  FollowUpResult result;
  auto key = host::new_idempotency_key(kiosk.crypto);
  if (!key.ok()) return result;  // no randomness: nothing can be sent; reported as pending
  wire::Request request;
  request.operation = op;
  request.key = *key;
  request.terminal = original.terminal;
  request.serving_province = original.serving_province;
  request.card_region = original.card_region;
  request.date = original.date;
  request.original_key = original.key;
  request.reversal_reason = reason;
  request.icc_data = std::move(icc_data);
  // A journal that cannot be written does not stop the send: one try now beats none.
  result.journaled = kiosk.journal.record(request).ok();
  auto answer = result.journaled ? host::deliver(kiosk.client, kiosk.journal, request) : kiosk.client.send(request);
  if (!answer.ok()) return result;
  result.state = FollowUp::kSent;
  result.response = std::move(answer).value();
  return result;
}

void reverse(const PaymentKiosk& kiosk, const wire::Request& original, wire::ReversalReason reason,
             PaymentOutcome& o) {
  o.reversal_reason = reason;
  auto icc = follow_up_icc_data(*original.icc_data, wire::kReversalIccTags, {}, o.record.script_results);
  // An FF40 that cannot be rebuilt is left out (optional for 07): the key alone names the original, and
  // leaving the money taken is worse.
  auto sent = send_follow_up(kiosk, original, Operation::kReverse,
                             icc.ok() ? std::optional<Bytes>(std::move(icc).value()) : std::nullopt, reason);
  o.reversal = sent.state;
  o.follow_up_unjournaled = o.follow_up_unjournaled || !sent.journaled;
  if (sent.response) o.reversal_status = sent.response->reversal_status;
}

void confirm(const PaymentKiosk& kiosk, const wire::Request& original, PaymentOutcome& o) {
  const pboc::GacAnswer& tc = *o.record.second_gac;
  const std::array<wire::IccItem, 5> final_values = {{
      {0x9F36, Bytes{static_cast<std::uint8_t>(tc.atc >> 8), static_cast<std::uint8_t>(tc.atc & 0xFF)}},
      {0x9F26, Bytes(tc.cryptogram.begin(), tc.cryptogram.end())},
      {0x9F27, Bytes{tc.cid}},
      {0x9F10, tc.issuer_application_data},
      {0x95, Bytes(o.record.tvr.array().begin(), o.record.tvr.array().end())},
  }};
  auto icc = follow_up_icc_data(*original.icc_data, wire::kConfirmIccTags, final_values, o.record.script_results);
  if (!icc.ok()) {
    o.confirmation = FollowUp::kNone;  // cannot be built from what was sent: nothing to clear against
    return;
  }
  const auto sent = send_follow_up(kiosk, original, Operation::kConfirm, std::move(icc).value(), std::nullopt);
  o.confirmation = sent.state;
  o.follow_up_unjournaled = o.follow_up_unjournaled || !sent.journaled;
}

std::string outcome_message(const PaymentOutcome& o) {
  const pboc::TransactionRecord& r = o.record;
  std::string text;
  if (r.outcome == pboc::Outcome::kApproved) {
    text = r.online ? "approved by the issuer" : "approved offline by the card";
  } else if (o.host_result) {
    text = "the issuer did not decide: " + std::string(wire::result_name(*o.host_result));
  } else if (o.host_error && r.online_attempted && !r.online) {
    text = "declined: no answer from the issuer (" + host::describe(*o.host_error) + ")";
  } else if (r.reason == pboc::Reason::kDeclinedByIssuer) {
    text = "declined by the issuer, response code " + std::string(r.response_code.data(), r.response_code.size());
  } else {
    text = std::string(pboc::reason_text(r.reason));
  }
  if (o.reversal == FollowUp::kSent) {
    text += o.reversal_status == wire::ReversalStatus::kReversed
                ? std::string("; the amount was reversed")
                : "; reversal answered: " +
                      std::string(o.reversal_status ? wire::reversal_status_name(*o.reversal_status) : "no status");
  }
  const std::string kept = o.follow_up_unjournaled ? " was not answered and could not be written to the journal"
                                                   : " was not answered and is kept in the journal to be resent";
  if (o.reversal == FollowUp::kPending) text += "; the reversal" + kept;
  if (o.confirmation == FollowUp::kPending) text += "; the confirmation" + kept;
  return text;
}

}  // namespace

std::string_view follow_up_name(FollowUp f) {
  switch (f) {
    case FollowUp::kNone: return "none";
    case FollowUp::kSent: return "sent";
    case FollowUp::kPending: return "pending";
  }
  return "none";
}

CstDateTime cst_date_time(std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const auto local = now + hours(8);
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{floor<seconds>(local - day)};
  CstDateTime out;
  out.date = {bcd(static_cast<int>(ymd.year()) % 100), bcd(static_cast<int>(static_cast<unsigned>(ymd.month()))),
              bcd(static_cast<int>(static_cast<unsigned>(ymd.day())))};
  out.time = {bcd(static_cast<int>(hms.hours().count())), bcd(static_cast<int>(hms.minutes().count())),
              bcd(static_cast<int>(hms.seconds().count()))};
  return out;
}

std::string card_region_of_pan(std::string_view pan) {
  if (pan.size() < 12) return {};
  return std::string(pan.substr(6, 6));
}

bool HostAuthoriser::outcome_unknown() const {
  if (!request_) return false;
  if (error_) return error_->kind != host::HostError::Kind::kLocal;
  if (!response_) return false;
  // An authenticated answer under which nothing was applied disarms (PAYMENT.md §10): DF21 neither 00 nor 05,
  // or a response code that is not an approval. An ok answer without a usable DF50 is not trusted either way.
  if (response_->result == wire::ResultCode::kIssuerUnavailable) return true;
  if (response_->result != wire::ResultCode::kOk) return false;
  return !is_printable_code(response_->response_code);
}

Result<pboc::AuthorisationResponse, pboc::OnlineFailure> HostAuthoriser::authorise(
    const pboc::AuthorisationRequest& request) {
  auto key = host::new_idempotency_key(crypto_);
  if (!key.ok()) {
    error_ = host::HostError{host::HostError::Kind::kLocal, key.status(), std::nullopt, false, 0};
    return pboc::OnlineFailure::kUnreachable;
  }
  wire::Request r;
  r.operation = Operation::kAuthorise;
  r.key = *key;
  r.terminal = client_.identity().terminal;
  r.serving_province = client_.identity().province;
  r.card_region = card_region_of_pan(request.pan);
  r.date = date_;
  r.icc_data = Bytes(request.icc_data.begin(), request.icc_data.end());
  request_ = r;  // the kept copy never holds DF41 (PAYMENT.md §10 "arming")
  r.pin_block = request.enciphered_pin_block;
  auto answer = client_.send(r);
  if (r.pin_block) secure_wipe(*r.pin_block);
  if (!answer.ok()) {
    error_ = answer.error();
    return online_failure_of(*error_);
  }
  response_ = std::move(answer).value();
  if (response_->result != wire::ResultCode::kOk || !is_printable_code(response_->response_code)) {
    return pboc::OnlineFailure::kNoDecision;
  }
  pboc::AuthorisationResponse decided;
  decided.response_code = {response_->response_code[0], response_->response_code[1]};
  decided.issuer_authentication_data = response_->issuer_authentication;
  if (response_->scripts) decided.scripts = *response_->scripts;
  return decided;
}

PaymentOutcome pay(const PaymentKiosk& kiosk, transport::Transport& card, hal::PinPad* pinpad,
                   std::uint64_t amount_fen) {
  PaymentOutcome o;
  o.amount_fen = amount_fen;
  // One instant for 9A, 9F21 and DF09 (PAYMENT.md §8.1: taken once before the GPO).
  const auto now = kiosk.clock ? kiosk.clock() : std::chrono::system_clock::now();
  const CstDateTime when = cst_date_time(now);

  HostAuthoriser authoriser(kiosk.client, kiosk.crypto, kiosk_date(now));
  pboc::KernelContext context{card, kiosk.crypto, kiosk.terminal, kiosk.ca_keys, pinpad, authoriser};
  pboc::TransactionRequest request;
  request.amount_fen = amount_fen;
  request.date = when.date;
  request.time = when.time;
  o.record = pboc::run_transaction(context, request);

  if (authoriser.request()) o.authorise_key = authoriser.request()->key;
  if (authoriser.response()) {
    o.home_issuer = authoriser.response()->home_issuer;
    o.served_by = authoriser.response()->served_by;
    if (authoriser.response()->result != wire::ResultCode::kOk) o.host_result = authoriser.response()->result;
  }
  o.host_error = authoriser.error();

  if (const auto& original = authoriser.request()) {
    const pboc::TransactionRecord& r = o.record;
    if (r.approved_online_but_not_completed) {
      reverse(kiosk, *original,
              r.reason == pboc::Reason::kDeclinedByCard ? wire::ReversalReason::kCardDeclined
                                                        : wire::ReversalReason::kCardError,
              o);
    } else if (authoriser.outcome_unknown()) {
      reverse(kiosk, *original, wire::ReversalReason::kNoAnswer, o);
    } else if (r.outcome == pboc::Outcome::kApproved && r.online && r.second_gac &&
               r.final_cryptogram == pboc::Cryptogram::kTc) {
      confirm(kiosk, *original, o);
    }
  }
  o.message = outcome_message(o);
  return o;
}

}  // namespace sscard::flows

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

// A reversal or confirmation of `original` with a fresh key, not yet journaled.
Result<wire::Request> follow_up_request(const PaymentKiosk& kiosk, const wire::Request& original, Operation op,
                                        std::optional<Bytes> icc_data, std::optional<wire::ReversalReason> reason) {
  SSCARD_TRY_ASSIGN(const wire::IdempotencyKey key, host::new_idempotency_key(kiosk.crypto));
  wire::Request request;
  request.operation = op;
  request.key = key;
  request.terminal = original.terminal;
  request.serving_province = original.serving_province;
  request.card_region = original.card_region;
  request.date = original.date;
  request.original_key = original.key;
  request.reversal_reason = reason;
  request.icc_data = std::move(icc_data);
  return request;
}

struct FollowUpResult {
  FollowUp state = FollowUp::kPending;
  bool journaled = false;
  std::optional<wire::Response> response;
};

// Sends a follow-up: through the journal when it is there (host::deliver marks it done with the answer),
// otherwise once, unkept. Unanswered stays pending.
FollowUpResult send_follow_up(const PaymentKiosk& kiosk, const wire::Request& request, bool journaled) {
  FollowUpResult result;
  result.journaled = journaled;
  auto answer = journaled ? host::deliver(kiosk.client, kiosk.journal, request) : kiosk.client.send(request);
  if (!answer.ok()) return result;
  result.state = FollowUp::kSent;
  result.response = std::move(answer).value();
  return result;
}

void step(const PaymentKiosk& kiosk, std::string_view name) {
  if (kiosk.checkpoint) kiosk.checkpoint(name);
}

void reverse(const PaymentKiosk& kiosk, const wire::Request& original, const wire::Request& armed,
             wire::ReversalReason reason, PaymentOutcome& o) {
  o.reversal_reason = reason;
  // The card's script results (9F5B) join the armed FF40 when there are any.
  std::optional<Bytes> icc;
  if (!o.record.script_results.empty() && original.icc_data) {
    auto rebuilt = follow_up_icc_data(*original.icc_data, wire::kReversalIccTags, {}, o.record.script_results);
    if (rebuilt.ok()) icc = std::move(rebuilt).value();
  }
  auto activated = kiosk.journal.activate(original.key, reason, icc);
  wire::Request request = armed;
  if (activated.ok()) {
    request = std::move(activated).value();
  } else {
    // The journal failed: one unkept try now beats none (the armed row, if still there, is sent at restart).
    request.reversal_reason = reason;
    if (icc) request.icc_data = icc;
  }
  step(kiosk, "after-activate");
  const auto sent = send_follow_up(kiosk, request, activated.ok());
  o.reversal = sent.state;
  o.follow_up_unjournaled = o.follow_up_unjournaled || !sent.journaled;
  if (sent.response) o.reversal_status = sent.response->reversal_status;
}

// The reversal is disarmed and the confirmation written pending in one journal transaction; its FF40 takes
// `final_values` over the original's.
void confirm_values(const PaymentKiosk& kiosk, const wire::Request& original,
                    std::span<const wire::IccItem> final_values, PaymentOutcome& o) {
  auto icc = follow_up_icc_data(*original.icc_data, wire::kConfirmIccTags, final_values, o.record.script_results);
  auto request = icc.ok() ? follow_up_request(kiosk, original, Operation::kConfirm, std::move(icc).value(),
                                              std::nullopt)
                          : Result<wire::Request>(Error::kMalformed);
  if (!request.ok()) {
    // Nothing to clear against: the TC alone lets the reversal go.
    (void)kiosk.journal.disarm(original.key);
    o.confirmation = FollowUp::kNone;
    return;
  }
  const bool journaled = kiosk.journal.disarm(original.key, &*request).ok();
  const auto sent = send_follow_up(kiosk, *request, journaled);
  o.confirmation = sent.state;
  o.follow_up_unjournaled = o.follow_up_unjournaled || !sent.journaled;
}

// After a TC at GAC2.
void confirm(const PaymentKiosk& kiosk, const wire::Request& original, PaymentOutcome& o) {
  const pboc::GacAnswer& tc = *o.record.second_gac;
  const std::array<wire::IccItem, 5> final_values = {{
      {0x9F36, Bytes{static_cast<std::uint8_t>(tc.atc >> 8), static_cast<std::uint8_t>(tc.atc & 0xFF)}},
      {0x9F26, Bytes(tc.cryptogram.begin(), tc.cryptogram.end())},
      {0x9F27, Bytes{tc.cid}},
      {0x9F10, tc.issuer_application_data},
      {0x95, Bytes(o.record.tvr.array().begin(), o.record.tvr.array().end())},
  }};
  confirm_values(kiosk, original, final_values, o);
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

namespace detail {
void reverse_armed(const PaymentKiosk& kiosk, const wire::Request& original, const wire::Request& armed,
                   wire::ReversalReason reason, PaymentOutcome& o) {
  reverse(kiosk, original, armed, reason, o);
}
void confirm_original(const PaymentKiosk& kiosk, const wire::Request& original,
                      std::span<const wire::IccItem> final_values, PaymentOutcome& o) {
  confirm_values(kiosk, original, final_values, o);
}
std::string payment_message(const PaymentOutcome& o) { return outcome_message(o); }
void checkpoint(const PaymentKiosk& kiosk, std::string_view name) { step(kiosk, name); }
}  // namespace detail

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

bool HostAuthoriser::approved() const {
  return response_ && response_->result == wire::ResultCode::kOk && response_->response_code == wire::rc::kApproved;
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
  // A settlement's card part goes as its `settle` (09, PAYMENT.md §11) with the quote's fields.
  wire::Request r = settle_.value_or(wire::Request{});
  r.operation = settle_ ? Operation::kSettle : load_ ? Operation::kEcashLoad : Operation::kAuthorise;
  r.key = *key;
  r.terminal = client_.identity().terminal;
  r.serving_province = client_.identity().province;
  if (!settle_) r.card_region = card_region_of_pan(request.pan);
  r.date = date_;
  r.icc_data = Bytes(request.icc_data.begin(), request.icc_data.end());
  if (journal_ != nullptr) {
    // Arm before the first send (PAYMENT.md §10): a reversal with its own key, reason 01 until decided.
    auto reversal_key = host::new_idempotency_key(crypto_);
    Status armed = reversal_key.status();
    if (armed.ok()) {
      wire::Request reversal;
      reversal.operation = Operation::kReverse;
      reversal.key = *reversal_key;
      reversal.terminal = r.terminal;
      reversal.serving_province = r.serving_province;
      reversal.card_region = r.card_region;
      reversal.date = r.date;
      reversal.original_key = r.key;
      reversal.reversal_reason = wire::ReversalReason::kNoAnswer;
      auto reversal_icc = follow_up_icc_data(*r.icc_data, wire::kReversalIccTags, {}, {});
      if (reversal_icc.ok()) reversal.icc_data = std::move(reversal_icc).value();
      if (load_) {
        // An e-cash load stays unresolved with its reversal armed until the card's balance decides (§4).
        const host::EcashLoad load{r.key, std::string(request.pan), load_->old_balance_fen, request.amount_fen, 0};
        armed = journal_->arm_load(r, reversal, load);
      } else {
        armed = journal_->arm(r, reversal);
      }
      if (armed.ok()) armed_ = std::move(reversal);
    }
    if (!armed.ok()) {
      // Nothing is sent that could not be reversed after a crash.
      error_ = host::HostError{host::HostError::Kind::kLocal, armed, std::nullopt, false, 0};
      return pboc::OnlineFailure::kUnreachable;
    }
    step("after-arm");
  }
  request_ = r;  // the kept copy never holds DF41 (PAYMENT.md §10 "arming")
  r.pin_block = request.enciphered_pin_block;
  auto answer = client_.send(r);
  if (r.pin_block) secure_wipe(*r.pin_block);
  if (!answer.ok()) {
    error_ = answer.error();
    return online_failure_of(*error_);
  }
  response_ = std::move(answer).value();
  step("after-answer");
  if (journal_ != nullptr && armed_) {
    if (approved()) {
      (void)journal_->note_approval(r.key);  // a failure costs the record only: the reversal stays armed
    } else if (!outcome_unknown()) {
      if (journal_->disarm(r.key).ok()) armed_.reset();
    }
  }
  step("after-approval");
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
                   std::uint64_t amount_fen, const wire::Request* settle) {
  PaymentOutcome o;
  o.amount_fen = amount_fen;
  // One instant for 9A, 9F21 and DF09 (PAYMENT.md §8.1: taken once before the GPO).
  const auto now = kiosk.clock ? kiosk.clock() : std::chrono::system_clock::now();
  const CstDateTime when = cst_date_time(now);

  HostAuthoriser authoriser(kiosk.client, kiosk.crypto, kiosk_date(now), &kiosk.journal, kiosk.checkpoint);
  if (settle != nullptr) authoriser.settle_with(*settle);
  pboc::KernelContext context{card, kiosk.crypto, kiosk.terminal, kiosk.ca_keys, pinpad, authoriser};
  pboc::TransactionRequest request;
  request.amount_fen = amount_fen;
  request.date = when.date;
  request.time = when.time;
  o.record = pboc::run_transaction(context, request);
  step(kiosk, "after-gac2");

  if (authoriser.request()) o.authorise_key = authoriser.request()->key;
  if (authoriser.response()) {
    o.home_issuer = authoriser.response()->home_issuer;
    o.served_by = authoriser.response()->served_by;
    if (authoriser.response()->result != wire::ResultCode::kOk) o.host_result = authoriser.response()->result;
  }
  o.host_error = authoriser.error();
  o.answer = authoriser.response();

  const auto& original = authoriser.request();
  const auto& armed = authoriser.armed_reversal();
  if (original && armed) {
    const pboc::TransactionRecord& r = o.record;
    if (r.approved_online_but_not_completed) {
      reverse(kiosk, *original, *armed,
              r.reason == pboc::Reason::kDeclinedByCard ? wire::ReversalReason::kCardDeclined
                                                        : wire::ReversalReason::kCardError,
              o);
    } else if (authoriser.outcome_unknown()) {
      reverse(kiosk, *original, *armed, wire::ReversalReason::kNoAnswer, o);
    } else if (r.outcome == pboc::Outcome::kApproved && r.online && r.second_gac &&
               r.final_cryptogram == pboc::Cryptogram::kTc) {
      confirm(kiosk, *original, o);
    } else if (authoriser.approved()) {
      // Approved by the issuer, yet no TC: whatever the card did, the money goes back.
      reverse(kiosk, *original, *armed, wire::ReversalReason::kCardError, o);
    } else {
      (void)kiosk.journal.disarm(original->key);
    }
  }
  o.message = outcome_message(o);
  return o;
}

}  // namespace sscard::flows

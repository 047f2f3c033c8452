#include "sscard/flows/services.h"

#include <cstdio>

#include "sscard/ssc/pin.h"
#include "sscard/ssc/security.h"

namespace sscard::flows {

namespace {

using wire::Operation;
using Kind = ServiceOutcome::Kind;

ServiceOutcome start(Operation op) {
  ServiceOutcome o;
  o.operation = op;
  return o;
}

ServiceOutcome& card_fault(ServiceOutcome& o, ssc::Fault fault) {
  o.kind = Kind::kCardFault;
  o.fault = std::move(fault);
  o.status = o.fault.status;
  o.message = ssc::describe(o.fault);
  return o;
}

ServiceOutcome& kiosk_error(ServiceOutcome& o, Status status, std::string_view what) {
  o.kind = Kind::kKioskError;
  o.status = status;
  o.message = std::string(what) + " (" + std::string(status.name()) + ")";
  return o;
}

// Step 1 of every service: the identity, PSAM-mode when the kiosk has a PSAM. The request needs the SSN, which
// a 3rd-generation card withholds from a read without PSAM authentication.
Result<ssc::Identity, ssc::Fault> read_card(const Kiosk& kiosk, const CardAccess& access) {
  ssc::Identity identity;
  if (access.psam != nullptr) {
    auto read = ssc::read_identity_with_psam(access.card, access.atr, *access.psam, kiosk.crypto);
    if (!read.ok()) return read.error();
    identity = std::move(read.value().identity);
  } else {
    auto read = ssc::read_identity(access.card, access.atr);
    if (!read.ok()) {
      switch (read.status().code()) {
        case Error::kNotFound: return ssc::Fault::make(ssc::Failure::kNotSocialSecurityCard, read.status());
        case Error::kCardStatus: return ssc::Fault::card_status(access.card.last_status_word());
        default: return ssc::Fault::card(read.status());
      }
    }
    identity = std::move(read).value();
  }
  if (identity.personal_data_withheld || identity.ssn.empty()) {
    return ssc::Fault::make(ssc::Failure::kNoPsam, Error::kSecurity);
  }
  return identity;
}

std::string today(const Kiosk& kiosk) {
  return kiosk_date(kiosk.clock ? kiosk.clock() : std::chrono::system_clock::now());
}

// The request for `op` from the card's identity (read_card() made sure it has an SSN); fills
// o.key. False (with `o` set) when it cannot be built.
bool build_request(const Kiosk& kiosk, Operation op, ServiceOutcome& o, wire::Request& request) {
  auto key = host::new_idempotency_key(kiosk.crypto);
  if (!key.ok()) {
    kiosk_error(o, key.status(), "no idempotency key");
    return false;
  }
  request.operation = op;
  request.key = *key;
  request.terminal = kiosk.client.identity().terminal;
  request.serving_province = kiosk.client.identity().province;
  request.card_region = o.identity.region ? o.identity.region->to_string() : std::string();
  request.ssn = std::string(o.identity.ssn.view());
  request.card_number = std::string(o.identity.card_number.view());
  request.card_id.assign(o.identity.card_id.begin(), o.identity.card_id.end());
  request.date = today(kiosk);
  if (op == Operation::kCertify) request.residence = kiosk.region;
  o.key = request.key;
  return true;
}

std::string_view done_message(Operation op) {
  switch (op) {
    case Operation::kQuery: return "answered";
    case Operation::kActivate: return "social-security function activated";
    case Operation::kReportLoss: return "loss reported";
    case Operation::kCancelLoss: return "loss report cancelled";
    case Operation::kCertify: return "eligibility certified";
    default: return "done";  // payment operations are not card services
  }
}

// The host's answer (or why there is none) into the outcome.
ServiceOutcome& finish(ServiceOutcome& o, const Result<wire::Response, host::HostError>& answer) {
  if (answer.ok()) {
    o.response = answer.value();
    if (o.response->result == wire::ResultCode::kOk) {
      o.kind = Kind::kDone;
      o.message = std::string(done_message(o.operation));
      if (o.operation == Operation::kQuery && o.card_reported_lost()) o.message += "; the card is reported lost";
    } else {
      o.kind = Kind::kRefusedByIssuer;
      o.message = "the issuer refused: " + std::string(wire::result_name(o.response->result));
    }
    return o;
  }
  const host::HostError& e = answer.error();
  o.host_error = e;
  o.status = e.status;
  switch (e.kind) {
    case host::HostError::Kind::kLocal: o.kind = Kind::kKioskError; break;
    case host::HostError::Kind::kUnreachable: o.kind = Kind::kHostUnreachable; break;
    case host::HostError::Kind::kRefused: o.kind = Kind::kHostRefused; break;
    case host::HostError::Kind::kBadAnswer: o.kind = Kind::kBadAnswer; break;
  }
  o.message = host::describe(e);
  if (o.journaled && e.kind != host::HostError::Kind::kLocal) o.message += "; kept in the journal to be resent";
  return o;
}

// record() + deliver() for a state change, send() for a query.
ServiceOutcome& to_host(const Kiosk& kiosk, ServiceOutcome& o, const wire::Request& request) {
  if (wire::changes_state(request.operation)) {
    if (Status s = kiosk.journal.record(request); !s.ok()) return kiosk_error(o, s, "journal write failed");
    o.journaled = true;
    return finish(o, host::deliver(kiosk.client, kiosk.journal, request));
  }
  return finish(o, kiosk.client.send(request));
}

// A card step whose effect is unknown: the card went away or stopped answering while a command may have run.
bool effect_unknown(const ssc::Fault& f) {
  return f.failure == ssc::Failure::kCard && f.status.code() != Error::kNoCard &&
         f.status.code() != Error::kInvalidArgument;
}

// Services that need the holder's PIN: read, VERIFY, then the request.
ServiceOutcome pin_service(const Kiosk& kiosk, const CardAccess& access, Operation op) {
  ServiceOutcome o = start(op);
  if (access.pinpad == nullptr) return card_fault(o, ssc::Fault::of(ssc::Failure::kPinPadNotConnected));
  auto identity = read_card(kiosk, access);
  if (!identity.ok()) return card_fault(o, identity.error());
  o.identity = std::move(identity).value();
  if (ssc::Fault f = ssc::verify_pin(access.card, *access.pinpad); !f.ok()) return card_fault(o, f);
  wire::Request request;
  if (!build_request(kiosk, op, o, request)) return o;
  return to_host(kiosk, o, request);
}

// Services without a card step: read, then the request.
ServiceOutcome card_only_service(const Kiosk& kiosk, const CardAccess& access, Operation op) {
  ServiceOutcome o = start(op);
  auto identity = read_card(kiosk, access);
  if (!identity.ok()) return card_fault(o, identity.error());
  o.identity = std::move(identity).value();
  wire::Request request;
  if (!build_request(kiosk, op, o, request)) return o;
  return to_host(kiosk, o, request);
}

}  // namespace

std::string_view outcome_kind_name(ServiceOutcome::Kind kind) {
  switch (kind) {
    case Kind::kDone: return "done";
    case Kind::kRefusedByIssuer: return "refused_by_issuer";
    case Kind::kCardFault: return "card_fault";
    case Kind::kHostUnreachable: return "host_unreachable";
    case Kind::kHostRefused: return "host_refused";
    case Kind::kBadAnswer: return "bad_answer";
    case Kind::kKioskError: return "kiosk_error";
  }
  return "unknown";
}

std::string kiosk_date(std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(now + hours(8))};
  char text[16];
  std::snprintf(text, sizeof text, "%04d%02u%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

Result<ssc::Identity, ssc::Fault> read_service_identity(const Kiosk& kiosk, const CardAccess& access) {
  return read_card(kiosk, access);
}

ServiceOutcome query(const Kiosk& kiosk, const CardAccess& access) {
  return card_only_service(kiosk, access, Operation::kQuery);
}

ServiceOutcome query_code(const Kiosk& kiosk, const essc::Code& code) {
  ServiceOutcome o = start(Operation::kQuery);
  if (auto region = ssc::RegionCode::parse(code.region); region.ok()) o.identity.region = *region;
  auto key = host::new_idempotency_key(kiosk.crypto);
  if (!key.ok()) return kiosk_error(o, key.status(), "no idempotency key");
  wire::Request request;
  request.operation = Operation::kQuery;
  request.key = *key;
  request.terminal = kiosk.client.identity().terminal;
  request.serving_province = kiosk.client.identity().province;
  request.card_region = code.region;
  request.essc_reference = code.reference;
  request.essc_nonce = code.nonce;
  request.date = today(kiosk);
  o.key = request.key;
  to_host(kiosk, o, request);
  if (o.kind == Kind::kRefusedByIssuer && o.response && o.response->card_state &&
      *o.response->card_state != wire::CardState::kActive) {
    o.message = "the card is " + std::string(wire::card_state_name(*o.response->card_state)) +
                ": its electronic card's codes are refused until it is active";
  }
  return o;
}

ServiceOutcome report_loss(const Kiosk& kiosk, const CardAccess& access) {
  return card_only_service(kiosk, access, Operation::kReportLoss);
}

ServiceOutcome cancel_loss(const Kiosk& kiosk, const CardAccess& access) {
  return pin_service(kiosk, access, Operation::kCancelLoss);
}

ServiceOutcome certify(const Kiosk& kiosk, const CardAccess& access) {
  return pin_service(kiosk, access, Operation::kCertify);
}

ServiceOutcome activate(const Kiosk& kiosk, const CardAccess& access) {
  ServiceOutcome o = start(Operation::kActivate);
  if (access.pinpad == nullptr) return card_fault(o, ssc::Fault::of(ssc::Failure::kPinPadNotConnected));
  auto identity = read_card(kiosk, access);
  if (!identity.ok()) return card_fault(o, identity.error());
  o.identity = std::move(identity).value();

  // Ask the home issuer first (DECISIONS.md H4): a card it does not hold as not activated keeps its PIN, and
  // an issuer that cannot be asked changes nothing either.
  wire::Request check;
  if (!build_request(kiosk, Operation::kQuery, o, check)) return o;
  auto state = kiosk.client.send(check);
  if (!state.ok() || state->result != wire::ResultCode::kOk) {
    finish(o, state);
    o.operation = Operation::kActivate;
    o.key.reset();
    return o;
  }
  if (state->card_state != wire::CardState::kNotActivated) {
    o.response = *state;
    o.kind = Kind::kRefusedByIssuer;
    o.key.reset();
    o.message = "the issuer refused the activation: the card is " +
                std::string(state->card_state ? wire::card_state_name(*state->card_state) : "in an unknown state") +
                ", not waiting for activation; its PIN was left as it is";
    return o;
  }

  wire::Request request;
  if (!build_request(kiosk, Operation::kActivate, o, request)) return o;

  // Journal first, at the card step: after a power cut past CHANGE PIN, recover() must know the issuer side
  // is still owed.
  if (Status s = kiosk.journal.record(request, host::Step::kCard); !s.ok()) {
    return kiosk_error(o, s, "journal write failed");
  }
  o.journaled = true;
  if (ssc::Fault f = ssc::change_pin(access.card, *access.pinpad); !f.ok()) {
    card_fault(o, f);
    if (effect_unknown(f)) {
      o.message += "; the PIN may have changed: the activation stays journaled at the card step";
    } else {
      (void)kiosk.journal.fail(request.key, "card step failed: " + ssc::describe(f));
    }
    return o;
  }
  if (Status s = kiosk.journal.card_step_done(request.key); !s.ok()) {
    return kiosk_error(o, s, "PIN changed, but the journal failed");
  }
  return finish(o, host::deliver(kiosk.client, kiosk.journal, request));
}

}  // namespace sscard::flows

#include "sscard/sim/host/issuer_host.h"

#include <utility>
#include <variant>

#include "endpoint.h"
#include "payment_issuer.h"
#include "sscard/core/date.h"
#include "sscard/crypto/openssl.h"
#include "sscard/wire/wire.h"
#include "sscard/sim/host/population.h"
#include "sscard/sim/platform/card_reference.h"

namespace sscard::sim::host {
namespace {

using wire::CardState;
using wire::Operation;
using wire::PensionStatus;
using wire::ResultCode;

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// HOST-PROTOCOL.md "Payload: responses" and the state rules of the issuer: the result of `op` on a card in
// `state` for a holder whose pension is `pension`; kOk means the change applies.
ResultCode decide(Operation op, CardState state, PensionStatus pension) {
  switch (op) {
    case Operation::kAuthorise:
    case Operation::kReverse:
    case Operation::kSettleQuote:
    case Operation::kSettle:
    case Operation::kConfirm:
    case Operation::kTotals:
    case Operation::kEcashLoad:
    case Operation::kEcashClear:
    case Operation::kTransitBatch:
    case Operation::kDenyList:
      break;  // payments: detail::PaymentIssuer; batches and deny lists: transit_acquirer.cpp
    case Operation::kQuery:
      return ResultCode::kOk;
    case Operation::kActivate:
      if (state == CardState::kNotActivated) return ResultCode::kOk;
      return state == CardState::kActive ? ResultCode::kInvalidState : ResultCode::kCardNotActiveForChange;
    case Operation::kReportLoss:
      if (state == CardState::kActive || state == CardState::kNotActivated) return ResultCode::kOk;
      return state == CardState::kLossReported ? ResultCode::kInvalidState : ResultCode::kCardNotActiveForChange;
    case Operation::kCancelLoss:
      return state == CardState::kLossReported ? ResultCode::kOk : ResultCode::kInvalidState;
    case Operation::kCertify:
      // The card first (a card under loss report allows only cancel-loss), then the holder's eligibility.
      if (state != CardState::kActive) return ResultCode::kCardNotActiveForChange;
      if (pension != PensionStatus::kReceiving && pension != PensionStatus::kSuspended) {
        return ResultCode::kNotEligible;
      }
      return ResultCode::kOk;
  }
  return ResultCode::kInvalidState;
}

// What a code's query answer says of its holder (docs/ESSC.md "Online check"): the kiosk read no card. All of it
// comes from the SSN the issuer holds (GB 11643: digits 7-14 the birth date, digit 17 odd for men), and the SSN
// itself only masked.
void put_code_holder(const HolderRecord& h, wire::Response& out) {
  out.ssn_masked = wire::mask_ssn(h.ssn);
  if (h.ssn.size() != 18) return;
  const char order = h.ssn[16];
  if (order >= '0' && order <= '9') out.sex = (order - '0') % 2 == 1 ? '1' : '2';
  const std::string birth = h.ssn.substr(6, 8);
  if (parse_yyyymmdd(birth).ok()) out.birth_date = birth;
}

void apply(Operation op, const wire::Request& request, HolderRecord& h) {
  switch (op) {
    case Operation::kQuery:
      break;
    case Operation::kActivate:
    case Operation::kCancelLoss:
      h.card_state = CardState::kActive;
      break;
    case Operation::kReportLoss:
      h.card_state = CardState::kLossReported;
      break;
    case Operation::kCertify:
      h.last_certification = request.date;
      h.pension_status = PensionStatus::kReceiving;
      break;
    default:
      break;  // payments change accounts, not holders
  }
}

}  // namespace

std::string host_id(std::string_view province) { return std::string(province) + "000000"; }

IssuerHost::IssuerHost(std::string province, HolderStore& store, std::shared_ptr<crypto::Crypto> crypto,
                       const MasterKey& master, std::shared_ptr<wire::Channel> hub, IssuerHostOptions options)
    : province_(std::move(province)),
      store_(store),
      hub_(std::move(hub)),
      options_(options),
      endpoint_(std::make_unique<detail::Endpoint>(std::move(crypto), master, host_id(province_))) {
  if (options_.payment_keys && options_.payment_keys->province == province_) {
    payments_ = std::make_unique<detail::PaymentIssuer>(province_, store_, *options_.payment_keys);
  }
  if (options_.platform_keys) reference_crypto_ = crypto::make_openssl_crypto();
}

IssuerHost::~IssuerHost() = default;

std::optional<std::string> IssuerHost::essc_holder(const std::array<std::uint8_t, 16>& reference) {
  if (!options_.platform_keys || !reference_crypto_) return std::nullopt;
  const crypto::SecretBytes<16>* key = options_.platform_keys->reference_key(province_);
  if (key == nullptr) return std::nullopt;
  auto ssn = platform::open_reference(*reference_crypto_, key->span(), reference);
  if (!ssn.ok()) return std::nullopt;
  return std::move(ssn).value();
}

const std::string& IssuerHost::id() const { return endpoint_->id(); }

bool IssuerHost::accepts(std::string_view sender) const {
  if (!is_province(province_) || sender.size() != 12 || !all_digits(sender)) return false;
  if (sender == wire::kHubId) return true;
  // A kiosk of this province; never this host's own id, so a frame this host sealed for the hub cannot be
  // reflected back to it as a kiosk request.
  return sender.substr(0, 2) == std::string_view(province_).substr(0, 2) && sender != id();
}

Bytes IssuerHost::handle_message(ByteSpan message) {
  try {
    auto opened = endpoint_->open_request(message, [this](std::string_view s) { return accepts(s); });
    if (auto* refusal = std::get_if<Bytes>(&opened)) return std::move(*refusal);
    return handle(std::get<detail::Incoming>(opened));
  } catch (const std::exception&) {
    // Out of memory or a broken invariant: no answer rather than a wrong one; the kiosk retries.
    return {};
  }
}

Bytes IssuerHost::handle(const detail::Incoming& in) {
  auto request = wire::decode_request(in.frame.payload);
  if (!request.ok()) return endpoint_->refuse(in, wire::RefusalReason::kMalformed);
  const wire::Request& r = *request;
  // A kiosk speaks for itself only: its own terminal id, its own province as the serving one (DF03, DF04).
  const bool from_kiosk = in.frame.header.sender != wire::kHubId;
  if (from_kiosk && (r.terminal != in.frame.header.sender || r.serving_province != province_)) {
    return endpoint_->refuse(in, wire::RefusalReason::kMalformed);
  }
  // A validator's batch and the deny list are the serving host's own (CONTACTLESS.md §7); a batch comes from a
  // kiosk only.
  if (r.operation == Operation::kTransitBatch || r.operation == Operation::kDenyList) {
    if (r.operation == Operation::kTransitBatch && !from_kiosk) {
      return endpoint_->refuse(in, wire::RefusalReason::kMalformed);
    }
    Bytes own;
    const wire::Response out = r.operation == Operation::kTransitBatch ? acquire_batch(r) : deny_list(r, from_kiosk);
    if (!wire::encode(out, own).ok()) {
      own = detail::result_payload(ResultCode::kIssuerUnavailable, province_, r.serving_province);
    }
    return endpoint_->answer(in, own);
  }
  const std::optional<std::string> home = wire::home_province(r.card_region);
  if (!home) return endpoint_->answer(in, detail::result_payload(ResultCode::kUnknownRegion, "", r.serving_province));

  if (*home != province_) {
    // Only a kiosk's request is forwarded: one from the hub that is not for this province would loop.
    if (!from_kiosk) {
      return endpoint_->answer(in, detail::result_payload(ResultCode::kUnknownCard, *home, r.serving_province));
    }
    std::optional<Bytes> relayed;
    if (hub_) relayed = endpoint_->forward(*hub_, in.frame.payload, wire::kHubId, options_.hub_timeout);
    if (!relayed) {
      return endpoint_->answer(in, detail::result_payload(ResultCode::kIssuerUnavailable, *home, r.serving_province));
    }
    return endpoint_->answer(in, *relayed);
  }

  Bytes payload;
  if (!wire::encode(answer_home(r), payload).ok()) {
    payload = detail::result_payload(ResultCode::kIssuerUnavailable, province_, r.serving_province);
  }
  return endpoint_->answer(in, payload);
}

wire::Response IssuerHost::answer_home(const wire::Request& r) {
  wire::Response base;
  base.home_issuer = province_;
  base.served_by = r.serving_province;
  if (wire::is_payment(r.operation)) {
    if (payments_) {
      // A settlement made with an electronic card names its holder by the platform's reference (docs/ESSC.md).
      std::optional<std::string> code_holder;
      if (r.essc_reference) code_holder = essc_holder(*r.essc_reference).value_or(std::string());
      return payments_->answer(r, code_holder);
    }
    base.result = ResultCode::kIssuerUnavailable;  // no keys: this host cannot decide payments
    return base;
  }
  wire::Response out = base;

  auto done = store_.transaction([&]() -> Result<void, SetupError> {
    auto known = store_.find_request(r.key);
    if (!known.ok()) return known.error();
    if (*known) {
      const StoredRequest& s = **known;
      if (s.operation != r.operation || s.ssn != r.ssn || s.card_number != r.card_number) {
        out = base;
        out.result = ResultCode::kKeyConflict;
        return {};
      }
      auto stored = wire::decode_response(s.response);
      if (!stored.ok()) return SetupError{"the stored answer does not decode"};
      out = std::move(*stored);
      out.duplicate = true;
      return {};
    }

    // An electronic card names the holder by the platform's reference, and its card region by the code's.
    std::optional<std::string> essc_ssn;
    if (r.essc_reference) {
      essc_ssn = essc_holder(*r.essc_reference);
      if (!essc_ssn) {
        out.result = ResultCode::kUnknownCard;
        return {};
      }
    }
    auto found = store_.find_holder(essc_ssn ? *essc_ssn : r.ssn);
    if (!found.ok()) return found.error();
    const bool same_card =
        *found && (essc_ssn ? (*found)->region == r.card_region : (*found)->card_number == r.card_number);
    if (!same_card) {
      out.result = ResultCode::kUnknownCard;
    } else {
      HolderRecord h = std::move(**found);
      out.result = decide(r.operation, h.card_state, h.pension_status);
      // A code stands for an active card only: a lost or blocked card's code is refused, with the state.
      if (essc_ssn && h.card_state != CardState::kActive) out.result = ResultCode::kInvalidState;
      if (r.operation == Operation::kQuery && out.result == ResultCode::kOk) {
        auto contributions = store_.contributions(h.ssn);
        if (!contributions.ok()) return contributions.error();
        out.name = h.name;
        out.pension_status = h.pension_status;
        out.pension_monthly_fen = h.pension_monthly_fen;
        out.medical_balance_fen = h.medical_balance_fen;
        out.contributions = std::move(*contributions);
        out.last_certification = h.last_certification;
        if (essc_ssn) put_code_holder(h, out);
      } else if (out.result == ResultCode::kOk) {
        apply(r.operation, r, h);
        auto updated = store_.update_holder(h);
        if (!updated.ok()) return updated;
      }
      // Every answer about a known card says the card's state (after the change, if there was one).
      out.card_state = h.card_state;
      if (r.operation == Operation::kCertify && out.result == ResultCode::kOk) {
        out.pension_status = h.pension_status;
        out.last_certification = h.last_certification;
      }
    }
    // Queries change nothing and are not stored; every other answer is, whatever its result.
    if (!wire::changes_state(r.operation)) return {};
    StoredRequest stored{r.operation, r.ssn, r.card_number, {}, wire::now_ms(), {}};
    if (!wire::encode(out, stored.response).ok()) return SetupError{"the answer does not encode"};
    return store_.store_request(r.key, stored);
  });
  if (!done.ok()) {
    // Rolled back: nothing happened, and a retry with the same key is safe.
    out = base;
    out.result = ResultCode::kIssuerUnavailable;
  }
  return out;
}

}  // namespace sscard::sim::host

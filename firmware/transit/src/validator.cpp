#include "sscard/transit/validator.h"

#include <limits>
#include <map>

#include "sscard/wire/deny_digest.h"

namespace sscard::transit {
namespace {

constexpr std::uint64_t kNoLimitFen = 99'999'999;  // far above any fare

void call(const std::function<void(std::string_view)>& checkpoint, std::string_view step) {
  if (checkpoint) checkpoint(step);
}

}  // namespace

pboc::TerminalConfig validator_terminal(const ValidatorConfig& config) {
  pboc::TerminalConfig t;
  t.terminal_type = 0x25;
  for (std::size_t i = 0; i < t.terminal_id.size(); ++i) {
    t.terminal_id[i] = static_cast<std::uint8_t>(config.terminal[config.terminal.size() - t.terminal_id.size() + i]);
  }
  t.merchant_name = config.operator_name;
  t.national_algorithms = config.national_algorithms;
  return t;
}

pboc::ContactlessConfig validator_contactless() {
  pboc::ContactlessConfig c;
  c.transaction_limit_fen = kNoLimitFen;
  c.cvm_limit_fen = kNoLimitFen;
  c.floor_limit_fen = kNoLimitFen;
  c.offline_only = false;
  c.deferred_authorisation = true;
  return c;
}

NewRide classify(const pboc::TransactionRecord& record, std::uint64_t fare_fen, std::string_view date,
                 const std::optional<wire::DenyDigest>& digest, bool denied) {
  NewRide ride;
  ride.date = std::string(date);
  ride.fare_fen = fare_fen;
  ride.digest = digest;
  ride.pan_masked = record.pan.empty() ? std::string() : pboc::mask_pan(record.pan);
  ride.atc = record.atc;
  const bool oda_ok = record.oda_result == pboc::OdaResult::kSucceeded;
  // A torn tap the card completed (CONTACTLESS.md §3.3) is approved with its journaled TC, authenticated then.
  const bool torn_completed = record.reason == pboc::Reason::kTornTapCompleted;
  const bool offline = record.outcome == pboc::Outcome::kApproved && record.final_cryptogram == pboc::Cryptogram::kTc &&
                       (oda_ok || torn_completed) && !record.icc_data.empty();
  const bool deferred = (record.deferred_authorisation || record.reason == pboc::Reason::kDeferredAuthorisation) &&
                        record.final_cryptogram == pboc::Cryptogram::kArqc && oda_ok && !record.icc_data.empty();
  if (offline) {
    ride.kind = RideKind::kOffline;
    ride.icc_data = record.icc_data;
    if (denied) ride.reason = "card on the deny list";  // its e-cash already paid: cleared, gate closed
  } else if (deferred && !denied) {
    ride.kind = RideKind::kDeferred;
    ride.icc_data = record.icc_data;
  } else {
    ride.kind = RideKind::kRefused;
    ride.fare_fen = 0;
    ride.reason = denied ? "card on the deny list" : std::string(pboc::reason_text(record.reason));
  }
  return ride;
}

Result<TapOutcome> tap(const ValidatorConfig& config, RideLog& log, transport::Transport& card, crypto::Crypto& crypto,
                       const pboc::CaKeyTable& ca_keys, const pboc::TransactionRequest& request, std::string_view date) {
  const pboc::TerminalConfig terminal = validator_terminal(config);
  const pboc::ContactlessConfig contactless = validator_contactless();
  pboc::ContactlessContext context{card, crypto, terminal, contactless, ca_keys, nullptr, nullptr, &log};
  TapOutcome out;
  out.record = pboc::run_contactless_transaction(context, request);
  std::optional<wire::DenyDigest> digest;
  bool denied = false;
  if (!out.record.pan.empty()) {
    auto d = wire::deny_digest(crypto, out.record.pan);
    if (d.ok()) {
      digest = *d;
      SSCARD_TRY_ASSIGN(denied, log.denied(*d));
    }
  }
  out.ride = classify(out.record, request.amount_fen, date, digest, denied);
  SSCARD_TRY_ASSIGN(out.ride_number, log.add(out.ride));
  out.gate_opens = out.ride.kind != RideKind::kRefused && out.ride.reason.empty();
  return out;
}

UploadSummary upload(RideLog& log, host::HostClient& client, std::string_view date,
                     const std::function<void(std::string_view)>& checkpoint) {
  UploadSummary summary;
  // What is still to send when the upload stops, whatever stopped it.
  const auto finish = [&log, &summary]() {
    auto left = log.pending(std::numeric_limits<std::size_t>::max());
    summary.left_pending = left.ok() ? left->size() : 0;
    return summary;
  };
  for (;;) {
    auto pending = log.pending(wire::kMaxRides);
    if (!pending.ok()) {
      host::HostError e;
      e.kind = host::HostError::Kind::kLocal;
      e.status = pending.status();
      summary.error = e;
      return summary;
    }
    if (pending->empty()) return finish();
    std::vector<wire::Ride> rides;
    std::map<std::uint64_t, const Ride*> by_number;
    for (const Ride& r : *pending) {
      rides.push_back(wire::Ride{r.number, r.kind == RideKind::kOffline ? wire::RideKind::kOffline
                                                                         : wire::RideKind::kDeferred,
                                 r.icc_data});
      by_number[r.number] = &r;
    }
    call(checkpoint, "before-send");
    auto answer = client.transit_batch(rides, date);
    if (!answer.ok()) {
      summary.error = answer.error();
      return finish();
    }
    summary.sent += rides.size();
    call(checkpoint, "after-answer");
    std::size_t marked = 0;
    for (const wire::RideAnswer& a : answer->rides) {
      const auto at = by_number.find(a.number);
      if (at == by_number.end()) continue;  // not a ride of this batch
      const Ride& ride = *at->second;
      const bool decided = a.result == wire::ResultCode::kOk || a.result == wire::ResultCode::kUnknownCard ||
                           a.result == wire::ResultCode::kUnknownRegion;
      if (!decided) continue;
      const bool approved = a.result == wire::ResultCode::kOk && a.response_code == wire::rc::kApproved;
      std::optional<wire::DenyDigest> deny;
      if (!approved && ride.kind == RideKind::kDeferred && ride.digest) deny = ride.digest;
      if (Status s = log.settle(ride.number, a, approved ? RideState::kCleared : RideState::kDeclined, deny); !s.ok()) {
        host::HostError e;
        e.kind = host::HostError::Kind::kLocal;
        e.status = s;
        summary.error = e;
        return finish();
      }
      ++marked;
      approved ? ++summary.cleared : ++summary.declined;
      if (deny) ++summary.denied_cards;
      call(checkpoint, "after-mark");
    }
    // Nothing decided in this batch: stop rather than send the same rides again at once.
    if (marked == 0) return finish();
  }
}

}  // namespace sscard::transit

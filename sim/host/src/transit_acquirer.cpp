// The province host as a transit acquirer and as the source of the deny list (CONTACTLESS.md §5, §7).
//
// transit_batch (0E): each ride becomes the request its card's home issuer decides — ecash_clear (0D) for an
// offline TC, authorise (06) for a deferred ARQC — under the ride's own idempotency key (the validator's
// terminal id and ride number, wire::transit_ride_key), sent as every other request is routed: answered here
// for this province's cards, through the hub for the other's. The acquirer keeps no state: a ride sent again
// gets the home issuer's stored answer.
//
// deny_list (0F): the PAN digests of this issuer's lost cards; asked by a terminal of this province, merged
// with the other province's list fetched through the hub (no answer from there: issuer_unavailable, so a
// terminal never takes a half list for a whole one).
#include <algorithm>
#include <optional>

#include "endpoint.h"
#include "sscard/crypto/openssl.h"
#include "sscard/sim/host/issuer_host.h"
#include "sscard/wire/deny_digest.h"
#include "sscard/wire/payment.h"

namespace sscard::sim::host {
namespace {

using wire::Operation;
using wire::ResultCode;

// PAN digits 7-12 of the FF40 5A (PAYMENT.md §3), empty when there is no PAN that decodes.
std::string pan_region(ByteSpan icc_data) {
  auto icc = wire::IccData::parse(icc_data);
  if (!icc.ok()) return {};
  const auto pan = icc->get(0x5A);
  if (!pan) return {};
  std::string digits;
  for (std::uint8_t b : *pan) {
    for (int nibble : {b >> 4, b & 0x0F}) {
      if (nibble <= 9) digits.push_back(static_cast<char>('0' + nibble));
    }
  }
  return digits.size() >= 12 ? digits.substr(6, 6) : std::string();
}

}  // namespace

std::optional<wire::Response> IssuerHost::ask_hub(const wire::Request& request) {
  if (!hub_) return std::nullopt;
  Bytes payload;
  if (!wire::encode(request, payload).ok()) return std::nullopt;
  auto relayed = endpoint_->forward(*hub_, payload, wire::kHubId, options_.hub_timeout);
  if (!relayed) return std::nullopt;
  auto decoded = wire::decode_response(*relayed);
  if (!decoded.ok()) return std::nullopt;
  return std::move(decoded).value();
}

wire::Response IssuerHost::acquire_batch(const wire::Request& batch) {
  wire::Response out;
  out.home_issuer = province_;
  out.served_by = batch.serving_province;
  for (const wire::Ride& ride : batch.rides) {
    wire::Request one;
    one.operation = ride.kind == wire::RideKind::kOffline ? Operation::kEcashClear : Operation::kAuthorise;
    one.key = wire::transit_ride_key(batch.terminal, ride.number);
    one.terminal = batch.terminal;
    one.serving_province = province_;
    one.card_region = pan_region(ride.icc_data);
    one.date = batch.date;
    one.icc_data = ride.icc_data;

    wire::RideAnswer answer;
    answer.number = ride.number;
    const std::optional<std::string> home = wire::home_province(one.card_region);
    if (!home) {
      answer.result = ResultCode::kUnknownRegion;
    } else {
      std::optional<wire::Response> decided;
      if (*home == province_) {
        decided = answer_home(one);
      } else {
        decided = ask_hub(one);
      }
      answer.home_issuer = *home;
      if (!decided) {
        answer.result = ResultCode::kIssuerUnavailable;  // the validator sends the ride again later
      } else {
        answer.result = decided->result;
        answer.response_code = decided->response_code;
        answer.duplicate = decided->duplicate;
      }
    }
    out.rides.push_back(std::move(answer));
  }
  return out;
}

wire::Response IssuerHost::deny_list(const wire::Request& request, bool from_kiosk) {
  wire::Response out;
  out.home_issuer = province_;
  out.served_by = request.serving_province;
  auto pans = store_.lost_card_pans();
  if (!pans.ok()) {
    out.result = ResultCode::kIssuerUnavailable;
    return out;
  }
  std::vector<wire::DenyDigest> digests;
  auto crypto = crypto::make_openssl_crypto();
  for (const std::string& pan : *pans) {
    auto d = wire::deny_digest(*crypto, pan);
    if (d.ok()) digests.push_back(*d);
  }
  if (from_kiosk) {
    wire::Request other = request;
    other.card_region = std::string(province_ == wire::kChongqing ? wire::kSichuan : wire::kChongqing);
    const auto theirs = ask_hub(other);
    if (!theirs || theirs->result != ResultCode::kOk || !theirs->deny_list) {
      out.result = ResultCode::kIssuerUnavailable;
      return out;
    }
    digests.insert(digests.end(), theirs->deny_list->begin(), theirs->deny_list->end());
  }
  std::sort(digests.begin(), digests.end());
  digests.erase(std::unique(digests.begin(), digests.end()), digests.end());
  if (digests.size() > wire::kMaxDenyDigests) digests.resize(wire::kMaxDenyDigests);
  out.deny_list = std::move(digests);
  return out;
}

}  // namespace sscard::sim::host

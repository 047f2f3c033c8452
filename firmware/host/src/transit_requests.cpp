// The kiosk client's contactless operations (CONTACTLESS.md §7): e-cash clearing, a validator's batch, the
// deny list. Each is an ordinary request through send(), with its retries and checks.
#include <algorithm>

#include "sscard/host/client.h"
#include "sscard/wire/payment.h"

namespace sscard::host {
namespace {

// PAN digits 7-12 of the FF40 5A (PAYMENT.md §3); empty without a PAN of at least 12 digits.
std::string card_region_of(ByteSpan icc_data) {
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

HostError local_error(Status status) {
  HostError e;
  e.kind = HostError::Kind::kLocal;
  e.status = status;
  return e;
}

}  // namespace

Result<wire::Response, HostError> HostClient::ecash_clear(const wire::IdempotencyKey& key, ByteSpan icc_data,
                                                          std::string_view date) {
  wire::Request r;
  r.operation = wire::Operation::kEcashClear;
  r.key = key;
  r.terminal = identity_.terminal;
  r.serving_province = identity_.province;
  r.card_region = card_region_of(icc_data);
  r.date = std::string(date);
  r.icc_data = Bytes(icc_data.begin(), icc_data.end());
  return send(r);
}

Result<wire::Response, HostError> HostClient::transit_batch(const std::vector<wire::Ride>& rides,
                                                            std::string_view date) {
  auto key = new_idempotency_key(crypto_);
  if (!key.ok()) return local_error(key.status());
  wire::Request r;
  r.operation = wire::Operation::kTransitBatch;
  r.key = *key;
  r.terminal = identity_.terminal;
  r.serving_province = identity_.province;
  r.card_region = identity_.province;
  r.date = std::string(date);
  r.rides = rides;
  return send(r);
}

Result<std::vector<wire::DenyDigest>, HostError> HostClient::deny_list(std::string_view date) {
  auto key = new_idempotency_key(crypto_);
  if (!key.ok()) return local_error(key.status());
  wire::Request r;
  r.operation = wire::Operation::kDenyList;
  r.key = *key;
  r.terminal = identity_.terminal;
  r.serving_province = identity_.province;
  r.card_region = identity_.province;
  r.date = std::string(date);
  auto answer = send(r);
  if (!answer.ok()) return std::move(answer).error();
  if (answer->result != wire::ResultCode::kOk || !answer->deny_list) {
    HostError e;
    e.kind = HostError::Kind::kBadAnswer;
    e.status = Error::kMalformed;
    return e;
  }
  return std::move(*answer->deny_list);
}

}  // namespace sscard::host

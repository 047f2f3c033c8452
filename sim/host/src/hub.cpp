#include "sscard/sim/host/hub.h"

#include <utility>
#include <variant>

#include "endpoint.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/wire.h"
#include "sscard/sim/host/issuer_host.h"

namespace sscard::sim::host {


Hub::Hub(std::shared_ptr<crypto::Crypto> crypto, const MasterKey& master,
         std::map<std::string, std::shared_ptr<wire::Channel>> routes, HubOptions options)
    : routes_(std::move(routes)),
      options_(options),
      endpoint_(std::make_unique<detail::Endpoint>(std::move(crypto), master, std::string(wire::kHubId))) {}

Hub::~Hub() = default;

Bytes Hub::handle_message(ByteSpan message) {
  try {
    auto opened = endpoint_->open_request(
        message, [](std::string_view s) { return s == wire::kChongqingHostId || s == wire::kSichuanHostId; });
    if (auto* refusal = std::get_if<Bytes>(&opened)) return std::move(*refusal);
    const detail::Incoming& in = std::get<detail::Incoming>(opened);

    auto request = wire::decode_request(in.frame.payload);
    // A host forwards only its own kiosks' requests, so the serving province is the sender's (DF04).
    if (!request.ok() || host_id(request->serving_province) != in.frame.header.sender) {
      return endpoint_->refuse(in, wire::RefusalReason::kMalformed);
    }
    const std::optional<std::string> home = wire::home_province(request->card_region);
    if (!home) {
      return endpoint_->answer(
          in, detail::result_payload(wire::ResultCode::kUnknownRegion, "", request->serving_province));
    }
    std::optional<Bytes> relayed;
    const auto route = routes_.find(*home);
    if (route != routes_.end() && route->second) {
      relayed = endpoint_->forward(*route->second, in.frame.payload, host_id(*home), options_.forward_timeout);
    }
    if (!relayed) {
      return endpoint_->answer(
          in, detail::result_payload(wire::ResultCode::kIssuerUnavailable, *home, request->serving_province));
    }
    return endpoint_->answer(in, *relayed);
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace sscard::sim::host

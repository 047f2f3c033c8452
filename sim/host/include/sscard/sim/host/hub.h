// The Chuan–Yu hub (docs/HOST-PROTOCOL.md "Routing"): takes a request from one province's issuer host,
// forwards it to the card's home host and relays the answer. It keeps no state but its replay memory.
//
// Senders accepted: the two hosts ("500000000000", "510000000000"), each under its own link key, for requests
// whose serving province (DF04) is the sending host's (anything else is refused as malformed). The route is
// the home province of the request's card region; the forward is a new frame of the hub (sender kHubId, key
// = link key of kHubId) with the payload unchanged, and the home host's answer (checked: MAC, sender, request
// nonce) is relayed re-sealed to the sending host. No route, a route that fails or a late answer:
// issuer_unavailable. A region of no province: unknown_region.
//
// Thread-safe: handle_message may be called from several threads at once.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"
#include "sscard/wire/channel.h"
#include "sscard/sim/host/link_keys.h"

namespace sscard::sim::host {

namespace detail {
class Endpoint;
}  // namespace detail

struct HubOptions {
  // How long a home host has to answer a forwarded request.
  std::chrono::milliseconds forward_timeout{5000};
};

class Hub {
 public:
  // `routes`: province ("500000", "510000") -> the channel to its host; a missing or null route answers
  // issuer_unavailable. `crypto` must not be null and is used under the hub's lock.
  Hub(std::shared_ptr<crypto::Crypto> crypto, const MasterKey& master,
      std::map<std::string, std::shared_ptr<sscard::wire::Channel>> routes, HubOptions options = {});
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;
  ~Hub();

  // One whole wire message in, the whole answer message out (a response or a refusal). Never throws.
  Bytes handle_message(ByteSpan message);

 private:
  std::map<std::string, std::shared_ptr<sscard::wire::Channel>> routes_;
  HubOptions options_;
  std::unique_ptr<detail::Endpoint> endpoint_;
};

}  // namespace sscard::sim::host

// Internal: what the issuer hosts and the hub share on every hop (docs/HOST-PROTOCOL.md "Frame"): opening an
// incoming request (refusals for everything the receiver must refuse), sealing the answer, and forwarding a
// payload to the next hop as a new frame of this endpoint.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"
#include "sscard/wire/channel.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/wire.h"
#include "sscard/sim/host/link_keys.h"

namespace sscard::sim::host::detail {

// An authenticated request and the link key of its hop (wiped on destruction).
struct Incoming {
  sscard::wire::OpenedFrame frame;
  sscard::wire::LinkKey key{};

  Incoming() = default;
  Incoming(const Incoming&) = default;
  Incoming& operator=(const Incoming&) = default;
  ~Incoming() { secure_wipe(key); }
};

class Endpoint {
 public:
  // `crypto` is used under this object's lock only (one backend object serves one thread at a time).
  Endpoint(std::shared_ptr<crypto::Crypto> crypto, const MasterKey& master, std::string id);
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;
  ~Endpoint();

  const std::string& id() const { return id_; }

  // Opens a whole message (LEN + frame) that should be a request from a sender `allowed` accepts: the
  // Incoming, or the refusal message to answer with (malformed, version, unknown sender, bad MAC, stale,
  // replay). Nothing is remembered of a refused frame.
  std::variant<Incoming, Bytes> open_request(ByteSpan message, const std::function<bool(std::string_view)>& allowed);

  // The refusal message for a request that opened but whose payload is not a valid request.
  Bytes refuse(const Incoming& request, sscard::wire::RefusalReason reason);

  // The whole answer message to `request`: `payload` sealed as a response under the request's link key.
  // Empty only if sealing fails (the payload too large for a frame), which the callers' payloads never are.
  Bytes answer(const Incoming& request, ByteSpan payload);

  // Sends `payload` as a new request of this endpoint (sender = id(), key = link key of id()) through `next`
  // and returns the payload of its answer once that is a response from `answerer` with the right MAC and
  // request nonce. nullopt when nothing trustworthy came back in time: the outcome is unknown.
  std::optional<Bytes> forward(sscard::wire::Channel& next, ByteSpan payload, std::string_view answerer,
                               std::chrono::milliseconds timeout);

 private:
  std::optional<sscard::wire::LinkKey> link_key(std::string_view id);

  std::mutex crypto_mutex_;
  std::shared_ptr<crypto::Crypto> crypto_;
  MasterKey master_;
  std::string id_;
  sscard::wire::ReplayGuard guard_;
};

// A response carrying only a result code.
Bytes result_payload(sscard::wire::ResultCode result, std::string_view home_issuer, std::string_view served_by);

}  // namespace sscard::sim::host::detail

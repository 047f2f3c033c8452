// The kiosk's client of the issuer-host protocol (docs/HOST-PROTOCOL.md): seals a request for the kiosk's
// own province host, checks the answer (MAC under the kiosk's link key, sender = that host, request nonce =
// the nonce just sent) and retries what may be retried, always with the same idempotency key.
//
// Not thread-safe: one HostClient serves one kiosk flow at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/wire/channel.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/wire.h"

namespace sscard::host {

// Who the kiosk is on the wire. The link key is wiped when the object goes away.
struct KioskIdentity {
  std::string terminal;  // 12 ASCII digits: the sender id of its frames
  std::string province;  // "500000" or "510000": the province whose host it talks to
  wire::LinkKey key{};         // link_key(terminal), shared with that host only

  ~KioskIdentity() { secure_wipe(key); }
};

// The host id ("500000000000" / "510000000000") of a province code; empty for any other code.
std::string_view host_id_of(std::string_view province);

struct RetryPolicy {
  std::chrono::milliseconds timeout{3000};  // per exchange
  int attempts = 3;                         // frames per send() (at least 1)
  std::chrono::milliseconds backoff{200};   // wait before each further frame
};

// Why send() has no answer to give. What the caller does next depends on the kind:
//  - kLocal: nothing was sent (`status`: kInvalidArgument for a request or identity that does not encode,
//    kInternal for no randomness, kIo for a journal failure). Fix the cause.
//  - kUnreachable: no final answer after every attempt. `status` is the channel's last error (kTimeout, kIo)
//    or kTimeout with `issuer_unavailable` set when the host itself answered issuer_unavailable. The request
//    may or may not have been applied: resend it later with the same key.
//  - kRefused: the host refused the frame (`refusal`; `status` kSecurity). A refusal is unauthenticated: the
//    request was probably not applied, but a journaled request stays pending. Not retried (a stale or bad-MAC
//    refusal says the kiosk's clock or key is wrong; resending cannot help).
//  - kBadAnswer: an answer that fails the checks: `status` kSecurity (wrong MAC, sender or request nonce),
//    kMalformed / kTruncated (undecodable frame or payload, a request where a response belongs). Outcome
//    unknown; not retried.
struct HostError {
  enum class Kind : std::uint8_t { kLocal, kUnreachable, kRefused, kBadAnswer };
  Kind kind = Kind::kLocal;
  Status status = Error::kInternal;
  std::optional<wire::RefusalReason> refusal;  // kRefused
  bool issuer_unavailable = false;       // kUnreachable: the last answer was an authenticated issuer_unavailable
  int frames_sent = 0;                   // frames put on the channel by this send()
};

// "local", "unreachable", "refused", "bad_answer".
std::string_view host_error_kind_name(HostError::Kind kind);
// One line for operators and logs, e.g. "host refused the request: stale"; never holds a key.
std::string describe(const HostError& error);

class HostClient {
 public:
  HostClient(crypto::Crypto& crypto, KioskIdentity identity, wire::Channel& channel, RetryPolicy policy = {});

  HostClient(const HostClient&) = delete;
  HostClient& operator=(const HostClient&) = delete;

  // Sends `request` as it is (its key included) and returns the host's authenticated answer, whatever its
  // result code, except issuer_unavailable, which is retried like a timeout or an I/O error. Each attempt is
  // a new frame (fresh nonce, the clock's timestamp); the request, and so its idempotency key, is the same.
  // At most policy.attempts frames, policy.backoff apart. Errors: HostError above.
  Result<wire::Response, HostError> send(const wire::Request& request);

  // Contactless operations (CONTACTLESS.md §7; transit_requests.cpp). `date` is DF09, YYYYMMDD.
  // ecash_clear: one offline TC (its FF40 value) cleared at the card's home issuer under `key`; DF05 is the
  // PAN's digits 7-12. transit_batch: a validator's rides (1..wire::kMaxRides) under a fresh batch key, each
  // ride idempotent by its own key at the home issuer. deny_list: the digests of both provinces' lost cards
  // (an answer without the list is kBadAnswer, kMalformed).
  Result<wire::Response, HostError> ecash_clear(const wire::IdempotencyKey& key, ByteSpan icc_data,
                                                std::string_view date);
  Result<wire::Response, HostError> transit_batch(const std::vector<wire::Ride>& rides, std::string_view date);
  Result<std::vector<wire::DenyDigest>, HostError> deny_list(std::string_view date);

  const KioskIdentity& identity() const { return identity_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  enum class Attempt : std::uint8_t { kAnswer, kRetry, kStop };
  Attempt attempt(ByteSpan payload, std::string_view host_id, wire::Response& answer, HostError& error);

  crypto::Crypto& crypto_;
  KioskIdentity identity_;
  wire::Channel& channel_;
  RetryPolicy policy_;
};

// A random idempotency key (16 bytes from crypto.random()). kInternal: the backend has no randomness.
Result<wire::IdempotencyKey> new_idempotency_key(crypto::Crypto& crypto);

}  // namespace sscard::host

// A simulated province issuer host (docs/HOST-PROTOCOL.md): answers its own cards from its HolderStore,
// forwards other provinces' cards through the Chuan–Yu hub.
//
// Senders accepted: kiosks of the province (12-digit ids starting with the province's two digits, the
// host's own id excepted) and the hub (wire::kHubId), each checked with its own link key
// derive_link_key(master, sender id) and the replay rule. A kiosk's request must name the kiosk itself as
// the originating terminal (DF03) and this province as the serving one (DF04). Anything else gets a refusal
// frame and changes nothing.
//
// Home cards (card region of this province) are answered from the store; a state change and its answer are
// stored under the idempotency key in one SQLite transaction ("Exactly once"). Another province's card from
// a kiosk goes to the hub as a new frame of this host (sender = host id, key = link key of the host id) with
// the request's payload unchanged; the hub's verified answer is relayed to the kiosk. A region neither 50xxxx
// nor 51xxxx is answered unknown_region here and never forwarded.
//
// Payments (docs/PAYMENT.md §9-§10): with the province's payment keys (IssuerHostOptions::payment_keys) the home
// host decides authorise, reverse, confirm and totals from the accounts of its store; without them it answers
// its own cards' payment requests issuer_unavailable. Medical settlement (08, 09) is answered invalid_state.
//
// Electronic cards (docs/ESSC.md "Online check"): a query that names the holder by a code's card reference
// (DF0B) is answered like a card's when the card is active; otherwise invalid_state with the card's state and
// no holder data, so a code of a lost card is refused.
//
// Thread-safe: handle_message may be called from several threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"
#include "sscard/wire/channel.h"
#include "sscard/wire/messages.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/host/link_keys.h"
#include "sscard/sim/host/payment_keys.h"
#include "sscard/sim/platform/platform_keys.h"

namespace sscard::sim::host {

namespace detail {
class Endpoint;
class PaymentIssuer;
struct Incoming;
}  // namespace detail

struct IssuerHostOptions {
  // How long the hub has to answer a forwarded request before the kiosk gets issuer_unavailable.
  std::chrono::milliseconds hub_timeout{5000};
  // This province's payment keys (load_payment_keys); keys of another province are not used.
  std::shared_ptr<const PaymentKeys> payment_keys = nullptr;
  // The electronic-card platform's keys (docs/ESSC.md "Online check"): this province's card-reference key
  // opens the references of queries made with a code. Without it such queries are answered unknown_card.
  std::shared_ptr<const platform::PlatformKeys> platform_keys = nullptr;
};

// The 12-digit host id of a province: "500000" -> "500000000000".
std::string host_id(std::string_view province);

class IssuerHost {
 public:
  // `province`: "500000" or "510000" (any other value refuses every message as from an unknown sender).
  // `crypto` must not be null; it is used under this host's lock, so give a host its own backend object if
  // another component uses one concurrently. `hub` may be null: other provinces' cards are then answered
  // issuer_unavailable. `store` must outlive the host.
  IssuerHost(std::string province, HolderStore& store, std::shared_ptr<crypto::Crypto> crypto,
             const MasterKey& master, std::shared_ptr<sscard::wire::Channel> hub, IssuerHostOptions options = {});
  IssuerHost(const IssuerHost&) = delete;
  IssuerHost& operator=(const IssuerHost&) = delete;
  ~IssuerHost();

  const std::string& province() const { return province_; }
  const std::string& id() const;  // host id, e.g. "500000000000"

  // Takes one whole wire message (LEN + frame + MAC) and returns the whole answer message: a response
  // sealed under the sender's link key, or a refusal. Never throws.
  Bytes handle_message(ByteSpan message);

 private:
  bool accepts(std::string_view sender) const;
  Bytes handle(const detail::Incoming& in);
  sscard::wire::Response answer_home(const sscard::wire::Request& request);
  // The SSN behind an electronic card's reference; nullopt when this host cannot open it (no key, or a
  // reference its key does not open). Called under the store's lock (its crypto object is this host's own).
  std::optional<std::string> essc_holder(const std::array<std::uint8_t, 16>& reference);
  // The acquirer's side (transit_acquirer.cpp, CONTACTLESS.md §7): a validator's batch, each ride sent to its
  // card's home issuer (here, or through the hub); the deny list, merged with the other province's from a kiosk.
  sscard::wire::Response acquire_batch(const sscard::wire::Request& request);
  sscard::wire::Response deny_list(const sscard::wire::Request& request, bool from_kiosk);
  // `request` as this host's own request to the hub; nullopt when no authenticated answer came back.
  std::optional<sscard::wire::Response> ask_hub(const sscard::wire::Request& request);

  std::string province_;
  HolderStore& store_;
  std::shared_ptr<sscard::wire::Channel> hub_;
  IssuerHostOptions options_;
  std::unique_ptr<detail::Endpoint> endpoint_;
  std::unique_ptr<detail::PaymentIssuer> payments_;
  std::unique_ptr<crypto::Crypto> reference_crypto_;
};

}  // namespace sscard::sim::host

// The simulated issuer-host world for tests: both provinces' stores seeded from the bundled profiles, the two
// hosts and the hub joined in-process by FunctionChannels, and kiosks that seal requests with their own link
// keys and check the answers the way a kiosk must (MAC, sender, request nonce).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sscard/crypto/openssl.h"
#include "sscard/wire/channel.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/wire.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/host/hub.h"
#include "sscard/sim/host/issuer_host.h"
#include "sscard/sim/host/link_keys.h"
#include "sscard/sim/host/payment_keys.h"
#include "sscard/sim/host/population.h"
#include "sscard/sim/platform/platform_keys.h"
#include "sscard/sim/profile.h"

namespace sscard::sim::host::testing {


inline const std::filesystem::path kCards = SSCARD_CARDS_DIR;

inline MasterKey test_master() {
  auto m = load_link_master(kCards / "keys/test-link-keys.json");
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return m.ok() ? *m : MasterKey{};
}

// A province's payment keys from cards/keys (PAYMENT.md §6.1, §6.9).
inline std::shared_ptr<const PaymentKeys> payment_keys(std::string_view province) {
  auto keys = load_payment_keys(kCards / "keys/test-payment-keys.json", province);
  EXPECT_TRUE(keys.ok()) << (keys.ok() ? "" : keys.error().message);
  if (!keys.ok()) return nullptr;
  auto pin = load_pin_master(kCards / "keys/test-pin-keys.json");
  EXPECT_TRUE(pin.ok()) << (pin.ok() ? "" : pin.error().message);
  if (pin.ok()) keys->pin_master = *pin;
  return std::make_shared<const PaymentKeys>(std::move(*keys));
}

// The electronic-card platform's keys from cards/keys (docs/ESSC.md).
inline std::shared_ptr<const platform::PlatformKeys> platform_keys() {
  auto keys = platform::load_platform_keys(kCards / "keys/test-platform-keys.json");
  EXPECT_TRUE(keys.ok()) << (keys.ok() ? "" : keys.error().message);
  if (!keys.ok()) return nullptr;
  return std::make_shared<const platform::PlatformKeys>(std::move(keys).value());
}

inline IssuerHostOptions with_payments(std::string_view province) {
  IssuerHostOptions o;
  o.payment_keys = payment_keys(province);
  o.platform_keys = platform_keys();
  return o;
}

inline std::unique_ptr<HolderStore> seeded_store(std::string_view province) {
  auto store = HolderStore::open();
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message);
  if (!store.ok()) return nullptr;
  auto seeded = seed_from_profiles(**store, kCards, province);
  EXPECT_TRUE(seeded.ok()) << (seeded.ok() ? "" : seeded.error().message);
  return std::move(*store);
}

inline const HolderProfile& profile(const std::string& name) {
  static std::map<std::string, HolderProfile> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    auto loaded = load_profile(kCards / (name + ".json"));
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.error().to_string();
      static const HolderProfile empty;
      return empty;
    }
    it = cache.emplace(name, loaded.value()).first;
  }
  return it->second;
}

inline wire::IdempotencyKey key_of(std::uint8_t n) {
  wire::IdempotencyKey k{};
  k.fill(n);
  k[0] = 0x4B;
  return k;
}

// The request a kiosk makes for the bundled card `card` (profile file name without .json).
inline wire::Request request_for(const std::string& card, wire::Operation op, const wire::IdempotencyKey& key,
                                 const std::string& terminal) {
  const HolderProfile& p = profile(card);
  wire::Request r;
  r.operation = op;
  r.key = key;
  r.terminal = terminal;
  r.serving_province = terminal.substr(0, 2) + "0000";
  r.card_region = p.issuer.region;
  r.ssn = p.holder.ssn;
  r.card_number = p.issuer.card_number;
  r.card_id = p.card_identification_code();
  r.date = "20261127";
  if (op == wire::Operation::kCertify) r.residence = "510107";
  return r;
}

// A kiosk: holds only its own link key.
class Kiosk {
 public:
  Kiosk(std::string id, const MasterKey& master, std::shared_ptr<crypto::Crypto> crypto)
      : id_(std::move(id)), crypto_(std::move(crypto)) {
    auto k = wire::derive_link_key(*crypto_, master, id_);
    EXPECT_TRUE(k.ok());
    if (k.ok()) key_ = *k;
  }

  const std::string& id() const { return id_; }
  const wire::LinkKey& key() const { return key_; }
  const wire::Nonce& last_nonce() const { return nonce_; }

  // A new frame (fresh nonce) for `payload`, sealed `age_ms` in the past.
  Bytes seal_payload(ByteSpan payload, std::uint64_t age_ms = 0) {
    wire::FrameHeader h;
    h.kind = wire::FrameKind::kRequest;
    h.sender = id_;
    h.nonce = wire::fresh_nonce(*crypto_);
    h.timestamp_ms = wire::now_ms() - age_ms;
    nonce_ = h.nonce;
    auto sealed = wire::seal(*crypto_, h, payload, key_);
    EXPECT_TRUE(sealed.ok());
    return sealed.ok() ? *sealed : Bytes();
  }
  Bytes seal(const wire::Request& r, std::uint64_t age_ms = 0) {
    Bytes payload;
    EXPECT_TRUE(wire::encode(r, payload).ok());
    return seal_payload(payload, age_ms);
  }

  // The answer as the kiosk must check it: a response from `host` under this kiosk's key, answering the last
  // frame sealed. Fails the test otherwise.
  std::optional<wire::Response> open(const Bytes& answer, std::string_view host) {
    if (answer.size() < 4) {
      ADD_FAILURE() << "no answer";
      return std::nullopt;
    }
    auto opened = wire::open(*crypto_, ByteSpan(answer).subspan(4), key_);
    if (!opened.ok()) {
      auto reason = wire::refusal_reason(ByteSpan(answer).subspan(4));
      ADD_FAILURE() << "answer does not open: " << opened.status().name()
                    << (reason.ok() ? " (refusal " + std::string(wire::refusal_name(*reason)) + ")" : "");
      return std::nullopt;
    }
    EXPECT_EQ(opened->header.kind, wire::FrameKind::kResponse);
    EXPECT_EQ(opened->header.sender, host);
    EXPECT_EQ(opened->header.request_nonce, nonce_);
    auto decoded = wire::decode_response(opened->payload);
    EXPECT_TRUE(decoded.ok());
    if (!decoded.ok()) return std::nullopt;
    return *decoded;
  }

 private:
  std::string id_;
  std::shared_ptr<crypto::Crypto> crypto_;
  wire::LinkKey key_{};
  wire::Nonce nonce_{};
};

// A refusal's reason, or nullopt if `answer` is not a refusal.
inline std::optional<wire::RefusalReason> refusal_of(const Bytes& answer) {
  if (answer.size() < 4) return std::nullopt;
  auto r = wire::refusal_reason(ByteSpan(answer).subspan(4));
  if (!r.ok()) return std::nullopt;
  return *r;
}

// Both provinces, in process: kiosk -> host -> hub -> host.
// How an in-process hop behaves.
enum class Hop { kUp, kDown, kLoseAnswer };

// Both provinces, in process: kiosk -> host -> hub -> host, each hop a FunctionChannel that can be cut
// (kDown: kIo without delivering, as a TCP peer that is gone) or lose its answer (kLoseAnswer: the message
// is delivered and handled, the answer never comes back: kTimeout).
struct World {
  World()
      : crypto(crypto::make_openssl_crypto()),
        master(test_master()),
        cq_store(seeded_store(wire::kChongqing)),
        sc_store(seeded_store(wire::kSichuan)) {
    // The channels reach the objects built below; nothing is sent before they exist.
    to_hub = hop(hub_hop, [this](ByteSpan m) { return hub->handle_message(m); });
    hub_to_cq = hop(cq_hop, [this](ByteSpan m) { return cq->handle_message(m); });
    hub_to_sc = hop(sc_hop, [this](ByteSpan m) { return sc->handle_message(m); });
    cq = std::make_unique<IssuerHost>(std::string(wire::kChongqing), *cq_store, crypto, master, to_hub,
                                      with_payments(wire::kChongqing));
    sc = std::make_unique<IssuerHost>(std::string(wire::kSichuan), *sc_store, crypto, master, to_hub,
                                      with_payments(wire::kSichuan));
    hub = std::make_unique<Hub>(crypto, master,
                                std::map<std::string, std::shared_ptr<wire::Channel>>{
                                    {std::string(wire::kChongqing), hub_to_cq},
                                    {std::string(wire::kSichuan), hub_to_sc}});
  }

  HolderRecord holder(HolderStore& store, const std::string& card) {
    auto h = store.find_holder(profile(card).holder.ssn);
    EXPECT_TRUE(h.ok() && h->has_value()) << card;
    return h.ok() && h->has_value() ? **h : HolderRecord{};
  }

  struct HopState {
    Hop mode = Hop::kUp;
    int messages = 0;  // messages offered to the hop
  };
  HopState hub_hop, cq_hop, sc_hop;

  std::shared_ptr<crypto::Crypto> crypto;
  MasterKey master;
  std::unique_ptr<HolderStore> cq_store;
  std::unique_ptr<HolderStore> sc_store;
  std::shared_ptr<wire::Channel> to_hub, hub_to_cq, hub_to_sc;
  std::unique_ptr<IssuerHost> cq, sc;
  std::unique_ptr<Hub> hub;
  Kiosk cq_kiosk{"500152000101", master, crypto};
  Kiosk sc_kiosk{"510900000101", master, crypto};

 private:
  static std::shared_ptr<wire::Channel> hop(HopState& state, std::function<Bytes(ByteSpan)> target) {
    return std::make_shared<wire::FunctionChannel>([&state, target](ByteSpan m) -> Result<Bytes> {
      ++state.messages;
      if (state.mode == Hop::kDown) return Error::kIo;
      Bytes answer = target(m);
      if (state.mode == Hop::kLoseAnswer) return Error::kTimeout;
      return answer;
    });
  }
};

}  // namespace sscard::sim::host::testing

#include "sscard/app/host_world.h"

#include <map>

#include "sscard/core/state_dir.h"
#include "sscard/crypto/openssl.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/host/hub.h"
#include "sscard/sim/host/issuer_host.h"
#include "sscard/sim/host/link_keys.h"
#include "sscard/sim/host/payment_keys.h"
#include "sscard/sim/host/population.h"
#include "sscard/sim/platform/platform_keys.h"
#include "sscard/wire/messages.h"

namespace sscard::app {

namespace simhost = sscard::sim::host;

struct HostWorld::Parts {
  std::unique_ptr<simhost::HolderStore> cq_store;
  std::unique_ptr<simhost::HolderStore> sc_store;
  std::unique_ptr<simhost::IssuerHost> cq;
  std::unique_ptr<simhost::IssuerHost> sc;
  std::unique_ptr<simhost::Hub> hub;
};

namespace {

// A hop to a component that is created after the channel (hosts and hub point at each other).
template <typename Component>
std::shared_ptr<wire::Channel> call_into(const std::unique_ptr<Component>& target) {
  return std::make_shared<wire::FunctionChannel>(
      [&target](ByteSpan message) -> Result<Bytes> { return target->handle_message(message); });
}

// The province's payment keys from the bundled key files beside the profiles (PAYMENT.md §6.1, §6.9):
// `keys/test-payment-keys.json` and, for online PINs, `keys/test-pin-keys.json`. Without the issuer key file
// the hosts answer payments issuer_unavailable and the card services are unchanged.
Result<std::shared_ptr<const simhost::PaymentKeys>, std::string> payment_keys(const std::filesystem::path& cards_dir,
                                                                             std::string_view province) {
  const auto issuer_file = cards_dir / "keys" / "test-payment-keys.json";
  const auto pin_file = cards_dir / "keys" / "test-pin-keys.json";
  std::error_code ec;
  if (!std::filesystem::exists(issuer_file, ec)) return std::shared_ptr<const simhost::PaymentKeys>();
  auto keys = simhost::load_payment_keys(issuer_file, province);
  if (!keys.ok()) return keys.error().message;
  if (std::filesystem::exists(pin_file, ec)) {
    auto master = simhost::load_pin_master(pin_file);
    if (!master.ok()) return master.error().message;
    keys->pin_master = *master;
    secure_wipe(*master);
  }
  return std::shared_ptr<const simhost::PaymentKeys>(std::make_shared<simhost::PaymentKeys>(std::move(keys).value()));
}

}  // namespace

Result<std::filesystem::path> simulated_world_dir() {
  SSCARD_TRY_ASSIGN(const std::filesystem::path dir, state_dir());
  return dir / "world";
}

HostWorld::HostWorld(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
HostWorld::~HostWorld() = default;

Result<std::unique_ptr<HostWorld>, std::string> HostWorld::create(const std::filesystem::path& cards_dir,
                                                                  const std::filesystem::path& link_keys_file,
                                                                  const std::filesystem::path& state_dir) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return "cannot make the simulated issuers' folder " + state_dir.string() + ": " + ec.message();
  auto master = simhost::load_link_master(link_keys_file);
  if (!master.ok()) return master.error().message;

  auto parts = std::make_unique<Parts>();
  auto cq = simhost::open_seeded_store((state_dir / "cq-host.db").string(), cards_dir, wire::kChongqing);
  if (!cq.ok()) return cq.error().message;
  parts->cq_store = std::move(*cq);
  auto sc = simhost::open_seeded_store((state_dir / "sc-host.db").string(), cards_dir, wire::kSichuan);
  if (!sc.ok()) return sc.error().message;
  parts->sc_store = std::move(*sc);

  std::map<std::string, std::shared_ptr<wire::Channel>> routes = {
      {std::string(wire::kChongqing), call_into(parts->cq)},
      {std::string(wire::kSichuan), call_into(parts->sc)},
  };
  parts->hub = std::make_unique<simhost::Hub>(crypto::make_openssl_crypto(), *master, std::move(routes));
  auto cq_keys = payment_keys(cards_dir, wire::kChongqing);
  if (!cq_keys.ok()) return cq_keys.error();
  auto sc_keys = payment_keys(cards_dir, wire::kSichuan);
  if (!sc_keys.ok()) return sc_keys.error();
  simhost::IssuerHostOptions cq_options;
  cq_options.payment_keys = *cq_keys;
  simhost::IssuerHostOptions sc_options;
  sc_options.payment_keys = *sc_keys;
  // The electronic-card platform's reference keys (docs/ESSC.md "Online check"), when the bundle has them.
  const auto platform_key_file = cards_dir / "keys" / "test-platform-keys.json";
  if (std::filesystem::exists(platform_key_file, ec)) {
    auto platform_keys = sim::platform::load_platform_keys(platform_key_file);
    if (!platform_keys.ok()) return platform_keys.error().message;
    cq_options.platform_keys = std::make_shared<const sim::platform::PlatformKeys>(std::move(platform_keys).value());
    sc_options.platform_keys = cq_options.platform_keys;
  }
  parts->cq = std::make_unique<simhost::IssuerHost>(std::string(wire::kChongqing), *parts->cq_store,
                                                    crypto::make_openssl_crypto(), *master, call_into(parts->hub),
                                                    cq_options);
  parts->sc = std::make_unique<simhost::IssuerHost>(std::string(wire::kSichuan), *parts->sc_store,
                                                    crypto::make_openssl_crypto(), *master, call_into(parts->hub),
                                                    sc_options);
  secure_wipe(*master);
  return std::unique_ptr<HostWorld>(new HostWorld(std::move(parts)));
}

std::shared_ptr<wire::Channel> HostWorld::kiosk_channel(std::string_view province) {
  return province == wire::kChongqing ? call_into(parts_->cq) : call_into(parts_->sc);
}

}  // namespace sscard::app

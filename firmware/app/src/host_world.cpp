#include "host_world.h"

#include <map>

#include "sscard/crypto/openssl.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/host/hub.h"
#include "sscard/sim/host/issuer_host.h"
#include "sscard/sim/host/population.h"

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

std::unique_ptr<simhost::HolderStore> open_store(const std::filesystem::path& cards_dir,
                                                 const std::filesystem::path& state_dir, std::string_view province,
                                                 std::string_view file, std::string& error) {
  const std::string path = state_dir.empty() ? std::string(simhost::HolderStore::kInMemory)
                                             : (state_dir / file).string();
  auto store = simhost::open_seeded_store(path, cards_dir, province);
  if (!store.ok()) {
    error = store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

}  // namespace

HostWorld::HostWorld(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
HostWorld::~HostWorld() = default;

std::unique_ptr<HostWorld> HostWorld::create(const std::filesystem::path& cards_dir, const wire::LinkKey& master,
                                             const std::filesystem::path& state_dir, std::string& error) {
  if (!state_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    if (ec) {
      error = state_dir.string() + ": " + ec.message();
      return nullptr;
    }
  }
  auto parts = std::make_unique<Parts>();
  parts->cq_store = open_store(cards_dir, state_dir, wire::kChongqing, "cq-host.db", error);
  if (!parts->cq_store) return nullptr;
  parts->sc_store = open_store(cards_dir, state_dir, wire::kSichuan, "sc-host.db", error);
  if (!parts->sc_store) return nullptr;

  simhost::MasterKey key{};
  std::copy(master.begin(), master.end(), key.begin());
  std::map<std::string, std::shared_ptr<wire::Channel>> routes = {
      {std::string(wire::kChongqing), call_into(parts->cq)},
      {std::string(wire::kSichuan), call_into(parts->sc)},
  };
  parts->hub = std::make_unique<simhost::Hub>(crypto::make_openssl_crypto(), key, std::move(routes));
  parts->cq = std::make_unique<simhost::IssuerHost>(std::string(wire::kChongqing), *parts->cq_store,
                                                    crypto::make_openssl_crypto(), key, call_into(parts->hub));
  parts->sc = std::make_unique<simhost::IssuerHost>(std::string(wire::kSichuan), *parts->sc_store,
                                                    crypto::make_openssl_crypto(), key, call_into(parts->hub));
  secure_wipe(key);
  return std::unique_ptr<HostWorld>(new HostWorld(std::move(parts)));
}

std::shared_ptr<wire::Channel> HostWorld::kiosk_channel(std::string_view province) {
  return province == wire::kChongqing ? call_into(parts_->cq) : call_into(parts_->sc);
}

}  // namespace sscard::app

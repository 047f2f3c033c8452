// sscard-sim host and hub: the simulated issuer hosts and the Chuan-Yu hub as processes on TCP. Each prints
// "... listening on HOST:PORT" once it accepts connections (port 0 picks a free port) and serves until SIGTERM
// or SIGINT. --stall-ms answers every message that much later, after the work is done: a fault-test knob
// that makes "killed between applying and answering" reproducible.
#include <atomic>
#include <csignal>
#include <map>
#include <thread>

#include "commands.h"
#include "sscard/app/identity_report.h"
#include "sscard/crypto/openssl.h"
#include "sscard/sim/host/crash_points.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/host/hub.h"
#include "sscard/sim/host/issuer_host.h"
#include "sscard/sim/host/link_keys.h"
#include "sscard/sim/host/payment_keys.h"
#include "sscard/sim/host/population.h"
#include "sscard/sim/host/server.h"
#include "sscard/sim/platform/platform_keys.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/tcp.h"

namespace sscard::simapp {
namespace {

namespace simhost = sscard::sim::host;
namespace simplatform = sscard::sim::platform;

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

struct Server {
  wire::Address listen;
  simhost::MasterKey master{};
  ~Server() { secure_wipe(master); }
};

// The listen address and the master key; false with the error reported.
bool prepare(const ServerOptions& options, Server& server, const app::Reporter& report, int& code) {
  auto listen = wire::Address::parse(options.listen);
  if (!listen.ok()) {
    code = report.fail("--listen: '" + options.listen + "' is not HOST:PORT", app::kExitUsage);
    return false;
  }
  server.listen = *listen;
  auto master = simhost::load_link_master(options.link_keys);
  if (!master.ok()) {
    code = report.fail(master.error().message);
    return false;
  }
  server.master = *master;
  secure_wipe(*master);
  return true;
}

std::shared_ptr<wire::Channel> tcp_channel(const std::string& text) {
  auto address = wire::Address::parse(text);
  if (!address.ok()) return nullptr;
  return std::make_shared<wire::TcpChannel>(*address);
}

int serve_until_stopped(const ServerOptions& options, const Server& server, simhost::MessageHandler handler,
                        const std::string& what, const app::Reporter& report, std::ostream& out) {
  auto listener = wire::Listener::bind(server.listen);
  if (!listener.ok()) {
    return report.fail("cannot listen on " + server.listen.to_string() + ": " + listener.error().reason());
  }
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
  if (options.stall_ms > 0) {
    handler = [inner = std::move(handler), stall = std::chrono::milliseconds(options.stall_ms)](ByteSpan message) {
      Bytes answer = inner(message);
      std::this_thread::sleep_for(stall);
      return answer;
    };
  }
  // The store is open and seeded: from here on every point passed is the serving's (RELIABILITY.md).
  simhost::install_crash_points(what == "hub" ? "hub" : "host");
  out << what << " listening on " << server.listen.host << ':' << listener->port() << std::endl;
  const Status served = simhost::serve(*listener, std::move(handler), g_stop, options.threads);
  if (!served.ok()) return report.fail(what + " stopped: " + std::string(served.name()));
  return app::kExitOk;
}

}  // namespace

int run_host(const HostOptions& options, const app::Reporter& report, std::ostream& out) {
  const std::string province(options.province == "cq" ? wire::kChongqing : wire::kSichuan);
  Server server;
  int code = app::kExitOk;
  if (!prepare(options.server, server, report, code)) return code;
  std::shared_ptr<wire::Channel> hub;
  if (!options.hub.empty()) {
    hub = tcp_channel(options.hub);
    if (!hub) return report.fail("--hub: '" + options.hub + "' is not HOST:PORT", app::kExitUsage);
  }
  auto store = simhost::open_seeded_store(options.db.empty() ? std::string(simhost::HolderStore::kInMemory) : options.db,
                                          options.cards, province, options.population);
  if (!store.ok()) return report.fail(store.error().message);
  simhost::IssuerHostOptions host_options;
  // The province's issuer master keys for payments (docs/PAYMENT.md §6.1); without the file the host answers
  // payments issuer_unavailable and serves the card services as before.
  const auto payment_key_file = options.cards / "keys" / "test-payment-keys.json";
  if (std::filesystem::exists(payment_key_file)) {
    auto keys = simhost::load_payment_keys(payment_key_file, province);
    if (!keys.ok()) return report.fail(keys.error().message);
    host_options.payment_keys = std::make_shared<simhost::PaymentKeys>(std::move(keys).value());
  }
  // The electronic-card platform's reference keys (docs/ESSC.md): without the file, codes are unknown cards.
  const auto platform_key_file = options.cards / "keys" / "test-platform-keys.json";
  if (std::filesystem::exists(platform_key_file)) {
    auto keys = simplatform::load_platform_keys(platform_key_file);
    if (!keys.ok()) return report.fail(keys.error().message);
    host_options.platform_keys = std::make_shared<simplatform::PlatformKeys>(std::move(keys).value());
  }
  host_options.hub_timeout = std::chrono::milliseconds(options.server.forward_timeout_ms);
  simhost::IssuerHost issuer(province, **store, crypto::make_openssl_crypto(), server.master, hub, host_options);
  return serve_until_stopped(
      options.server, server, [&issuer](ByteSpan message) { return issuer.handle_message(message); },
      app::region_name(province) + " host " + issuer.id(), report, out);
}

int run_hub(const HubCommandOptions& options, const app::Reporter& report, std::ostream& out) {
  Server server;
  int code = app::kExitOk;
  if (!prepare(options.server, server, report, code)) return code;
  std::map<std::string, std::shared_ptr<wire::Channel>> routes;
  for (const auto& [flag, address, province] : {std::tuple{"--cq", options.cq, wire::kChongqing},
                                                std::tuple{"--sc", options.sc, wire::kSichuan}}) {
    auto channel = tcp_channel(address);
    if (!channel) return report.fail(std::string(flag) + ": '" + address + "' is not HOST:PORT", app::kExitUsage);
    routes.emplace(std::string(province), std::move(channel));
  }
  simhost::HubOptions hub_options;
  hub_options.forward_timeout = std::chrono::milliseconds(options.server.forward_timeout_ms);
  simhost::Hub hub(crypto::make_openssl_crypto(), server.master, std::move(routes), hub_options);
  return serve_until_stopped(
      options.server, server, [&hub](ByteSpan message) { return hub.handle_message(message); }, "hub", report, out);
}

}  // namespace sscard::simapp

// The processes print "listening on HOST:PORT" once they accept connections (port 0 picks a free port) and
// serve until SIGTERM or SIGINT. --stall-ms answers every message that much later, after the work is done:
// a fault-test knob that makes "killed between applying and answering" reproducible.
#include "host_command.h"

#include <atomic>
#include <csignal>
#include <map>
#include <thread>

#include "cli_common.h"
#include "kiosk_site.h"
#include "sscard/crypto/openssl.h"
#include "sscard/wire/tcp.h"
#include "sscard/sim/host/holder_store.h"
#include "sscard/sim/host/hub.h"
#include "sscard/sim/host/issuer_host.h"
#include "sscard/sim/host/population.h"
#include "sscard/sim/host/server.h"

namespace sscard::app {
namespace {

namespace simhost = sscard::sim::host;

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

struct Common {
  wire::Address listen;
  simhost::MasterKey master{};
  int threads = 8;
  std::chrono::milliseconds stall{0};
  std::chrono::milliseconds forward_timeout{5000};
};

bool parse_common(const Args& args, Common& c, std::string& error) {
  auto listen = wire::Address::parse(args.value("listen").value_or("127.0.0.1:0"));
  if (!listen.ok()) {
    error = "--listen takes HOST:PORT";
    return false;
  }
  c.listen = *listen;
  LinkMaster master = read_link_master(args);
  if (!master.key) {
    error = master.error;
    return false;
  }
  std::copy(master.key->begin(), master.key->end(), c.master.begin());
  secure_wipe(*master.key);
  unsigned long n = 0;
  if (auto t = args.value("threads")) {
    if (!parse_count(*t, n) || n == 0 || n > 256) {
      error = "--threads takes 1..256";
      return false;
    }
    c.threads = static_cast<int>(n);
  }
  if (auto s = args.value("stall-ms")) {
    if (!parse_count(*s, n) || n > 600'000) {
      error = "--stall-ms takes 0..600000";
      return false;
    }
    c.stall = std::chrono::milliseconds(n);
  }
  if (auto s = args.value("forward-timeout-ms")) {
    if (!parse_count(*s, n) || n == 0 || n > 600'000) {
      error = "--forward-timeout-ms takes 1..600000";
      return false;
    }
    c.forward_timeout = std::chrono::milliseconds(n);
  }
  return true;
}

std::shared_ptr<wire::Channel> tcp_channel(std::string_view text, std::string& error) {
  auto addr = wire::Address::parse(text);
  if (!addr.ok()) {
    error = "'" + std::string(text) + "' is not HOST:PORT";
    return nullptr;
  }
  return std::make_shared<wire::TcpChannel>(*addr);
}

int serve_until_stopped(const Common& c, simhost::MessageHandler handler, std::string_view what, std::ostream& out,
                        std::ostream& err) {
  auto listener = wire::Listener::bind(c.listen);
  if (!listener.ok()) return fail(err, "cannot listen on " + c.listen.to_string());
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
  if (c.stall.count() > 0) {
    handler = [inner = std::move(handler), stall = c.stall](ByteSpan message) {
      Bytes answer = inner(message);
      std::this_thread::sleep_for(stall);
      return answer;
    };
  }
  out << what << " listening on " << c.listen.host << ':' << listener->port() << std::endl;
  const Status served = simhost::serve(*listener, std::move(handler), g_stop, c.threads);
  return served.ok() ? kExitOk : fail(err, std::string(what) + ": " + std::string(served.name()));
}

}  // namespace

int run_host(const Args& args, std::ostream& out, std::ostream& err) {
  const auto which = args.value("province");
  if (!which || (*which != "cq" && *which != "sc")) return fail(err, "host needs --province cq|sc", kExitUsage);
  const std::string province(*which == "cq" ? wire::kChongqing : wire::kSichuan);
  Common c;
  std::string error;
  if (!parse_common(args, c, error)) return fail(err, error, kExitUsage);

  std::filesystem::path cards = default_cards_dir();
  if (auto d = args.value("cards")) cards = std::string(*d);
  unsigned long generated = 0;
  if (auto p = args.value("population"); p && (!parse_count(*p, generated) || generated > simhost::kMaxPopulation)) {
    return fail(err, "--population takes 0..10000000", kExitUsage);
  }
  auto store = simhost::open_seeded_store(std::string(args.value("db").value_or(simhost::HolderStore::kInMemory)),
                                          cards, province, generated);
  if (!store.ok()) return fail(err, store.error().message);
  std::shared_ptr<wire::Channel> hub;
  if (auto h = args.value("hub")) {
    hub = tcp_channel(*h, error);
    if (!hub) return fail(err, "--hub: " + error, kExitUsage);
  }
  simhost::IssuerHostOptions options;
  options.hub_timeout = c.forward_timeout;
  simhost::IssuerHost issuer(province, **store, crypto::make_openssl_crypto(), c.master, hub, options);
  secure_wipe(c.master);
  return serve_until_stopped(
      c, [&issuer](ByteSpan message) { return issuer.handle_message(message); },
      province_name(province) + " host " + issuer.id(), out, err);
}

int run_hub(const Args& args, std::ostream& out, std::ostream& err) {
  Common c;
  std::string error;
  if (!parse_common(args, c, error)) return fail(err, error, kExitUsage);
  std::map<std::string, std::shared_ptr<wire::Channel>> routes;
  for (const auto& [flag, province] : {std::pair{"cq", wire::kChongqing}, std::pair{"sc", wire::kSichuan}}) {
    auto addr = args.value(flag);
    if (!addr) return fail(err, "hub needs --cq HOST:PORT and --sc HOST:PORT (the two issuer hosts)", kExitUsage);
    auto channel = tcp_channel(*addr, error);
    if (!channel) return fail(err, "--" + std::string(flag) + ": " + error, kExitUsage);
    routes.emplace(std::string(province), std::move(channel));
  }
  simhost::HubOptions options;
  options.forward_timeout = c.forward_timeout;
  simhost::Hub hub(crypto::make_openssl_crypto(), c.master, std::move(routes), options);
  secure_wipe(c.master);
  return serve_until_stopped(
      c, [&hub](ByteSpan message) { return hub.handle_message(message); }, "hub", out, err);
}

}  // namespace sscard::app

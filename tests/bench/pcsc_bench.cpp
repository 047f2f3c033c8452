// APDU round trip through pcscd + vpcd: SCardTransmit (via the PC/SC slot) of a short APDU to a simulated
// card served by the vicc bridge. Goal: <= 200 us per APDU.
//
// Uses a running pcscd if there is one; otherwise starts its own (no debug log) with tools/pcscd-harness.sh
// and stops it at the end. Run: build/<dir>/tests/bench/sscard_pcsc_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "sscard/hal/pcsc_reader.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/vicc.h"

namespace {

using namespace std::chrono_literals;

std::string run(const std::string& command) {
  std::string output;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    std::array<char, 256> chunk{};
    while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr) output += chunk.data();
    pclose(pipe);
  }
  return output;
}

bool daemon_running() {
  struct stat st {};
  return stat("/run/pcscd/pcscd.comm", &st) == 0;
}

// The first card profile; its card answers SELECT of the SSSE like a real social-security card.
std::shared_ptr<sscard::sim::Card> first_card() {
  const auto profiles = sscard::sim::holder_profiles(SSCARD_CARDS_DIR);
  if (profiles.empty()) return nullptr;
  auto profile = sscard::sim::load_profile(profiles.front());
  if (!profile.ok()) return nullptr;
  return sscard::sim::make_card(profile.value());
}

// A card that answers 9000 to everything: measures the PC/SC + vpcd path without the card OS.
class NullCard final : public sscard::sim::Card {
 public:
  sscard::Bytes power_on() override {
    powered_ = true;
    return {0x3B, 0x00};
  }
  void power_off() override { powered_ = false; }
  bool powered() const override { return powered_; }
  sscard::sim::CardProtocol protocol() const override { return sscard::sim::CardProtocol::kT0; }
  sscard::Bytes process(sscard::ByteSpan) override { return {0x90, 0x00}; }

 private:
  bool powered_ = false;
};

void transmit_loop(benchmark::State& state, std::shared_ptr<sscard::sim::Card> card) {
  std::string own_pid;
  if (!daemon_running()) {
    // Without --debug --apdu: logging every APDU would dominate the figure.
    own_pid = run("SSCARD_PCSCD_DEBUG=0 " + std::string(SSCARD_SOURCE_DIR) +
                  "/tools/pcscd-harness.sh start /tmp/sscard-pcscd-bench.log");
    while (!own_pid.empty() && (own_pid.back() == '\n')) own_pid.pop_back();
    if (own_pid.empty()) {
      state.SkipWithError("could not start pcscd");
      return;
    }
  }
  if (!card) {
    state.SkipWithError("no card profile");
    return;
  }
  sscard::sim::ViccBridge bridge(card, sscard::sim::ViccOptions{});
  std::thread serving([&bridge] { (void)bridge.run(); });

  std::unique_ptr<sscard::hal::PcscReader> reader;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto opened = sscard::hal::PcscReader::open({"Virtual PCD 00 00", ""});
    if (opened.ok() && (*opened)->contact().card_present().value_or(false)) {
      reader = std::move(*opened);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::array<std::uint8_t, sscard::hal::kMaxAtrSize> atr{};
  if (!reader || !reader->contact().power_up(atr).ok()) {
    state.SkipWithError("the simulated card did not appear in Virtual PCD 00 00");
  } else {
    // SELECT of the SSSE by name (docs/CARD.md): 20 bytes out, 2 back.
    const auto select = sscard::from_hex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF");
    std::array<std::uint8_t, 258> response{};
    for (auto _ : state) {
      const auto length = reader->contact().transmit(*select, response);
      if (!length.ok()) {
        state.SkipWithError("transmit failed");
        break;
      }
      benchmark::DoNotOptimize(response);
    }
    state.counters["us_per_apdu"] = benchmark::Counter(
        static_cast<double>(state.iterations()), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    (void)reader->contact().power_down();
  }
  reader.reset();
  bridge.stop();
  serving.join();
  if (!own_pid.empty()) run(std::string(SSCARD_SOURCE_DIR) + "/tools/pcscd-harness.sh stop " + own_pid);
}
void BM_PcscTransmitShortApdu(benchmark::State& state) { transmit_loop(state, first_card()); }
void BM_PcscTransmitShortApduNullCard(benchmark::State& state) {
  transmit_loop(state, std::make_shared<NullCard>());
}
BENCHMARK(BM_PcscTransmitShortApdu)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_PcscTransmitShortApduNullCard)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

// What remembering costs a simulated card (sim/state): opening a card whose memory is saved (profile load,
// personalisation, fingerprint, lock, image read), and a VERIFY that writes its try counter through to the
// state file, with and without fdatasync. Each in a fresh temporary folder.
#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <array>
#include <filesystem>
#include <string>

#include "sscard/hal/sim_reader.h"
#include "sscard/sim/card_state.h"

namespace sscard {
namespace {

const std::string kProfile = std::string(SSCARD_CARDS_DIR) + "/sc-chengdu-gen2.json";

class TempFolder {
 public:
  TempFolder() {
    char name[] = "/tmp/sscard-bench-state-XXXXXX";
    if (mkdtemp(name) != nullptr) path_ = name;
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void BM_OpenSavedCard(benchmark::State& state) {
  TempFolder folder;
  sim::PersistentCardOptions options;
  options.state_dir = folder.path();
  { auto first = sim::open_persistent_card(kProfile, options); if (!first.ok()) return state.SkipWithError("open"); }
  for (auto _ : state) {
    auto card = sim::open_persistent_card(kProfile, options);
    if (!card.ok()) return state.SkipWithError(card.error().message.c_str());
    benchmark::DoNotOptimize(card->started_from_profile());
  }
}
BENCHMARK(BM_OpenSavedCard)->Unit(benchmark::kMicrosecond);

// VERIFY with the right PIN: the try counter is spent and restored, two Eeprom writes (docs/SECURITY.md
// "PIN try counter and power loss"), each written through to the file.
void BM_VerifyWrittenThrough(benchmark::State& state) {
  TempFolder folder;
  sim::PersistentCardOptions options;
  options.state_dir = folder.path();
  options.durable = state.range(0) != 0;
  auto card = sim::open_persistent_card(kProfile, options);
  if (!card.ok()) return state.SkipWithError(card.error().message.c_str());
  hal::SimReader reader;
  reader.contact().insert(card->card());
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  if (!reader.contact().power_up(atr).ok()) return state.SkipWithError("power up");
  const std::array<std::uint8_t, 20> select = {0x00, 0xA4, 0x04, 0x00, 0x0F, 0x73, 0x78, 0x31, 0x2E, 0x73,
                                               0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};
  std::array<std::uint8_t, 258> response{};
  (void)reader.contact().transmit(select, response);
  const std::array<std::uint8_t, 8> verify = {0x00, 0x20, 0x00, 0x00, 0x03, 0x24, 0x68, 0x10};  // 246810
  for (auto _ : state) {
    auto n = reader.contact().transmit(verify, response);
    if (!n.ok() || *n < 2 || response[*n - 2] != 0x90) return state.SkipWithError("VERIFY failed");
  }
}
BENCHMARK(BM_VerifyWrittenThrough)->Arg(0)->Arg(1)->ArgName("durable")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sscard

// Benchmarks of the identity read path in-process: one APDU round trip through the HAL and the transport,
// and a full identity read (APDUs per read reported as a counter).
#include <benchmark/benchmark.h>

#include <array>

#include "sscard/core/apdu.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/psam/psam.h"
#include "sscard/sim/psam_profile.h"
#include "sscard/ssc/security.h"
#include "sscard/sim/profile.h"
#include "sscard/ssc/identity.h"
#include "sscard/transport/transport.h"

namespace sscard {
namespace {

std::shared_ptr<sim::Card> bench_card(const char* name) {
  auto loaded = sim::load_profile(std::string(SSCARD_CARDS_DIR) + "/" + name);
  if (!loaded.ok()) return nullptr;
  return sim::make_card(loaded.value());
}

// READ RECORD of EF05 record 01 (by identifier, SFI 5) through the bare HAL slot.
void BM_HalApduRoundTrip(benchmark::State& state) {
  hal::SimReader reader;
  reader.contact().insert(bench_card("cq-yuzhong-gen2.json"));
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  if (!reader.contact().power_up(atr).ok()) return state.SkipWithError("power up failed");
  const std::array<std::uint8_t, 15 + 5> select = {0x00, 0xA4, 0x04, 0x00, 0x0F, 0x73, 0x78, 0x31, 0x2E, 0x73,
                                                    0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> response{};
  (void)reader.contact().transmit(select, response);
  const std::array<std::uint8_t, 5> read_record = {0x00, 0xB2, 0x01, 0x28, 0x12};
  for (auto _ : state) {
    auto n = reader.contact().transmit(read_record, response);
    benchmark::DoNotOptimize(n);
  }
  state.counters["apdus"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HalApduRoundTrip);

void BM_IdentityRead(benchmark::State& state, const char* profile) {
  hal::SimReader reader;
  reader.contact().insert(bench_card(profile));
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  std::size_t apdus = 0;
  for (auto _ : state) {
    auto n = reader.contact().power_up(atr);
    if (!n.ok()) return state.SkipWithError("power up failed");
    transport::Transport transport(reader.contact());
    auto identity = ssc::read_identity(transport, ByteSpan(atr.data(), *n));
    if (!identity.ok()) return state.SkipWithError("identity read failed");
    benchmark::DoNotOptimize(identity);
    apdus = transport.apdu_count();
  }
  state.counters["apdus_per_read"] = static_cast<double>(apdus);
}
BENCHMARK_CAPTURE(BM_IdentityRead, gen2_t0, "cq-yuzhong-gen2.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_IdentityRead, gen2_t1, "sc-chengdu-gen2.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_IdentityRead, gen3_no_psam, "cq-tongnan-gen3.json")->Unit(benchmark::kMicrosecond);

// The PSAM-mode read (docs/SECURITY.md): SELECT SSSE, PSAM EF16/EF15 and environment, internal
// authentication checked by the PSAM, RKSSSE external authentication on 3rd generation, all records.
void BM_PsamModeRead(benchmark::State& state, const char* profile) {
  hal::SimReader card_reader;
  card_reader.contact().insert(bench_card(profile));
  auto psam_profile = sim::load_psam_profile(std::string(SSCARD_CARDS_DIR) + "/psam/cq-kiosk.json");
  if (!psam_profile.ok()) return state.SkipWithError("PSAM profile");
  hal::SimReader psam_reader;
  psam_reader.sam().insert(sim::make_psam_card(psam_profile.value()));
  auto crypto = crypto::make_default_crypto();
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  std::array<std::uint8_t, hal::kMaxAtrSize> psam_atr{};
  std::size_t card_apdus = 0, psam_apdus = 0;
  for (auto _ : state) {
    auto n = card_reader.contact().power_up(atr);
    if (!n.ok() || !psam_reader.sam().power_up(psam_atr).ok()) return state.SkipWithError("power up failed");
    transport::Transport card(card_reader.contact());
    transport::Transport psam_transport(psam_reader.sam());
    psam::Psam psam(psam_transport);
    auto read = ssc::read_identity_with_psam(card, ByteSpan(atr.data(), *n), psam, *crypto);
    if (!read.ok()) return state.SkipWithError("PSAM-mode read failed");
    benchmark::DoNotOptimize(read);
    card_apdus = card.apdu_count();
    psam_apdus = psam_transport.apdu_count();
  }
  state.counters["card_apdus"] = static_cast<double>(card_apdus);
  state.counters["psam_apdus"] = static_cast<double>(psam_apdus);
}
BENCHMARK_CAPTURE(BM_PsamModeRead, gen3_sm4, "cq-tongnan-gen3.json")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PsamModeRead, gen2_3des, "cq-yuzhong-gen2.json")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sscard

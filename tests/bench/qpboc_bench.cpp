// Costs of a qPBOC tap (docs/CONTACTLESS.md §3, §9):
//   QpbocTap   the contactless kernel per tap against a replayed generation 3 card (the answers of the scripted
//              card of tests/unit/pboc, fDDA signatures from tests/unit/pboc/data/qpboc-fdda.txt): CPU time per
//              tap, taps per CPU second, APDUs and bytes per tap, and the modelled air time at 106 kbit/s of
//              §9 until the card may leave and in all. The replayed card does no work, so the modelled time
//              holds the frames and the fixed 1 ms turnaround per APDU, not the card's own compute.
//   QpbocSimTap the same kernel against the simulated generation 3 card (sim/pboc) in the field of
//              hal::SimReader, 0.01 yuan per tap (offline TC with fDDA) or 600.00 (online ARQC): the card's own
//              work is in the CPU time, and each APDU's measured card time enters the modelled time as the
//              card's compute (an upper bound: the simulator's crypto on this machine).
//   QpbocFdda  fDDA verification alone (issuer key, ICC key over the static data, 9F4B) on each crypto
//              backend, RSA set and SM2 set.
//
//   build/<dir>/tests/bench/sscard_qpboc_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "qpboc_test_support.h"
#include "sscard/core/tlv.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/pboc/fdda.h"
#include "sscard/pboc/tap_timing.h"
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
#include "sscard/crypto/mbedtls.h"
#endif
#if defined(QPBOC_BENCH_WITH_SIM)
#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"
#endif

namespace sscard {
namespace {

using Factory = std::unique_ptr<crypto::Crypto> (*)();
using pboc::testing::contactless_fci;
using pboc::testing::kPpseFci;
using pboc::testing::kSelectPpse;

// A card that answers a fixed list of exchanges in order, again from the start after rewind().
class ReplaySlot : public hal::Slot {
 public:
  struct Exchange {
    Bytes command, response;
  };
  std::vector<Exchange> exchanges;
  void rewind() { next_ = 0; }

  std::string_view name() const override { return "replay"; }
  hal::SlotKind kind() const override { return hal::SlotKind::kContactless; }

 private:
  Result<bool> do_card_present() override { return true; }
  Result<std::size_t> do_power_up(MutableByteSpan) override { return std::size_t{0}; }
  hal::Protocol do_protocol() const override { return hal::Protocol::kT1; }
  Status do_power_down() override { return kOk; }
  Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) override {
    if (next_ >= exchanges.size()) return Status(Error::kCardRemoved);
    const Exchange& e = exchanges[next_++];
    if (!std::equal(command.begin(), command.end(), e.command.begin(), e.command.end())) {
      return Status(Error::kCardRemoved);
    }
    std::copy(e.response.begin(), e.response.end(), response.begin());
    return e.response.size();
  }
  std::size_t next_ = 0;
};

enum class Kind { kRsaOffline, kSm2Offline, kOnline };

std::vector<ReplaySlot::Exchange> script(Kind kind, std::map<std::string, std::string>& v) {
  using namespace pboc::testing;
  std::vector<std::pair<std::string, std::string>> hex = {
      {kSelectPpse, kPpseFci}, {"00A4040008A00000033301010100", contactless_fci() + "9000"}};
  if (kind == Kind::kOnline) {
    hex.push_back({qpboc_gpo("36800080", "000000060000"), online_answer("A0", "0000")});
  } else {
    const bool sm = kind == Kind::kSm2Offline;
    const std::string f = sm ? "sm2" : "rsa";
    const std::string p2 = sm ? "3C" : "34";
    hex.push_back({qpboc_gpo("36000080", "000000001234", sm ? "01" : "00"),
                   tc_answer(v[f + "_aip"], sm ? "38010301" : "30010301", v[f + "_sdad"], "0000", sm)});
    for (int r = 1; r <= 3; ++r) {
      hex.push_back({"00B20" + std::to_string(r) + p2 + "00", v[f + "_record" + std::to_string(r)] + "9000"});
    }
  }
  std::vector<ReplaySlot::Exchange> out;
  for (const auto& [c, r] : hex) out.push_back({from_hex(c).value(), from_hex(r).value()});
  return out;
}

class ApprovingAuthoriser : public pboc::OnlineAuthoriser {
  Result<pboc::AuthorisationResponse, pboc::OnlineFailure> authorise(const pboc::AuthorisationRequest&) override {
    pboc::AuthorisationResponse r;
    r.response_code = {'0', '0'};
    return r;
  }
};

pboc::CaKeyTable ca_keys(std::map<std::string, std::string>& v) {
  pboc::CaKeyTable table;
  pboc::CaKey rsa;
  rsa.rid = {0xA0, 0x00, 0x00, 0x03, 0x33};
  rsa.index = 0xE0;
  rsa.modulus = from_hex(v["ca_rsa_modulus"]).value();
  rsa.exponent = {0x03};
  rsa.expiry = Date{2035, 12, 31};
  table.add(rsa);
  pboc::CaKey sm2;
  sm2.rid = rsa.rid;
  sm2.index = 0xE1;
  sm2.algorithm = pboc::CaKeyAlgorithm::kSm2;
  const Bytes point = from_hex(v["ca_sm2_point"]).value();
  std::copy(point.begin(), point.end(), sm2.sm2_point.begin());
  sm2.expiry = Date{2035, 12, 31};
  table.add(sm2);
  return table;
}

void BM_QpbocTap(benchmark::State& state, Kind kind) {
  auto v = pboc::testing::load_qpboc_vectors();
  ReplaySlot slot;
  slot.exchanges = script(kind, v);
  transport::Transport transport(slot);
  auto crypto = crypto::make_default_crypto();
  pboc::TerminalConfig terminal;
  terminal.national_algorithms = kind == Kind::kSm2Offline;
  const pboc::ContactlessConfig contactless = pboc::testing::kiosk_contactless();
  const pboc::CaKeyTable keys = ca_keys(v);
  ApprovingAuthoriser authoriser;
  pboc::TransactionRequest request = pboc::testing::test_request(kind == Kind::kOnline ? 60000 : 1234);
  pboc::TransactionRecord last;
  for (auto _ : state) {
    slot.rewind();
    pboc::ContactlessContext context{transport, *crypto, terminal, contactless, keys, nullptr, &authoriser, nullptr};
    last = pboc::run_contactless_transaction(context, request);
    benchmark::DoNotOptimize(last.outcome);
  }
  if (last.outcome != pboc::Outcome::kApproved) state.SkipWithError("the tap was not approved");
  pboc::TapTimer until_leave, all;
  for (std::size_t i = 0; i < slot.exchanges.size(); ++i) {
    const auto& e = slot.exchanges[i];
    all.add(e.command.size(), e.response.size());
    if (i < last.apdus_until_card_may_leave) until_leave.add(e.command.size(), e.response.size());
  }
  state.counters["apdus"] = static_cast<double>(last.apdus);
  state.counters["apdus_card_leaves"] = static_cast<double>(last.apdus_until_card_may_leave);
  state.counters["bytes"] = static_cast<double>(all.bytes());
  state.counters["model_ms_card_leaves"] = until_leave.total_us() / 1000.0;
  state.counters["model_ms"] = all.total_us() / 1000.0;
  state.counters["taps/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(crypto->name()));
}
BENCHMARK_CAPTURE(BM_QpbocTap, rsa_offline_fdda, Kind::kRsaOffline)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_QpbocTap, sm2_offline_fdda, Kind::kSm2Offline)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_QpbocTap, online_arqc, Kind::kOnline)->Unit(benchmark::kMicrosecond);

#if defined(QPBOC_BENCH_WITH_SIM)
// Forwards to the simulated slot and keeps, per exchange, the sizes and the card's time.
class TimingSlot : public hal::Slot {
 public:
  explicit TimingSlot(hal::Slot& inner) : inner_(inner) {}
  struct Exchange {
    std::size_t command = 0, response = 0;
    double card_us = 0.0;
  };
  std::vector<Exchange> exchanges;

  std::string_view name() const override { return inner_.name(); }
  hal::SlotKind kind() const override { return inner_.kind(); }

 private:
  Result<bool> do_card_present() override { return inner_.card_present(); }
  Result<std::size_t> do_power_up(MutableByteSpan atr) override { return inner_.power_up(atr); }
  hal::Protocol do_protocol() const override { return inner_.protocol(); }
  Status do_power_down() override { return inner_.power_down(); }
  Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) override {
    const auto start = std::chrono::steady_clock::now();
    auto n = inner_.transmit(command, response);
    const std::chrono::duration<double, std::micro> spent = std::chrono::steady_clock::now() - start;
    if (n.ok()) exchanges.push_back({command.size(), *n, spent.count()});
    return n;
  }
  hal::Slot& inner_;
};

std::shared_ptr<sim::Card> suining_card() {
  auto profile = sim::load_profile(std::string(SSCARD_CARDS_DIR) + "/sc-suining-gen3.json");
  if (!profile.ok()) return nullptr;
  return std::shared_ptr<sim::Card>(sim::make_card(profile.value()));
}

void BM_QpbocSimTap(benchmark::State& state, Kind kind) {
  auto v = pboc::testing::load_qpboc_vectors();
  auto crypto = crypto::make_default_crypto();
  pboc::TerminalConfig terminal;
  terminal.national_algorithms = kind == Kind::kSm2Offline;
  const pboc::ContactlessConfig contactless = pboc::testing::kiosk_contactless();
  const pboc::CaKeyTable keys = ca_keys(v);
  ApprovingAuthoriser authoriser;
  hal::SimReader reader;
  reader.contactless().insert(suining_card());
  TimingSlot slot(reader.contactless());
  pboc::TransactionRequest request = pboc::testing::test_request(kind == Kind::kOnline ? 60000 : 1);
  request.unpredictable_number.reset();
  pboc::TransactionRecord last;
  pboc::TapTimer until_leave, all;
  double card_us = 0.0;
  std::size_t taps = 0;
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  for (auto _ : state) {
    if (!slot.power_up(atr).ok()) return state.SkipWithError("the card did not activate");
    slot.exchanges.clear();
    transport::Transport transport(slot);
    pboc::ContactlessContext context{transport, *crypto, terminal, contactless, keys, nullptr, &authoriser, nullptr};
    last = pboc::run_contactless_transaction(context, request);
    (void)slot.power_down();
    if (last.outcome != pboc::Outcome::kApproved) return state.SkipWithError("the tap was not approved");
    state.PauseTiming();
    for (std::size_t i = 0; i < slot.exchanges.size(); ++i) {
      const auto& e = slot.exchanges[i];
      all.add(e.command, e.response, e.card_us);
      card_us += e.card_us;
      if (i < last.apdus_until_card_may_leave) until_leave.add(e.command, e.response, e.card_us);
    }
    ++taps;
    if (taps % 2000 == 0) reader.contactless().insert(suining_card());  // e-cash and ATC stay in range
    state.ResumeTiming();
  }
  const double n = static_cast<double>(taps);
  state.counters["apdus"] = static_cast<double>(last.apdus);
  state.counters["apdus_card_leaves"] = static_cast<double>(last.apdus_until_card_may_leave);
  state.counters["bytes"] = static_cast<double>(all.bytes()) / n;
  state.counters["card_ms"] = card_us / n / 1000.0;
  state.counters["model_ms_card_leaves"] = until_leave.total_us() / n / 1000.0;
  state.counters["model_ms"] = all.total_us() / n / 1000.0;
  state.counters["taps/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.SetLabel(std::string(crypto->name()));
}
BENCHMARK_CAPTURE(BM_QpbocSimTap, rsa_offline_fdda, Kind::kRsaOffline)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_QpbocSimTap, sm2_offline_fdda, Kind::kSm2Offline)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_QpbocSimTap, online_arqc, Kind::kOnline)->Unit(benchmark::kMicrosecond);
#endif

// fDDA alone: the records' data elements in a store, then verify_fdda as the kernel calls it.
void BM_QpbocFdda(benchmark::State& state, Factory make, bool sm2) {
  auto v = pboc::testing::load_qpboc_vectors();
  auto crypto = make();
  const pboc::CaKeyTable keys = ca_keys(v);
  const std::string f = sm2 ? "sm2" : "rsa";
  pboc::TagStore card;
  Bytes static_data;
  for (int r = 1; r <= 3; ++r) {
    const Bytes record = from_hex(v[f + "_record" + std::to_string(r)]).value();
    const auto t70 = tlv::decode(record).value();
    if (r == 1) static_data.assign(t70.value.begin(), t70.value.end());
    tlv::Elements elements(t70.value);
    for (const tlv::Element& e : elements) (void)card.add(e.tag, e.value);
  }
  const Bytes aip = from_hex(v[f + "_aip"]).value();
  static_data.insert(static_data.end(), aip.begin(), aip.end());
  const Bytes sdad = from_hex(v[f + "_sdad"]).value();
  const Bytes terminal_data =
      from_hex("1A2B3C4D" "000000001234" "0156" + v["card_auth_data"]).value();
  const Bytes aid = from_hex("A000000333010101").value();
  const pboc::FddaInput input{aid, card, "6200515109004011018", {0x26, 0x01, 0x15}, static_data, sdad,
                              terminal_data, 0x0010};
  for (auto _ : state) {
    pboc::OdaMethod method = pboc::OdaMethod::kNone;
    const Status status = pboc::verify_fdda(*crypto, keys, input, sm2, method);
    if (!status.ok()) {
      state.SkipWithError("fDDA did not verify");
      break;
    }
  }
  state.counters["fdda/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_QpbocFdda, rsa_openssl, &crypto::make_openssl_crypto, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_QpbocFdda, sm2_openssl, &crypto::make_openssl_crypto, true)->Unit(benchmark::kMicrosecond);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_QpbocFdda, rsa_mbedtls, &crypto::make_mbedtls_crypto, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_QpbocFdda, sm2_mbedtls, &crypto::make_mbedtls_crypto, true)->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
}  // namespace sscard

BENCHMARK_MAIN();

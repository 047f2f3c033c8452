// The "pcsc" card backend itself (tests/support/pcsc): every insert() gives a fresh card of the profile
// asked for, as pcscd sees it (ATR, protocol, PIN counter), whether it follows another card without a
// removal (the card is swapped while unpowered) or follows a real removal.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "card_backends.h"
#include "pcsc_backend.h"
#include "sscard/core/bytes.h"
#include "sscard/hal/pcsc_reader.h"
#include "sscard/sim/profile.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<fs::path> all_profiles() {
  std::vector<fs::path> profiles = sim::holder_profiles(SSCARD_CARDS_DIR);
  profiles.push_back(fs::path(SSCARD_CARDS_DIR) / "test/conformance-t0.json");
  profiles.push_back(fs::path(SSCARD_CARDS_DIR) / "test/conformance-t1.json");
  return profiles;
}

sim::HolderProfile load(const fs::path& file) {
  auto loaded = sim::load_profile(file);
  if (!loaded.ok()) throw std::runtime_error(loaded.error().to_string());
  return loaded.value();
}

std::string power_up(hal::Slot& slot) {
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto n = slot.power_up(atr);
  if (!n.ok()) return "error: " + std::string(n.status().name());
  return to_hex(ByteSpan(atr.data(), *n));
}

std::string send(hal::Slot& slot, std::string_view command) {
  std::array<std::uint8_t, 258> response{};
  auto n = slot.transmit(*from_hex(command), response);
  if (!n.ok()) return "error: " + std::string(n.status().name());
  return to_hex(ByteSpan(response.data(), *n));
}

hal::Protocol protocol_of(const sim::HolderProfile& profile) {
  return profile.protocol == sim::CardProtocol::kT1 ? hal::Protocol::kT1 : hal::Protocol::kT0;
}

TEST(PcscBackend, EachInsertShowsTheNewCardsAtrAndProtocolAtTheFirstPowerUp) {
  auto backend = make_card_backend(kPcscBackendName);
  ASSERT_NE(backend, nullptr);
  const auto profiles = all_profiles();
  // Every profile after every other one (both directions of each T=0 / T=1 change).
  for (const auto& before : profiles) {
    for (const auto& after : profiles) {
      if (before == after) continue;
      hal::Slot& first = backend->insert(before);
      EXPECT_EQ(power_up(first), to_hex(load(before).atr)) << before.filename();
      hal::Slot& slot = backend->insert(after);
      const sim::HolderProfile profile = load(after);
      EXPECT_EQ(power_up(slot), to_hex(profile.atr)) << before.filename() << " -> " << after.filename();
      EXPECT_EQ(slot.protocol(), protocol_of(profile)) << before.filename() << " -> " << after.filename();
    }
  }
  const PcscBackendStats stats = pcsc_backend_stats();
  EXPECT_EQ(stats.daemon_starts, 1u);
  EXPECT_EQ(stats.bridge_connections, 1u);  // all by swapping, never by reconnecting
  std::printf("pcscd start (with the lock wait): %lld ms, then first card seen after %lld ms\n",
              static_cast<long long>(stats.daemon_start_time.count() / 1000),
              static_cast<long long>(stats.first_card_time.count() / 1000));
}

TEST(PcscBackend, PinCountersDoNotCarryOverToTheNextInsert) {
  auto backend = make_card_backend(kPcscBackendName);
  const fs::path t0 = fs::path(SSCARD_CARDS_DIR) / "test/conformance-t0.json";
  for (int round = 0; round < 3; ++round) {
    hal::Slot& slot = backend->insert(t0);
    ASSERT_EQ(power_up(slot).substr(0, 4), "3B6D") << round;
    // VERIFY with no data asks for the tries left (ISO/IEC 7816-4 7.5.6): 6 on a fresh card.
    EXPECT_EQ(send(slot, "00200000"), "63C6") << round;
    EXPECT_EQ(send(slot, "0020000003000000"), "63C5") << round;
    EXPECT_EQ(send(slot, "0020000003000000"), "63C4") << round;
  }
}

TEST(PcscBackend, InsertAfterRemovalIsAFreshCardOfTheNewProfile) {
  auto backend = make_card_backend(kPcscBackendName);
  const fs::path t0 = fs::path(SSCARD_CARDS_DIR) / "test/conformance-t0.json";
  const fs::path chengdu = fs::path(SSCARD_CARDS_DIR) / "sc-chengdu-gen2.json";
  hal::Slot& slot = backend->insert(t0);
  ASSERT_EQ(power_up(slot), to_hex(load(t0).atr));
  EXPECT_EQ(send(slot, "0020000003000000"), "63C5");
  backend->remove();
  auto present = slot.card_present();
  ASSERT_TRUE(present.ok());
  EXPECT_FALSE(*present);
  // What pcscd says to a connection made before the removal: SCARD_W_REMOVED_CARD, once.
  EXPECT_EQ(send(slot, "00200000"), "error: " + std::string(Status(Error::kCardRemoved).name()));
  EXPECT_EQ(hal::pcsc_error_name(dynamic_cast<hal::PcscSlot&>(slot).last_pcsc_error()), "SCARD_W_REMOVED_CARD");
  EXPECT_EQ(send(slot, "00200000"), "error: " + std::string(Status(Error::kNoCard).name()));
  const auto reinsert = Clock::now();
  hal::Slot& again = backend->insert(chengdu);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - reinsert);
  EXPECT_EQ(power_up(again), to_hex(load(chengdu).atr));
  EXPECT_EQ(again.protocol(), hal::Protocol::kT1);
  EXPECT_EQ(send(again, "00200000"), "63C" + std::to_string(load(chengdu).pin_max_tries));
  EXPECT_EQ(pcsc_backend_stats().reinsertions, 1u);
  std::printf("re-insertion after a removal: %lld ms\n", static_cast<long long>(took.count()));
}

}  // namespace
}  // namespace sscard::test

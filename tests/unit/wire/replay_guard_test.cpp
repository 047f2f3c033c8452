// The receiver's replay rule (docs/HOST-PROTOCOL.md "Replay protection"), driven by an injected clock.
#include <gtest/gtest.h>

#include "sscard/wire/wire.h"

namespace sscard::wire {
namespace {

constexpr std::uint64_t kStart = 1'730'800'000'000;
constexpr std::uint64_t kWindow = ReplayGuard::kWindowMs;

FrameHeader frame(std::uint64_t timestamp, std::uint8_t nonce_byte, std::string sender = "500152000101") {
  FrameHeader h;
  h.sender = std::move(sender);
  h.nonce = {nonce_byte, 0, 0, 0, 0, 0, 0, 1};
  h.timestamp_ms = timestamp;
  return h;
}

TEST(ReplayGuard, AcceptsFreshFramesOnce) {
  ReplayGuard guard(kStart);
  const std::uint64_t now = kStart + 1000;
  EXPECT_EQ(guard.check(frame(now, 1), now), std::nullopt);
  EXPECT_EQ(guard.check(frame(now, 1), now + 10), RefusalReason::kReplay);
  // The same pair with another timestamp is still the same pair.
  EXPECT_EQ(guard.check(frame(now + 5, 1), now + 10), RefusalReason::kReplay);
  // Another nonce, or the same nonce from another sender, is a new frame.
  EXPECT_EQ(guard.check(frame(now, 2), now), std::nullopt);
  EXPECT_EQ(guard.check(frame(now, 1, "510900000201"), now), std::nullopt);
  EXPECT_EQ(guard.remembered(), 3u);
}

TEST(ReplayGuard, WindowEdges) {
  ReplayGuard guard(kStart - 10 * kWindow);  // started long ago: only the ±window rule applies
  const std::uint64_t now = kStart;
  EXPECT_EQ(guard.check(frame(now - kWindow, 1), now), std::nullopt);
  EXPECT_EQ(guard.check(frame(now - kWindow - 1, 2), now), RefusalReason::kStale);
  EXPECT_EQ(guard.check(frame(now + kWindow, 3), now), std::nullopt);
  EXPECT_EQ(guard.check(frame(now + kWindow + 1, 4), now), RefusalReason::kStale);
  EXPECT_EQ(guard.check(frame(0, 5), now), RefusalReason::kStale);
  EXPECT_EQ(guard.check(frame(~std::uint64_t{0}, 6), now), RefusalReason::kStale);
  EXPECT_EQ(guard.remembered(), 2u);  // refused frames are not remembered
}

TEST(ReplayGuard, RefusesWhatWasSealedBeforeTheStart) {
  ReplayGuard guard(kStart);
  const std::uint64_t now = kStart + 1000;
  EXPECT_EQ(guard.check(frame(kStart - ReplayGuard::kStartSlackMs, 1), now), std::nullopt);
  EXPECT_EQ(guard.check(frame(kStart - ReplayGuard::kStartSlackMs - 1, 2), now), RefusalReason::kStale);
  EXPECT_EQ(guard.check(frame(kStart - 60'000, 3), now), RefusalReason::kStale);  // within ±300 s, but old
}

TEST(ReplayGuard, ForgetsPairsPastTheWindow) {
  ReplayGuard guard(kStart);
  for (std::uint8_t i = 0; i < 100; ++i) {
    EXPECT_EQ(guard.check(frame(kStart + i, i), kStart + i), std::nullopt);
  }
  EXPECT_EQ(guard.remembered(), 100u);
  // Still inside the window of the oldest: all remembered, a replay is caught.
  EXPECT_EQ(guard.check(frame(kStart + kWindow, 0), kStart + kWindow), RefusalReason::kReplay);
  EXPECT_EQ(guard.remembered(), 100u);

  // Past the window of the first 50: they are forgotten, the rest kept.
  const std::uint64_t later = kStart + 50 + kWindow;
  EXPECT_EQ(guard.check(frame(later, 200), later), std::nullopt);
  EXPECT_EQ(guard.remembered(), 51u);
  // A forgotten pair is no longer a replay (its own old frame would be stale), a kept one still is.
  EXPECT_EQ(guard.check(frame(later, 0), later), std::nullopt);
  EXPECT_EQ(guard.check(frame(later, 99), later), RefusalReason::kReplay);
  EXPECT_EQ(guard.check(frame(kStart, 0), later), RefusalReason::kStale);

  // Long after everything: only what this check adds stays.
  const std::uint64_t much_later = later + 10 * kWindow;
  EXPECT_EQ(guard.check(frame(much_later, 1), much_later), std::nullopt);
  EXPECT_EQ(guard.remembered(), 1u);
}

}  // namespace
}  // namespace sscard::wire

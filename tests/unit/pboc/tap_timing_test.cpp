// The tap timing model of docs/CONTACTLESS.md §9, its arithmetic worked by hand.
#include <gtest/gtest.h>

#include "sscard/pboc/tap_timing.h"

namespace sscard::pboc {
namespace {

TEST(TapTiming, FrameIsNineBitTimesPerByteWithCrcAndOneBit) {
  // 20 bytes: (9 × 22 + 1) = 199 bit times of 9.44 µs = 1878.56 µs.
  EXPECT_NEAR(frame_time_us(20), 1878.56, 1e-9);
  // An empty frame still has its CRC: 19 bit times.
  EXPECT_NEAR(frame_time_us(0), 179.36, 1e-9);
}

TEST(TapTiming, ApduAddsTurnaroundAndCardCompute) {
  // SELECT PPSE: 20 bytes out, 50 back (48 data + SW): 1878.56 + (9 × 52 + 1) × 9.44 + 1000 + 250.
  EXPECT_NEAR(apdu_time_us(20, 50, 250.0), 1878.56 + 4427.36 + 1000.0 + 250.0, 1e-9);
}

TEST(TapTiming, TimerSums) {
  TapTimer timer;
  timer.add(20, 50);
  timer.add(14, 93);
  EXPECT_EQ(timer.apdus(), 2u);
  EXPECT_EQ(timer.bytes(), 177u);
  EXPECT_NEAR(timer.total_us(), apdu_time_us(20, 50) + apdu_time_us(14, 93), 1e-9);
  // (9 × 16 + 1) × 9.44 + (9 × 95 + 1) × 9.44 + 1000 = 1368.8 + 8080.64 + 1000.
  EXPECT_NEAR(apdu_time_us(14, 93), 10449.44, 1e-9);
}

}  // namespace
}  // namespace sscard::pboc

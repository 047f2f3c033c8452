#include "sscard/sim/eeprom.h"

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace sscard::sim {
namespace {

using testing::hex;

TEST(Eeprom, StartsErasedAndReadsBackWrites) {
  Eeprom e(256, 16);
  EXPECT_EQ(to_hex(e.read(0, 4)), "FFFFFFFF");
  ASSERT_TRUE(e.write(10, hex("01020304")).ok());
  EXPECT_EQ(to_hex(e.read(9, 6)), "FF01020304FF");
}

TEST(Eeprom, CountsOnePageWritePerPageTouched) {
  Eeprom e(256, 16);
  ASSERT_TRUE(e.write(14, hex("0102030405")).ok());  // bytes 14..18: pages 0 and 1
  EXPECT_EQ(e.page_writes(), 2u);
  ASSERT_TRUE(e.write(32, Bytes(48, 0xAA)).ok());    // exactly pages 2, 3, 4
  EXPECT_EQ(e.page_writes(), 5u);
}

TEST(Eeprom, RejectsWritesAndReadsOutsideTheMemory) {
  Eeprom e(64, 16);
  EXPECT_EQ(e.write(60, hex("0102030405")).code(), Error::kInvalidArgument);
  EXPECT_EQ(to_hex(e.read(0, 64)), std::string(128, 'F'));  // nothing was written
  EXPECT_TRUE(e.read(60, 5).empty());
  EXPECT_TRUE(e.read(65, 0).empty());
}

TEST(Eeprom, PowerCutAfterKPagesKeepsEarlierPagesAndLeavesLaterOnesUntouched) {
  for (std::size_t k = 0; k < 4; ++k) {
    Eeprom e(256, 16);
    e.cut_power_after_page_writes(k);
    const Bytes data(64, 0x5A);  // four pages, 0..63
    EXPECT_EQ(e.write(0, data).code(), Error::kIo) << "k=" << k;
    EXPECT_TRUE(e.power_lost());
    for (std::size_t page = 0; page < 4; ++page) {
      const std::uint8_t expected = page < k ? 0x5A : 0xFF;
      ByteSpan bytes = e.read(page * 16, 16);
      for (std::uint8_t b : bytes) ASSERT_EQ(b, expected) << "k=" << k << " page=" << page;
    }
    EXPECT_EQ(e.page_writes(), k);
  }
}

TEST(Eeprom, NoWriteSucceedsUntilPowerIsRestored) {
  Eeprom e(64, 16);
  e.cut_power_after_page_writes(0);
  EXPECT_EQ(e.write(0, hex("01")).code(), Error::kIo);
  EXPECT_EQ(e.write(16, hex("02")).code(), Error::kIo);
  EXPECT_EQ(to_hex(e.read(16, 1)), "FF");
  e.restore_power();
  EXPECT_TRUE(e.write(16, hex("02")).ok());  // the cut fired once and is disarmed
  EXPECT_EQ(to_hex(e.read(16, 1)), "02");
}

TEST(Eeprom, ACutBeyondTheWriteStaysArmedForTheNextWrite) {
  Eeprom e(64, 16);
  e.cut_power_after_page_writes(2);
  ASSERT_TRUE(e.write(0, hex("01")).ok());
  ASSERT_TRUE(e.write(16, hex("02")).ok());
  EXPECT_EQ(e.write(32, hex("03")).code(), Error::kIo);
  EXPECT_EQ(to_hex(e.read(32, 1)), "FF");
}

TEST(Eeprom, AllocatesDisjointRangesUntilFull) {
  Eeprom e(64, 16);
  auto a = e.allocate(40);
  auto b = e.allocate(24);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, 0u);
  EXPECT_EQ(*b, 40u);
  EXPECT_EQ(e.allocate(1).status().code(), Error::kBufferTooSmall);
}

}  // namespace
}  // namespace sscard::sim

#include "sscard/sim/eeprom.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <vector>

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

// A backing that keeps its own copy of the memory and the order of the calls it got.
class MirrorBacking final : public EepromBacking {
 public:
  MirrorBacking(std::size_t size, const Eeprom& eeprom) : copy(size, 0xFF), eeprom_(eeprom) {}

  Status write(std::size_t offset, ByteSpan bytes) override {
    // Called after the memory holds the page: the bytes are already there.
    memory_had_page.push_back(std::equal(bytes.begin(), bytes.end(), eeprom_.read(offset, bytes.size()).begin()));
    if (fail_after && *fail_after == 0) return Error::kIo;
    if (fail_after) --*fail_after;
    std::copy(bytes.begin(), bytes.end(), copy.begin() + static_cast<std::ptrdiff_t>(offset));
    calls.push_back("write " + std::to_string(offset) + " " + std::to_string(bytes.size()));
    return kOk;
  }
  Status sync() override {
    calls.push_back("sync");
    return fail_sync ? Status(Error::kIo) : kOk;
  }

  Bytes copy;
  std::vector<std::string> calls;
  std::vector<bool> memory_had_page;
  std::optional<std::size_t> fail_after;
  bool fail_sync = false;

 private:
  const Eeprom& eeprom_;
};

TEST(EepromBacking, GetsEveryPageAfterTheMemoryThenOneSyncPerWrite) {
  Eeprom e(256, 16);
  auto backing = std::make_shared<MirrorBacking>(256, e);
  e.attach_backing(backing);
  ASSERT_TRUE(e.write(14, hex("0102030405")).ok());  // pages 0 and 1
  ASSERT_TRUE(e.write(32, Bytes(48, 0xAA)).ok());    // pages 2, 3, 4
  EXPECT_EQ(backing->calls, (std::vector<std::string>{"write 14 2", "write 16 3", "sync", "write 32 16", "write 48 16",
                                                      "write 64 16", "sync"}));
  EXPECT_EQ(backing->memory_had_page, std::vector<bool>(5, true));
  EXPECT_EQ(to_hex(backing->copy), to_hex(e.image()));
  EXPECT_EQ(e.page_writes(), 5u);
}

TEST(EepromBacking, ATornWriteReachesTheBackingExactlyAsFarAsTheMemory) {
  for (std::size_t k = 0; k < 4; ++k) {
    Eeprom e(256, 16);
    auto backing = std::make_shared<MirrorBacking>(256, e);
    e.attach_backing(backing);
    e.cut_power_after_page_writes(k);
    EXPECT_EQ(e.write(8, Bytes(48, 0x5A)).code(), Error::kIo) << "k=" << k;  // pages 0..3
    EXPECT_EQ(to_hex(backing->copy), to_hex(e.image())) << "k=" << k;
    EXPECT_EQ(to_hex(e.read(8, 1)), k > 0 ? "5A" : "FF") << "k=" << k;
    // The pages written before the cut are synced; a cut before any page syncs nothing.
    EXPECT_EQ(backing->calls.size(), k == 0 ? 0u : k + 1) << "k=" << k;
  }
}

TEST(EepromBacking, AFailingBackingIsAPowerLossAndTakesThePageBack) {
  Eeprom e(64, 16);
  auto backing = std::make_shared<MirrorBacking>(64, e);
  e.attach_backing(backing);
  backing->fail_after = 1;
  EXPECT_EQ(e.write(0, Bytes(32, 0x11)).code(), Error::kIo);  // page 0 stored, page 1 refused
  EXPECT_TRUE(e.power_lost());
  EXPECT_EQ(to_hex(e.read(0, 17)), std::string(32, '1') + "FF");
  EXPECT_EQ(to_hex(backing->copy), to_hex(e.image()));
  EXPECT_EQ(e.page_writes(), 1u);
  backing->fail_after.reset();
  EXPECT_EQ(e.write(16, hex("22")).code(), Error::kIo);  // no power until power-on
  e.restore_power();
  ASSERT_TRUE(e.write(16, hex("22")).ok());
  EXPECT_EQ(to_hex(backing->copy), to_hex(e.image()));
}

TEST(EepromBacking, AFailingSyncIsAPowerLossAfterThePages) {
  Eeprom e(64, 16);
  auto backing = std::make_shared<MirrorBacking>(64, e);
  e.attach_backing(backing);
  backing->fail_sync = true;
  EXPECT_EQ(e.write(0, hex("0102")).code(), Error::kIo);
  EXPECT_TRUE(e.power_lost());
  EXPECT_EQ(to_hex(e.read(0, 2)), "0102");
  EXPECT_EQ(to_hex(backing->copy), to_hex(e.image()));
}

TEST(EepromBacking, LoadImageReplacesTheMemoryWithoutWritingAnything) {
  Eeprom e(32, 16);
  auto backing = std::make_shared<MirrorBacking>(32, e);
  e.attach_backing(backing);
  ASSERT_TRUE(e.load_image(Bytes(32, 0x3C)).ok());
  EXPECT_EQ(to_hex(e.image()), to_hex(Bytes(32, 0x3C)));
  EXPECT_TRUE(backing->calls.empty());
  EXPECT_EQ(e.page_writes(), 0u);
  EXPECT_EQ(e.load_image(Bytes(31, 0x00)).code(), Error::kInvalidArgument);
  EXPECT_EQ(e.load_image(Bytes(33, 0x00)).code(), Error::kInvalidArgument);
  EXPECT_EQ(to_hex(e.read(0, 1)), "3C");
}

TEST(EepromBacking, DetachedBackingGetsNothingMore) {
  Eeprom e(32, 16);
  auto backing = std::make_shared<MirrorBacking>(32, e);
  e.attach_backing(backing);
  ASSERT_TRUE(e.write(0, hex("01")).ok());
  e.attach_backing(nullptr);
  ASSERT_TRUE(e.write(1, hex("02")).ok());
  EXPECT_EQ(to_hex(ByteSpan(backing->copy).first(2)), "01FF");
  EXPECT_EQ(to_hex(e.read(0, 2)), "0102");
}

}  // namespace
}  // namespace sscard::sim

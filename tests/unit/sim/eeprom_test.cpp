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

// ---- The undo journal ----

// 1 KiB in 16-byte pages, a journal of 4 undo records, and 64 bytes of data at 0 written as 00 11 22 ...
struct Journaled {
  Eeprom e{1024, 16};
  std::size_t data = 0;
  Journaled() {
    EXPECT_TRUE(e.enable_journal(4).ok());
    auto at = e.allocate(64);
    EXPECT_TRUE(at.ok());
    data = at.ok() ? *at : 0;
    Bytes initial(64);
    for (std::size_t i = 0; i < initial.size(); ++i) initial[i] = static_cast<std::uint8_t>(i * 0x11);
    EXPECT_TRUE(e.write(data, initial).ok());
  }
  Bytes bytes() const {
    const ByteSpan b = e.read(data, 64);
    return Bytes(b.begin(), b.end());
  }
  // A transaction that writes AA over pages 1 and 2 (bytes 16..47) and commits; its page writes.
  std::size_t transaction() {
    const std::size_t before = e.page_writes();
    e.begin();
    EXPECT_TRUE(e.write(data + 16, Bytes(32, 0xAA)).ok());
    EXPECT_TRUE(e.commit().ok());
    return e.page_writes() - before;
  }
};

Bytes expected_after(const Bytes& before) {
  Bytes b = before;
  std::fill(b.begin() + 16, b.begin() + 48, 0xAA);
  return b;
}

TEST(EepromJournal, AnUncommittedTransactionIsUndoneAtRecovery) {
  Journaled j;
  const Bytes before = j.bytes();
  j.e.begin();
  ASSERT_TRUE(j.e.write(j.data + 16, Bytes(32, 0xAA)).ok());
  EXPECT_EQ(j.bytes(), expected_after(before));  // visible inside the transaction
  // Power is lost before commit: the RAM state goes, the memory stays; power-on recovers.
  ASSERT_TRUE(j.e.recover().ok());
  EXPECT_EQ(j.bytes(), before);
}

TEST(EepromJournal, ACommittedTransactionStays) {
  Journaled j;
  const Bytes before = j.bytes();
  j.transaction();
  ASSERT_TRUE(j.e.recover().ok());
  EXPECT_EQ(j.bytes(), expected_after(before));
}

// Cut before and during every page write of a transaction (header, undo records, data, closing header):
// recovery leaves the old bytes unless the closing header was written whole.
TEST(EepromJournal, ACutAtEveryPageWriteLeavesOldOrNew) {
  const std::size_t writes = Journaled{}.transaction();
  ASSERT_GE(writes, 6u);  // open header, 2 undo records (with their page), 2 data pages, closing header
  for (std::size_t k = 0; k <= writes; ++k) {
    for (const Eeprom::Cut how : {Eeprom::Cut::kBeforeWrite, Eeprom::Cut::kTornWrite}) {
      Journaled j;
      j.e.seed_tearing(k);
      const Bytes before = j.bytes();
      j.e.cut_power_at_page_write(k, how);
      j.e.begin();
      const bool written = j.e.write(j.data + 16, Bytes(32, 0xAA)).ok();
      const bool committed = written && j.e.commit().ok();
      j.e.cancel_power_cut();
      EXPECT_EQ(committed, k == writes) << k;
      j.e.restore_power();
      ASSERT_TRUE(j.e.recover().ok()) << k;
      EXPECT_EQ(j.bytes(), committed ? expected_after(before) : before) << "k=" << k << " torn=" << (how == Eeprom::Cut::kTornWrite);
      EXPECT_EQ(j.bytes(), j.bytes()) << k;  // nothing torn is left in the data
    }
  }
}

// The recovery itself cut before and during each of its writes: the next recovery finishes the job.
TEST(EepromJournal, ARecoveryCutAtEveryWriteIsFinishedByTheNext) {
  std::size_t recovery_writes = 0;
  {
    Journaled j;
    j.e.begin();
    ASSERT_TRUE(j.e.write(j.data + 16, Bytes(32, 0xAA)).ok());
    const std::size_t before = j.e.page_writes();
    ASSERT_TRUE(j.e.recover().ok());
    recovery_writes = j.e.page_writes() - before;
  }
  ASSERT_GE(recovery_writes, 3u);  // two pages back and the closing header
  for (std::size_t k = 0; k < recovery_writes; ++k) {
    for (const Eeprom::Cut how : {Eeprom::Cut::kBeforeWrite, Eeprom::Cut::kTornWrite}) {
      Journaled j;
      j.e.seed_tearing(100 + k);
      const Bytes before = j.bytes();
      j.e.begin();
      ASSERT_TRUE(j.e.write(j.data + 16, Bytes(32, 0xAA)).ok());
      j.e.cut_power_at_page_write(k, how);
      EXPECT_EQ(j.e.recover().code(), Error::kIo) << k;
      j.e.cancel_power_cut();
      j.e.restore_power();
      ASSERT_TRUE(j.e.recover().ok()) << k;
      EXPECT_EQ(j.bytes(), before) << "k=" << k << " torn=" << (how == Eeprom::Cut::kTornWrite);
      // And a third power-on changes nothing more.
      ASSERT_TRUE(j.e.recover().ok());
      EXPECT_EQ(j.bytes(), before) << k;
    }
  }
}

TEST(EepromJournal, ATransactionLargerThanTheJournalIsRefusedWhole) {
  Journaled j;
  const Bytes before = j.bytes();
  j.e.begin();
  // Five pages changed: one more than the four undo records.
  EXPECT_EQ(j.e.write(j.data, Bytes(80, 0x55)).code(), Error::kBufferTooSmall);
  EXPECT_EQ(j.bytes(), before);
  ASSERT_TRUE(j.e.commit().ok());
  ASSERT_TRUE(j.e.recover().ok());
  EXPECT_EQ(j.bytes(), before);
}

TEST(EepromJournal, ThePagesOfTheJournalCannotBeWrittenOrAllocated) {
  Journaled j;
  EXPECT_LT(j.e.journal_offset(), j.e.size());
  EXPECT_EQ(j.e.journal_offset() % j.e.page_size(), 0u);
  EXPECT_EQ(j.e.write(j.e.journal_offset(), hex("00")).code(), Error::kInvalidArgument);
  EXPECT_EQ(j.e.write(j.e.journal_offset() - 1, hex("0000")).code(), Error::kInvalidArgument);
  EXPECT_EQ(j.e.allocate(j.e.journal_offset()).status().code(), Error::kBufferTooSmall);
}

TEST(EepromJournal, EnablingIsOnceBeforeAllocationAndMustFit) {
  Eeprom twice(1024, 16);
  ASSERT_TRUE(twice.enable_journal(2).ok());
  EXPECT_EQ(twice.enable_journal(2).code(), Error::kInvalidArgument);
  // Too late: personalisation data already lies where the journal would go.
  Eeprom late(1024, 16);
  ASSERT_TRUE(late.allocate(1000).ok());
  EXPECT_EQ(late.enable_journal(2).code(), Error::kInvalidArgument);
  Eeprom zero(1024, 16);
  EXPECT_EQ(zero.enable_journal(0).code(), Error::kInvalidArgument);
  Eeprom small(128, 16);
  EXPECT_EQ(small.enable_journal(8).code(), Error::kBufferTooSmall);
  EXPECT_FALSE(small.journaled());
}

TEST(EepromJournal, TheObserverSeesEveryCommitThatWroteAndNoOther) {
  Journaled j;
  int commits = 0;
  j.e.on_commit([&commits] { ++commits; });
  j.e.begin();
  ASSERT_TRUE(j.e.commit().ok());
  EXPECT_EQ(commits, 0);  // nothing written
  j.transaction();
  EXPECT_EQ(commits, 1);
}

// A try spent with write_lasting stays whatever happens to the rest of the command.
TEST(EepromJournal, ALastingWriteSurvivesTheUndoOfItsTransaction) {
  Journaled j;
  const Bytes before = j.bytes();
  j.e.begin();
  ASSERT_TRUE(j.e.write(j.data, hex("A1")).ok());            // before the lasting write: kept with it
  ASSERT_TRUE(j.e.write_lasting(j.data + 20, hex("B2")).ok());
  ASSERT_TRUE(j.e.write(j.data + 40, hex("C3")).ok());       // after it: undone
  ASSERT_TRUE(j.e.recover().ok());
  Bytes expected = before;
  expected[0] = 0xA1;
  expected[20] = 0xB2;
  EXPECT_EQ(j.bytes(), expected);
}

TEST(EepromJournal, ARecoveredMemoryLoadedAsAnImageRecoversTheSame) {
  Journaled j;
  const Bytes before = j.bytes();
  j.e.begin();
  ASSERT_TRUE(j.e.write(j.data + 16, Bytes(32, 0xAA)).ok());
  const ByteSpan image = j.e.image();
  const Bytes saved(image.begin(), image.end());
  Journaled other;
  ASSERT_TRUE(other.e.load_image(saved).ok());
  ASSERT_TRUE(other.e.recover().ok());
  EXPECT_EQ(other.bytes(), before);
}

}  // namespace
}  // namespace sscard::sim

// The rule that settles an interrupted e-cash load (docs/CONTACTLESS.md §4): the card's load log first, the
// balance only when the log cannot tell.
#include <gtest/gtest.h>

#include "sscard/flows/ecash.h"

namespace sscard::flows {
namespace {

using Kind = LoadResolution::Kind;
using Basis = LoadResolution::Basis;

// A load of 100.00 on a balance of 50.00, its GAC1 at ATC 0x20.
host::EcashLoad the_load() {
  host::EcashLoad load;
  load.pan = "6200515109004011018";
  load.old_balance_fen = 5000;
  load.amount_fen = 10000;
  return load;
}
constexpr std::uint16_t kLoadAtc = 0x20;

pboc::LoadRecord record(std::uint16_t atc, std::uint64_t before, std::uint64_t after) {
  return pboc::LoadRecord{0x9F79, before, after, atc};
}

LoadEvidence with_log(std::uint64_t balance, std::uint16_t card_atc, std::vector<pboc::LoadRecord> records,
                      bool full = false) {
  LoadEvidence e;
  e.balance_fen = balance;
  e.atc = card_atc;
  e.load_log = pboc::LoadLog{std::move(records), full, true};
  return e;
}

TEST(DecideLoad, ARecordWithTheLoadsAtcConfirmsWhateverTheBalanceSays) {
  // Rides took 6.00 since: 144.00 is neither 50.00 nor 150.00.
  const auto e = with_log(14400, 0x24, {record(kLoadAtc, 5000, 15000)});
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, e), std::pair(Kind::kConfirmed, Basis::kLoadLog));
}

TEST(DecideLoad, NoRecordOnceTheCardMovedOnReverses) {
  // An older load and a later one are there, this one is not.
  const auto e = with_log(4800, 0x24, {record(0x22, 5000, 7000), record(0x10, 1000, 5000)});
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, e), std::pair(Kind::kReversed, Basis::kLoadLog));
  // An empty log.
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, with_log(4800, 0x21, {})), std::pair(Kind::kReversed, Basis::kLoadLog));
  // The log decides even where the balance happens to be old + amount.
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, with_log(15000, 0x21, {})), std::pair(Kind::kReversed, Basis::kLoadLog));
}

TEST(DecideLoad, ARecordThatDisagreesWithTheJournalLeavesTheLoadUndecided) {
  const auto e = with_log(15000, 0x24, {record(kLoadAtc, 5000, 12000)});
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, e), std::pair(Kind::kUndecided, Basis::kNone));
}

TEST(DecideLoad, ALogThatMayHaveDroppedTheRecordLeavesItToTheBalance) {
  // Full, and every record newer than the load: it may have been overwritten.
  const auto full = with_log(4800, 0x40, {record(0x30, 0, 100), record(0x28, 0, 100)}, true);
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, full), std::pair(Kind::kUndecided, Basis::kNone));
  auto balance_says = full;
  balance_says.balance_fen = 5000;
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, balance_says), std::pair(Kind::kReversed, Basis::kBalance));
  // Full, but its oldest record is older than the load: it would be there.
  const auto reaches = with_log(4800, 0x40, {record(0x30, 0, 100), record(0x18, 0, 100)}, true);
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, reaches), std::pair(Kind::kReversed, Basis::kLoadLog));
}

TEST(DecideLoad, ACardWhoseAtcHasNotMovedPastTheLoadLeavesItToTheBalance) {
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, with_log(4800, kLoadAtc, {})),
            std::pair(Kind::kUndecided, Basis::kNone));
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, with_log(5000, kLoadAtc, {})),
            std::pair(Kind::kReversed, Basis::kBalance));
  LoadEvidence no_atc = with_log(15000, 0, {});
  no_atc.atc.reset();
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, no_atc), std::pair(Kind::kConfirmed, Basis::kBalance));
}

TEST(DecideLoad, WithoutALogTheBalanceDecidesAsBefore) {
  LoadEvidence e;
  e.atc = 0x24;
  e.balance_fen = 15000;
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, e), std::pair(Kind::kConfirmed, Basis::kBalance));
  e.balance_fen = 5000;
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, e), std::pair(Kind::kReversed, Basis::kBalance));
  e.balance_fen = 14400;
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, e), std::pair(Kind::kUndecided, Basis::kNone));
  // A log whose format holds no ATC, or a load whose ATC is not known, cannot be matched either.
  LoadEvidence no_atc_format = with_log(14400, 0x24, {record(kLoadAtc, 5000, 15000)});
  no_atc_format.load_log->has_atc = false;
  EXPECT_EQ(decide_load(the_load(), kLoadAtc, no_atc_format), std::pair(Kind::kUndecided, Basis::kNone));
  EXPECT_EQ(decide_load(the_load(), std::nullopt, with_log(14400, 0x24, {record(kLoadAtc, 5000, 15000)})),
            std::pair(Kind::kUndecided, Basis::kNone));
}

}  // namespace
}  // namespace sscard::flows

// Application selection and initiation against scripted cards (PAYMENT.md §4.1, §4.4, §8.2 steps 1–2).
#include <gtest/gtest.h>

#include "pboc_test_support.h"
#include "sscard/pboc/selection.h"

namespace sscard::pboc::testing {
namespace {

TEST(PbocSelection, PseDirectoryGivesTheApplication) {
  KernelRun k;
  k.slot.expect(kSelectPse, kPseFci)
      .expect(kReadDirectory1, kDirectoryRecord1)
      .expect(kReadDirectory2, "6A83")
      .expect(kSelectAid, std::string(kGen2Fci) + "9000");
  const auto selected = select_application(k.transport, k.terminal.config);
  ASSERT_TRUE(selected.ok());
  EXPECT_EQ(to_hex(selected->aid), "A000000333010101");
  EXPECT_EQ(selected->label, "PBOC DEBIT");
  EXPECT_EQ(to_hex(selected->pdol), "9F21039F4E14");
}

TEST(PbocSelection, CandidatesAreOrderedByPriority) {
  KernelRun k;
  k.terminal.config.aids.push_back(TerminalAid{from_hex("A000000333010102").value(), false});
  // Two entries: the credit AID with priority 2 first in the directory, the debit AID with priority 1.
  k.slot.expect(kSelectPse, kPseFci)
      .expect(kReadDirectory1,
              "7037611A4F08A000000333010102500B50424F4320435245444954870102"
              "61194F08A000000333010101500A50424F43204445424954870101"
              "9000")
      .expect(kReadDirectory2, "6A83");
  bool blocked = false;
  const auto list = build_candidate_list(k.transport, k.terminal.config, blocked);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(to_hex((*list)[0].aid), "A000000333010101");
  EXPECT_EQ((*list)[0].priority, 1);
  EXPECT_EQ(to_hex((*list)[1].aid), "A000000333010102");
  EXPECT_FALSE(blocked);
}

TEST(PbocSelection, WithoutPseTheTerminalsAidListIsUsed) {
  KernelRun k;
  k.slot.expect(kSelectPse, "6A82")
      .expect(kSelectAid, std::string(kGen2Fci) + "9000")   // building the candidate list
      .expect(kSelectAid, std::string(kGen2Fci) + "9000")   // final selection
      .expect(kGpo, "6985");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, Reason::kConditionsNotSatisfied);
  EXPECT_EQ(r.failed_step, Step::kInitiation);
  EXPECT_EQ(r.last_sw, StatusWord(0x6985));
  EXPECT_EQ(to_hex(r.aid), "A000000333010101");
  EXPECT_EQ(r.apdus, 4u);
}

TEST(PbocSelection, BlockedApplicationIsSkippedAndNothingIsLeft) {
  KernelRun k;
  k.slot.expect(kSelectPse, kPseFci)
      .expect(kReadDirectory1, kDirectoryRecord1)
      .expect(kReadDirectory2, "6A83")
      .expect(kSelectAid, std::string(kGen2Fci) + "6283");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kDeclined);
  EXPECT_EQ(r.reason, Reason::kApplicationBlocked);
  EXPECT_EQ(reason_text(r.reason), "payment application blocked");
  EXPECT_EQ(r.failed_step, Step::kSelection);
  EXPECT_TRUE(r.aid.empty());
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kNone);
  EXPECT_EQ(r.apdus, 4u);  // no GPO
}

TEST(PbocSelection, BlockedApplicationInTheAidListIsNotACandidate) {
  KernelRun k;
  k.slot.expect(kSelectPse, "6A82").expect(kSelectAid, std::string(kGen2Fci) + "6283");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kDeclined);
  EXPECT_EQ(r.reason, Reason::kApplicationBlocked);
  EXPECT_EQ(r.apdus, 2u);
}

TEST(PbocSelection, NoMatchingApplication) {
  KernelRun k;
  k.slot.expect(kSelectPse, "6A82").expect(kSelectAid, "6A82");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, Reason::kNoApplication);
}

TEST(PbocSelection, CardRemovedDuringSelection) {
  KernelRun k;
  k.slot.expect(kSelectPse, kPseFci).expect_removed(kReadDirectory1);
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, Reason::kCardCommunication);
  EXPECT_EQ(r.status, Error::kCardRemoved);
}

TEST(PbocInitiation, Generation3PdolGetsDf69AndAGbkMerchantName) {
  KernelRun k;
  k.terminal.config.national_algorithms = true;
  k.terminal.config.merchant_name = "重庆市社保自助终端一号机";  // 24 bytes in GBK: cut after 10 characters
  const std::string gen3_fci =
      "6F2F8408A000000333010101A523500A50424F432044454249548701019F3809DF69019F21039F4E14BF0C059F4D020B0A";
  // GBK of the name from Python's codec: D6D8 C7EC CAD0 C9E7 B1A3 D7D4 D6FA D6D5 B6CB D2BB | BAC5 BBFA.
  k.slot.expect(kSelectPse, kPseFci)
      .expect(kReadDirectory1, kDirectoryRecord1)
      .expect(kReadDirectory2, "6A83")
      .expect(kSelectAid, gen3_fci + "9000")
      .expect("80A800001A8318 01 103000 D6D8C7ECCAD0C9E7B1A3D7D4D6FAD6D5B6CBD2BB 00", "6985");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.reason, Reason::kConditionsNotSatisfied);
  EXPECT_EQ(r.data_set, DataSet::kSm);
}

TEST(PbocInitiation, RsaTerminalSendsDf69Zero) {
  KernelRun k;
  k.terminal.config.national_algorithms = false;
  const std::string gen3_fci =
      "6F2F8408A000000333010101A523500A50424F432044454249548701019F3809DF69019F21039F4E14BF0C059F4D020B0A";
  k.slot.expect(kSelectPse, kPseFci)
      .expect(kReadDirectory1, kDirectoryRecord1)
      .expect(kReadDirectory2, "6A83")
      .expect(kSelectAid, gen3_fci + "9000")
      .expect("80A800001A8318 00 103000 535343415244204B494F534B0000000000000000 00", "6985");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.data_set, DataSet::kRsa);
}

TEST(PbocInitiation, MalformedGpoAnswerIsATypedFailure) {
  KernelRun k;
  expect_selection_and_gpo(k.slot, "80127D00080101 9000");  // length 12 announced, 5 bytes given
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, Reason::kMalformedCardData);
  EXPECT_EQ(r.failed_step, Step::kInitiation);
}

TEST(PbocInitiation, AflWithSfiZeroIsRefusedBeforeAnyRead) {
  KernelRun k;
  expect_selection_and_gpo(k.slot, "80067D0000010100 9000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.reason, Reason::kMalformedCardData);
  EXPECT_EQ(r.failed_step, Step::kReadRecords);
}

}  // namespace
}  // namespace sscard::pboc::testing

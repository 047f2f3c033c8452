// Exactly-once money on the kiosk (PAYMENT.md §10): the reversal armed beside its authorise before the first
// send, dropped or made pending in one transaction, reason 04 for what a dead process left armed, and the
// kiosk's payment record that totals (0B) are built from.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "host_test_util.h"
#include "sscard/host/journal.h"

namespace sscard::host::testing {
namespace {

// FF40 of an authorise for the Chengdu card of PAYMENT.md §2 (PAN 6200515101008092011) and `amount` as the
// n12 BCD digits of 9F02 (e.g. "000000001234" = 12.34 yuan).
Bytes icc_for(const std::string& amount) {
  return from_hex("5A0A6200515101008092011F5F3401019F360200019F0206" + amount).value();
}

wire::Request authorise(std::uint8_t seed, const std::string& amount, std::string region = "510100") {
  wire::Request r;
  r.operation = wire::Operation::kAuthorise;
  r.key = key_of(seed);
  r.terminal = kKioskTerminal;
  r.serving_province = std::string(wire::kChongqing);
  r.card_region = std::move(region);
  r.date = "20261205";
  r.icc_data = icc_for(amount);
  return r;
}

wire::Request reversal_of(const wire::Request& original, std::uint8_t seed) {
  wire::Request r;
  r.operation = wire::Operation::kReverse;
  r.key = key_of(seed);
  r.terminal = original.terminal;
  r.serving_province = original.serving_province;
  r.card_region = original.card_region;
  r.date = original.date;
  r.original_key = original.key;
  r.reversal_reason = wire::ReversalReason::kNoAnswer;
  r.icc_data = original.icc_data;
  return r;
}

wire::Request confirmation_of(const wire::Request& original, std::uint8_t seed) {
  wire::Request r = reversal_of(original, seed);
  r.operation = wire::Operation::kConfirm;
  r.reversal_reason.reset();
  return r;
}

wire::Response reversal_answer(wire::ReversalStatus status) {
  wire::Response r;
  r.home_issuer = "510000";
  r.served_by = "500000";
  r.reversal_status = status;
  return r;
}

std::size_t pending_count(Journal& journal) {
  auto pending = journal.pending();
  return pending.ok() ? pending->size() : 999;
}

TEST(ArmedReversal, ArmingWritesNothingPendingAndActivationMakesTheSameReversalPending) {
  Journal journal = open_or_die(":memory:");
  const wire::Request original = authorise(1, "000000001234");
  const wire::Request reversal = reversal_of(original, 2);
  ASSERT_TRUE(journal.arm(original, reversal).ok());
  EXPECT_EQ(journal.armed_count().value(), 1);
  EXPECT_EQ(pending_count(journal), 0u);  // armed is not pending: recovery of others leaves it alone
  EXPECT_EQ(journal.find(original.key).status().code(), Error::kNotFound);  // the authorise is never resent

  auto activated = journal.activate(original.key, wire::ReversalReason::kCardDeclined);
  ASSERT_TRUE(activated.ok());
  EXPECT_EQ(activated->key, reversal.key);
  EXPECT_EQ(activated->original_key, original.key);
  EXPECT_EQ(activated->reversal_reason, wire::ReversalReason::kCardDeclined);
  EXPECT_EQ(activated->icc_data, reversal.icc_data);
  EXPECT_EQ(journal.armed_count().value(), 0);
  auto pending = journal.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].request, *activated);
  EXPECT_EQ(journal.activate(original.key, wire::ReversalReason::kCardError).status().code(), Error::kNotFound);
}

// The card's script results join the reversal at activation (9F5B after the armed tags, PAYMENT.md §9.1).
TEST(ArmedReversal, ActivationCanCarryTheCardsScriptResults) {
  Journal journal = open_or_die(":memory:");
  const wire::Request original = authorise(8, "000000000100");
  ASSERT_TRUE(journal.arm(original, reversal_of(original, 9)).ok());
  const Bytes with_scripts =
      from_hex("5A0A6200515101008092011F5F3401019F360200019F02060000000001009F5B052000000001").value();
  auto activated = journal.activate(original.key, wire::ReversalReason::kCardError, with_scripts);
  ASSERT_TRUE(activated.ok());
  EXPECT_EQ(activated->icc_data, with_scripts);
  EXPECT_EQ(journal.find(activated->key)->request.icc_data, with_scripts);
}

TEST(ArmedReversal, DisarmingDropsItAndATcDisarmsAndWritesTheConfirmationTogether) {
  Journal journal = open_or_die(":memory:");
  const wire::Request declined = authorise(3, "000000000500");
  ASSERT_TRUE(journal.arm(declined, reversal_of(declined, 4)).ok());
  ASSERT_TRUE(journal.disarm(declined.key).ok());
  EXPECT_EQ(journal.armed_count().value(), 0);
  EXPECT_EQ(pending_count(journal), 0u);
  EXPECT_EQ(journal.disarm(declined.key).code(), Error::kNotFound);

  const wire::Request approved = authorise(5, "000000000700");
  ASSERT_TRUE(journal.arm(approved, reversal_of(approved, 6)).ok());
  const wire::Request confirm = confirmation_of(approved, 7);
  ASSERT_TRUE(journal.disarm(approved.key, &confirm).ok());
  EXPECT_EQ(journal.armed_count().value(), 0);
  auto pending = journal.pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].request, confirm);
}

TEST(ArmedReversal, BadRequestsAreRefusedAndChangeNothing) {
  Journal journal = open_or_die(":memory:");
  wire::Request with_pin = authorise(10, "000000000100");
  with_pin.pin_block = wire::PinBlock{1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(journal.arm(with_pin, reversal_of(with_pin, 11)).code(), Error::kInvalidArgument);  // DF41 is never kept

  const wire::Request original = authorise(12, "000000000100");
  wire::Request other = reversal_of(original, 13);
  other.original_key = key_of(99);
  EXPECT_EQ(journal.arm(original, other).code(), Error::kInvalidArgument);
  EXPECT_EQ(journal.arm(original, reversal_of(original, 12)).code(), Error::kInvalidArgument);  // same key twice
  const wire::Request unknown_region = authorise(14, "000000000100", "990100");
  EXPECT_EQ(journal.arm(unknown_region, reversal_of(unknown_region, 15)).code(), Error::kInvalidArgument);
  wire::Request no_amount = authorise(16, "000000000100");
  no_amount.icc_data = from_hex("5A0A6200515101008092011F").value();
  EXPECT_EQ(journal.arm(no_amount, reversal_of(no_amount, 17)).code(), Error::kInvalidArgument);
  EXPECT_EQ(journal.arm(sample_request(wire::Operation::kReportLoss, key_of(18)), reversal_of(original, 19)).code(),
            Error::kInvalidArgument);

  EXPECT_EQ(journal.armed_count().value(), 0);
  EXPECT_EQ(pending_count(journal), 0u);
  const wire::Totals none{};
  EXPECT_EQ(journal.totals("510000", "20261205").value(), none);

  // A confirmation that names another original does not disarm.
  ASSERT_TRUE(journal.arm(original, reversal_of(original, 20)).ok());
  const wire::Request wrong = confirmation_of(authorise(21, "000000000100"), 22);
  EXPECT_EQ(journal.disarm(original.key, &wrong).code(), Error::kInvalidArgument);
  EXPECT_EQ(journal.armed_count().value(), 1);
}

// The kiosk dies with a reversal armed: the next start reverses with reason 04 under the armed key.
TEST(ArmedReversal, WhatADeadProcessLeftArmedIsReversedWithReason04ByRecovery) {
  TempDir dir;
  const auto file = dir.file("journal.db").string();
  const wire::Request original = authorise(30, "000000001234");
  const wire::Request reversal = reversal_of(original, 31);
  {
    Journal journal = open_or_die(file);
    ASSERT_TRUE(journal.arm(original, reversal).ok());
  }
  FakeHost host(test_crypto(), std::string(wire::kChongqing), kKioskTerminal, test_link_key());
  wire::FunctionChannel channel = host.channel();
  HostClient client(test_crypto(), kiosk_identity(), channel, no_wait());
  Journal journal = open_or_die(file);
  auto recovered = recover(client, journal);
  ASSERT_TRUE(recovered.ok());
  ASSERT_EQ(recovered->size(), 1u);
  EXPECT_EQ((*recovered)[0].kind, Recovery::Kind::kDone);
  ASSERT_EQ(host.seen.size(), 1u);
  EXPECT_EQ(host.seen[0].operation, wire::Operation::kReverse);
  EXPECT_EQ(host.seen[0].key, reversal.key);
  EXPECT_EQ(host.seen[0].original_key, original.key);
  EXPECT_EQ(host.seen[0].reversal_reason, wire::ReversalReason::kRestart);
  EXPECT_EQ(journal.armed_count().value(), 0);
  EXPECT_EQ(pending_count(journal), 0u);
}

TEST(KioskPaymentRecord, TotalsCountApprovedAndReversedPaymentsPerIssuerAndDate) {
  Journal journal = open_or_die(":memory:");
  // a: approved 12.34, completed. b: approved 5.00, then reversed (card declined). c: approval never seen,
  // reversed with reason 01 (the issuer had applied it). d: declined by the issuer (disarmed). e: Chongqing.
  const wire::Request a = authorise(40, "000000001234");
  const wire::Request b = authorise(41, "000000000500");
  const wire::Request c = authorise(42, "000000000077");
  const wire::Request d = authorise(43, "000000009999");
  const wire::Request e = authorise(44, "000000000300", "500152");
  const std::uint8_t reversal_seed = 50;
  for (const wire::Request* r : {&a, &b, &c, &d, &e}) {
    ASSERT_TRUE(journal.arm(*r, reversal_of(*r, static_cast<std::uint8_t>(reversal_seed + r->key[0]))).ok());
  }
  ASSERT_TRUE(journal.note_approval(a.key).ok());
  ASSERT_TRUE(journal.note_approval(b.key).ok());
  ASSERT_TRUE(journal.note_approval(e.key).ok());
  ASSERT_TRUE(journal.disarm(a.key, nullptr).ok());
  ASSERT_TRUE(journal.disarm(d.key).ok());
  ASSERT_TRUE(journal.disarm(e.key).ok());
  for (const wire::Request* r : {&b, &c}) {
    auto rev = journal.activate(r->key, wire::ReversalReason::kNoAnswer);
    ASSERT_TRUE(rev.ok());
    ASSERT_TRUE(journal.complete(rev->key, reversal_answer(wire::ReversalStatus::kReversed)).ok());
  }

  wire::Totals sichuan;
  sichuan.approved_count = 3;
  sichuan.approved_fen = 1234 + 500 + 77;
  sichuan.reversed_count = 2;
  sichuan.reversed_fen = 500 + 77;
  EXPECT_EQ(journal.totals("510000", "20261205").value(), sichuan);
  wire::Totals chongqing;
  chongqing.approved_count = 1;
  chongqing.approved_fen = 300;
  EXPECT_EQ(journal.totals("500000", "20261205").value(), chongqing);
  EXPECT_EQ(journal.totals("510000", "20261206").value(), wire::Totals{});
}

TEST(KioskPaymentRecord, AReversalOfADeclinedOriginalChangesNoRecord) {
  Journal journal = open_or_die(":memory:");
  const wire::Request a = authorise(60, "000000001000");
  ASSERT_TRUE(journal.arm(a, reversal_of(a, 61)).ok());
  auto rev = journal.activate(a.key, wire::ReversalReason::kRestart);
  ASSERT_TRUE(rev.ok());
  ASSERT_TRUE(journal.complete(rev->key, reversal_answer(wire::ReversalStatus::kNothingToReverse)).ok());
  EXPECT_EQ(journal.totals("510000", "20261205").value(), wire::Totals{});
}

}  // namespace
}  // namespace sscard::host::testing

// Whole transactions of the kernel against the scripted Chengdu generation 2 card (PAYMENT.md §4, §8.2).
// Unless a test says otherwise the kiosk has no CA key for the card, so CDA (the method P42 picks for this
// card and the kiosk's 9F33 20D8C8) fails before GENERATE AC: TVR 1.3, no CDA request, and the enciphered PIN
// rule 4403 fails for want of the ICC key, leaving the plaintext PIN rule 0103.
#include <gtest/gtest.h>

#include "pboc_test_support.h"

namespace sscard::pboc::testing {
namespace {

// TVR of the usual online path: CDA failed (1.3), floor limit 0 exceeded (4.8).
constexpr const char* kTvrOnline = "0400008000";

std::string gac_answer(const char* cid, const char* ac) {
  return std::string("8013") + cid + "0005" + ac + kIad + "9000";
}

// Everything up to and including GENERATE AC 1 answered with an ARQC.
void expect_up_to_arqc(KernelRun& k) {
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot);
  expect_plaintext_pin_ok(k.slot);
  expect_velocity(k.slot);
  k.slot.expect("80AE80001D" + cdol1(kTvrOnline) + "00", gac_answer("80", kArqc));
  k.pinpad.type("246810");
}

TEST(PbocKernel, ApprovedOnline) {
  KernelRun k;
  expect_up_to_arqc(k);
  k.authoriser.answer("00", std::string("8590738A25DD0226") + "3030");
  k.slot.expect("008200000A8590738A25DD02263030", "9000")
      .expect("80AE40001F3030" + cdol1(kTvrOnline) + "00", gac_answer("40", kTc));
  const TransactionRecord r = k.run();

  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(r.reason, Reason::kApprovedOnline);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(to_hex(r.tvr.bytes()), kTvrOnline);
  EXPECT_EQ(to_hex(r.tsi.bytes()), "F800");  // ODA, CVM, card risk management, issuer authentication, TRM
  EXPECT_TRUE(r.tvr.has(TvrBit::kCdaFailed));
  EXPECT_TRUE(r.tvr.has(TvrBit::kFloorLimitExceeded));
  EXPECT_EQ(oda_name(r.oda_method, r.oda_result), "failed");
  EXPECT_EQ(r.oda_method, OdaMethod::kCda);
  EXPECT_EQ(r.cvm, Cvm::kOfflinePin);
  EXPECT_EQ(to_hex(r.cvm_results), "010302");
  EXPECT_TRUE(r.online);
  EXPECT_TRUE(r.issuer_authentication_ok);
  EXPECT_EQ(r.atc, 5);
  EXPECT_EQ(r.pan, kPan);
  EXPECT_EQ(r.apdus, 22u);
  ASSERT_TRUE(r.second_gac.has_value());
  EXPECT_EQ(to_hex(r.second_gac->cryptogram), kTc);
  EXPECT_FALSE(r.approved_online_but_not_completed);

  // The online request: FF40's value in the order of §9.1, the amount and the PAN.
  EXPECT_EQ(k.authoriser.calls, 1);
  EXPECT_EQ(k.authoriser.amount_fen, kAmountFen);
  EXPECT_EQ(k.authoriser.pan, kPan);
  EXPECT_FALSE(k.authoriser.pin_block.has_value());
  EXPECT_EQ(to_hex(k.authoriser.icc_data),
            std::string("5A0A6200515101008092011F") + "5F340101" + "5F2403280920" + "82027D00" +
                "8408A000000333010101" + "9F36020005" + "9F2608" + kArqc + "9F270180" + "9F1008" + kIad +
                "9F37041A2B3C4D" + "9505" + kTvrOnline + "9A03260115" + "9F2103103000" + "9C0100" +
                "9F0206000000001234" + "9F0306000000000000" + "5F2A020156" + "9F1A020156" + "9F330320D8C8" +
                "9F3403010302" + "9F350114" + "9F09020030");
  EXPECT_EQ(to_hex(r.icc_data), to_hex(k.authoriser.icc_data));

  // The readable record names the bits, and never prints the whole PAN.
  const std::string text = describe(r);
  EXPECT_NE(text.find("combined DDA/application cryptogram generation failed"), std::string::npos);
  EXPECT_NE(text.find("620051*********2011"), std::string::npos);
  EXPECT_EQ(text.find(kPan), std::string::npos);
}

TEST(PbocKernel, DeclinedOnlineInsufficientFunds) {
  KernelRun k;
  expect_up_to_arqc(k);
  k.authoriser.answer("51", std::string("0102030405060708") + "3531");
  k.slot.expect("008200000A01020304050607083531", "9000")
      .expect("80AE00001F3531" + cdol1(kTvrOnline) + "00", gac_answer("00", kTc));
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByIssuer);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(std::string(r.response_code.data(), 2), "51");
  EXPECT_TRUE(r.online);
  EXPECT_FALSE(r.approved_online_but_not_completed);
}

TEST(PbocKernel, UnableToGoOnlineEndsWithAacZ3OnAnOnlineOnlyKiosk) {
  KernelRun k;
  expect_up_to_arqc(k);
  k.authoriser.fail(OnlineFailure::kTimeout);
  // 8A = "Z3" (5A33); no EXTERNAL AUTHENTICATE; AAC asked without the default comparison (P41).
  k.slot.expect("80AE00001F5A33" + cdol1(kTvrOnline) + "00", gac_answer("00", kTc));
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kUnableToGoOnline);
  EXPECT_FALSE(r.online);
  EXPECT_TRUE(r.online_attempted);
  ASSERT_TRUE(r.online_failure.has_value());
  EXPECT_EQ(*r.online_failure, OnlineFailure::kTimeout);
  EXPECT_EQ(std::string(r.arc_sent.data(), 2), "Z3");
  EXPECT_FALSE(r.tsi.has(TsiBit::kIssuerAuthenticationPerformed));
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
}

TEST(PbocKernel, WrongPinThenRightPin) {
  KernelRun k;
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot);
  k.slot.expect("80CA9F1700", "9F1701039000")
      .expect("002000800826111111FFFFFFFF", "63C2")
      .expect("002000800826246810FFFFFFFF", "9000");
  expect_velocity(k.slot);
  k.slot.expect("80AE80001D" + cdol1(kTvrOnline) + "00", gac_answer("80", kArqc));
  k.pinpad.type("111111");
  k.pinpad.type("246810");
  k.authoriser.answer("00", std::string("8590738A25DD0226") + "3030");
  k.slot.expect("008200000A8590738A25DD02263030", "9000")
      .expect("80AE40001F3030" + cdol1(kTvrOnline) + "00", gac_answer("40", kTc));
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(k.pinpad.prompts(), 2u);
  EXPECT_EQ(r.pin_tries_left, 2);
  EXPECT_FALSE(r.tvr.has(TvrBit::kCardholderVerificationFailed));
  EXPECT_EQ(to_hex(r.cvm_results), "010302");
}

class PbocPinBlocked : public ::testing::TestWithParam<const char*> {};

TEST_P(PbocPinBlocked, CardholderVerificationFailsAndTheCardDeclinesOffline) {
  KernelRun k;
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot);
  k.slot.expect("80CA9F1700", "9F1701019000").expect("002000800826000000FFFFFFFF", GetParam());
  expect_velocity(k.slot);
  // TVR 3.8 and 3.6: the IAC-denial (3.8) makes it an AAC request at GAC1.
  k.slot.expect("80AE00001D" + cdol1("0400A08000") + "00", gac_answer("00", kTc));
  k.pinpad.type("000000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedOffline);
  EXPECT_TRUE(r.tvr.has(TvrBit::kPinTryLimitExceeded));
  EXPECT_TRUE(r.tvr.has(TvrBit::kCardholderVerificationFailed));
  EXPECT_EQ(to_hex(r.tvr.bytes()), "0400A08000");
  EXPECT_EQ(to_hex(r.cvm_results), "010301");
  EXPECT_EQ(r.pin_tries_left, 0);
  EXPECT_EQ(std::string(r.arc_sent.data(), 2), "Z1");
  EXPECT_EQ(k.authoriser.calls, 0);
}

INSTANTIATE_TEST_SUITE_P(StatusWords, PbocPinBlocked, ::testing::Values("63C0", "6983"));

TEST(PbocKernel, PinTryCounterAtZeroAsksForNoPin) {
  KernelRun k;
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot);
  k.slot.expect("80CA9F1700", "9F1701009000");
  expect_velocity(k.slot);
  k.slot.expect("80AE00001D" + cdol1("0400A08000") + "00", gac_answer("00", kTc));
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kDeclined);
  EXPECT_EQ(k.pinpad.prompts(), 0u);
  EXPECT_TRUE(r.tvr.has(TvrBit::kPinTryLimitExceeded));
}

TEST(PbocKernel, ExpiredCardSetsExpiredApplication) {
  KernelRun k;
  std::string record = kSfi2Record1;
  record.replace(record.find("5F2403280920"), 12, "5F2403250601");  // expiry 2025-06-01
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot, record);
  expect_plaintext_pin_ok(k.slot);
  expect_velocity(k.slot);
  k.slot.expect("80AE80001D" + cdol1("0440008000") + "00", gac_answer("80", kArqc));
  k.pinpad.type("246810");
  k.authoriser.answer("54", std::string("A1A2A3A4A5A6A7A8") + "3534");
  k.slot.expect("008200000AA1A2A3A4A5A6A7A83534", "9000")
      .expect("80AE00001F3534" + cdol1("0440008000") + "00", gac_answer("00", kTc));
  const TransactionRecord r = k.run();
  EXPECT_TRUE(r.tvr.has(TvrBit::kExpiredApplication));
  EXPECT_EQ(r.tvr.bytes()[1], 0x40);
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByIssuer);
}

TEST(PbocKernel, AmountOverTheFloorLimitGoesOnline) {
  // An attended terminal that can approve offline (22), floor limit 1000.00 yuan, no ODA, TACs clear;
  // the card's IAC-online asks only for "floor limit exceeded" and its IAC-default for nothing.
  KernelRun k;
  k.terminal.config.terminal_type = 0x22;
  k.terminal.config.capabilities = {0xE0, 0x88, 0x00};  // plaintext PIN, no CVM; no ODA
  k.terminal.config.floor_limit_fen = 100000;
  k.terminal.config.tac_online = {};
  k.terminal.config.tac_default = {};
  std::string record = kSfi2Record1;
  record.replace(record.find("9F0D05FCF8FCF800"), 16, "9F0D050000000000");
  record.replace(record.find("9F0F05FCF8FCF800"), 16, "9F0F050000008000");
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot, record);
  expect_plaintext_pin_ok(k.slot);
  expect_velocity(k.slot);
  // TVR 1.8 (no ODA) and 4.8: ARQC.
  k.slot.expect("80AE80001D" + cdol1("8000008000", "000000200000") + "00", gac_answer("80", kArqc));
  k.pinpad.type("246810");
  k.authoriser.answer("00", std::string("8590738A25DD0226") + "3030");
  k.slot.expect("008200000A8590738A25DD02263030", "9000")
      .expect("80AE40001F3030" + cdol1("8000008000", "000000200000") + "00", gac_answer("40", kTc));
  const TransactionRecord r = k.run(test_request(200000));
  EXPECT_TRUE(r.tvr.has(TvrBit::kFloorLimitExceeded));
  EXPECT_TRUE(r.tvr.has(TvrBit::kOdaNotPerformed));
  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(r.first_gac->type(), Cryptogram::kArqc);
}

TEST(PbocKernel, AmountUnderTheFloorLimitIsApprovedOffline) {
  KernelRun k;
  k.terminal.config.terminal_type = 0x22;
  k.terminal.config.capabilities = {0xE0, 0x88, 0x00};
  k.terminal.config.floor_limit_fen = 100000;
  k.terminal.config.tac_online = {};
  k.terminal.config.tac_default = {};
  std::string record = kSfi2Record1;
  record.replace(record.find("9F0D05FCF8FCF800"), 16, "9F0D050000000000");
  record.replace(record.find("9F0F05FCF8FCF800"), 16, "9F0F050000008000");
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot, record);
  expect_plaintext_pin_ok(k.slot);
  expect_velocity(k.slot);
  k.slot.expect("80AE40001D" + cdol1("8000000000") + "00", gac_answer("40", kTc));
  k.pinpad.type("246810");
  const TransactionRecord r = k.run();
  EXPECT_FALSE(r.tvr.has(TvrBit::kFloorLimitExceeded));
  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(r.reason, Reason::kApprovedOffline);
  EXPECT_EQ(k.authoriser.calls, 0);
}

TEST(PbocKernel, ArpcRejectedByTheCard) {
  KernelRun k;
  expect_up_to_arqc(k);
  k.authoriser.answer("00", std::string("0000000000000000") + "3030");
  // 63 00 to EXTERNAL AUTHENTICATE: TVR 5.7 goes into CDOL2's 95; the card refuses the TC.
  k.slot.expect("008200000A00000000000000003030", "6300")
      .expect("80AE40001F3030" + cdol1("0400008040") + "00", gac_answer("00", kTc));
  const TransactionRecord r = k.run();
  EXPECT_TRUE(r.tvr.has(TvrBit::kIssuerAuthenticationFailed));
  EXPECT_TRUE(r.tsi.has(TsiBit::kIssuerAuthenticationPerformed));
  EXPECT_FALSE(r.issuer_authentication_ok);
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByCard);
  EXPECT_TRUE(r.approved_online_but_not_completed);  // the host link reverses (reason 02)
}

TEST(PbocKernel, UnknownCaIndexFailsOda) {
  KernelRun k;
  CaKey key;
  key.rid = {0xA0, 0x00, 0x00, 0x03, 0x33};
  key.index = 0xE0;
  key.modulus = Bytes(176, 0xC3);
  key.exponent = {0x03};
  key.expiry = Date{2035, 12, 31};
  k.ca_keys.add(key);
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot, kSfi2Record1, "E9");  // the card names index E9
  expect_plaintext_pin_ok(k.slot);
  expect_velocity(k.slot);
  // No CDA request (P1 80, not 90) once ODA failed.
  k.slot.expect("80AE80001D" + cdol1(kTvrOnline) + "00", gac_answer("80", kArqc));
  k.pinpad.type("246810");
  k.authoriser.fail(OnlineFailure::kUnreachable);
  k.slot.expect("80AE00001F5A33" + cdol1(kTvrOnline) + "00", gac_answer("00", kTc));
  const TransactionRecord r = k.run();
  EXPECT_TRUE(r.tvr.has(TvrBit::kCdaFailed));
  EXPECT_FALSE(r.tvr.has(TvrBit::kOdaNotPerformed));
  EXPECT_TRUE(r.tsi.has(TsiBit::kOdaPerformed));
  EXPECT_EQ(r.oda_result, OdaResult::kFailed);
  EXPECT_EQ(describe_tvr(r.tvr).find("combined DDA/application cryptogram generation failed"), 0u);
}

TEST(PbocKernel, MalformedTlvInARecordStopsBeforeGenerateAc) {
  KernelRun k;
  expect_selection_and_gpo(k.slot);
  k.slot.expect("00B2010C00", std::string(kSfi1Record1) + "9000")
      .expect("00B2011400", std::string(kSfi2Record1) + "9000")
      // 8C announces 0x25 bytes inside a 70 template of 0x3A: the inner TLV runs past its template.
      .expect("00B2021400",
              "703A8C259F02069F03069F1A0295055F2A029A039C019F37048D178A029F02069F03069F1A0295055F2A029A039C019F37"
              "049F49039F37049F4A0182 9000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, Reason::kMalformedCardData);
  EXPECT_EQ(r.failed_step, Step::kReadRecords);
  EXPECT_FALSE(r.first_gac.has_value());
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kNone);
  EXPECT_EQ(r.apdus, 8u);  // the script has nothing more: any further command would fail the test
}

TEST(PbocKernel, RepeatedTagInTheRecordsStops) {
  KernelRun k;
  expect_selection_and_gpo(k.slot);
  k.slot.expect("00B2010C00", "70125A0A6200515101008092011F5F20035353439000")
      .expect("00B2011400", std::string(kSfi2Record1) + "9000");  // 5A again
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.reason, Reason::kMalformedCardData);
  EXPECT_EQ(r.failed_step, Step::kReadRecords);
}

TEST(PbocKernel, MissingCdolSetsIccDataMissing) {
  KernelRun k;
  // AFL: SFI 1 record 1 and SFI 2 record 1 only, so 8C and 8D are never read.
  expect_selection_and_gpo(k.slot, "800A7D000801010010010101 9000");
  k.slot.expect("00B2010C00", std::string(kSfi1Record1) + "9000")
      .expect("00B2011400", std::string(kSfi2Record1) + "9000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, Reason::kMissingCardData);
  EXPECT_TRUE(r.tvr.has(TvrBit::kIccDataMissing));
}

TEST(PbocKernel, OnlinePinIsEncipheredUnderThePekAndHandedToTheIssuerLink) {
  KernelRun k;
  // Online PIN and no CVM only: rule 4403 and 0103 are skipped (condition 03), 0203 applies.
  k.terminal.config.capabilities = {0x20, 0x48, 0xC8};
  k.terminal.config.pin_encryption_key = std::array<std::uint8_t, 16>{
      0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot);
  expect_velocity(k.slot);
  // TVR 1.3, 3.3 online PIN entered, 4.8.
  k.slot.expect("80AE80001D" + cdol1("0400048000") + "00", gac_answer("80", kArqc));
  k.pinpad.type("246810");
  k.authoriser.answer("00", std::string("8590738A25DD0226") + "3030");
  k.slot.expect("008200000A8590738A25DD02263030", "9000")
      .expect("80AE40001F3030" + cdol1("0400048000") + "00", gac_answer("40", kTc));
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(r.cvm, Cvm::kOnlinePin);
  EXPECT_EQ(to_hex(r.cvm_results), "020300");
  ASSERT_TRUE(k.authoriser.pin_block.has_value());
  // Format 0 of 246810 with PAN digits 510100809201, 3DES-ECB under the PEK (openssl enc -des-ede-ecb).
  EXPECT_EQ(to_hex(*k.authoriser.pin_block), "C5243971A21EF461");
}

TEST(PbocKernel, NoKeypadFailsThePinRules) {
  KernelRun k;
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot);
  expect_velocity(k.slot);
  // 3.5 and 3.8 with 1.3 and 4.8: IAC-denial's 3.8 gives an AAC request.
  k.slot.expect("80AE00001D" + cdol1("0400908000") + "00", gac_answer("00", kTc));
  const TransactionRecord r = k.run(test_request(), /*with_pinpad=*/false);
  EXPECT_TRUE(r.tvr.has(TvrBit::kPinPadMissing));
  EXPECT_EQ(r.outcome, Outcome::kDeclined);
}

TEST(PbocKernel, IssuerScriptsRunAfterTheSecondGenerateAc) {
  KernelRun k;
  expect_up_to_arqc(k);
  // Two 72 scripts: APPLICATION BLOCK accepted; then a command the card refuses with 69 88 (wrong MAC).
  const std::string script1 = "72129F180400000001860984 1E000004 62804732";
  const std::string script2 = "72129F180400000002860984 18000004 01020304";
  k.authoriser.answer("00", std::string("8590738A25DD0226") + "3030", script1 + script2);
  k.slot.expect("008200000A8590738A25DD02263030", "9000")
      .expect("80AE40001F3030" + cdol1(kTvrOnline) + "00", gac_answer("40", kTc))
      .expect("841E00000462804732", "9000")
      .expect("841800000401020304", "6988");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(to_hex(r.script_results), "2000000001" "1100000002");
  EXPECT_TRUE(r.tsi.has(TsiBit::kScriptProcessingPerformed));
  EXPECT_TRUE(r.tvr.has(TvrBit::kScriptFailedAfterFinalGac));
}

TEST(PbocKernel, ScriptsOver128BytesAreNotRun) {
  KernelRun k;
  expect_up_to_arqc(k);
  std::string padding;
  for (int i = 0; i < 110; ++i) padding += "00";
  // One 72 of 127 bytes (run), then another that passes the limit (not run).
  const std::string big = "727D9F1804000000018609841E00000462804732" "DF0168" + padding.substr(0, 2 * 104);
  const std::string next = "72129F180400000002860984180000040102030A";
  k.authoriser.answer("00", std::string("8590738A25DD0226") + "3030", big + next);
  k.slot.expect("008200000A8590738A25DD02263030", "9000")
      .expect("80AE40001F3030" + cdol1(kTvrOnline) + "00", gac_answer("40", kTc))
      .expect("841E00000462804732", "9000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(to_hex(r.script_results), "2000000001" "0000000002");
  EXPECT_FALSE(r.tvr.has(TvrBit::kScriptFailedAfterFinalGac));
}

TEST(PbocKernel, CardRemovedAtTheSecondGenerateAcAfterApprovalAsksForAReversal) {
  KernelRun k;
  expect_up_to_arqc(k);
  k.authoriser.answer("00", std::string("8590738A25DD0226") + "3030");
  k.slot.expect("008200000A8590738A25DD02263030", "9000")
      .expect_removed("80AE40001F3030" + cdol1(kTvrOnline) + "00");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.failed_step, Step::kSecondGenerateAc);
  EXPECT_EQ(r.status, Error::kCardRemoved);
  EXPECT_TRUE(r.approved_online_but_not_completed);
}

TEST(PbocKernel, GenerateAcAnswerAboveTheRequestIsRefused) {
  KernelRun k;
  expect_selection_and_gpo(k.slot);
  expect_records(k.slot);
  expect_plaintext_pin_ok(k.slot);
  expect_velocity(k.slot);
  k.slot.expect("80AE80001D" + cdol1(kTvrOnline) + "00", gac_answer("40", kTc));  // TC for an ARQC request
  k.pinpad.type("246810");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, Reason::kMalformedCardData);
  EXPECT_EQ(k.authoriser.calls, 0);
}

}  // namespace
}  // namespace sscard::pboc::testing

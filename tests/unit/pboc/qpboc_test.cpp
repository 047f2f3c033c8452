// The qPBOC kernel (docs/CONTACTLESS.md §3) against scripted generation 3 cards.
#include <gtest/gtest.h>

#include "qpboc_test_support.h"
#include "sscard/core/tlv.h"
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
#include "sscard/crypto/mbedtls.h"
#endif

namespace sscard::pboc::testing {
namespace {

std::string hex(ByteSpan b) { return to_hex(b); }

// ---- TTQ (§3.1): static 36000080, byte 2 from the checks ----

TEST(QpbocTtq, UnderTheFloorLimitAsksForNothing) {
  const auto ttq = terminal_transaction_qualifiers(kiosk_contactless(), 1234);
  ASSERT_TRUE(ttq.has_value());
  EXPECT_EQ(hex(*ttq), "36000080");
}

TEST(QpbocTtq, AtTheFloorLimitStaysOffline) {
  EXPECT_EQ(hex(*terminal_transaction_qualifiers(kiosk_contactless(), 50000)), "36000080");
}

TEST(QpbocTtq, OverTheFloorLimitAsksForAnOnlineCryptogram) {
  EXPECT_EQ(hex(*terminal_transaction_qualifiers(kiosk_contactless(), 50001)), "36800080");
}

TEST(QpbocTtq, AtTheCvmLimitAsksForCvmToo) {
  ContactlessConfig c = kiosk_contactless();
  c.transaction_limit_fen = 200000;
  EXPECT_EQ(hex(*terminal_transaction_qualifiers(c, 100000)), "36C00080");
  EXPECT_EQ(hex(*terminal_transaction_qualifiers(c, 99999)), "36800080");
}

TEST(QpbocTtq, AtTheContactlessLimitNothingIsSent) {
  EXPECT_FALSE(terminal_transaction_qualifiers(kiosk_contactless(), 100000).has_value());
  EXPECT_TRUE(terminal_transaction_qualifiers(kiosk_contactless(), 99999).has_value());
}

TEST(QpbocTtq, AmountZeroOnAnOnlineCapableTerminalGoesOnline) {
  EXPECT_EQ(hex(*terminal_transaction_qualifiers(kiosk_contactless(), 0)), "36800080");
}

TEST(QpbocTtq, OfflineOnlyTerminalSetsByte1Bit4) {
  ContactlessConfig c = kiosk_contactless();
  c.offline_only = true;
  EXPECT_EQ(hex(*terminal_transaction_qualifiers(c, 1234)), "3E000080");
  EXPECT_EQ(hex(*terminal_transaction_qualifiers(c, 0)), "3E000080");  // amount 0: online-capable ones only
}

TEST(QpbocTtq, DeferredAuthorisationValidatorSetsByte3Bit8) {
  ContactlessConfig c = kiosk_contactless();
  c.deferred_authorisation = true;
  c.floor_limit_fen = 100000;
  EXPECT_EQ(hex(*terminal_transaction_qualifiers(c, 300)), "36008080");  // byte 3 = 80, byte 2 = 00
  const auto ttq = terminal_transaction_qualifiers(c, 300);
  EXPECT_EQ((*ttq)[1], 0x00);
  EXPECT_EQ((*ttq)[2], 0x80);
}

TEST(QpbocTtq, NoLimitWhenZero) {
  ContactlessConfig c;
  c.floor_limit_fen = 0xFFFFFFFF;
  EXPECT_EQ(hex(*terminal_transaction_qualifiers(c, 99999999)), "36000080");
}

// ---- Taps ----

class QpbocTap : public ::testing::Test {
 protected:
  TapRun k;
};

TEST_F(QpbocTap, OfflineApprovalWithRsaFdda) {
  k.expect_offline(false, k.v["rsa_sdad"]);
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(r.reason, Reason::kApprovedOffline);
  EXPECT_EQ(r.card_interface, CardInterface::kContactless);
  EXPECT_EQ(r.oda_method, OdaMethod::kFdda);
  EXPECT_EQ(r.oda_result, OdaResult::kSucceeded);
  EXPECT_EQ(oda_name(r.oda_method, r.oda_result), "fdda");
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(r.apdus, 6u);
  EXPECT_EQ(r.apdus_until_card_may_leave, 6u);
  EXPECT_EQ(r.pan, kQpbocPan);
  EXPECT_EQ(r.atc, 0x0010);
  EXPECT_EQ(hex(r.aip), "7D00");
  ASSERT_TRUE(r.ecash_balance_fen.has_value());
  EXPECT_EQ(*r.ecash_balance_fen, 3766u);
  EXPECT_EQ(k.authoriser.calls, 0);
  EXPECT_FALSE(k.torn_taps.torn().has_value());  // the last record answered: nothing torn
  // FF40 for the e-cash clearing: 9F27 40 for the TC, 9F26 the GPO cryptogram, 5F24 from the records.
  const auto cid = tlv::find(r.icc_data, 0x9F27);
  ASSERT_TRUE(cid.ok());
  EXPECT_EQ(hex(cid->value), "40");
  EXPECT_EQ(hex(tlv::find(r.icc_data, 0x9F26)->value), kCryptogram);
  EXPECT_EQ(hex(tlv::find(r.icc_data, 0x5F24)->value), "340110");
}

TEST_F(QpbocTap, OfflineApprovalWithSm2Fdda) {
  k.terminal.config.national_algorithms = true;
  k.expect_offline(true, k.v["sm2_sdad"]);
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(r.data_set, DataSet::kSm);
  EXPECT_EQ(r.oda_method, OdaMethod::kSm2Fdda);
  EXPECT_EQ(oda_name(r.oda_method, r.oda_result), "sm2-fdda");
  EXPECT_EQ(hex(r.aip), "7C00");
  EXPECT_EQ(r.apdus, 6u);
}

#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
TEST_F(QpbocTap, FddaVerifiesOnTheMbedTlsBackendToo) {
  k.crypto = crypto::make_mbedtls_crypto();
  k.expect_offline(false, k.v["rsa_sdad"]);
  const TransactionRecord rsa = k.run();
  EXPECT_EQ(oda_name(rsa.oda_method, rsa.oda_result), "fdda") << describe(rsa);
  k.terminal.config.national_algorithms = true;
  k.expect_offline(true, k.v["sm2_sdad"]);
  const TransactionRecord sm2 = k.run();
  EXPECT_EQ(oda_name(sm2.oda_method, sm2.oda_result), "sm2-fdda") << describe(sm2);
}
#endif

TEST_F(QpbocTap, RsaFddaFailsWhenOneSignatureByteIsFlipped) {
  std::string sdad = k.v["rsa_sdad"];
  sdad[10] = sdad[10] == '0' ? '1' : '0';
  k.expect_offline(false, sdad);
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kFddaFailed);
  EXPECT_EQ(r.oda_method, OdaMethod::kFdda);
  EXPECT_EQ(oda_name(r.oda_method, r.oda_result), "failed");
  EXPECT_TRUE(r.tvr.has(TvrBit::kDdaFailed));
  EXPECT_EQ(r.apdus_until_card_may_leave, 6u);
}

TEST_F(QpbocTap, RsaFddaFailsOverAnotherUnpredictableNumber) {
  TransactionRequest request = test_request();
  request.unpredictable_number = std::array<std::uint8_t, 4>{0x1A, 0x2B, 0x3C, 0x4E};
  k.expect_selection();
  k.slot.expect("80A800002483 22" "36000080" "000000001234" "000000000000" "0156" "0000000000" "0156" "260115" "00"
                "1A2B3C4E" "00" "00",
                tc_answer(k.v["rsa_aip"], "30010301", k.v["rsa_sdad"]));
  k.slot.expect("00B2013400", k.v["rsa_record1"] + "9000")
      .expect("00B2023400", k.v["rsa_record2"] + "9000")
      .expect("00B2033400", k.v["rsa_record3"] + "9000");
  const TransactionRecord r = k.run(request);
  EXPECT_EQ(r.reason, Reason::kFddaFailed) << describe(r);
}

TEST_F(QpbocTap, Sm2FddaFailsWhenOneStaticDataByteIsFlipped) {
  k.terminal.config.national_algorithms = true;
  std::string record1 = k.v["sm2_record1"];
  // A byte inside 9F0D's value (IAC-default), covered by the ICC certificate's signature.
  const auto at = record1.find("9F0D05FCF8");
  ASSERT_NE(at, std::string::npos);
  record1.replace(at + 6, 2, "FD");
  k.expect_offline(true, k.v["sm2_sdad"], record1);
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kFddaFailed);
  EXPECT_EQ(oda_name(r.oda_method, r.oda_result), "failed");
}

TEST_F(QpbocTap, Sm2FddaFailsWhenTheSignatureIsFlipped) {
  k.terminal.config.national_algorithms = true;
  std::string sdad = k.v["sm2_sdad"];
  sdad[20] = sdad[20] == 'A' ? 'B' : 'A';
  k.expect_offline(true, sdad);
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.reason, Reason::kFddaFailed) << describe(r);
  EXPECT_EQ(r.oda_method, OdaMethod::kSm2Fdda);
}

TEST_F(QpbocTap, FddaOfAnUnknownVersionFails) {
  // [12] B.2: 9F69's first byte names the version; 02 is none this terminal runs.
  std::string record3 = k.v["rsa_record3"];
  const auto at = record3.find("9F6908015E6F7A8B");
  ASSERT_NE(at, std::string::npos);
  record3.replace(at + 6, 2, "02");
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36000080"), tc_answer(k.v["rsa_aip"], "30010301", k.v["rsa_sdad"]));
  k.slot.expect("00B2013400", k.v["rsa_record1"] + "9000")
      .expect("00B2023400", k.v["rsa_record2"] + "9000")
      .expect("00B2033400", record3 + "9000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.reason, Reason::kFddaFailed) << describe(r);
}

TEST_F(QpbocTap, FddaFailureWithCtqContactBitAsksForTheContactInterface) {
  k.expect_selection();
  std::string sdad = k.v["rsa_sdad"];
  sdad[10] = sdad[10] == '0' ? '1' : '0';
  k.slot.expect(qpboc_gpo("36000080"), tc_answer(k.v["rsa_aip"], "30010301", sdad, "1000"));
  k.slot.expect("00B2013400", k.v["rsa_record1"] + "9000")
      .expect("00B2023400", k.v["rsa_record2"] + "9000")
      .expect("00B2033400", k.v["rsa_record3"] + "9000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kDeclined);
  EXPECT_EQ(r.reason, Reason::kUseContactInterface) << describe(r);
}

TEST_F(QpbocTap, OnlineApprovalWithOnlinePin) {
  // 600.00 yuan: over the floor limit (TTQ 2.8), under the CVM limit; the card asks for online PIN (CTQ 80 00).
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36800080", "000000060000"), online_answer("A0", "8000"));
  k.pinpad.type("246810");
  k.authoriser.answer("00");
  const TransactionRecord r = k.run(test_request(60000));
  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(r.reason, Reason::kApprovedOnline);
  EXPECT_EQ(r.apdus, 3u);
  EXPECT_EQ(r.apdus_until_card_may_leave, 3u);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kArqc);
  EXPECT_EQ(r.oda_method, OdaMethod::kNone);
  EXPECT_EQ(oda_name(r.oda_method, r.oda_result), "none");
  EXPECT_EQ(r.cvm, Cvm::kOnlinePin);
  EXPECT_EQ(k.authoriser.calls, 1);
  EXPECT_EQ(k.authoriser.amount_fen, 60000u);
  EXPECT_EQ(k.authoriser.pan, kQpbocPan);
  // Format 0 block of 246810 with the PAN, 3DES under the PEK (openssl enc -des-ede-ecb).
  ASSERT_TRUE(k.authoriser.pin_block.has_value());
  EXPECT_EQ(hex(*k.authoriser.pin_block), "7B631703F4DF4E31");
  // FF40 in PAYMENT.md §9.1 order; 5F24 is not known without records; 9F27 80 from 9F10's type.
  const std::string expected =
      tlv_hex("5A", "6200515109004011018F") + tlv_hex("5F34", "01") + tlv_hex("82", "7D00") +
      tlv_hex("84", "A000000333010101") + tlv_hex("9F36", kAtc) + tlv_hex("9F26", kCryptogram) +
      tlv_hex("9F27", "80") + tlv_hex("9F10", qpboc_iad("A0", "0000005000")) + tlv_hex("9F37", "1A2B3C4D") +
      tlv_hex("95", "0000040000") + tlv_hex("9A", "260115") + tlv_hex("9F21", "103000") + tlv_hex("9C", "00") +
      tlv_hex("9F02", "000000060000") + tlv_hex("9F03", "000000000000") + tlv_hex("5F2A", "0156") +
      tlv_hex("9F1A", "0156") + tlv_hex("9F33", "20D8C8") + tlv_hex("9F34", "020000") + tlv_hex("9F35", "14") +
      tlv_hex("9F09", "0030");
  EXPECT_EQ(hex(k.authoriser.icc_data), expected);
  EXPECT_EQ(r.icc_data, k.authoriser.icc_data);
}

TEST_F(QpbocTap, OnlineDeclineByIssuer) {
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36800080", "000000060000"), online_answer("A0", "0000"));
  k.authoriser.answer("51");
  const TransactionRecord r = k.run(test_request(60000));
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByIssuer);
  EXPECT_EQ(r.cvm, Cvm::kNone);
  EXPECT_FALSE(k.authoriser.pin_block.has_value());
  EXPECT_EQ(k.pinpad.prompts(), 0u);
}

TEST_F(QpbocTap, ArqcWithoutAuthoriserIsKeptForTheCaller) {
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36800080", "000000060000"), online_answer("A0", "0000"));
  const TransactionRecord r = k.run(test_request(60000), /*with_authoriser=*/false);
  EXPECT_TRUE(r.deferred_authorisation) << describe(r);
  EXPECT_FALSE(r.icc_data.empty());
  EXPECT_EQ(hex(tlv::find(r.icc_data, 0x9F27)->value), "80");
  EXPECT_EQ(r.oda_result, OdaResult::kNotPerformed);
  EXPECT_EQ(r.apdus, 3u);
}

TEST_F(QpbocTap, DeferredAuthorisationValidatorAuthenticatesTheArqcOffline) {
  // A transit validator (§5): TTQ 3.8 set, 2.8 clear; the card answers an ARQC with the AFL and 9F4B.
  k.contactless.deferred_authorisation = true;
  k.contactless.floor_limit_fen = 100000;
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36008080"), tc_answer(k.v["rsa_aip"], "30010301", k.v["rsa_sdad"], "0000", false, "A0"));
  k.slot.expect("00B2013400", k.v["rsa_record1"] + "9000")
      .expect("00B2023400", k.v["rsa_record2"] + "9000")
      .expect("00B2033400", k.v["rsa_record3"] + "9000");
  const TransactionRecord r = k.run(test_request(), /*with_authoriser=*/false);
  EXPECT_EQ(r.outcome, Outcome::kApproved) << describe(r);
  EXPECT_EQ(r.reason, Reason::kDeferredAuthorisation);
  EXPECT_TRUE(r.deferred_authorisation);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kArqc);
  EXPECT_EQ(oda_name(r.oda_method, r.oda_result), "fdda");
  EXPECT_EQ(r.apdus_until_card_may_leave, 6u);
  EXPECT_EQ(hex(tlv::find(r.icc_data, 0x9F27)->value), "80");
  EXPECT_EQ(hex(tlv::find(r.icc_data, 0x5F24)->value), "340110");
  EXPECT_FALSE(k.torn_taps.torn().has_value());  // an ARQC moves no e-cash: nothing to keep
  EXPECT_EQ(k.authoriser.calls, 0);
}

TEST_F(QpbocTap, DeferredArqcWithAFailingFddaIsRefused) {
  k.contactless.deferred_authorisation = true;
  k.contactless.floor_limit_fen = 100000;
  std::string sdad = k.v["rsa_sdad"];
  sdad[40] = sdad[40] == '0' ? '1' : '0';
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36008080"), tc_answer(k.v["rsa_aip"], "30010301", sdad, "0000", false, "A0"));
  k.slot.expect("00B2013400", k.v["rsa_record1"] + "9000")
      .expect("00B2023400", k.v["rsa_record2"] + "9000")
      .expect("00B2033400", k.v["rsa_record3"] + "9000");
  const TransactionRecord r = k.run(test_request(), /*with_authoriser=*/false);
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kFddaFailed);
}

TEST_F(QpbocTap, OverTheContactlessLimitSendsNothing) {
  const TransactionRecord r = k.run(test_request(100000));
  EXPECT_EQ(r.outcome, Outcome::kDeclined);
  EXPECT_EQ(r.reason, Reason::kUseContactInterface);
  EXPECT_EQ(r.apdus, 0u);
  EXPECT_EQ(k.slot.exchanges_done(), 0u);
}

TEST_F(QpbocTap, InsufficientEcashOnAnOfflineOnlyTerminalIsDeclined) {
  // 60.00 yuan against a 50.00 balance: the card answers AAC to an offline-only terminal (§2.2 step 5).
  k.contactless.offline_only = true;
  k.contactless.floor_limit_fen = 100000;
  k.expect_selection();
  k.slot.expect(qpboc_gpo("3E000080", "000000006000"), online_answer("00", "0000"));
  const TransactionRecord r = k.run(test_request(6000), /*with_authoriser=*/false);
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedOffline);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(r.apdus, 3u);
  EXPECT_EQ(r.apdus_until_card_may_leave, 3u);
  EXPECT_EQ(*r.ecash_balance_fen, 5000u);
}

TEST_F(QpbocTap, GpoRefusedIsAFailure) {
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36000080"), "6985");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, Reason::kConditionsNotSatisfied);
  EXPECT_FALSE(k.torn_taps.torn().has_value());
}

TEST_F(QpbocTap, NoPpseIsNoApplication) {
  k.slot.expect(kSelectPpse, "6A82");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, Reason::kNoApplication);
  EXPECT_EQ(r.apdus, 1u);
}

// ---- Torn taps (§3.3) ----

// The card's newest log record (PAYMENT.md §5.5): 9A 9F21 9F02 9F03 9F1A 5F2A 9F4E 9C 9F36, 9F21 and 9F4E zero.
std::string log_record(const std::string& date, const std::string& amount, const std::string& atc) {
  return date + "000000" + amount + "000000000000" "0156" "0156" + std::string(40, '0') + "00" + atc;
}

TEST_F(QpbocTap, TapTornAfterTheLastRecordIsCompletedByTheNextTapWithoutASecondCharge) {
  // Tap 1: TC, records 1 and 2 answered, the card leaves during record 3 (it may have answered it).
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36000080"), tc_answer(k.v["rsa_aip"], "30010301", k.v["rsa_sdad"]));
  k.slot.expect("00B2013400", k.v["rsa_record1"] + "9000")
      .expect("00B2023400", k.v["rsa_record2"] + "9000")
      .expect_removed("00B2033400");
  const TransactionRecord first = k.run();
  EXPECT_EQ(first.outcome, Outcome::kFailed) << describe(first);
  EXPECT_EQ(first.reason, Reason::kCardCommunication);
  const auto torn = k.torn_taps.torn();
  ASSERT_TRUE(torn.has_value());
  EXPECT_TRUE(torn->gpo_answered);
  EXPECT_EQ(torn->atc, 0x0010);
  EXPECT_EQ(torn->pan, kQpbocPan);
  EXPECT_EQ(torn->amount_fen, 1234u);

  // Tap 2, 30 s later: the card's log holds the torn tap (it completed): approved with the journaled TC, no GPO.
  k.now += 30;
  k.slot.insert_card();
  std::array<std::uint8_t, 33> atr{};
  (void)k.slot.power_up(atr);
  k.expect_selection();
  k.slot.expect("00B2015C00", log_record("260115", "000000001234", "0010") + "9000");
  const TransactionRecord second = k.run();
  EXPECT_EQ(second.outcome, Outcome::kApproved) << describe(second);
  EXPECT_EQ(second.reason, Reason::kTornTapCompleted);
  EXPECT_EQ(second.apdus, 3u);  // PPSE, AID, log: no GPO, nothing charged
  EXPECT_EQ(second.atc, 0x0010);
  EXPECT_EQ(hex(tlv::find(second.icc_data, 0x9F26)->value), kCryptogram);
  EXPECT_FALSE(k.torn_taps.torn().has_value());
}

TEST_F(QpbocTap, TapTornBeforeTheLastRecordIsUndoneAndTheNextTapRunsNormally) {
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36000080"), tc_answer(k.v["rsa_aip"], "30010301", k.v["rsa_sdad"]));
  k.slot.expect_removed("00B2013400");
  const TransactionRecord first = k.run();
  EXPECT_EQ(first.reason, Reason::kCardCommunication);
  ASSERT_TRUE(k.torn_taps.torn().has_value());

  k.slot.insert_card();
  std::array<std::uint8_t, 33> atr{};
  (void)k.slot.power_up(atr);
  // The card restored its balance and log at SELECT: the newest record is an older transaction.
  k.expect_selection();
  k.slot.expect("00B2015C00", log_record("260114", "000000000500", "000F") + "9000");
  k.slot.expect(qpboc_gpo("36000080"), tc_answer(k.v["rsa_aip"], "30010301", k.v["rsa_sdad"]));
  k.slot.expect("00B2013400", k.v["rsa_record1"] + "9000")
      .expect("00B2023400", k.v["rsa_record2"] + "9000")
      .expect("00B2033400", k.v["rsa_record3"] + "9000");
  const TransactionRecord second = k.run();
  EXPECT_EQ(second.outcome, Outcome::kApproved) << describe(second);
  EXPECT_EQ(second.reason, Reason::kApprovedOffline);
  EXPECT_EQ(second.apdus, 7u);
  EXPECT_FALSE(k.torn_taps.torn().has_value());
}

TEST_F(QpbocTap, TornTapIsForgottenAfter120Seconds) {
  k.expect_selection();
  k.slot.expect(qpboc_gpo("36000080"), tc_answer(k.v["rsa_aip"], "30010301", k.v["rsa_sdad"]));
  k.slot.expect_removed("00B2013400");
  (void)k.run();
  ASSERT_TRUE(k.torn_taps.torn().has_value());
  k.now += 121;
  EXPECT_FALSE(k.torn_taps.torn().has_value());
}

}  // namespace
}  // namespace sscard::pboc::testing

// VERIFY, GENERATE AC, EXTERNAL AUTHENTICATE, INTERNAL AUTHENTICATE and issuer scripts of the simulated PBOC
// application. Keys and cryptograms are checked against the worked examples of docs/PAYMENT.md §6.3 and §6.6.
#include <gtest/gtest.h>

#include "pboc_test_util.h"
#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/mac.h"
#include "sscard/crypto/pin_block.h"
#include "sscard/sim/pboc/card_cryptogram.h"

namespace sscard::sim::pboc::testing {
namespace {

// Format 2 PIN block of `pin`, as VERIFY 00 20 00 80 08 carries it.
std::string verify_plain(std::string_view pin) {
  std::uint8_t block[8];
  EXPECT_TRUE(crypto::build_pin_block(crypto::PinBlockFormat::kFormat2, pin, {}, {}, block).ok());
  return "0020008008" + to_hex(block);
}

// The worked example's 29 terminal bytes, GAC1 ARQC (CDA not asked).
const std::string kGac1Arqc = std::string("80AE80001D") + kCdol1 + "00";

struct Chengdu : ::testing::Test {
  HolderProfile p = profile("sc-chengdu-gen2.json");
  std::unique_ptr<CardOs> card = card_of(p);
  std::shared_ptr<crypto::Crypto> crypto = crypto::make_openssl_crypto();
  void start() {
    const std::string fci = send(*card, kSelectAid);
    ASSERT_EQ(fci.substr(fci.size() - 4), "9000");
    ASSERT_EQ(send(*card, kPdolGen2).substr(0, 8), "80127D00");
  }
};

TEST(PbocCryptogram, WorkedExamplesOfPaymentMd63) {
  auto crypto = crypto::make_openssl_crypto();
  const Bytes data = hex(kCdol1);
  const Bytes cvr = hex("03A00000");
  const HolderProfile chengdu = profile("sc-chengdu-gen2.json");
  auto ac = card_cryptogram(*crypto, DataSet::kRsa, chengdu.payment->card.tdes.ac, data, 0x0001, cvr);
  ASSERT_TRUE(ac.ok());
  EXPECT_EQ(to_hex(*ac), "C60B7C86D99D9E16");
  auto sk = session_key_of(*crypto, DataSet::kRsa, chengdu.payment->card.tdes.ac, 0x0001);
  EXPECT_EQ(to_hex(*sk), "CB8C7424B5CC4A836F8354CA602A72A3");
  const HolderProfile suining = profile("sc-suining-gen3.json");
  ac = card_cryptogram(*crypto, DataSet::kSm, suining.payment->card.sm4->ac, data, 0x0001, cvr);
  ASSERT_TRUE(ac.ok());
  EXPECT_EQ(to_hex(*ac), "4583FB4E37715311");
  sk = session_key_of(*crypto, DataSet::kSm, suining.payment->card.sm4->ac, 0x0001);
  EXPECT_EQ(to_hex(*sk), "A96D01A10AC5C243C578A8A7691DD941");
}

TEST_F(Chengdu, PinRightWrongAndBlocked) {
  send(*card, kSelectAid);
  EXPECT_EQ(send(*card, verify_plain("246810")), "6985");  // only after GPO
  send(*card, kPdolGen2);
  EXPECT_EQ(send(*card, "0020008008" "2F46810FFFFFFFFF"), "6A80");  // not a format 2 block: no try spent
  EXPECT_EQ(send(*card, "80CA9F1700"), "9F1701039000");
  EXPECT_EQ(send(*card, verify_plain("246810")), "9000");
  EXPECT_EQ(send(*card, verify_plain("111111")), "63C2");
  EXPECT_EQ(send(*card, verify_plain("111111")), "63C1");
  EXPECT_EQ(send(*card, verify_plain("246810")), "9000");  // a right PIN restores the limit
  EXPECT_EQ(send(*card, verify_plain("111111")), "63C2");
  EXPECT_EQ(send(*card, verify_plain("111111")), "63C1");
  EXPECT_EQ(send(*card, verify_plain("111111")), "63C0");
  EXPECT_EQ(send(*card, verify_plain("246810")), "6983");  // exhausted in this transaction
  EXPECT_EQ(send(*card, "80CA9F1700"), "9F1701009000");
  send(*card, kSelectAid);
  send(*card, kPdolGen2);
  EXPECT_EQ(send(*card, verify_plain("246810")), "6984");  // exhausted in an earlier one
}

TEST_F(Chengdu, FirstGenerateAcIsTheCvn01CryptogramOfTheCardsCvr) {
  start();
  const std::string r = send(*card, kGac1Arqc);
  // 80 13 CID ATC AC IAD: a new card (CVR 3.5) asking for an ARQC.
  ASSERT_EQ(r.size(), (21 + 2) * 2u);
  EXPECT_EQ(r.substr(0, 10), "8013800001");
  EXPECT_EQ(r.substr(26, 16), "07010103A0100001");
  EXPECT_EQ(r.substr(42), "9000");
  // The AC under the documented session key of ATC 0001 (§6.3) over data ‖ AIP ‖ ATC ‖ CVR.
  std::uint8_t ac[8];
  ASSERT_TRUE(crypto::application_cryptogram(*crypto, crypto::Cipher::kTdes, hex("CB8C7424B5CC4A836F8354CA602A72A3"),
                                             hex(std::string(kCdol1) + "7D00" "0001" "03A01000"), ac)
                  .ok());
  EXPECT_EQ(r.substr(10, 16), to_hex(ac));
}

TEST_F(Chengdu, OnlineApprovalWithArpcLogsTheTransaction) {
  start();
  const std::string r = send(*card, kGac1Arqc);
  const Bytes arqc = hex(r.substr(10, 16));
  std::uint8_t arpc[8];
  ASSERT_TRUE(crypto::arpc_method1(*crypto, crypto::Cipher::kTdes, hex("CB8C7424B5CC4A836F8354CA602A72A3"), arqc,
                                   hex("3030"), arpc)
                  .ok());
  EXPECT_EQ(send(*card, "008200000A" + to_hex(arpc) + "3030"), "9000");
  const std::string tc = send(*card, std::string("80AE40001F3030") + kCdol1 + "00");
  EXPECT_EQ(tc.substr(0, 10), "8013400001");
  EXPECT_EQ(tc.substr(26, 16), "0701010360100001");  // CVR byte 2: GAC2 TC, GAC1 ARQC; byte 3: new card
  EXPECT_EQ(send(*card, std::string("80AE40001F3030") + kCdol1 + "00"), "6985");  // no third GAC
  EXPECT_EQ(send(*card, "80CA9F1300"), "9F130200019000");
  // The log (§5.5): 9A 9F21 9F02 9F03 9F1A 5F2A 9F4E 9C 9F36.
  EXPECT_EQ(send(*card, "00B2015C00"),
            "261204" "123456" "000000001234" "000000000000" "0156" "0156" "535343415244204B494F534B0000000000000000" "00"
            "0001" "9000");
  EXPECT_EQ(send(*card, "00B2025C00"), "6A83");
}

TEST_F(Chengdu, ASecondExternalAuthenticateIsRefusedAndCountsAsAFailure) {
  start();
  const Bytes arqc = hex(send(*card, kGac1Arqc).substr(10, 16));
  std::uint8_t arpc[8];
  ASSERT_TRUE(crypto::arpc_method1(*crypto, crypto::Cipher::kTdes, hex("CB8C7424B5CC4A836F8354CA602A72A3"), arqc,
                                   hex("3030"), arpc)
                  .ok());
  EXPECT_EQ(send(*card, "008200000A" + to_hex(arpc) + "3030"), "9000");
  EXPECT_EQ(send(*card, "008200000A" + to_hex(arpc) + "3030"), "6985");  // JR/T 0025.5 15.4.3 step 1
  EXPECT_EQ(send(*card, std::string("80AE40001F3030") + kCdol1 + "00").substr(0, 10), "8013000001");
}

TEST_F(Chengdu, WrongArpcFailsIssuerAuthenticationAndTheCardDeclines) {
  start();
  send(*card, kGac1Arqc);
  EXPECT_EQ(send(*card, "008200000A00000000000000003030"), "6300");
  const std::string r = send(*card, std::string("80AE40001F3030") + kCdol1 + "00");
  EXPECT_EQ(r.substr(0, 10), "8013000001");  // AAC
  // Scripts after a failed issuer authentication: 69 85.
  EXPECT_EQ(send(*card, "841E00000400000000"), "6985");
  // The next transaction shows the failure indicator (CVR 3.4) and goes online.
  send(*card, kSelectAid);
  send(*card, kPdolGen2);
  const std::string next = send(*card, std::string("80AE40001D") + kCdol1 + "00");
  EXPECT_EQ(next.substr(4, 2), "80");
  // GAC1 ARQC; last online transaction not completed, new card, issuer authentication failed (.5 16.6.2.2)
  EXPECT_EQ(next.substr(34, 4), "A098");
}

TEST_F(Chengdu, UnableToGoOnlineDeclinesANewCard) {
  start();
  send(*card, kGac1Arqc);
  const std::string r = send(*card, std::string("80AE40001F5A33") + kCdol1 + "00");
  EXPECT_EQ(r.substr(0, 10), "8013000001");
  EXPECT_EQ(r.substr(34, 2), "21");  // GAC2 AAC, GAC1 ARQC, unable to go online
}

// The script MAC of §6.5 under the MAC session key of Chengdu at ATC 0001 (§6.6 worked example's key).
std::string with_mac(crypto::Crypto& crypto, const std::string& header_and_data, const Bytes& arqc) {
  const Bytes apdu = hex(header_and_data);
  Bytes input(apdu.begin(), apdu.begin() + 5);
  input.push_back(0x00);
  input.push_back(0x01);
  input.insert(input.end(), arqc.begin(), arqc.end());
  input.insert(input.end(), apdu.begin() + 5, apdu.end());
  std::uint8_t mac[4];
  EXPECT_TRUE(crypto::command_mac(crypto, crypto::MacScheme::kRetail, hex("D69A44FB1D696AC10223AD222DC16A8F"), {}, input,
                                  mac)
                  .ok());
  return header_and_data + to_hex(mac);
}

TEST_F(Chengdu, ScriptsWithTheirMacBlockAndUnblockTheApplication) {
  start();
  const Bytes arqc = hex(send(*card, kGac1Arqc).substr(10, 16));
  EXPECT_EQ(send(*card, with_mac(*crypto, "841E000004", arqc)), "9000");
  EXPECT_EQ(send(*card, with_mac(*crypto, "04DA9F5805" "02", arqc)), "9000");
  EXPECT_EQ(send(*card, with_mac(*crypto, "04DC012C0E" "70089F1401029F230104", arqc)), "9000");
  EXPECT_EQ(send(*card, "00B2012C00"), "70089F1401029F2301049000");
  // Blocked: SELECT 62 83 with the FCI, GPO works, GAC answers AAC (JR/T 0025.5 B.2, 17.5).
  EXPECT_EQ(send(*card, kSelectAid).substr(92), "6283");
  EXPECT_EQ(send(*card, kPdolGen2).substr(0, 8), "80127D00");
  const std::string aac = send(*card, kGac1Arqc);
  EXPECT_EQ(aac.substr(0, 10), "8013000002");
  EXPECT_EQ(aac.substr(38, 2), "30");  // CVR byte 4: three script commands in the last transaction
}

TEST_F(Chengdu, WrongScriptMacThenEverythingIsRefused) {
  start();
  const Bytes arqc = hex(send(*card, kGac1Arqc).substr(10, 16));
  EXPECT_EQ(send(*card, "841E00000412345678"), "6988");
  EXPECT_EQ(send(*card, with_mac(*crypto, "841E000004", arqc)), "6985");
  EXPECT_EQ(send(*card, kSelectAid).substr(92), "9000");  // not blocked
}

TEST_F(Chengdu, ScriptsNeedAGenerateAc) {
  start();
  EXPECT_EQ(send(*card, "841E00000412345678"), "6985");
  EXPECT_EQ(send(*card, "801E00000412345678"), "6E00");
}

TEST_F(Chengdu, EncipheredPinWithTheIccKey) {
  start();
  const std::string challenge = send(*card, "0084000008");
  ASSERT_EQ(challenge.size(), 20u);
  std::uint8_t block[8];
  ASSERT_TRUE(crypto::build_pin_block(crypto::PinBlockFormat::kFormat2, "246810", {}, {}, block).ok());
  Bytes x = hex("7F" + to_hex(block) + challenge.substr(0, 16));
  x.resize(128, 0x5A);
  Bytes c(128);
  ASSERT_TRUE(crypto->rsa_public(p.payment->card.rsa.icc_modulus, hex("03"), x, c).ok());
  EXPECT_EQ(send(*card, "0020008880" + to_hex(c)), "9000");
  EXPECT_EQ(send(*card, "0020008880" + to_hex(c)), "6985");  // the challenge was consumed
  send(*card, "0084000008");
  EXPECT_EQ(send(*card, "0020008880" + to_hex(c)), "6A80");  // another challenge: no try spent
  EXPECT_EQ(send(*card, "80CA9F1700"), "9F1701039000");
}

TEST_F(Chengdu, DynamicSignatureRecoversWithTheIccKey) {
  start();
  const std::string r = send(*card, "0088000004CAFEBABE00");
  ASSERT_EQ(r.substr(0, 6), "808180");
  Bytes recovered(128);
  ASSERT_TRUE(crypto->rsa_public(p.payment->card.rsa.icc_modulus, hex("03"), hex(r.substr(6, 256)), recovered).ok());
  EXPECT_EQ(to_hex(recovered).substr(0, 14), "6A050103020001");
  EXPECT_EQ(recovered.back(), 0xBC);
  Bytes msg(recovered.begin() + 1, recovered.begin() + 107);
  const Bytes un = hex("CAFEBABE");
  msg.insert(msg.end(), un.begin(), un.end());
  std::uint8_t sha[20];
  ASSERT_TRUE(crypto->digest(crypto::Hash::kSha1, msg, sha).ok());
  EXPECT_EQ(to_hex(ByteSpan(recovered).subspan(107, 20)), to_hex(sha));
}

TEST(PbocSm, GenerateAcAndDdaOfTheSmSet) {
  const HolderProfile p = profile("sc-suining-gen3.json");
  auto card = card_of(p);
  auto crypto = crypto::make_openssl_crypto();
  send(*card, kSelectAid);
  send(*card, gpo_gen3("01"));
  EXPECT_EQ(send(*card, "0020008880" + std::string(256, '0')), "6A86");  // no enciphered PIN in the SM set
  EXPECT_EQ(send(*card, verify_plain("258369")), "9000");
  const std::string dda = send(*card, "0088000004CAFEBABE00");
  ASSERT_EQ(dda.size(), (2 + 69 + 2) * 2u);
  EXPECT_EQ(dda.substr(0, 14), "804515030200" "01");
  const std::string r = send(*card, std::string("80AE80001D") + kCdol1 + "00");
  EXPECT_EQ(r.substr(0, 10), "8013800001");
  EXPECT_EQ(r.substr(26, 16), "07010103A4100204");  // VERIFY done, DDA done, SM4
  std::uint8_t ac[8];
  ASSERT_TRUE(crypto::application_cryptogram(*crypto, crypto::Cipher::kSm4, hex("A96D01A10AC5C243C578A8A7691DD941"),
                                             hex(std::string(kCdol1) + "7C00" "0001" "03A41002"), ac)
                  .ok());
  EXPECT_EQ(r.substr(10, 16), to_hex(ac));
}

TEST(PbocSm, PinChangeScriptOfTheWorkedExample) {
  // §6.6: Suining, PIN change to 135246 under the documented ENC and MAC session keys of ATC 0001.
  const HolderProfile p = profile("sc-suining-gen3.json");
  auto card = card_of(p);
  auto crypto = crypto::make_openssl_crypto();
  send(*card, kSelectAid);
  send(*card, gpo_gen3("01"));
  const Bytes arqc = hex(send(*card, std::string("80AE80001D") + kCdol1 + "00").substr(10, 16));
  const std::string apdu = "8424000214" "87D4A0EDAD61AC9DAF09A1FD990892BA";
  Bytes input = hex(apdu.substr(0, 10) + "0001");
  input.insert(input.end(), arqc.begin(), arqc.end());
  const Bytes enc = hex(apdu.substr(10));
  input.insert(input.end(), enc.begin(), enc.end());
  std::uint8_t mac[4];
  ASSERT_TRUE(crypto::command_mac(*crypto, crypto::MacScheme::kSm4, hex("D48B5D8406BEE5592EEB6422F6B54CE8"), {}, input,
                                  mac)
                  .ok());
  EXPECT_EQ(send(*card, apdu + to_hex(mac)), "9000");
  send(*card, kSelectAid);
  send(*card, gpo_gen3("01"));
  EXPECT_EQ(send(*card, verify_plain("258369")), "63C2");
  EXPECT_EQ(send(*card, verify_plain("135246")), "9000");
}

}  // namespace
}  // namespace sscard::sim::pboc::testing

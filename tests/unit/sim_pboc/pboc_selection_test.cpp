// Selection, GPO, records and GET DATA of the simulated PBOC application against the bytes of
// docs/PAYMENT.md §4 (worked example of §4.2), and the profile loader's `payment` block (§2, §7.3).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "pboc_test_util.h"

namespace sscard::sim::pboc::testing {
namespace {

TEST(PbocSelection, PseDirectoryAndAdfOfAGeneration2Card) {
  auto card = card_of(profile("sc-chengdu-gen2.json"));
  EXPECT_EQ(send(*card, kSelectPse), "6F15840E315041592E5359532E4444463031A5038801019000");
  EXPECT_EQ(send(*card, "00B2010C00"), "701B61194F08A000000333010101500A50424F432044454249548701019000");
  EXPECT_EQ(send(*card, "00B2020C00"), "6A83");
  EXPECT_EQ(send(*card, kSelectAid),
            "6F2C8408A000000333010101A520500A50424F432044454249548701019F38069F21039F4E14BF0C059F4D020B0A9000");
}

TEST(PbocSelection, Generation3FciOffersDf69AndT0AnswersThroughGetResponse) {
  auto card = card_of(profile("sc-suining-gen3.json"));
  EXPECT_EQ(to_hex(card->process(hex(kSelectAid))), "6136");
  // BF0C also names the e-cash load log: DF4D = SFI 12, 10 records (JR/T 0025.13 5.8).
  EXPECT_EQ(send(*card, kSelectAid),
            "6F348408A000000333010101A528500A50424F432044454249548701019F3809DF69019F21039F4E14"
            "BF0C0A9F4D020B0ADF4D020C0A9000");
}

TEST(PbocSelection, Generation1CardHasNoPaymentApplication) {
  auto card = card_of(profile("sc-mianyang-gen1.json"));
  EXPECT_EQ(send(*card, kSelectPse), "6A82");
  EXPECT_EQ(send(*card, kSelectAid), "6A82");
}

TEST(PbocGpo, AnswersPerDataSet) {
  auto gen2 = card_of(profile("sc-chengdu-gen2.json"));
  send(*gen2, kSelectAid);
  EXPECT_EQ(send(*gen2, kPdolGen2), "80127D00080101001001020218010601280101009000");
  EXPECT_EQ(send(*gen2, kPdolGen2), "6985");  // a second GPO in one selection

  auto gen3 = card_of(profile("sc-suining-gen3.json"));
  send(*gen3, kSelectAid);
  EXPECT_EQ(send(*gen3, gpo_gen3("01")), "80127C00080101001001020220010501280101009000");
  send(*gen3, kSelectAid);
  EXPECT_EQ(send(*gen3, gpo_gen3("00")), "80127D00080101001001020218010601280101009000");
  send(*gen3, kSelectAid);
  EXPECT_EQ(send(*gen3, gpo_gen3("02")), "80127D00080101001001020218010601280101009000");
}

TEST(PbocGpo, MalformedCommandsChangeNothing) {
  auto card = card_of(profile("sc-chengdu-gen2.json"));
  send(*card, kSelectAid);
  EXPECT_EQ(send(*card, "80A80000188316123456535343415244204B494F534B0000000000000000" "00"), "6700");
  EXPECT_EQ(send(*card, "80A80000198417123456535343415244204B494F534B000000000000000000"), "6A80");
  EXPECT_EQ(send(*card, "80A80100198317123456535343415244204B494F534B000000000000000000"), "6A86");
  EXPECT_EQ(send(*card, "00A80000198317123456535343415244204B494F534B000000000000000000"), "6E00");
  EXPECT_EQ(send(*card, "80CA9F3600"), "9F360200009000");  // the ATC did not move
}

TEST(PbocRecords, WorkedExampleOfChengdu) {
  auto card = card_of(profile("sc-chengdu-gen2.json"));
  send(*card, kSelectAid);
  EXPECT_EQ(send(*card, "00B2010C00"), "6985");  // SFI 1-5 only after GPO
  send(*card, kPdolGen2);
  EXPECT_EQ(send(*card, "00B2010C00"), "701F57106200515101008092011D2809220000005F200A53534320484F4C4445529000");
  EXPECT_EQ(send(*card, "00B2011400"),
            "70485A0A6200515101008092011F5F3401015F24032809205F25031809209F0702AB005F280201569F080200309F420201569F0D05"
            "FCF8FCF8009F0E0500108000009F0F05FCF8FCF8009000");
  EXPECT_EQ(send(*card, "00B2021400"),
            "703A8C159F02069F03069F1A0295055F2A029A039C019F37048D178A029F02069F03069F1A0295055F2A029A039C019F37049F4903"
            "9F37049F4A01829000");
  EXPECT_EQ(send(*card, "00B2011C00"), "70128E1000000000000000004403010302031F009000");
  EXPECT_EQ(send(*card, "00B2012C00"), "70089F1401039F2301059000");
  EXPECT_EQ(send(*card, "00B2022C00"), "6A83");
  EXPECT_EQ(send(*card, "00B2071C00"), "6A83");
  EXPECT_EQ(send(*card, "00B2012400"), "6A82");  // no SFI 4 on generation 2
  EXPECT_EQ(send(*card, "00B2013400"), "6A82");
  // SFI 3 record 3: 70 81 B3 90 81 B0 <issuer certificate>.
  const std::string r3 = send(*card, "00B2031C00");
  EXPECT_EQ(r3.substr(0, 12), "7081B39081B0");
  EXPECT_EQ(r3.size(), (3 + 179 + 2) * 2u);
  EXPECT_EQ(send(*card, "00B2015C00"), "6A83");  // an empty log
}

TEST(PbocRecords, SmSetCvmList) {
  auto card = card_of(profile("sc-suining-gen3.json"));
  send(*card, kSelectAid);
  send(*card, gpo_gen3("01"));
  EXPECT_EQ(send(*card, "00B2012400"), "70108E0E0000000000000000010302031F009000");
  EXPECT_EQ(send(*card, "00B2022400"), "70038F01E19000");
  EXPECT_EQ(send(*card, "00B2042400").substr(0, 8), "70459343");
}

TEST(PbocGetData, FreshCard) {
  auto card = card_of(profile("sc-chengdu-gen2.json"));
  send(*card, kSelectAid);
  EXPECT_EQ(send(*card, "80CA9F3600"), "9F360200009000");
  EXPECT_EQ(send(*card, "80CA9F1300"), "9F130200009000");
  EXPECT_EQ(send(*card, "80CA9F1700"), "9F1701039000");
  EXPECT_EQ(send(*card, "80CA9F4F00"), "9F4F199A039F21039F02069F03069F1A025F2A029F4E149C019F36029000");
  EXPECT_EQ(send(*card, "80CA9F5200"), "6A88");
  send(*card, kPdolGen2);
  EXPECT_EQ(send(*card, "80CA9F3600"), "9F360200019000");
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PbocProfile, PanDatesAndPins) {
  const HolderProfile chengdu = profile("sc-chengdu-gen2.json");
  ASSERT_TRUE(chengdu.payment.has_value());
  EXPECT_EQ(chengdu.payment->card.pan, "6200515101008092011");
  EXPECT_EQ(chengdu.payment->card.expiry, "280920");
  EXPECT_EQ(chengdu.payment->card.effective, "180920");
  EXPECT_EQ(chengdu.payment->card.pin, "246810");
  EXPECT_EQ(chengdu.payment->card.pin_max_tries, 3);
  EXPECT_EQ(to_hex(chengdu.payment->card.tdes.ac), "60A1A5B6C76817C88ADB646B46E21758");
  EXPECT_EQ(to_hex(chengdu.payment->card.tdes.mac), "EDC666D0BC814D3F3900246961FAF97B");
  ASSERT_TRUE(chengdu.benefits.has_value());
  EXPECT_EQ(chengdu.benefits->account_fen, 80000u);
  const HolderProfile suining = profile("sc-suining-gen3.json");
  EXPECT_EQ(suining.payment->card.pan, "6200515109004011018");
  EXPECT_EQ(suining.payment->card.pin, "258369");
  ASSERT_TRUE(suining.payment->card.sm4.has_value());
  EXPECT_EQ(to_hex(suining.payment->card.sm4->ac), "7C579F07CC8A69F3A2AC32C7ECE9941D");
  EXPECT_FALSE(profile("sc-mianyang-gen1.json").payment.has_value());
  EXPECT_EQ(profile("cq-tongnan-gen3.json").payment->card.pin, "147258");
  EXPECT_EQ(profile("cq-yuzhong-gen2.json").payment->card.pan, "6200505001035060118");
  EXPECT_EQ(profile("sc-liangshan-longname-gen2.json").payment->card.pan, "6200515134019050512");
}

TEST(PbocProfile, Generation1WithPaymentIsAnErrorOfTheFieldPayment) {
  std::string text = read_text(std::string(SSCARD_CARDS_DIR) + "/sc-mianyang-gen1.json");
  const auto at = text.find("\"pin\": {");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"payment\": {\"keys\": \"keys/test-payment-keys.json\", \"pki\": \"keys/test-payment-cards.json\"},\n  ");
  auto loaded = parse_profile(text, std::string(SSCARD_CARDS_DIR) + "/x.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "payment");
}

TEST(PbocProfile, StaleCertificateDataIsRefused) {
  // Another expiry date changes 5F24 in SFI 2 record 1, which the certificates cover.
  std::string text = read_text(std::string(SSCARD_CARDS_DIR) + "/sc-chengdu-gen2.json");
  const auto at = text.find("\"20280920\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 10, "\"20290920\"");
  auto loaded = parse_profile(text, std::string(SSCARD_CARDS_DIR) + "/x.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "payment.pki");
  EXPECT_EQ(loaded.error().message, "stale, run tools/payment-pki.py");
}

TEST(PbocProfile, BadPaymentFieldsAreNamed) {
  std::string text = read_text(std::string(SSCARD_CARDS_DIR) + "/sc-chengdu-gen2.json");
  const auto at = text.find("\"pki\": \"keys/test-payment-cards.json\"");
  ASSERT_NE(at, std::string::npos);
  std::string bad_pin = text;
  bad_pin.insert(at, "\"pin\": \"12a4\", ");
  auto loaded = parse_profile(bad_pin, std::string(SSCARD_CARDS_DIR) + "/x.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "payment.pin");
  std::string bad_tries = text;
  bad_tries.insert(at, "\"pin_max_tries\": 16, ");
  loaded = parse_profile(bad_tries, std::string(SSCARD_CARDS_DIR) + "/x.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "payment.pin_max_tries");
}

}  // namespace
}  // namespace sscard::sim::pboc::testing

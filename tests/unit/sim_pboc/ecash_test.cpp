// Electronic cash on the simulated PBOC card (docs/CONTACTLESS.md §2.2, §2.4, §2.5): GET DATA, the profile's
// e-cash, the 19-byte 9F10 of a contact load transaction, the load script and its log, the anti-tear undo,
// and power cuts at every Eeprom page of an offline TC and of a load.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "qpboc_test_util.h"
#include "sscard/crypto/mac.h"
#include "sscard/sim/pboc/card_cryptogram.h"

namespace sscard::sim::pboc::testing {
namespace {

// CDOL1 data of a load (9C = 60) of 100.00 on 2026-12-04.
const std::string kLoadCdol1 = "000000010000" "000000000000" "0156" "0000000000" "0156" "261204" "60" "1A2B3C4D";

struct ECashCard : ::testing::Test {
  HolderProfile p = profile("sc-suining-gen3.json");
  std::unique_ptr<CardOs> card = dual_card(p);
  std::shared_ptr<crypto::Crypto> crypto = crypto::make_openssl_crypto();

  std::string balance() { return get_data(*card, "9F79"); }
  std::string atc() { return get_data(*card, "9F36"); }

  // Contact: SELECT, GPO (DF69 picks the set), GAC1 ARQC of a load; returns the ARQC.
  Bytes load_transaction(const char* df69) {
    card->power_on();
    send(*card, kSelectAid);
    EXPECT_EQ(send(*card, gpo_gen3(df69)).substr(0, 4), "8012");
    const std::string r = send(*card, "80AE80001D" + kLoadCdol1 + "00");
    EXPECT_EQ(r.substr(0, 6), "801E80") << r;
    return hex(r.substr(10, 16));
  }
  // The PUT DATA 9F79 script with its MAC of PAYMENT.md §6.5, keyed here from the card's MAC UDK.
  std::string load_script(bool sm, const std::string& new_balance, const Bytes& arqc, std::uint16_t at = 1) {
    const std::string header = "04DA9F790A";
    Bytes input = hex(header + to_hex(Bytes{static_cast<std::uint8_t>(at >> 8), static_cast<std::uint8_t>(at)}));
    input.insert(input.end(), arqc.begin(), arqc.end());
    const Bytes value = hex(new_balance);
    input.insert(input.end(), value.begin(), value.end());
    Bytes sk(16);
    const ByteSpan udk = sm ? ByteSpan(p.payment->card.sm4->mac) : ByteSpan(p.payment->card.tdes.mac);
    EXPECT_TRUE(crypto::session_key(*crypto, sm ? crypto::Cipher::kSm4 : crypto::Cipher::kTdes, udk, at, sk).ok());
    std::uint8_t mac[4];
    EXPECT_TRUE(crypto::command_mac(*crypto, sm ? crypto::MacScheme::kSm4 : crypto::MacScheme::kRetail, sk, {}, input,
                                    mac)
                    .ok());
    return header + new_balance + to_hex(mac);
  }
  // A contactless offline TC of 12.34; `reads` of the three records answered.
  void offline_tap(int reads) {
    ASSERT_EQ(card->activate_contactless(), hex(kTestAts));
    send(*card, kSelectAid);
    ASSERT_EQ(send(*card, Tap{}.gpo()).substr(0, 2), "77");
    for (int i = 1; i <= reads; ++i) {
      const std::string r = send(*card, "00B20" + std::to_string(i) + "3400");
      ASSERT_EQ(r.substr(r.size() - 4), "9000");
    }
  }
};

TEST_F(ECashCard, GetDataOfTheBundledValues) {
  EXPECT_TRUE(p.payment->card.ecash.has_value());
  send(*card, kSelectAid);
  EXPECT_EQ(get_data(*card, "9F79"), "9F7906000000005000" "9000");
  EXPECT_EQ(get_data(*card, "9F77"), "9F7706000000100000" "9000");
  EXPECT_EQ(get_data(*card, "9F78"), "9F7806000000050000" "9000");
  EXPECT_EQ(get_data(*card, "9F6D"), "9F6D06000000001000" "9000");
  EXPECT_EQ(get_data(*card, "9F5D"), "9F5D06000000005000" "9000");
  EXPECT_EQ(get_data(*card, "DF4F"), "DF4F059F36029A03" "9000");  // the load log's ATC ‖ date
  EXPECT_EQ(get_data(*card, "9F6C"), "6A88");
  EXPECT_EQ(get_data(*card, "9F69"), "6A88");
}

TEST(ECashProfile, TheBundledGeneration3CardsHaveTheContractsValues) {
  for (const char* name : {"cq-tongnan-gen3.json", "sc-suining-gen3.json"}) {
    const HolderProfile p = profile(name);
    ASSERT_TRUE(p.payment && p.payment->card.ecash) << name;
    EXPECT_EQ(p.payment->card.ecash->balance, 5000u);
    EXPECT_EQ(p.payment->card.ecash->balance_limit, 100000u);
    EXPECT_EQ(p.payment->card.ecash->single_limit, 50000u);
    EXPECT_EQ(p.payment->card.ecash->reset_threshold, 1000u);
  }
  EXPECT_FALSE(profile("sc-chengdu-gen2.json").payment->card.ecash.has_value());
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ECashProfile, BadFieldsAreNamed) {
  const std::string suining = read_text(std::string(SSCARD_CARDS_DIR) + "/sc-suining-gen3.json");
  const auto at = suining.find("\"50.00\"");
  ASSERT_NE(at, std::string::npos);
  for (const char* bad : {"\"50.001\"", "\"50.\"", "\"-1\"", "\"5O.00\"", "\"1000.01\""}) {
    std::string text = suining;
    text.replace(at, 7, bad);
    auto loaded = parse_profile(text, std::string(SSCARD_CARDS_DIR) + "/x.json");
    ASSERT_FALSE(loaded.ok()) << bad;
    EXPECT_EQ(loaded.error().field, "payment.ecash.balance") << bad;
  }
  std::string chengdu = read_text(std::string(SSCARD_CARDS_DIR) + "/sc-chengdu-gen2.json");
  const auto pki = chengdu.find("\"pki\": \"keys/test-payment-cards.json\"");
  ASSERT_NE(pki, std::string::npos);
  chengdu.insert(pki, "\"ecash\": {\"balance\": \"1.00\", \"balance_limit\": \"2.00\", \"single_limit\": \"1.00\", "
                      "\"reset_threshold\": \"0\"}, ");
  auto loaded = parse_profile(chengdu, std::string(SSCARD_CARDS_DIR) + "/x.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().field, "payment.ecash");
}

TEST_F(ECashCard, ContactLoadTransactionCarriesTheBalanceAndItsMacIn9F10) {
  for (const bool sm : {false, true}) {
    card->power_on();
    send(*card, kSelectAid);
    send(*card, gpo_gen3(sm ? "01" : "00"));
    const std::string r = send(*card, "80AE80001D" + kLoadCdol1 + "00");
    const auto at = static_cast<std::uint16_t>(sm ? 2 : 1);
    ASSERT_EQ(r.size(), (3 + 2 + 8 + 19 + 2) * 2u) << r;
    EXPECT_EQ(r.substr(0, 6), "801E80");
    const std::string iad = r.substr(26, 38);
    EXPECT_EQ(iad.substr(0, 6), "070101");
    EXPECT_EQ(iad.substr(14, 2), sm ? "04" : "01");
    EXPECT_EQ(iad.substr(16, 14), "0A010000005000");
    const ByteSpan mac_udk = sm ? ByteSpan(p.payment->card.sm4->mac) : ByteSpan(p.payment->card.tdes.mac);
    EXPECT_EQ(iad.substr(30), idd_mac(*crypto, sm, mac_udk, at, "0000005000"));
    const ByteSpan ac_udk = sm ? ByteSpan(p.payment->card.sm4->ac) : ByteSpan(p.payment->card.tdes.ac);
    auto ac = card_cryptogram(*crypto, sm ? DataSet::kSm : DataSet::kRsa, ac_udk, hex(kLoadCdol1), at,
                              hex(iad.substr(6, 8)));
    ASSERT_TRUE(ac.ok());
    EXPECT_EQ(r.substr(10, 16), to_hex(*ac));
  }
  // A purchase keeps the 8-byte 9F10 (PAYMENT.md §5.2).
  card->power_on();
  send(*card, kSelectAid);
  send(*card, gpo_gen3("00"));
  EXPECT_EQ(send(*card, std::string("80AE80001D") + kCdol1 + "00").substr(0, 6), "801380");
}

TEST_F(ECashCard, LoadScriptSetsTheBalanceAndLogsTheLoadInBothSets) {
  const Bytes arqc = load_transaction("00");
  EXPECT_EQ(send(*card, load_script(false, "000000010000", arqc)), "9000");
  EXPECT_EQ(balance(), "9F7906000000010000" "9000");
  EXPECT_EQ(send(*card, "00B2016400"), "9F79" "000000005000" "000000010000" "0001" "261204" "9000");
  EXPECT_EQ(send(*card, "00B2026400"), "6A83");
  // GAC2 carries the balance after the load.
  const std::string gac2 = send(*card, "80AE00001F3030" + kLoadCdol1 + "00");
  EXPECT_EQ(gac2.substr(42, 14), "0A010000010000");
  EXPECT_EQ(gac2.substr(56, 8), idd_mac(*crypto, false, p.payment->card.tdes.mac, 1, "0000010000"));

  const Bytes arqc2 = load_transaction("01");
  EXPECT_EQ(send(*card, load_script(true, "000000020000", arqc2, 2)), "9000");
  EXPECT_EQ(balance(), "9F7906000000020000" "9000");
  EXPECT_EQ(send(*card, "00B2016400"), "9F79" "000000010000" "000000020000" "0002" "261204" "9000");
  EXPECT_EQ(send(*card, "00B2026400").substr(0, 16), "9F79000000005000");
  // Still readable after a new SELECT, without GPO.
  card->power_on();
  send(*card, kSelectAid);
  EXPECT_EQ(send(*card, "00B2016400").substr(0, 4), "9F79");
}

TEST_F(ECashCard, LoadAboveTheBalanceLimitIsRefusedAndChangesNothing) {
  const Bytes arqc = load_transaction("00");
  EXPECT_EQ(send(*card, load_script(false, "000000100001", arqc)), "6A80");
  EXPECT_EQ(balance(), "9F7906000000005000" "9000");
  EXPECT_EQ(send(*card, "00B2016400"), "6A83");
}

TEST_F(ECashCard, LoadNeedsAnOnlineTransactionAndTheRightMac) {
  card->power_on();
  send(*card, kSelectAid);
  send(*card, gpo_gen3("00"));
  EXPECT_EQ(send(*card, "04DA9F790A00000001000012345678"), "6985");  // no GAC1 yet
  const Bytes arqc = load_transaction("00");
  std::string script = load_script(false, "000000010000", arqc, 2);
  script[script.size() - 1] = script.back() == '0' ? '1' : '0';
  EXPECT_EQ(send(*card, script), "6988");
  EXPECT_EQ(balance(), "9F7906000000005000" "9000");
}

TEST_F(ECashCard, ATapTornBeforeItsLastRecordIsUndoneAtTheNextSelect) {
  for (int reads = 0; reads <= 2; ++reads) {
    offline_tap(reads);
    EXPECT_EQ(balance(), "9F7906000000003766" "9000") << reads;
    // The card leaves the field; the next SELECT, on either interface, undoes the tap.
    card->power_off();
    if (reads == 1) card->power_on();
    else card->activate_contactless();
    EXPECT_EQ(send(*card, kSelectAid).substr(0, 2), "6F");
    EXPECT_EQ(balance(), "9F7906000000005000" "9000") << reads;
    EXPECT_EQ(send(*card, "00B2015C00"), "6A83") << reads;
    EXPECT_EQ(atc(), "9F3602" + std::string("000") + std::to_string(reads + 1) + "9000");  // never back
  }
  // A whole tap stays.
  offline_tap(3);
  card->activate_contactless();
  send(*card, kSelectAid);
  EXPECT_EQ(balance(), "9F7906000000003766" "9000");
  EXPECT_EQ(send(*card, "00B2015C00").substr(86, 8), "00049000");
}

TEST_F(ECashCard, AnUndoneTapLeavesTheEarlierLogRecords) {
  offline_tap(3);
  offline_tap(1);
  card->activate_contactless();
  send(*card, kSelectAid);
  EXPECT_EQ(balance(), "9F7906000000003766" "9000");
  EXPECT_EQ(send(*card, "00B2015C00").substr(86, 8), "00019000");
  EXPECT_EQ(send(*card, "00B2025C00"), "6A83");
  offline_tap(3);
  card->activate_contactless();
  send(*card, kSelectAid);
  EXPECT_EQ(balance(), "9F7906000000002532" "9000");
  EXPECT_EQ(send(*card, "00B2015C00").substr(86, 8), "00039000");
  EXPECT_EQ(send(*card, "00B2025C00").substr(86, 8), "00019000");
}

TEST_F(ECashCard, OfflineTcOnlyWithinTheBalanceAndTheSingleLimit) {
  // 500.00 of e-cash after a load, then 500.01 is above 9F78 and 500.00 is not.
  const Bytes arqc = load_transaction("00");
  ASSERT_EQ(send(*card, load_script(false, "000000090000", arqc)), "9000");
  for (const auto& [amount, offline] : {std::pair{"000000050001", false}, std::pair{"000000050000", true}}) {
    card->activate_contactless();
    send(*card, kSelectAid);
    Tap tap;
    tap.amount = amount;
    const auto e = elements_of(send(*card, tap.gpo()));
    EXPECT_EQ(e.size(), offline ? 10u : 8u) << amount;
  }
}

// ---- Power cuts ----

TEST_F(ECashCard, PowerCutAtEveryPageOfAnOfflineTapLeavesTheOldOrTheNewState) {
  bool completed = false;
  for (std::size_t n = 0; n < 96 && !completed; ++n) {
    card = dual_card(p);
    card->activate_contactless();
    send(*card, kSelectAid);
    card->eeprom().cut_power_after_page_writes(n);
    const bool gpo_answered = !send(*card, Tap{}.gpo()).empty();
    bool answered = gpo_answered;
    for (int i = 1; i <= 3 && answered; ++i) answered = !send(*card, "00B20" + std::to_string(i) + "3400").empty();
    card->eeprom().cancel_power_cut();
    card->activate_contactless();
    EXPECT_EQ(send(*card, kSelectAid).substr(0, 2), "6F") << n;
    // A GPO cut short is undone whole, its ATC with it (no cryptogram left the card); an answered one stays.
    EXPECT_EQ(atc(), gpo_answered ? "9F360200019000" : "9F360200009000") << n;
    if (answered) {
      completed = true;
      EXPECT_EQ(balance(), "9F7906000000003766" "9000");
      EXPECT_EQ(send(*card, "00B2015C00").substr(86, 8), "00019000");
    } else {
      EXPECT_EQ(balance(), "9F7906000000005000" "9000") << n;
      EXPECT_EQ(send(*card, "00B2015C00"), "6A83") << n;
    }
    // The card works on: the next tap is approved offline with the next ATC.
    const auto e = elements_of(send(*card, Tap{}.gpo()));
    EXPECT_EQ(value_of(e, 0x9F36), gpo_answered ? "0002" : "0001") << n;
  }
  EXPECT_TRUE(completed);
}

TEST_F(ECashCard, PowerCutAtEveryPageOfALoadLeavesTheOldOrTheNewBalanceWithItsLog) {
  bool completed = false;
  for (std::size_t n = 0; n < 96 && !completed; ++n) {
    card = dual_card(p);
    const Bytes arqc = load_transaction("00");
    card->eeprom().cut_power_after_page_writes(n);
    const std::string r = send(*card, load_script(false, "000000010000", arqc));
    card->eeprom().cancel_power_cut();
    card->power_on();
    send(*card, kSelectAid);
    EXPECT_EQ(atc(), "9F360200019000") << n;
    if (r == "9000") {
      completed = true;
      EXPECT_EQ(balance(), "9F7906000000010000" "9000");
      EXPECT_EQ(send(*card, "00B2016400").substr(0, 28), "9F79000000005000000000010000");
    } else {
      EXPECT_EQ(r, "") << n;
      EXPECT_EQ(balance(), "9F7906000000005000" "9000") << n;
      EXPECT_EQ(send(*card, "00B2016400"), "6A83") << n;
    }
  }
  EXPECT_TRUE(completed);
}

}  // namespace
}  // namespace sscard::sim::pboc::testing

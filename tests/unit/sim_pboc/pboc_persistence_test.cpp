// The PBOC application's memory (docs/PAYMENT.md §5.6): the ATC only goes up, across a reload of the saved
// Eeprom, and a power cut after any page written by GPO or GENERATE AC leaves a consistent card.
#include <gtest/gtest.h>

#include "pboc_test_util.h"
#include "sscard/crypto/cryptogram.h"

namespace sscard::sim::pboc::testing {
namespace {

const std::string kGac1Arqc = std::string("80AE80001D") + kCdol1 + "00";
const std::string kGac1Tc = std::string("80AE40001D") + kCdol1 + "00";

std::string atc_of(CardOs& card) { return send(card, "80CA9F3600"); }

// A new card of the same profile that takes up `from`'s memory, as sim/state does between runs.
std::unique_ptr<CardOs> reloaded(const HolderProfile& p, const CardOs& from) {
  auto card = make_card_os(p, crypto::make_openssl_crypto());
  EXPECT_TRUE(card->eeprom().load_image(from.eeprom().image()).ok());
  card->power_on();
  return card;
}

TEST(PbocPersistence, AtcOnlyGoesUpAcrossAReload) {
  const HolderProfile p = profile("sc-chengdu-gen2.json");
  auto card = card_of(p);
  for (int i = 0; i < 3; ++i) {
    send(*card, kSelectAid);
    send(*card, kPdolGen2);
  }
  EXPECT_EQ(atc_of(*card), "9F360200039000");
  auto again = reloaded(p, *card);
  send(*again, kSelectAid);
  EXPECT_EQ(atc_of(*again), "9F360200039000");
  send(*again, kPdolGen2);
  EXPECT_EQ(atc_of(*again), "9F360200049000");
  // The PIN counter too.
  EXPECT_EQ(send(*again, "0020008008" "26111111FFFFFFFF"), "63C2");
  auto third = reloaded(p, *again);
  send(*third, kSelectAid);
  EXPECT_EQ(send(*third, "80CA9F1700"), "9F1701029000");
}

TEST(PbocPersistence, PowerCutDuringGpoKeepsAWholeAtc) {
  const HolderProfile p = profile("sc-chengdu-gen2.json");
  auto card = card_of(p);
  send(*card, kSelectAid);
  card->eeprom().cut_power_after_page_writes(0);
  EXPECT_EQ(send(*card, kPdolGen2), "");  // browned out: no answer
  card->power_on();
  send(*card, kSelectAid);
  EXPECT_EQ(atc_of(*card), "9F360200009000");
  EXPECT_EQ(send(*card, kPdolGen2).substr(0, 8), "80127D00");
  EXPECT_EQ(atc_of(*card), "9F360200019000");
}

// Runs GPO and GAC1 (TC asked; the card answers ARQC on a new card) or the full online approval, cutting
// power after `n` page writes of the last GENERATE AC. Returns the last answer ("" if power was cut).
std::string approve_with_cut(CardOs& card, crypto::Crypto& crypto, std::size_t n) {
  send(card, kSelectAid);
  send(card, kPdolGen2);
  const Bytes arqc = hex(send(card, kGac1Arqc).substr(10, 16));
  std::uint8_t arpc[8];
  EXPECT_TRUE(crypto::arpc_method1(crypto, crypto::Cipher::kTdes, hex("CB8C7424B5CC4A836F8354CA602A72A3"), arqc,
                                   hex("3030"), arpc)
                  .ok());
  EXPECT_EQ(send(card, "008200000A" + to_hex(arpc) + "3030"), "9000");
  card.eeprom().cut_power_after_page_writes(n);
  const std::string r = send(card, std::string("80AE40001F3030") + kCdol1 + "00");
  card.eeprom().cancel_power_cut();
  return r;
}

TEST(PbocPersistence, PowerCutAtEveryPageOfTheSecondGenerateAcLeavesOldOrNewState) {
  const HolderProfile p = profile("sc-chengdu-gen2.json");
  auto crypto = crypto::make_openssl_crypto();
  bool completed = false;
  for (std::size_t n = 0; n < 16 && !completed; ++n) {
    auto card = card_of(p);
    const std::string r = approve_with_cut(*card, *crypto, n);
    card->power_on();
    send(*card, kSelectAid);
    EXPECT_EQ(atc_of(*card), "9F360200019000") << n;
    const std::string last_online = send(*card, "80CA9F1300");
    const std::string log = send(*card, "00B2015C00");
    if (r.empty()) {
      // Old state: no approval recorded, no log record, the online authorisation indicator still set.
      EXPECT_EQ(last_online, "9F130200009000") << n;
      EXPECT_EQ(log, "6A83") << n;
      send(*card, kPdolGen2);
      const std::string next = send(*card, kGac1Tc);
      EXPECT_EQ(next.substr(4, 2), "80") << n;   // goes online again
      EXPECT_EQ(next.substr(36, 2), "90") << n;  // CVR 3.8 last online not completed, 3.5 new card
    } else {
      completed = true;
      EXPECT_EQ(r.substr(0, 10), "8013400001");
      EXPECT_EQ(last_online, "9F130200019000");
      EXPECT_EQ(log.substr(log.size() - 8), "00019000");
    }
  }
  EXPECT_TRUE(completed);
}

TEST(PbocPersistence, PowerCutAtEveryPageOfTheFirstGenerateAc) {
  const HolderProfile p = profile("sc-chengdu-gen2.json");
  bool completed = false;
  for (std::size_t n = 0; n < 64 && !completed; ++n) {
    auto card = card_of(p);
    send(*card, kSelectAid);
    send(*card, kPdolGen2);
    card->eeprom().cut_power_after_page_writes(n);
    const std::string r = send(*card, kGac1Arqc);
    card->eeprom().cancel_power_cut();
    card->power_on();
    send(*card, kSelectAid);
    send(*card, kPdolGen2);
    const std::string next = send(*card, kGac1Tc);
    EXPECT_EQ(next.substr(4, 2), "80") << n;
    // CVR byte 3: with the ARQC committed, "last online transaction not completed" (80) joins "new card" (10).
    EXPECT_EQ(next.substr(36, 2), r.empty() ? "10" : "90") << n;
    completed = !r.empty();
  }
  EXPECT_TRUE(completed);
}

}  // namespace
}  // namespace sscard::sim::pboc::testing

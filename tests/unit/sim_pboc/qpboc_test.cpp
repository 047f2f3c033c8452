// The card's qPBOC application on the contactless interface (docs/CONTACTLESS.md §1, §2.1–§2.3): PPSE and PSE
// per interface, the contactless FCI, every GPO answer layout, the cryptogram, the IDD MAC, fDDA signatures
// of both sets and versions, the packed records, and the ATC shared with the contacts.
#include <gtest/gtest.h>

#include "qpboc_test_util.h"
#include "sscard/crypto/cryptogram.h"
#include "sscard/sim/pboc/card_cryptogram.h"

namespace sscard::sim::pboc::testing {
namespace {

using Elements = std::vector<std::pair<tlv::Tag, std::string>>;

const std::vector<tlv::Tag> kOnlineOrder = {0x82, 0x9F36, 0x57, 0x9F10, 0x9F26, 0x5F34, 0x9F6C, 0x9F5D};
const std::vector<tlv::Tag> kOfflineOrder = {0x82, 0x94, 0x9F36, 0x9F26, 0x9F10, 0x57, 0x5F34, 0x9F4B, 0x9F6C, 0x9F5D};

struct Contactless : ::testing::Test {
  HolderProfile p = profile("sc-suining-gen3.json");
  std::unique_ptr<CardOs> card = dual_card(p);
  std::shared_ptr<crypto::Crypto> crypto = crypto::make_openssl_crypto();

  void tap_on() {
    ASSERT_EQ(card->activate_contactless(), hex(kTestAts));
    const std::string fci = send(*card, kSelectAid);
    ASSERT_EQ(fci.substr(fci.size() - 4), "9000");
  }
  // Track 2 of PAYMENT.md §3: PAN ‖ D ‖ YYMM ‖ 220 ‖ 00000.
  std::string track2() const { return p.payment->card.pan + "D" + p.payment->card.expiry.substr(0, 4) + "22000000"; }
  // The 9F10 of §2.2 checked field by field; returns the CVR (4 bytes) for the cryptogram.
  std::string check_iad(const std::string& iad, bool sm, std::uint16_t atc, std::uint8_t cryptogram_bits,
                        const std::string& balance12) {
    EXPECT_EQ(iad.size(), 19u * 2);
    EXPECT_EQ(iad.substr(0, 8), "07010103");
    EXPECT_EQ(hex(iad.substr(8, 2))[0] & 0x30, cryptogram_bits) << iad;  // CVR byte 2 bits 6-5
    EXPECT_EQ(iad.substr(14, 2), sm ? "04" : "01");
    EXPECT_EQ(iad.substr(16, 4), "0A01");
    EXPECT_EQ(iad.substr(20, 10), balance12.substr(2));
    const ByteSpan mac_udk = sm ? ByteSpan(p.payment->card.sm4->mac) : ByteSpan(p.payment->card.tdes.mac);
    EXPECT_EQ(iad.substr(30, 8), idd_mac(*crypto, sm, mac_udk, atc, balance12.substr(2)));
    return iad.substr(6, 8);
  }
  // The AC recomputed over the 29 PDOL bytes with the contact computation (PAYMENT.md §6.3).
  std::string cryptogram(bool sm, const Tap& tap, std::uint16_t atc, const std::string& cvr) {
    const ByteSpan ac_udk = sm ? ByteSpan(p.payment->card.sm4->ac) : ByteSpan(p.payment->card.tdes.ac);
    auto ac = card_cryptogram(*crypto, sm ? DataSet::kSm : DataSet::kRsa, ac_udk, hex(tap.terminal()), atc, hex(cvr));
    EXPECT_TRUE(ac.ok());
    return ac.ok() ? to_hex(*ac) : std::string();
  }
  // The RSA fDDA of §2.3 recovered with the ICC public key: header, padding, hash over the dynamic data.
  void check_rsa_fdda(const std::string& sdad, const std::string& atc, const std::string& tdd) {
    ASSERT_EQ(sdad.size(), 256u);
    Bytes x(128);
    ASSERT_TRUE(crypto->rsa_public(p.payment->card.rsa.icc_modulus, hex("03"), hex(sdad), x).ok());
    EXPECT_EQ(to_hex(ByteSpan(x).first(7)), "6A05010302" + atc);
    for (std::size_t i = 7; i < 107; ++i) EXPECT_EQ(x[i], 0xBB) << i;
    EXPECT_EQ(x.back(), 0xBC);
    Bytes msg(x.begin() + 1, x.begin() + 107);
    const Bytes t = hex(tdd);
    msg.insert(msg.end(), t.begin(), t.end());
    std::uint8_t sha[20];
    ASSERT_TRUE(crypto->digest(crypto::Hash::kSha1, msg, sha).ok());
    EXPECT_EQ(to_hex(ByteSpan(x).subspan(107, 20)), to_hex(sha));
  }
  // The contact records whose values the ODA record packs (PAYMENT.md §4.2), read over the contacts.
  std::string contact_static_values(const char* df69, const char* cvm_record) {
    card->power_on();
    send(*card, kSelectAid);
    send(*card, gpo_gen3(df69));
    return record_value(send(*card, "00B2011400")) + record_value(send(*card, "00B2021400")) +
           record_value(send(*card, cvm_record));
  }
};

TEST_F(Contactless, PpseInTheFieldPseOnTheContacts) {
  ASSERT_EQ(card->activate_contactless(), hex(kTestAts));
  EXPECT_EQ(send(*card, kSelectPpse),
            "6F30840E325041592E5359532E4444463031A51EBF0C1B61194F08A000000333010101500A50424F43204445424954870101"
            "9000");
  EXPECT_EQ(send(*card, kSelectPse), "6A82");
  // The contactless FCI: the contact one with the contactless PDOL (§2.1).
  EXPECT_EQ(send(*card, kSelectAid),
            "6F468408A000000333010101A53A500A50424F43204445424954870101"
            "9F381B9F66049F02069F03069F1A0295055F2A029A039C019F3704DF6901"
            "BF0C0A9F4D020B0ADF4D020C0A9000");
  card->power_on();
  EXPECT_EQ(send(*card, kSelectPpse), "6A82");
  EXPECT_EQ(send(*card, kSelectPse), "6F15840E315041592E5359532E4444463031A5038801019000");
  EXPECT_EQ(send(*card, kSelectAid),
            "6F348408A000000333010101A528500A50424F432044454249548701019F3809DF69019F21039F4E14"
            "BF0C0A9F4D020B0ADF4D020C0A9000");
}

TEST_F(Contactless, OfflineTcOfTheRsaSet) {
  tap_on();
  const Tap tap;
  const std::string r = send(*card, tap.gpo());
  ASSERT_EQ(r.substr(r.size() - 4), "9000") << r;
  const Elements e = elements_of(r);
  EXPECT_EQ(tags_of(e), kOfflineOrder);
  EXPECT_EQ(value_of(e, 0x82), "7D00");
  EXPECT_EQ(value_of(e, 0x94), "30010301");
  EXPECT_EQ(value_of(e, 0x9F36), "0001");
  EXPECT_EQ(value_of(e, 0x57), track2());
  EXPECT_EQ(value_of(e, 0x5F34), "01");
  EXPECT_EQ(value_of(e, 0x9F6C), "0000");
  EXPECT_EQ(value_of(e, 0x9F5D), "000000003766");  // 50.00 − 12.34
  const std::string cvr = check_iad(value_of(e, 0x9F10), false, 1, 0x10, "000000003766");
  EXPECT_EQ(value_of(e, 0x9F26), cryptogram(false, tap, 1, cvr));

  // The packed records (§2.2): static data values, issuer key, ICC key with 9F69 last.
  const std::string oda = record_value(send(*card, "00B2013400"));
  const std::string issuer = record_value(send(*card, "00B2023400"));
  EXPECT_EQ(issuer.substr(0, 16), "8F01E09F320103" "92");
  EXPECT_EQ(issuer.substr(26, 6), "9081B0");
  EXPECT_EQ(issuer.substr(32), to_hex(p.payment->card.rsa.issuer_certificate));
  const std::string icc = record_value(send(*card, "00B2033400"));
  ASSERT_EQ(icc.size(), (148 + 4 + 29 + 11) * 2u);
  EXPECT_EQ(icc.substr(0, 6), "9F4681");
  EXPECT_EQ(icc.substr(8, 288), to_hex(p.payment->card.rsa.icc_certificate));
  const std::string auth = icc.substr(icc.size() - 22);
  EXPECT_EQ(auth.substr(0, 8), "9F690801");
  EXPECT_EQ(auth.substr(16, 6), "000000");  // CTQ 0000, then 00
  EXPECT_EQ(send(*card, "00B2043400"), "6A83");

  // fDDA version 01: 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69.
  check_rsa_fdda(value_of(e, 0x9F4B), "0001", tap.un + tap.amount + tap.currency + auth.substr(6));
  EXPECT_EQ(get_data(*card, "9F79"), "9F7906000000003766" "9000");
  // The log record: 9A, 9F21 zero, 9F02, 9F03, 9F1A, 5F2A, 9F4E zero, 9C, ATC (§3.3).
  EXPECT_EQ(send(*card, "00B2015C00"), "261204" "000000" "000000001234" "000000000000" "0156" "0156" +
                                           std::string(40, '0') + "00" "0001" "9000");
  // The ODA record packs the values of the contact records the certificates cover.
  EXPECT_EQ(oda, contact_static_values("00", "00B2011C00"));
}

TEST_F(Contactless, OfflineTcOfTheSmSetWithFddaVersion00) {
  tap_on();
  Tap tap;
  tap.df69 = "01";
  tap.ttq = "36000000";  // TTQ 4.8 clear: fDDA version 00
  const Elements e = elements_of(send(*card, tap.gpo()));
  EXPECT_EQ(tags_of(e), kOfflineOrder);
  EXPECT_EQ(value_of(e, 0x82), "7C00");
  EXPECT_EQ(value_of(e, 0x94), "38010301");
  const std::string cvr = check_iad(value_of(e, 0x9F10), true, 1, 0x10, "000000003766");
  EXPECT_EQ(value_of(e, 0x9F26), cryptogram(true, tap, 1, cvr));

  EXPECT_EQ(send(*card, "00B2013400"), "6985");  // the other set's SFI
  const std::string oda = record_value(send(*card, "00B2013C00"));
  EXPECT_EQ(record_value(send(*card, "00B2023C00")),
            "8F01E1" "90818E" + to_hex(p.payment->card.sm2->issuer_certificate));
  const std::string icc = record_value(send(*card, "00B2033C00"));
  ASSERT_EQ(icc.size(), (4 + 148 + 11) * 2u);
  const std::string cert = icc.substr(8, 296);
  EXPECT_EQ(icc.substr(0, 8), "9F468194");
  EXPECT_EQ(cert, to_hex(p.payment->card.sm2->icc_certificate));
  EXPECT_EQ(icc.substr(304, 8), "9F690801");

  // 15 ‖ 03 ‖ 02 ‖ ATC ‖ r ‖ s, verified with the ICC key of the certificate (PAYMENT.md §7.3).
  const std::string sdad = value_of(e, 0x9F4B);
  ASSERT_EQ(sdad.size(), 69u * 2);
  EXPECT_EQ(sdad.substr(0, 10), "1503020001");
  const Bytes icc_key = hex(cert.substr(40, 128));
  Bytes derived(64);
  ASSERT_TRUE(crypto->sm2_public_key(p.payment->card.sm2->icc_private_key, derived).ok());
  EXPECT_EQ(icc_key, derived);
  EXPECT_TRUE(crypto->sm2_verify(icc_key, crypto::kSm2DefaultId, hex(sdad.substr(0, 10) + tap.un),
                                 hex(sdad.substr(10)))
                  .ok());
  EXPECT_FALSE(crypto->sm2_verify(icc_key, crypto::kSm2DefaultId, hex(sdad.substr(0, 10) + "00000000"),
                                  hex(sdad.substr(10)))
                   .ok());
  EXPECT_EQ(oda, contact_static_values("01", "00B2012400"));
}

TEST_F(Contactless, SmSetFddaVersion01CoversAmountCurrencyAndAuthenticationData) {
  tap_on();
  Tap tap;
  tap.df69 = "01";
  const Elements e = elements_of(send(*card, tap.gpo()));
  send(*card, "00B2013C00");
  send(*card, "00B2023C00");
  const std::string icc = record_value(send(*card, "00B2033C00"));
  const std::string auth = icc.substr(icc.size() - 16);
  const std::string sdad = value_of(e, 0x9F4B);
  EXPECT_TRUE(crypto->sm2_verify(hex(icc.substr(48, 128)), crypto::kSm2DefaultId,
                                 hex(sdad.substr(0, 10) + tap.un + tap.amount + tap.currency + auth),
                                 hex(sdad.substr(10)))
                  .ok());
}

TEST_F(Contactless, RsaFddaVersion00CoversTheUnpredictableNumberOnly) {
  tap_on();
  Tap tap;
  tap.ttq = "36000000";
  const Elements e = elements_of(send(*card, tap.gpo()));
  EXPECT_EQ(tags_of(e), kOfflineOrder);
  check_rsa_fdda(value_of(e, 0x9F4B), "0001", tap.un);
}

TEST_F(Contactless, AmountAboveTheBalanceGoesOnlineWithoutAfl) {
  tap_on();
  Tap tap;
  tap.amount = "000000006000";
  const std::string r = send(*card, tap.gpo());
  const Elements e = elements_of(r);
  EXPECT_EQ(tags_of(e), kOnlineOrder);
  EXPECT_EQ(value_of(e, 0x82), "7D00");
  EXPECT_EQ(value_of(e, 0x9F36), "0001");
  EXPECT_EQ(value_of(e, 0x57), track2());
  EXPECT_EQ(value_of(e, 0x9F6C), "0000");
  EXPECT_EQ(value_of(e, 0x9F5D), "000000005000");
  const std::string cvr = check_iad(value_of(e, 0x9F10), false, 1, 0x20, "000000005000");
  EXPECT_EQ(value_of(e, 0x9F26), cryptogram(false, tap, 1, cvr));
  EXPECT_EQ(send(*card, "00B2013400"), "6985");  // no AFL: no records
  EXPECT_EQ(send(*card, tap.gpo()), "6985");      // one GPO per selection
  EXPECT_EQ(get_data(*card, "9F79"), "9F7906000000005000" "9000");
  EXPECT_EQ(send(*card, "00B2015C00"), "6A83");
}

TEST_F(Contactless, OfflineOnlyTerminalGetsAnAacWhenTheCardWouldGoOnline) {
  tap_on();
  Tap tap;
  tap.ttq = "3E000080";  // TTQ 1.4: offline only
  tap.amount = "000000006000";
  const Elements e = elements_of(send(*card, tap.gpo()));
  EXPECT_EQ(tags_of(e), kOnlineOrder);
  const std::string cvr = check_iad(value_of(e, 0x9F10), false, 1, 0x00, "000000005000");
  EXPECT_EQ(value_of(e, 0x9F26), cryptogram(false, tap, 1, cvr));
}

TEST_F(Contactless, ExpiredCardDeclinesEvenOnline) {
  tap_on();
  Tap tap;
  tap.date = "340111";  // the day after 5F24 340110
  const Elements e = elements_of(send(*card, tap.gpo()));
  EXPECT_EQ(tags_of(e), kOnlineOrder);
  check_iad(value_of(e, 0x9F10), false, 1, 0x00, "000000005000");
}

TEST_F(Contactless, CvmRequiredAsksForOnlinePin) {
  tap_on();
  Tap tap;
  tap.ttq = "36400080";  // TTQ 2.7
  const Elements e = elements_of(send(*card, tap.gpo()));
  EXPECT_EQ(tags_of(e), kOnlineOrder);
  EXPECT_EQ(value_of(e, 0x9F6C), "8000");
  check_iad(value_of(e, 0x9F10), false, 1, 0x20, "000000005000");
}

TEST_F(Contactless, OnlineCryptogramRequiredAndForeignCurrencyGoOnline) {
  std::uint16_t atc = 0;
  for (const auto& [ttq, currency] : {std::pair{"36800080", "0156"}, std::pair{"36000080", "0840"}}) {
    tap_on();
    ++atc;
    Tap tap;
    tap.ttq = ttq;
    tap.currency = currency;
    const Elements e = elements_of(send(*card, tap.gpo()));
    EXPECT_EQ(tags_of(e), kOnlineOrder) << ttq << currency;
    check_iad(value_of(e, 0x9F10), false, atc, 0x20, "000000005000");
  }
}

TEST_F(Contactless, DeferredAuthorisationArqcCarriesAflAndFdda) {
  tap_on();
  Tap tap;
  tap.ttq = "36008080";  // TTQ 3.8: a deferred-authorisation validator
  tap.amount = "000000006000";
  const Elements e = elements_of(send(*card, tap.gpo()));
  EXPECT_EQ(tags_of(e), kOfflineOrder);
  EXPECT_EQ(value_of(e, 0x9F5D), "000000005000");
  const std::string cvr = check_iad(value_of(e, 0x9F10), false, 1, 0x20, "000000005000");
  EXPECT_EQ(value_of(e, 0x9F26), cryptogram(false, tap, 1, cvr));
  send(*card, "00B2013400");
  send(*card, "00B2023400");
  const std::string icc = record_value(send(*card, "00B2033400"));
  check_rsa_fdda(value_of(e, 0x9F4B), "0001", tap.un + tap.amount + tap.currency + icc.substr(icc.size() - 16));
  // Nothing was spent.
  send(*card, kSelectAid);
  EXPECT_EQ(get_data(*card, "9F79"), "9F7906000000005000" "9000");
}

TEST_F(Contactless, RefusedGpos) {
  tap_on();
  Tap tap;
  tap.ttq = "16000080";  // TTQ 1.6 clear: not qPBOC
  EXPECT_EQ(send(*card, tap.gpo()), "6985");
  EXPECT_EQ(send(*card, gpo_gen3("00")), "6700");  // the contact PDOL data
  EXPECT_EQ(get_data(*card, "9F36"), "9F360200009000");  // refused before the ATC
  EXPECT_EQ(send(*card, Tap{}.gpo()).substr(0, 2), "77");
  EXPECT_EQ(send(*card, std::string("80AE80001D") + kCdol1 + "00"), "6985");  // no GENERATE AC in qPBOC
}

TEST_F(Contactless, ContactAndContactlessShareTheAtc) {
  send(*card, kSelectAid);
  EXPECT_EQ(send(*card, gpo_gen3("00")).substr(0, 8), "80127D00");
  EXPECT_EQ(get_data(*card, "9F36"), "9F360200019000");
  tap_on();
  const Elements e = elements_of(send(*card, Tap{}.gpo()));
  EXPECT_EQ(value_of(e, 0x9F36), "0002");
  card->power_on();
  send(*card, kSelectAid);
  EXPECT_EQ(get_data(*card, "9F36"), "9F360200029000");
}

TEST(ContactlessGeneration2, NoPpseAndNoContactlessInterfaceWithoutAnAts) {
  const HolderProfile p = profile("sc-chengdu-gen2.json");
  auto card = card_of(p);
  EXPECT_EQ(send(*card, kSelectPpse), "6A82");
  send(*card, kSelectAid);
  EXPECT_EQ(get_data(*card, "9F79"), "6A88");
}

}  // namespace
}  // namespace sscard::sim::pboc::testing

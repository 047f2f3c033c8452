// The scenic-spot gate (CONTACTLESS.md §6): the admission policy, the PAN a gate derives for the deny list, the
// bundled gates' configuration, and the entry log.
#include <gtest/gtest.h>

#include <filesystem>

#include "sscard/gate/admission.h"
#include "sscard/gate/entry_log.h"
#include "sscard/gate/gate_config.h"

namespace sscard::gate {
namespace {

const std::filesystem::path kCards = SSCARD_CARDS_DIR;

Date d(int y, int m, int day) {
  return Date{static_cast<std::uint16_t>(y), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(day)};
}

TEST(Admission, AgeCountsFromTheBirthdayItself) {
  EXPECT_EQ(age_on(d(1966, 12, 5), d(2026, 12, 5)), 60);
  EXPECT_EQ(age_on(d(1966, 12, 6), d(2026, 12, 5)), 59);
  EXPECT_EQ(age_on(d(1955, 3, 2), d(2026, 12, 5)), 71);
  EXPECT_EQ(age_on(d(1964, 2, 29), d(2024, 2, 28)), 59);
  EXPECT_EQ(age_on(d(1964, 2, 29), d(2024, 2, 29)), 60);
  EXPECT_EQ(age_on(d(1964, 2, 29), d(2023, 3, 1)), 59);
  EXPECT_EQ(age_on(d(2030, 1, 1), d(2026, 12, 5)), std::nullopt);
}

TEST(Admission, TheBirthDateIsDigitsSevenToFourteenOfTheSsn) {
  EXPECT_EQ(birth_date_of_ssn("510902195503020033"), d(1955, 3, 2));
  EXPECT_EQ(birth_date_of_ssn("500223198807150019"), d(1988, 7, 15));
  EXPECT_EQ(birth_date_of_ssn("500223198813150019"), std::nullopt);  // month 13
  EXPECT_EQ(birth_date_of_ssn("5002231988071500"), std::nullopt);
}

TEST(Admission, FreeAtSixtyForChuanYuCardsDiscountedOtherwiseFullForOthers) {
  const Date today = d(2026, 12, 5);
  // The Suining holder (born 1955-03-02) at the Dazu gate: free.
  Ticket t = ticket_for("510900", "510902195503020033", today, 60, 12000, 6000);
  EXPECT_EQ(t.admission, Admission::kFree);
  EXPECT_EQ(t.price_fen, 0u);
  EXPECT_EQ(t.age, 71);
  // The Tongnan holder (born 1988-07-15): the discounted price.
  t = ticket_for("500152", "500223198807150019", today, 60, 12000, 6000);
  EXPECT_EQ(t.admission, Admission::kDiscounted);
  EXPECT_EQ(t.price_fen, 6000u);
  // Sixty today: free; one day short: discounted.
  EXPECT_EQ(ticket_for("500152", "500223196612050019", today, 60, 12000, 6000).admission, Admission::kFree);
  EXPECT_EQ(ticket_for("500152", "500223196612060019", today, 60, 12000, 6000).admission, Admission::kDiscounted);
  // A Beijing card holder of 71: the full price (the free age is for 50/51 cards).
  t = ticket_for("110105", "110105195503020033", today, 60, 12000, 6000);
  EXPECT_EQ(t.admission, Admission::kFull);
  EXPECT_EQ(t.price_fen, 12000u);
  // No SSN (withheld): a Chuan-Yu holder pays the discounted price.
  EXPECT_EQ(ticket_for("510900", "", today, 60, 12000, 6000).admission, Admission::kDiscounted);
}

// An electronic card's holder: the home issuer gives the birth date, not the SSN (docs/ESSC.md).
TEST(Admission, AnElectronicCardsHolderIsAdmittedByTheBirthDate) {
  const Date today = d(2026, 12, 5);
  Ticket t = ticket_for_birth("500103", d(1962, 3, 15), today, 60, 12000, 6000);
  EXPECT_EQ(t.admission, Admission::kFree);
  EXPECT_EQ(t.price_fen, 0u);
  EXPECT_EQ(t.age, 64);
  t = ticket_for_birth("510100", d(1990, 6, 11), today, 60, 12000, 6000);
  EXPECT_EQ(t.admission, Admission::kDiscounted);
  EXPECT_EQ(t.price_fen, 6000u);
  EXPECT_EQ(t.age, 36);
  EXPECT_EQ(ticket_for_birth("500103", d(1966, 12, 5), today, 60, 12000, 6000).admission, Admission::kFree);
  EXPECT_EQ(ticket_for_birth("500103", d(1966, 12, 6), today, 60, 12000, 6000).admission, Admission::kDiscounted);
  t = ticket_for_birth("510100", std::nullopt, today, 60, 12000, 6000);
  EXPECT_EQ(t.admission, Admission::kDiscounted);
  EXPECT_FALSE(t.age.has_value());
  // The same rule as from the SSN.
  EXPECT_EQ(ticket_for_birth("510900", d(1955, 3, 2), today, 60, 12000, 6000).age,
            ticket_for("510900", "510902195503020033", today, 60, 12000, 6000).age);
}

TEST(Admission, ThePanOfACardIsThePaymentApplicationsPan) {
  // PAYMENT.md §3; the Luhn digits checked by hand (ISO/IEC 7812-1 annex B).
  EXPECT_EQ(pan_of_card("510900", "SN2401101"), "6200515109004011018");
  EXPECT_EQ(pan_of_card("500152", "CQ0152301"), "6200505001521523017");
  EXPECT_EQ(pan_of_card("510900", "SN24011AB"), std::nullopt);
  EXPECT_EQ(pan_of_card("5109", "SN2401101"), std::nullopt);
}

TEST(GateConfig, TheBundledGatesLoad) {
  auto dazu = load_gate_config(kCards / "gates/cq-dazu-rock-carvings.json");
  ASSERT_TRUE(dazu.ok()) << dazu.error().to_string();
  EXPECT_EQ(dazu->price_fen, 12000u);
  EXPECT_EQ(dazu->discounted_price_fen, 6000u);
  EXPECT_EQ(dazu->free_age, 60);
  EXPECT_EQ(dazu->terminal, "500111030101");
  // printf 500111030101FFFFAFFEFEFCFEFE0000 | xxd -r -p | openssl enc -sm4-ecb -K E60B...4F9E -nopad
  EXPECT_EQ(to_hex(dazu->link_key), "A44BB5E1DD068F5CDB7EAB5F649B7715");
  EXPECT_EQ(dazu->psam.kind, config::DeviceSpec::Kind::kSimulated);
  const config::KioskConfig k = as_kiosk(*dazu);
  ASSERT_TRUE(k.payment.has_value());
  EXPECT_EQ(k.payment->merchant_id.size(), 15u);
  EXPECT_EQ(k.payment->merchant_category_code, "7991");
  EXPECT_FALSE(k.payment->pin_key.has_value());

  auto leshan = load_gate_config(kCards / "gates/sc-leshan-giant-buddha.json");
  ASSERT_TRUE(leshan.ok()) << leshan.error().to_string();
  EXPECT_EQ(leshan->province, "510000");
  EXPECT_EQ(to_hex(leshan->link_key), "4B08AAABCF4DF0848DFAB81AD0E65503");
  // Both take electronic cards signed with the platform's key 1, as the bundled kiosks do.
  for (const GateConfig* g : {&*dazu, &*leshan}) {
    ASSERT_EQ(g->essc_keys.size(), 1u);
    EXPECT_EQ(g->essc_keys[0].platform, "000000");
    EXPECT_EQ(g->essc_keys[0].index, 1);
    EXPECT_EQ(to_hex(g->essc_keys[0].public_key).substr(0, 16), "8FC611973E5BEFAD");
    EXPECT_EQ(as_kiosk(*g).essc_keys.size(), 1u);
  }
}

TEST(GateConfig, ADiscountAboveThePriceIsRefused) {
  const std::string text = R"({"format": "sscard-gate/1", "id": "g", "name": "G", "terminal": "500111030199",
    "province": "500000", "region": "500111", "host": {"address": "127.0.0.1:7001"},
    "link_key": "00112233445566778899AABBCCDDEEFF", "price": "10.00", "discounted_price": "20.00",
    "ca_keys": "k.json"})";
  auto g = parse_gate_config(text, "g.json");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().field, "discounted_price");
}

TEST(EntryLog, EntriesAndTheDenyListAreKept) {
  const auto file = std::filesystem::temp_directory_path() / ("sscard-gate-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(file);
  auto log = EntryLog::open(file.string());
  ASSERT_TRUE(log.ok());
  Entry e;
  e.date = "20261205";
  e.card_masked = mask_card_number("SN2401101");
  e.region = "510900";
  e.admission = "free";
  e.outcome = "admitted";
  EXPECT_EQ(e.card_masked, "******101");
  EXPECT_EQ(*(*log)->add(e), 1u);
  wire::DenyDigest a{}, b{};
  a.fill(1);
  b.fill(2);
  ASSERT_TRUE((*log)->replace_deny_list({a, b}).ok());
  ASSERT_TRUE((*log)->replace_deny_list({b}).ok());
  EXPECT_FALSE(*(*log)->denied(a));
  EXPECT_TRUE(*(*log)->denied(b));
  EXPECT_EQ(*(*log)->deny_count(), 1u);
  auto entries = (*log)->entries();
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].outcome, "admitted");
  log->reset();
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace sscard::gate

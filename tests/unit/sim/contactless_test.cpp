// The contactless field of the in-process reader (docs/CONTACTLESS.md §1, §1.1): the PC/SC ATR built from a
// card's ATS, a generation 3 card answering in the field from the same memory as on its contacts, and
// generation 1 and 2 cards silent there.
#include <gtest/gtest.h>

#include "sim_test_util.h"
#include "sscard/crypto/openssl.h"
#include "sscard/hal/contactless_atr.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"

namespace sscard::hal {
namespace {

using sim::testing::hex;

// ---------------------------------------------------------------------------------------------------
// The ATR from the ATS. Expected values worked out by hand from [PCSC3] 3.1.3.2.3.1: 3B, T0 = 80 | n,
// TD1 = 80, TD2 = 01, the n historical bytes, TCK = XOR of T0 .. the last historical byte.

std::string atr_of(std::string_view ats) {
  auto atr = pcsc_atr_from_ats(hex(ats));
  return atr.ok() ? to_hex(*atr) : std::string(atr.status().name());
}

TEST(PcscAtrFromAts, AnAtsWithoutHistoricalBytes) {
  // TCK = 80 ^ 80 ^ 01 = 01.
  EXPECT_EQ(atr_of("0578008102"), "3B80800101");
  // TL alone (no T0): no historical bytes either.
  EXPECT_EQ(atr_of("01"), "3B80800101");
}

TEST(PcscAtrFromAts, AKnownCardWithOneHistoricalByte) {
  // ATS 06 75 77 81 02 80 (TA, TB, TC present; historical 80): TCK = 81 ^ 80 ^ 01 ^ 80 = 80, the ATR
  // PC/SC readers are known to show for such a card.
  EXPECT_EQ(atr_of("067577810280"), "3B8180018080");
}

TEST(PcscAtrFromAts, OnlyTheInterfaceBytesT0AnnouncesAreSkipped) {
  // T0 = 20: TB alone; the historical bytes are 33 44. TCK = 82 ^ 80 ^ 01 ^ 33 ^ 44 = 74.
  EXPECT_EQ(atr_of("0520113344"), "3B8280013344" "74");
}

TEST(PcscAtrFromAts, TheBundledThirdGenerationCards) {
  // §1: ATS 12 78 00 81 02 ‖ the 13 historical bytes of the contact ATR; ATR 3B 8D 80 01 ‖ them ‖ TCK.
  EXPECT_EQ(atr_of("1278008102" "008C544CB386844150015200A1"), "3B8D8001008C544CB386844150015200A1CA");
  EXPECT_EQ(atr_of("1278008102" "00904A3001866033110000048A"), "3B8D800100904A3001866033110000048AAD");
}

TEST(PcscAtrFromAts, BrokenAtsAreRefused) {
  EXPECT_EQ(atr_of(""), "malformed");
  EXPECT_EQ(atr_of("0678008102"), "malformed");   // TL says 6, 5 bytes follow
  EXPECT_EQ(atr_of("04780081"), "truncated");     // TC announced but missing
  EXPECT_EQ(atr_of("0280"), "malformed");         // T0 bit 8 is RFU
  // 16 historical bytes do not fit an ATR (T0's low nibble).
  EXPECT_EQ(atr_of("1200" "00112233445566778899AABBCCDDEEFF"), "unsupported");
}

// ---------------------------------------------------------------------------------------------------
// The simulated card in the field.

std::shared_ptr<sim::CardOs> card_of(const std::string& file) {
  auto loaded = sim::load_profile(std::filesystem::path(SSCARD_CARDS_DIR) / file);
  EXPECT_TRUE(loaded.ok());
  return sim::make_card_os(loaded.value(), crypto::make_openssl_crypto());
}

// One exchange in hex, a T=0 61xx followed by GET RESPONSE as the transport does.
std::string send(Slot& slot, std::string_view command) {
  std::uint8_t buf[258];
  auto n = slot.transmit(hex(command), buf);
  if (!n.ok()) return std::string(n.status().name());
  if (*n == 2 && buf[0] == 0x61) {
    const std::uint8_t get_response[] = {0x00, 0xC0, 0x00, 0x00, buf[1]};
    n = slot.transmit(get_response, buf);
    if (!n.ok()) return std::string(n.status().name());
  }
  return to_hex(ByteSpan(buf, *n));
}

std::string power_up(Slot& slot) {
  std::uint8_t atr[kMaxAtrSize];
  auto n = slot.power_up(atr);
  return n.ok() ? to_hex(ByteSpan(atr, *n)) : std::string(n.status().name());
}

constexpr const char* kSelectSsse = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
constexpr const char* kWrongPin = "0020000003111111";

TEST(SimField, AThirdGenerationCardAnswersWithTheAtrOfItsAts) {
  SimReader reader;
  auto card = card_of("cq-tongnan-gen3.json");
  reader.contactless().insert(card);
  EXPECT_TRUE(*reader.contactless().card_present());
  EXPECT_FALSE(card->powered());  // looking for a card does not leave it powered
  EXPECT_EQ(power_up(reader.contactless()), "3B8D8001008C544CB386844150015200A1CA");
  EXPECT_EQ(reader.contactless().protocol(), Protocol::kT1);
  EXPECT_EQ(card->interface(), sim::CardInterface::kContactless);
  const std::string fci = send(reader.contactless(), kSelectSsse);
  EXPECT_EQ(fci.substr(0, 2), "6F");
  EXPECT_EQ(fci.substr(fci.size() - 4), "9000");
  ASSERT_TRUE(reader.contactless().power_down().ok());
  EXPECT_FALSE(card->powered());
  EXPECT_EQ(send(reader.contactless(), kSelectSsse), "no_card");
}

TEST(SimField, FirstAndSecondGenerationCardsAreSilent) {
  for (const char* file : {"sc-mianyang-gen1.json", "cq-yuzhong-gen2.json", "sc-chengdu-gen2.json"}) {
    SimReader reader;
    auto card = card_of(file);
    reader.contactless().insert(card);
    EXPECT_FALSE(*reader.contactless().card_present()) << file;
    EXPECT_EQ(power_up(reader.contactless()), "no_card") << file;
    EXPECT_FALSE(card->powered()) << file;
    EXPECT_EQ(send(reader.contactless(), kSelectSsse), "no_card") << file;
  }
}

TEST(SimField, ASecondGenerationCardOnADualReaderAnswersOnItsContactsOnly) {
  SimReader reader;
  reader.insert_dual_interface(card_of("cq-yuzhong-gen2.json"));
  EXPECT_EQ(power_up(reader.contactless()), "no_card");
  EXPECT_EQ(power_up(reader.contact()), "3B6D000000814E43238697159900BF7C7A");
}

TEST(SimField, BothInterfacesShareThePinTryCounter) {
  SimReader reader;
  auto card = card_of("sc-suining-gen3.json");
  reader.insert_dual_interface(card);
  ASSERT_EQ(card->pin_tries_left(), 6);
  // A wrong PIN on the contacts...
  EXPECT_EQ(power_up(reader.contact()), "3B6D000000904A3001866033110000048A");
  send(reader.contact(), kSelectSsse);
  EXPECT_EQ(send(reader.contact(), kWrongPin), "63C5");
  ASSERT_TRUE(reader.contact().power_down().ok());
  // ...then one in the field counts from where the contacts left it, and the other way round.
  EXPECT_EQ(power_up(reader.contactless()), "3B8D800100904A3001866033110000048AAD");
  send(reader.contactless(), kSelectSsse);
  EXPECT_EQ(send(reader.contactless(), kWrongPin), "63C4");
  ASSERT_TRUE(reader.contactless().power_down().ok());
  power_up(reader.contact());
  send(reader.contact(), kSelectSsse);
  EXPECT_EQ(send(reader.contact(), kWrongPin), "63C3");
  EXPECT_EQ(card->pin_tries_left(), 3);
}

TEST(SimField, BothInterfacesShareTheTransactionCounter) {
  SimReader reader;
  auto card = card_of("cq-tongnan-gen3.json");
  reader.insert_dual_interface(card);
  constexpr const char* kSelectPboc = "00A4040008A00000033301010100";
  // GPO on the contacts (PDOL data: DF69 00, 9F21, 9F4E as in docs/PAYMENT.md) counts one transaction.
  power_up(reader.contact());
  send(reader.contact(), kSelectPboc);
  EXPECT_EQ(send(reader.contact(), "80CA9F3600"), "9F360200009000");
  EXPECT_EQ(send(reader.contact(), "80A800001A831800123456535343415244204B494F534B000000000000000000").substr(0, 4),
            "8012");
  ASSERT_TRUE(reader.contact().power_down().ok());
  // The field reads the same counter.
  power_up(reader.contactless());
  send(reader.contactless(), kSelectPboc);
  EXPECT_EQ(send(reader.contactless(), "80CA9F3600"), "9F360200019000");
}

TEST(SimField, TheInterfaceThatPowersTheCardOwnsItUntilPowerDown) {
  SimReader reader;
  auto card = card_of("cq-tongnan-gen3.json");
  reader.insert_dual_interface(card);
  EXPECT_EQ(reader.contact().card(), reader.contactless().card());
  EXPECT_TRUE(*reader.contact().card_present());
  EXPECT_TRUE(*reader.contactless().card_present());

  EXPECT_EQ(power_up(reader.contact()), "3B6D0000008C544CB386844150015200A1");
  EXPECT_FALSE(*reader.contactless().card_present());
  EXPECT_EQ(power_up(reader.contactless()), "no_card");
  EXPECT_EQ(send(reader.contactless(), kSelectSsse), "no_card");
  // Powering the field down does not touch the card the contacts hold.
  ASSERT_TRUE(reader.contactless().power_down().ok());
  EXPECT_TRUE(card->powered());
  EXPECT_EQ(send(reader.contact(), kSelectSsse).substr(0, 2), "6F");
  ASSERT_TRUE(reader.contact().power_down().ok());

  EXPECT_EQ(power_up(reader.contactless()), "3B8D8001008C544CB386844150015200A1CA");
  EXPECT_FALSE(*reader.contact().card_present());
  EXPECT_EQ(power_up(reader.contact()), "no_card");
  ASSERT_TRUE(reader.contactless().power_down().ok());
  EXPECT_TRUE(*reader.contact().card_present());
}

TEST(SimField, ACardLeavingTheFieldMidCommandIsRemoved) {
  SimReader reader;
  auto card = card_of("cq-tongnan-gen3.json");
  reader.insert_dual_interface(card);
  power_up(reader.contactless());
  send(reader.contactless(), kSelectSsse);
  reader.contactless().remove_after(0);
  // The card ran the VERIFY (a try spent), then left before answering.
  EXPECT_EQ(send(reader.contactless(), kWrongPin), "card_removed");
  EXPECT_EQ(card->pin_tries_left(), 5);
  EXPECT_FALSE(card->powered());
  EXPECT_FALSE(*reader.contactless().card_present());
  // Still on the contacts' side of the reader.
  EXPECT_TRUE(*reader.contact().card_present());
}

}  // namespace
}  // namespace sscard::hal

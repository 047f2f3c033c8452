// The engine on a hand-made card (no profile): dispatch, T=0 GET RESPONSE, record search, binary reads,
// PIN counter ordering against power cuts, security state lifetime, and robustness against random bytes.
#include "sscard/sim/card_os.h"

#include <gtest/gtest.h>

#include <random>

#include "sim_test_util.h"

namespace sscard::sim {
namespace {

using testing::hex;
using testing::send;

constexpr const char* kAtr = "3B6D000000814E43238697159900BF7C7A";

// MF
//  |- 0015 transparent, SFI 21, 8 bytes, read always, update PIN
//  '- DF 1000 "A0000000010203" (FCI proprietary 9F0C 03 86 01 01)
//       |- EF01 records, SFI 1: 0102AABB, 0201CC, 0102DDEE, 0301EE (read PIN); update PIN
//       |- EF02 records, SFI 2, read never
//       |- EF03 transparent, SFI 3, 300 bytes 00 01 02 ... (mod 256)
//       '- DF 1001 "A0000000010204"
std::unique_ptr<CardOs> make_test_card(CardProtocol protocol = CardProtocol::kT0) {
  CardConfig config;
  config.protocol = protocol;
  config.atr = hex(kAtr);
  config.page_size = 16;
  auto card = std::make_unique<CardOs>(config);
  FileSystem& fs = card->file_system();
  EXPECT_TRUE(fs.add_transparent_ef(kMfNode, EfSpec{0x0015, 21, AccessCondition::always(), AccessCondition::pin()},
                                    hex("0102030405060708"), 8).ok());
  auto app = fs.add_df(kMfNode, DfSpec{0x1000, hex("A0000000010203"), hex("9F0C03860101")});
  EXPECT_TRUE(app.ok());
  auto ef01 = fs.add_record_ef(*app, EfSpec{0xEF01, 1, AccessCondition::always(), AccessCondition::pin()});
  EXPECT_TRUE(ef01.ok());
  EXPECT_TRUE(fs.add_record(*ef01, hex("0102AABB"), 4).ok());
  EXPECT_TRUE(fs.add_record(*ef01, hex("0201CC"), 3).ok());
  EXPECT_TRUE(fs.add_record(*ef01, hex("0102DDEE"), 4).ok());
  EXPECT_TRUE(fs.add_record(*ef01, hex("0301EE"), 3, AccessCondition::pin()).ok());
  auto ef02 = fs.add_record_ef(*app, EfSpec{0xEF02, 2, AccessCondition::never(), AccessCondition::never()});
  EXPECT_TRUE(ef02.ok());
  EXPECT_TRUE(fs.add_record(*ef02, hex("0100"), 2).ok());
  Bytes big(300);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i);
  EXPECT_TRUE(fs.add_transparent_ef(*app, EfSpec{0xEF03, 3}, big, big.size()).ok());
  EXPECT_TRUE(fs.add_df(*app, DfSpec{0x1001, hex("A0000000010204"), {}}).ok());
  EXPECT_TRUE(card->set_pin("123456", 3).ok());
  card->power_on();
  return card;
}

constexpr const char* kSelectApp = "00A4040007A0000000010203";
constexpr const char* kAppFci = "6F118407A0000000010203A5069F0C03860101";  // 19 bytes

TEST(CardOs, AnUnpoweredCardSaysNothing) {
  auto card = make_test_card();
  card->power_off();
  EXPECT_TRUE(card->process(hex("00A40000023F00")).empty());
  EXPECT_EQ(to_hex(card->power_on()), kAtr);
  EXPECT_EQ(send(*card, "00A40000023F00"), "6106");
  EXPECT_EQ(send(*card, "00C0000006"), "6F0483023F009000");
}

TEST(CardOs, T0SelectByNameAnnouncesTheFciWith61xx) {
  auto card = make_test_card();
  EXPECT_EQ(send(*card, kSelectApp), "6113");
  EXPECT_EQ(send(*card, "00C0000013"), std::string(kAppFci) + "9000");
  EXPECT_EQ(send(*card, "00C0000013"), "6985");  // nothing left
}

TEST(CardOs, T0GetResponseInPieces) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, kSelectApp), "6113");
  EXPECT_EQ(send(*card, "00C0000020"), "6C13");            // more than there is: nothing lost
  EXPECT_EQ(send(*card, "00C0000005"), "6F118407A0610E");  // 5 bytes, 0x0E left
  EXPECT_EQ(send(*card, "00C0000000"), "000000010203A5069F0C038601019000");
}

TEST(CardOs, T0PendingDataIsLostByAnyOtherCommand) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, kSelectApp), "6113");
  EXPECT_EQ(send(*card, "00B2010C00"), "0102AABB9000");
  EXPECT_EQ(send(*card, "00C0000013"), "6985");
}

TEST(CardOs, T0CaseOneCommandLooksLikeLeZero) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, kSelectApp), "6113");
  EXPECT_EQ(send(*card, "00C00000"), std::string(kAppFci) + "9000");
  EXPECT_EQ(send(*card, "00B2010C"), "0102AABB9000");
}

TEST(CardOs, T1AnswersDirectlyAndHonoursNe) {
  auto card = make_test_card(CardProtocol::kT1);
  EXPECT_EQ(send(*card, std::string(kSelectApp) + "00"), std::string(kAppFci) + "9000");
  EXPECT_EQ(send(*card, kSelectApp), "9000");  // no Le: no response data (ISO/IEC 7816-4 5.1)
  EXPECT_EQ(send(*card, std::string(kSelectApp) + "05"), "6C13");
  EXPECT_EQ(send(*card, "00C0000013"), "6985");
  EXPECT_EQ(send(*card, "00B2010C"), "6C04");  // READ RECORD without Le
}

TEST(CardOs, SelectsEveryWayIso7816Allows) {
  auto card = make_test_card();
  EXPECT_EQ(send(*card, "00A4000C021000"), "9000");   // DF by FID from the MF
  EXPECT_EQ(send(*card, "00A4020C02EF01"), "9000");   // EF under the current DF
  EXPECT_EQ(send(*card, "00A4000C021000"), "9000");   // the current DF itself
  EXPECT_EQ(send(*card, "00A4010C021001"), "9000");   // child DF
  EXPECT_EQ(send(*card, "00A4030C"), "9000");         // back to the parent
  EXPECT_EQ(send(*card, "00A4000C023F00"), "9000");   // MF
  EXPECT_EQ(send(*card, "00A4000C"), "9000");         // MF by empty data
  EXPECT_EQ(send(*card, "00A4030C"), "6A82");         // MF has no parent
  EXPECT_EQ(send(*card, "00A4020C021000"), "6A82");   // P1 02 selects EFs only
  EXPECT_EQ(send(*card, "00A4010C020015"), "6A82");   // P1 01 selects DFs only
  EXPECT_EQ(send(*card, "00A4000002001500"), "6110");
  EXPECT_EQ(send(*card, "00C0000010"), "6F0E80020008820101830200158801A89000");
}

TEST(CardOs, SelectParameterAndLengthErrors) {
  auto card = make_test_card();
  EXPECT_EQ(send(*card, "00A4000401EF"), "6A86");      // P2 04 (FCP) is not offered
  EXPECT_EQ(send(*card, "00A40802023F00"), "6A86");    // path selection
  EXPECT_EQ(send(*card, "00A4000003EF0102"), "6700");
  EXPECT_EQ(send(*card, "00A402000101"), "6700");
  EXPECT_EQ(send(*card, "00A4040000"), "6700");        // P1 04 needs a name (Le only)
  EXPECT_EQ(send(*card, "00A4040C05A000000001"), "6A82");
}

TEST(CardOs, AFailedSelectKeepsTheCurrentFile) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  ASSERT_EQ(send(*card, "00A4020C02EF01"), "9000");
  EXPECT_EQ(send(*card, "00A4020C02EF99"), "6A82");
  EXPECT_EQ(send(*card, "00B2010400"), "0102AABB9000");
}

TEST(CardOs, ReadRecordByIdentifierWalksOccurrences) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  EXPECT_EQ(send(*card, "00B2010800"), "0102AABB9000");  // SFI 1, first occurrence of 01
  EXPECT_EQ(send(*card, "00B2010A00"), "0102DDEE9000");  // next occurrence
  EXPECT_EQ(send(*card, "00B2010A00"), "6A83");          // no further one
  EXPECT_EQ(send(*card, "00B2010B00"), "0102AABB9000");  // previous from record 3
  EXPECT_EQ(send(*card, "00B2010900"), "0102DDEE9000");  // last occurrence
  EXPECT_EQ(send(*card, "00B2000400"), "0102DDEE9000");  // current record
  EXPECT_EQ(send(*card, "00B2000900"), "6982");          // last of any record: record 4 needs the PIN
  EXPECT_EQ(send(*card, "00B2020000"), "0201CC9000");    // current EF, first occurrence of 02
  EXPECT_EQ(send(*card, "00B2090000"), "6A83");
}

TEST(CardOs, ReadRecordCurrentRecordNeedsOne) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  ASSERT_EQ(send(*card, "00A4020C02EF01"), "9000");
  EXPECT_EQ(send(*card, "00B2000400"), "6A83");
  EXPECT_EQ(send(*card, "00B2FF0400"), "6A86");
  EXPECT_EQ(send(*card, "00B201FC00"), "6A86");  // SFI 31
  EXPECT_EQ(send(*card, "00B2010500"), "6A86");  // P2 b3-b1 = 101
}

TEST(CardOs, PerRecordReadConditions) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  EXPECT_EQ(send(*card, "00B2040C00"), "6982");
  EXPECT_EQ(send(*card, "0020000003123456"), "9000");
  EXPECT_EQ(send(*card, "00B2040C00"), "0301EE9000");
  EXPECT_EQ(send(*card, "00B2011400"), "6982");  // EF02 is read "never"
}

TEST(CardOs, ReadBinaryOffsetsAndLe) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  const std::string r = send(*card, "00B0830000");     // SFI 3, Le 00: 256 bytes of 300
  ASSERT_EQ(r.size(), 2u * 258);
  EXPECT_EQ(r.substr(0, 8), "00010203");
  EXPECT_EQ(r.substr(r.size() - 6), "FF9000");
  EXPECT_EQ(send(*card, "00B0000102"), "01029000");  // offset 1 in the now current EF03
}

TEST(CardOs, ReadBinaryPastTheEnd) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  EXPECT_EQ(send(*card, "00B0830000").size(), 2u * 258);       // selects EF03 by SFI
  EXPECT_EQ(send(*card, "00B0012A02"), "2A2B9000");             // offset 298, 2 bytes
  EXPECT_EQ(send(*card, "00B0012A00"), "2A2B9000");             // Le 00: what there is
  EXPECT_EQ(send(*card, "00B0012A03"), "6C02");
  EXPECT_EQ(send(*card, "00B0012C01"), "6B00");                 // offset 300 = end
  EXPECT_EQ(send(*card, "00B0A30001"), "6A86");                 // P1 1 01 00011: bits 7-6 not 00
  EXPECT_EQ(send(*card, "00B0810001"), "6981");                 // SFI 1 is a record EF
  EXPECT_EQ(send(*card, "00B09E0001"), "6A82");                 // no SFI 30 here
}

TEST(CardOs, ReadBinaryWithoutCurrentEf) {
  auto card = make_test_card();
  EXPECT_EQ(send(*card, "00B0000001"), "6986");
  EXPECT_EQ(send(*card, "00B2010400"), "6986");
}

TEST(CardOs, UpdateBinaryNeedsThePinAndStaysWithinTheFile) {
  auto card = make_test_card();
  EXPECT_EQ(send(*card, "00D6950002AABB"), "6982");
  EXPECT_EQ(send(*card, "0020000003123456"), "9000");
  EXPECT_EQ(send(*card, "00D6950602AABB"), "9000");
  EXPECT_EQ(send(*card, "00B0000000"), "010203040506AABB9000");
  EXPECT_EQ(send(*card, "00D6000703AABBCC"), "6A84");
  EXPECT_EQ(send(*card, "00D6000801AA"), "6B00");
  EXPECT_EQ(send(*card, "00D60000"), "6700");
}

TEST(CardOs, UpdateRecordByNumberAndByIdentifier) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  EXPECT_EQ(send(*card, "00DC010C040102FFFF"), "6982");
  ASSERT_EQ(send(*card, "0020000003123456"), "9000");
  EXPECT_EQ(send(*card, "00DC010C040102FFFF"), "9000");
  EXPECT_EQ(send(*card, "00DC020803020101"), "9000");            // first occurrence of 02
  EXPECT_EQ(send(*card, "00B2010C00"), "0102FFFF9000");
  EXPECT_EQ(send(*card, "00B2020C00"), "0201019000");
  EXPECT_EQ(send(*card, "00DC010C050103AABBCC"), "6700");        // longer than the record's room
  EXPECT_EQ(send(*card, "00DC010C030102AA"), "6A80");             // not one TLV element
  EXPECT_EQ(send(*card, "00DC090C020100"), "6A83");
  EXPECT_EQ(send(*card, "00DC0114020100"), "6982");               // EF02: never
  EXPECT_EQ(send(*card, "00A4000C023F00"), "9000");
  EXPECT_EQ(send(*card, "00DC01AC020100"), "6981");               // SFI 21 is transparent
}

TEST(CardOs, VerifyCountsDownToBlockedAndStaysBlocked) {
  auto card = make_test_card();
  EXPECT_EQ(send(*card, "00200000"), "63C3");
  EXPECT_EQ(send(*card, "0020000003111111"), "63C2");
  EXPECT_EQ(send(*card, "0020000003111111"), "63C1");
  EXPECT_EQ(send(*card, "0020000003111111"), "63C0");
  EXPECT_EQ(send(*card, "0020000003123456"), "6983");  // not even compared
  EXPECT_EQ(send(*card, "00200000"), "6983");
  card->power_off();
  card->power_on();
  EXPECT_EQ(send(*card, "0020000003123456"), "6983");
  EXPECT_EQ(card->pin_tries_left(), 0);
}

TEST(CardOs, VerifySuccessRestoresTheCounter) {
  auto card = make_test_card();
  EXPECT_EQ(send(*card, "0020000003111111"), "63C2");
  EXPECT_EQ(send(*card, "0020000003123456"), "9000");
  EXPECT_EQ(card->pin_tries_left(), 3);
  EXPECT_EQ(send(*card, "00200000"), "9000");
  EXPECT_EQ(send(*card, "0020000004123456FF"), "9000");  // F padding is part of the format
}

TEST(CardOs, PinMatchesComparesWithoutSpendingATry) {
  auto card = make_test_card();
  EXPECT_TRUE(card->pin_matches("123456"));
  EXPECT_FALSE(card->pin_matches("123457"));
  EXPECT_FALSE(card->pin_matches("1234567"));  // a longer PIN with the same first digits
  EXPECT_FALSE(card->pin_matches("12a456"));
  EXPECT_FALSE(card->pin_matches("123"));
  EXPECT_EQ(card->pin_tries_left(), 3);
  EXPECT_EQ(send(*card, "00200000021234"), "63C2");  // VERIFY has not been told anything either
  EXPECT_EQ(send(*card, "805E0100061234FF567890"), "63C1");
  EXPECT_EQ(send(*card, "805E010007123456FF567890"), "9000");
  EXPECT_TRUE(card->pin_matches("567890"));
  EXPECT_FALSE(card->pin_matches("123456"));
  EXPECT_EQ(card->pin_tries_left(), 3);
}

TEST(CardOs, VerifyParameterErrorsSpendNoTry) {
  auto card = make_test_card();
  EXPECT_EQ(send(*card, "002000000112"), "6700");
  EXPECT_EQ(send(*card, "002000000712345612345612"), "6700");
  EXPECT_EQ(send(*card, "0020010003123456"), "6A86");
  EXPECT_EQ(send(*card, "0020008103123456"), "6A88");
  EXPECT_EQ(card->pin_tries_left(), 3);
}

// The page writes of a wrong VERIFY: the try it spends is a transaction of its own (journal header, the
// counter page's undo record, the page, the closing header).
std::size_t pages_to_spend_a_try() {
  auto card = make_test_card();
  const std::size_t before = card->eeprom().page_writes();
  EXPECT_EQ(send(*card, "0020000003111111"), "63C2");
  return card->eeprom().page_writes() - before;
}

TEST(CardOs, VerifySpendsTheTryBeforeComparing) {
  auto card = make_test_card();
  const std::size_t data_end = card->eeprom().journal_offset();
  const Bytes before(card->eeprom().image().begin(), card->eeprom().image().begin() + static_cast<std::ptrdiff_t>(data_end));
  EXPECT_EQ(send(*card, "0020000003111111"), "63C2");
  const ByteSpan after = card->eeprom().image().first(data_end);
  std::size_t changed = 0;
  for (std::size_t i = 0; i < data_end; ++i) changed += before[i] != after[i] ? 1u : 0u;
  EXPECT_EQ(changed, 1u);  // the counter, and nothing else
  // Power cut after that write: the answer has already been decided and the try is gone for good.
  card->eeprom().cut_power_after_page_writes(pages_to_spend_a_try());
  EXPECT_EQ(send(*card, "0020000003222222"), "63C1");
  card->eeprom().cancel_power_cut();
  card->power_off();
  card->power_on();
  EXPECT_EQ(card->pin_tries_left(), 1);
  EXPECT_EQ(send(*card, "00200000"), "63C1");
}

TEST(CardOs, CuttingPowerBeforeTheCounterWriteRevealsNothing) {
  // Every cut before the try's closing header: the try is not spent and nothing was said.
  const std::size_t spend = pages_to_spend_a_try();
  ASSERT_GE(spend, 1u);
  for (std::size_t n = 0; n < spend; ++n) {
    for (auto how : {Eeprom::Cut::kBeforeWrite, Eeprom::Cut::kTornWrite}) {
      auto card = make_test_card();
      card->eeprom().cut_power_at_page_write(n, how);
      EXPECT_TRUE(card->process(hex("0020000003123456")).empty()) << n;  // correct PIN, but no answer
      EXPECT_FALSE(card->powered());
      card->power_on();
      EXPECT_EQ(card->pin_tries_left(), 3) << n;
      EXPECT_EQ(send(*card, "00200000"), "63C3");  // not verified
    }
  }
}

TEST(CardOs, CuttingPowerAfterTheCounterWriteOnTheRightPinCostsTheTry) {
  auto card = make_test_card();
  card->eeprom().cut_power_after_page_writes(pages_to_spend_a_try());  // the decrement lands, the restore does not
  EXPECT_TRUE(card->process(hex("0020000003123456")).empty());
  EXPECT_TRUE(card->process(hex("00200000")).empty());  // unpowered until power_on
  card->power_on();
  EXPECT_EQ(card->pin_tries_left(), 2);
  EXPECT_EQ(send(*card, "00200000"), "63C2");
}

TEST(CardOs, PowerCutDuringUpdateBinaryLeavesTheOldContents) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, "0020000003123456"), "9000");
  card->eeprom().cut_power_after_page_writes(0);
  EXPECT_TRUE(card->process(hex("00D6950008A1A2A3A4A5A6A7A8")).empty());
  card->power_on();
  EXPECT_EQ(send(*card, "00B0950000"), "01020304050607089000");
}

TEST(CardOs, SecurityStateEndsWithTheDfAndWithPower) {
  auto card = make_test_card();
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  ASSERT_EQ(send(*card, "0020000003123456"), "9000");
  EXPECT_EQ(send(*card, "00B2040C00"), "0301EE9000");
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");  // the same DF again: still verified
  EXPECT_EQ(send(*card, "00B2040C00"), "0301EE9000");
  ASSERT_EQ(send(*card, "00A4000C023F00"), "9000");  // another DF
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  EXPECT_EQ(send(*card, "00B2040C00"), "6982");
  ASSERT_EQ(send(*card, "0020000003123456"), "9000");
  card->power_off();
  card->power_on();
  ASSERT_EQ(send(*card, "00A4000C021000"), "9000");
  EXPECT_EQ(send(*card, "00B2040C00"), "6982");
}

TEST(CardOs, GetChallengeLengths) {
  auto card = make_test_card();
  for (const char* le : {"04", "08", "10"}) {
    const std::string r = send(*card, std::string("00840000") + le);
    EXPECT_EQ(r.size(), 2u * (std::stoul(le, nullptr, 16) + 2)) << le;
    EXPECT_EQ(r.substr(r.size() - 4), "9000");
  }
  EXPECT_NE(send(*card, "0084000010"), send(*card, "0084000010"));
  EXPECT_EQ(send(*card, "0084000005"), "6700");
  EXPECT_EQ(send(*card, "0084000000"), "6700");
  EXPECT_EQ(send(*card, "0084010008"), "6A86");
}

TEST(CardOs, ClassInstructionAndLengthErrors) {
  auto card = make_test_card();
  EXPECT_EQ(send(*card, "10A40000023F00"), "6E00");
  EXPECT_EQ(send(*card, "0CA40000023F00"), "6E00");
  EXPECT_EQ(send(*card, "80A4000C023F00"), "9000");
  EXPECT_EQ(send(*card, "84A4000C023F00"), "9000");
  EXPECT_EQ(send(*card, "00E2000000"), "6D00");
  EXPECT_EQ(send(*card, "00CA000000"), "6D00");            // GET DATA: not a command of this card
  EXPECT_EQ(send(*card, "0082000A10"), "6A88");            // EXTERNAL AUTHENTICATE, but no key 0A here
  EXPECT_EQ(send(*card, "00A4"), "6700");
  EXPECT_EQ(send(*card, ""), "6700");
  EXPECT_EQ(send(*card, "00A40000053F"), "6700");        // Lc 5, one byte of data
  EXPECT_EQ(send(*card, "00A40000023F0000FF"), "6700");  // trailing bytes after Le
  EXPECT_EQ(send(*card, "00B000000001"), "6700");        // extended-length marker, then too few bytes
  EXPECT_EQ(send(*card, "00B00000000100"), "6700");      // extended Le: this card takes short APDUs only
}

TEST(CardOs, RandomBytesAlwaysGetAStatusWord) {
  auto card = make_test_card();
  std::mt19937 rng(7816);
  std::uniform_int_distribution<int> byte(0, 255);
  const std::uint8_t kIns[] = {0xA4, 0xB0, 0xD6, 0xB2, 0xDC, 0x20, 0x84, 0xC0};
  const std::uint8_t kCla[] = {0x00, 0x80, 0x84};
  for (int i = 0; i < 20000; ++i) {
    const std::size_t len = static_cast<std::size_t>(byte(rng)) + (i % 7 == 0 ? 20u : 0u);
    Bytes apdu(len % 270);
    for (auto& b : apdu) b = static_cast<std::uint8_t>(byte(rng));
    // Most commands look like real ones, so the handlers (not just the dispatcher) see the noise.
    if (apdu.size() >= 2 && i % 4 != 0) {
      apdu[0] = kCla[static_cast<std::size_t>(byte(rng)) % 3];
      apdu[1] = kIns[static_cast<std::size_t>(byte(rng)) % 8];
    }
    if (apdu.size() >= 5 && i % 3 == 0) apdu[4] = static_cast<std::uint8_t>(apdu.size() - 5);  // consistent Lc
    const Bytes response = card->process(apdu);
    ASSERT_GE(response.size(), 2u) << "command " << to_hex(apdu);
    ASSERT_LE(response.size(), 258u) << "command " << to_hex(apdu);
    if (i % 1000 == 999) card->power_on();
  }
}

}  // namespace
}  // namespace sscard::sim

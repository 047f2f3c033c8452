// read_identity() against scripted cards answering with the record encodings of docs/CARD.md, the typed
// fields it decodes, and format_iface_line() against the documented iReadCardBas example.
#include "sscard/ssc/identity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include "scripted/scripted_reader.h"
#include "ssc_script.h"

namespace sscard::ssc {
namespace {

using testing::ScriptedSlot;

// The ATR of the documented example: 3B 6D 00 00 + the historical bytes shown in its iReadCardBas line.
constexpr char kExampleAtr[] = "3B6D000000814E43238697159900BF7C7A";
constexpr char kSelectSsse[] = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
constexpr char kFci[] = "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860101";

class IdentityTest : public ::testing::Test {
 protected:
  void power_up() {
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    auto n = slot_.power_up(atr);
    ASSERT_TRUE(n.ok());
    atr_.assign(atr.begin(), atr.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  void load(const char* script) {
    ASSERT_TRUE(slot_.load_script(data_path(script)));
    power_up();
  }
  Result<Identity> read() { return read_identity(transport_, atr_); }

  // The example card's exchanges, for tests that change one of them.
  void expect_example_until(std::size_t count) {
    const auto exchanges = load_exchanges(data_path("example_card_t0.script"));
    ASSERT_LE(count, exchanges.size());
    for (std::size_t i = 0; i < count; ++i) slot_.expect(exchanges[i].command, exchanges[i].response);
  }

  ScriptedSlot slot_{kExampleAtr};
  transport::Transport transport_{slot_};
  Bytes atr_;
};

TEST_F(IdentityTest, ExampleCardReproducesTheDocumentedIfaceLine) {
  load("example_card_t0.script");
  auto id = read();
  ASSERT_TRUE(id.ok()) << id.status().name();
  // CARD.md, "The standard terminal interface": the example iReadCardBas output.
  EXPECT_EQ(format_iface_line(*id, "410100813475", "终端设备号"),
            "639900|111111198101011110|X00000019|639900D15600000500BF7C7A48FB4966|张三|"
            "00814E43238697159900BF7C7A|1.00|20101001|20201001|410100813475|终端设备号|");
}

TEST_F(IdentityTest, ExampleCardFieldsAreDecoded) {
  load("example_card_t0.script");
  auto id = read();
  ASSERT_TRUE(id.ok()) << id.status().name();
  ASSERT_TRUE(id->region.has_value());
  EXPECT_EQ(*id->region, RegionCode("639900"));
  EXPECT_EQ(to_hex(id->card_id), "639900D15600000500BF7C7A48FB4966");
  EXPECT_EQ(id->card_type, "1");
  EXPECT_EQ(id->spec_version, "1.00");
  EXPECT_EQ(to_hex(id->init_org.span()), to_hex(as_bytes("639900000001")));
  EXPECT_EQ(id->issue_date, (Date{2010, 10, 1}));
  EXPECT_EQ(id->expiry_date, (Date{2020, 10, 1}));
  EXPECT_EQ(id->card_number, "X00000019");
  EXPECT_EQ(id->ssn, "111111198101011110");
  EXPECT_EQ(id->name, "张三");
  EXPECT_EQ(id->sex, Sex::male());
  EXPECT_EQ(id->sex.code, '1');
  ASSERT_TRUE(id->nation.has_value());
  EXPECT_EQ(*id->nation, NationCode("01"));
  ASSERT_TRUE(id->birthplace.has_value());
  EXPECT_EQ(*id->birthplace, RegionCode("111111"));
  EXPECT_EQ(id->birth_date, (Date{1981, 1, 1}));
  EXPECT_EQ(to_hex(id->atr_historical.span()), "00814E43238697159900BF7C7A");
  EXPECT_EQ(id->algorithm_id, 1);
  EXPECT_EQ(id->generation, Generation::kFirst);
  EXPECT_FALSE(id->personal_data_withheld);
  // SELECT + GET RESPONSE + 14 READ RECORDs.
  EXPECT_EQ(transport_.apdu_count(), 16u);
}

TEST_F(IdentityTest, WithoutPsamTheTerminalNumberIsZeros) {
  load("example_card_t0.script");
  auto id = read();
  ASSERT_TRUE(id.ok());
  const std::string line = format_iface_line(*id, "000000000000", "");
  EXPECT_EQ(line.substr(line.size() - 15), "|000000000000||");
  EXPECT_EQ(std::count(line.begin(), line.end(), '|'), 11);
}

TEST_F(IdentityTest, LongNameContinuesInTheExtensionWithGbkOnlyCharacters) {
  load("second_gen_long_name_t1.script");
  auto id = read();
  ASSERT_TRUE(id.ok()) << id.status().name();
  EXPECT_EQ(id->name, "阿卜杜热合曼·买买提艾力·吐尔逊喆堃");
  EXPECT_EQ(id->generation, Generation::kSecond);
  EXPECT_EQ(id->algorithm_id, 2);
  EXPECT_EQ(transport_.apdu_count(), 15u);  // T=1: no GET RESPONSE
}

TEST_F(IdentityTest, ThirdGenerationCardWithoutAuthenticationWithholdsPersonalData) {
  load("third_gen_unauthenticated_t1.script");
  auto id = read();
  ASSERT_TRUE(id.ok()) << id.status().name();
  EXPECT_TRUE(id->personal_data_withheld);
  EXPECT_EQ(id->generation, Generation::kThird);
  EXPECT_EQ(id->algorithm_id, 3);
  EXPECT_EQ(id->region, RegionCode("639900"));
  EXPECT_EQ(to_hex(id->card_id), "639900D15600000500BF7C7A48FB4966");
  EXPECT_EQ(id->spec_version, "3.00");
  EXPECT_EQ(id->card_number, "");
  EXPECT_EQ(id->ssn, "");
  EXPECT_EQ(id->name, "");
  EXPECT_EQ(id->sex, Sex{});
  EXPECT_FALSE(id->nation.has_value());
  EXPECT_FALSE(id->birthplace.has_value());
  EXPECT_FALSE(id->birth_date.has_value());
  EXPECT_EQ(format_iface_line(*id, "000000000000", "D1"),
            "639900|||639900D15600000500BF7C7A48FB4966||00814E43238697159900BF7C7A|3.00|20101001|20201001|"
            "000000000000|D1|");
}

TEST_F(IdentityTest, ThirdGenerationCardReturningBlankPersonalRecordsCountsAsWithheld) {
  // The real trace in CARD.md shows empty SSN, number and name rather than an error status.
  slot_.expect(kSelectSsse, std::string(kFci).replace(std::string(kFci).size() - 2, 2, "03") + "9000");
  const auto exchanges = load_exchanges(data_path("example_card_t0.script"));
  for (std::size_t i = 2; i < exchanges.size(); ++i) {
    Bytes response = exchanges[i].response;
    const std::uint8_t tag = exchanges[i].command[2];
    if (tag == 0x03) response = from_hex("0304332E30309000").value();
    if (tag == 0x07 || tag == 0x08 || tag == 0x09) {
      std::fill(response.begin() + 2, response.end() - 2, 0x00);
    }
    slot_.expect(exchanges[i].command, response);
  }
  power_up();
  auto id = read();
  ASSERT_TRUE(id.ok()) << id.status().name();
  EXPECT_EQ(id->generation, Generation::kThird);
  EXPECT_EQ(id->ssn, "");
  EXPECT_EQ(id->name, "");
  EXPECT_TRUE(id->personal_data_withheld);
}

TEST_F(IdentityTest, CardRemovedMidReadIsReportedAsCardRemoved) {
  load("removed_during_name_t0.script");
  auto id = read();
  EXPECT_EQ(id.status(), Error::kCardRemoved);
  EXPECT_EQ(slot_.card_present().value(), false);
}

TEST_F(IdentityTest, CardThatIsNotASocialSecurityCardIsNotFound) {
  load("not_ssc_card.script");
  EXPECT_EQ(read().status(), Error::kNotFound);
  EXPECT_EQ(transport_.apdu_count(), 1u);
}

TEST_F(IdentityTest, BlockedApplicationIsACardStatusError) {
  slot_.expect(kSelectSsse, "6283");
  power_up();
  EXPECT_EQ(read().status(), Error::kCardStatus);
  EXPECT_EQ(transport_.last_status_word(), sw::kFileInvalidated);
}

TEST_F(IdentityTest, NoCardIsPassedThrough) {
  // Never powered: the slot refuses the first command.
  EXPECT_EQ(read_identity(transport_, from_hex(kExampleAtr).value()).status(), Error::kNoCard);
}

TEST_F(IdentityTest, SelectAnsweredInSeveralGetResponsePieces) {
  const std::string fci = kFci;
  slot_.expect(kSelectSsse, "6110")
      .expect("00C0000010", fci.substr(0, 32) + "610B")
      .expect("00C000000B", fci.substr(32) + "9000");
  const auto exchanges = load_exchanges(data_path("example_card_t0.script"));
  for (std::size_t i = 2; i < exchanges.size(); ++i) slot_.expect(exchanges[i].command, exchanges[i].response);
  power_up();
  auto id = read();
  ASSERT_TRUE(id.ok()) << id.status().name();
  EXPECT_EQ(id->algorithm_id, 1);
  EXPECT_EQ(transport_.apdu_count(), 17u);
}

TEST_F(IdentityTest, FciLargerThanTheResponseBufferIsBufferTooSmall) {
  const std::string piece(2 * 255, '0');
  slot_.expect(kSelectSsse, "61FF").expect("00C00000FF", piece + "6110");
  power_up();
  // 255 bytes received; the next 16 + SW would not fit the 258-byte buffer.
  EXPECT_EQ(read().status(), Error::kBufferTooSmall);
}

TEST_F(IdentityTest, WithoutFciTheAlgorithmDefaultsTo01) {
  slot_.expect(kSelectSsse, "9000");
  const auto exchanges = load_exchanges(data_path("example_card_t0.script"));
  for (std::size_t i = 2; i < exchanges.size(); ++i) slot_.expect(exchanges[i].command, exchanges[i].response);
  power_up();
  auto id = read();
  ASSERT_TRUE(id.ok()) << id.status().name();
  EXPECT_EQ(id->algorithm_id, 1);
}

TEST_F(IdentityTest, ShorterNameRecordIsFetchedAfter6Cxx) {
  expect_example_until(10);  // up to EF06 08
  slot_.expect("00B2093020", "6C06").expect("00B2093006", "0904D5C5C8FD9000");
  const auto exchanges = load_exchanges(data_path("example_card_t0.script"));
  for (std::size_t i = 11; i < exchanges.size(); ++i) slot_.expect(exchanges[i].command, exchanges[i].response);
  power_up();
  auto id = read();
  ASSERT_TRUE(id.ok()) << id.status().name();
  EXPECT_EQ(id->name, "张三");
}

TEST_F(IdentityTest, SecurityStatusOnASecondGenerationCardIsAnError) {
  const auto exchanges = load_exchanges(data_path("second_gen_long_name_t1.script"));
  for (std::size_t i = 0; i < 8; ++i) slot_.expect(exchanges[i].command, exchanges[i].response);
  slot_.expect(exchanges[8].command, from_hex("6982").value());  // EF06 08
  power_up();
  EXPECT_EQ(read().status(), Error::kSecurity);
}

TEST_F(IdentityTest, SecurityStatusBeforeTheGenerationIsKnownIsAnError) {
  const auto exchanges = load_exchanges(data_path("third_gen_unauthenticated_t1.script"));
  for (std::size_t i = 0; i < 3; ++i) slot_.expect(exchanges[i].command, exchanges[i].response);
  slot_.expect(exchanges[3].command, from_hex("6982").value());  // EF05 03, the spec version
  power_up();
  EXPECT_EQ(read().status(), Error::kSecurity);
}

TEST_F(IdentityTest, RecordNotFoundOutsideTheNameExtensionIsACardStatusError) {
  expect_example_until(9);
  slot_.expect("00B2083014", "6A83");
  power_up();
  EXPECT_EQ(read().status(), Error::kCardStatus);
  EXPECT_EQ(transport_.last_status_word(), sw::kRecordNotFound);
}

TEST_F(IdentityTest, RecordUnderTheWrongTagIsMalformed) {
  expect_example_until(2);
  slot_.expect("00B2012812", "0210639900D15600000500BF7C7A48FB49669000");
  power_up();
  EXPECT_EQ(read().status(), Error::kMalformed);
}

TEST_F(IdentityTest, RecordWhoseLengthByteDisagreesWithItsDataIsMalformed) {
  expect_example_until(8);
  slot_.expect("00B207280B", "07085830303030303031399000");
  power_up();
  EXPECT_EQ(read().status(), Error::kMalformed);
}

TEST_F(IdentityTest, FciWhose9F0CLacksTheAlgorithmIsMalformed) {
  slot_.expect(kSelectSsse, "6F08A5069F0C038701029000");  // 87 where 86 belongs
  power_up();
  EXPECT_EQ(read().status(), Error::kMalformed);
}

TEST_F(IdentityTest, FciThatIsNotTlvIsMalformed) {
  slot_.expect(kSelectSsse, "6F20A5069F0C038601019000");  // 6F announces 32 bytes, 8 follow
  power_up();
  EXPECT_EQ(read().status(), Error::kMalformed);
}

TEST_F(IdentityTest, MalformedAtrIsRejectedBeforeAnythingIsSent) {
  power_up();
  const Bytes bad_atr = from_hex("3B6D0000008142").value();  // 13 historical bytes announced, 3 present
  EXPECT_EQ(read_identity(transport_, bad_atr).status(), Error::kMalformed);
  EXPECT_EQ(transport_.apdu_count(), 0u);
}

TEST_F(IdentityTest, EmptyAtrLeavesTheHistoricalBytesEmpty) {
  load("example_card_t0.script");
  auto id = read_identity(transport_, ByteSpan{});
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->atr_historical.empty());
}

TEST(AlgorithmIdTest, FromFci) {
  const auto id = [](std::string_view fci) { return algorithm_id_from_fci(from_hex(fci).value()); };
  EXPECT_EQ(id(kFci).value(), 1);
  EXPECT_EQ(id("6F08A5069F0C03860103").value(), 3);
  EXPECT_EQ(id("9F0C03860102").value(), 2);        // at the top level
  EXPECT_EQ(id("").value(), 1);                    // no FCI
  EXPECT_EQ(id("6F03840100").value(), 1);          // no 9F0C
  EXPECT_EQ(id("6F07A5059F0C028601").status(), Error::kMalformed);      // 86 cut short
  EXPECT_EQ(id("6F09A5079F0C0486020102").status(), Error::kMalformed);  // 86 of 2 bytes
  EXPECT_EQ(id("6F08A5").status(), Error::kMalformed);
}

TEST(AlgorithmIdTest, EveryTruncatedPrefixOfTheFciIsMalformed) {
  const Bytes fci = from_hex(kFci).value();
  for (std::size_t n = 1; n < fci.size(); ++n) {
    auto exact = std::make_unique<std::uint8_t[]>(n);
    std::copy(fci.begin(), fci.begin() + static_cast<std::ptrdiff_t>(n), exact.get());
    EXPECT_EQ(algorithm_id_from_fci(ByteSpan(exact.get(), n)).status(), Error::kMalformed) << "prefix of " << n;
  }
}

TEST(GenerationTest, FromTheSpecVersionsFirstCharacter) {
  EXPECT_EQ(generation_from_spec_version("1.00"), Generation::kFirst);
  EXPECT_EQ(generation_from_spec_version("2.00"), Generation::kSecond);
  EXPECT_EQ(generation_from_spec_version("3.00"), Generation::kThird);
  EXPECT_EQ(generation_from_spec_version("4.00"), Generation::kUnknown);
  EXPECT_EQ(generation_from_spec_version(""), Generation::kUnknown);
}

TEST(IfaceLineTest, ElevenFieldsEachFollowedByTheSeparator) {
  Identity id;
  id.region = RegionCode("500000");
  id.ssn = "500101199001011234";
  id.card_number = "A12345678";
  id.card_id = {0x50, 0x00, 0x00, 0xD1, 0x56, 0x00, 0x00, 0x05, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
  id.name = "李四";
  id.atr_historical = AtrHistorical::from(from_hex("008C544CB386844116018593CA").value()).value();
  id.spec_version = "2.00";
  id.issue_date = Date{2015, 1, 1};
  id.expiry_date = Date{2025, 1, 1};
  EXPECT_EQ(format_iface_line(id, "500000000001", "KIOSK-01"),
            "500000|500101199001011234|A12345678|500000D1560000050011223344556677|李四|"
            "008C544CB386844116018593CA|2.00|20150101|20250101|500000000001|KIOSK-01|");
}

TEST(IfaceLineTest, UnsetFieldsAreEmpty) {
  Identity id;
  id.region = RegionCode("510900");
  id.spec_version = "3.00";
  EXPECT_EQ(format_iface_line(id, "000000000000", ""),
            "510900|||00000000000000000000000000000000|||3.00|||000000000000||");
}

// ---- The typed fields decode_record() stores ----

Identity decoded(std::string_view record_hex, Status expected = kOk) {
  Identity id;
  const Bytes record = from_hex(record_hex).value();
  EXPECT_EQ(decode_record(record[0], record, id), expected) << record_hex;
  return id;
}

TEST(TypedFieldsTest, SexKeepsTheStoredCharacter) {
  EXPECT_EQ(decoded("0A0131").sex, Sex::male());
  EXPECT_EQ(decoded("0A0132").sex, Sex::female());
  const Sex other = decoded("0A0139").sex;
  EXPECT_EQ(other.kind, Sex::Kind::kOther);
  EXPECT_EQ(other.code, '9');
  EXPECT_EQ(decoded("0A0100").sex, Sex{});
  decoded("0A017C", Error::kMalformed);  // '|'
}

TEST(TypedFieldsTest, DatesAndCodesOfAll00OrFFAreUnset) {
  Identity id = decoded("050420101001");
  EXPECT_EQ(id.issue_date, (Date{2010, 10, 1}));
  ASSERT_TRUE(decode_record(0x05, from_hex("0504FFFFFFFF").value(), id).ok());
  EXPECT_FALSE(id.issue_date.has_value());
  EXPECT_FALSE(decoded("0C03FFFFFF").birthplace.has_value());
  EXPECT_FALSE(decoded("0B0100").nation.has_value());
  EXPECT_EQ(decoded("0B0115").nation, NationCode("15"));
  EXPECT_EQ(decoded("0C03510107").birthplace, RegionCode("510107"));
}

TEST(TypedFieldsTest, ABirthplaceIsAWholeRegionCode) {
  // GB/T 2260 codes have six digits: an F-padded (cn) code is malformed (DECISIONS.md D15).
  decoded("0C035101FF", Error::kMalformed);
  decoded("0C0351FFFF", Error::kMalformed);
}

TEST(TypedFieldsTest, TheInitialisingOrganisationIsKeptAsStored) {
  EXPECT_EQ(to_hex(decoded("040C639900000001FFFFFFFFFFFF").init_org.span()), "639900000001FFFFFFFFFFFF");
  EXPECT_EQ(to_hex(decoded("0406363339393030").init_org.span()), "363339393030");
}

TEST(TypedFieldsTest, TheNameIsReplacedByRecord09AndExtendedBy4E) {
  Identity id = decoded("0904D5C5C8FD");
  ASSERT_TRUE(decode_record(0x09, from_hex("0904C0EECBC4").value(), id).ok());
  EXPECT_EQ(id.name, "李四");
  ASSERT_TRUE(decode_record(0x4E, from_hex("4E0486B488D2").value(), id).ok());
  EXPECT_EQ(id.name, "李四喆堃");
}

TEST(TypedFieldsTest, ARegionComesWithTheCardId) {
  const Identity id = decoded("0110510900D1560000050000048A5D6E7F80");
  EXPECT_EQ(id.region, RegionCode("510900"));
  EXPECT_EQ(id.region->province(), RegionCode("510000"));
  EXPECT_EQ(to_hex(id.card_id), "510900D1560000050000048A5D6E7F80");
}

}  // namespace
}  // namespace sscard::ssc

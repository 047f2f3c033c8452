// The e-cash load log as the terminal reads it (JR/T 0025.13 5.8, 10.2 tables 10 and 11; CONTACTLESS.md §2.4):
// DF4D in the ADF's FCI, the record layout with the format DF4F, and the read of the whole log over a scripted
// card.
#include <gtest/gtest.h>

#include <array>

#include "scripted/scripted_reader.h"
#include "sscard/pboc/load_log.h"
#include "sscard/transport/transport.h"

namespace sscard::pboc {
namespace {

Bytes hex(std::string_view text) { return from_hex(text).value(); }

// The generation 3 contact FCI of CONTACTLESS.md §2.1 / PAYMENT.md §4.1 with the load-log entry.
constexpr std::string_view kFciWithLoadLog =
    "6F348408A000000333010101A528500A50424F432044454249548701019F3809DF69019F21039F4E14"
    "BF0C0A9F4D020B0ADF4D020C0A";
constexpr std::string_view kFciWithout =
    "6F2C8408A000000333010101A520500A50424F432044454249548701019F38069F21039F4E14BF0C059F4D020B0A";
// The simulated card's variable part (ATC ‖ date) and its record of a load 50.00 -> 100.00 at ATC 1.
constexpr std::string_view kSimFormat = "9F36029A03";
constexpr std::string_view kSimRecord = "9F79" "000000005000" "000000010000" "0001" "261204";

TEST(LoadLogEntry, TheFciNamesSfi12With10Records) {
  const auto entry = load_log_entry(hex(kFciWithLoadLog));
  ASSERT_TRUE(entry.ok()) << entry.status().name();
  EXPECT_EQ(entry->sfi, 12);
  EXPECT_EQ(entry->records, 10);
}

TEST(LoadLogEntry, AnFciWithoutDf4dHasNoLoadLog) {
  EXPECT_EQ(load_log_entry(hex(kFciWithout)).status(), Error::kNotFound);
  EXPECT_EQ(load_log_entry(hex("6F0A8408A000000333010101")).status(), Error::kNotFound);  // no A5
}

TEST(LoadLogEntry, ABadEntryIsMalformed) {
  // SFI 5 (below 11), SFI 31, 0 records, 3 bytes.
  for (const std::string_view df4d : {"DF4D02050A", "DF4D021F0A", "DF4D020C00", "DF4D030C0A00"}) {
    const Bytes inner = hex(std::string("9F4D020B0A") + std::string(df4d));
    Bytes bf0c{0xBF, 0x0C, static_cast<std::uint8_t>(inner.size())};
    bf0c.insert(bf0c.end(), inner.begin(), inner.end());
    Bytes a5{0xA5, static_cast<std::uint8_t>(bf0c.size())};
    a5.insert(a5.end(), bf0c.begin(), bf0c.end());
    Bytes fci{0x6F, static_cast<std::uint8_t>(a5.size())};
    fci.insert(fci.end(), a5.begin(), a5.end());
    EXPECT_EQ(load_log_entry(fci).status(), Error::kMalformed) << df4d;
  }
}

TEST(LoadRecord, TheSimulatedCardsLayout) {
  const auto r = parse_load_record(hex(kSimRecord), hex(kSimFormat));
  ASSERT_TRUE(r.ok()) << r.status().name();
  EXPECT_EQ(r->tag, 0x9F79);
  EXPECT_EQ(r->before_fen, 5000u);
  EXPECT_EQ(r->after_fen, 10000u);
  EXPECT_EQ(r->atc, std::optional<std::uint16_t>(1));
}

TEST(LoadRecord, TheRecommendedFormatOfTable11) {
  // 9A 9F21 9F1A 9F4E(20) 9F36: the ATC comes last, after 30 bytes.
  const std::string format = "9A039F21039F1A029F4E149F3602";
  const std::string record = std::string("9F79") + "000000012345" + "000000099999" + "261204" + "101530" + "0156" +
                             std::string(40, '0') + "01A2";
  const auto r = parse_load_record(hex(record), hex(format));
  ASSERT_TRUE(r.ok()) << r.status().name();
  EXPECT_EQ(r->before_fen, 12345u);
  EXPECT_EQ(r->after_fen, 99999u);
  EXPECT_EQ(r->atc, std::optional<std::uint16_t>(0x01A2));
}

TEST(LoadRecord, AFormatWithoutTheAtcGivesNone) {
  const auto r = parse_load_record(hex("9F79000000005000000000010000261204"), hex("9A03"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->atc.has_value());
}

TEST(LoadRecord, EveryPrefixAndALongerRecordAreMalformed) {
  const Bytes record = hex(kSimRecord);
  for (std::size_t n = 0; n < record.size(); ++n) {
    const Bytes prefix(record.begin(), record.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(parse_load_record(prefix, hex(kSimFormat)).status(), Error::kMalformed) << n;
  }
  Bytes longer = record;
  longer.push_back(0x00);
  EXPECT_EQ(parse_load_record(longer, hex(kSimFormat)).status(), Error::kMalformed);
  // An amount that is not n12.
  EXPECT_EQ(parse_load_record(hex("9F79" "00000000500A" "000000010000" "0001" "261204"), hex(kSimFormat)).status(),
            Error::kMalformed);
  // A format that does not parse.
  EXPECT_NE(parse_load_record(record, hex("9F")).status(), Error::kOk);
}

class LoadLogRead : public ::testing::Test {
 protected:
  void SetUp() override {
    std::array<std::uint8_t, 33> atr{};
    ASSERT_TRUE(slot.power_up(atr).ok());
  }
  sscard::testing::ScriptedSlot slot{"3B8D800180"};
  transport::Transport card{slot};
};

TEST_F(LoadLogRead, RecordsNewestFirstUntil6A83) {
  slot.expect("80CADF4F00", "DF4F059F36029A039000")
      .expect("00B2016400", "9F79" "000000010000" "000000015000" "0007" "261205" "9000")
      .expect("00B2026400", std::string(kSimRecord) + "9000")
      .expect("00B2036400", "6A83");
  const auto log = read_load_log(card, LoadLogEntry{12, 10});
  ASSERT_TRUE(log.ok()) << log.status().name();
  EXPECT_TRUE(log->has_atc);
  EXPECT_FALSE(log->full);
  ASSERT_EQ(log->records.size(), 2u);
  EXPECT_EQ(log->records[0].atc, std::optional<std::uint16_t>(7));
  EXPECT_EQ(log->records[0].after_fen, 15000u);
  EXPECT_EQ(log->records[1].atc, std::optional<std::uint16_t>(1));
}

TEST_F(LoadLogRead, AFullLogStopsAtTheCountOfDf4d) {
  slot.expect("80CADF4F00", "DF4F059F36029A039000")
      .expect("00B2017400", std::string(kSimRecord) + "9000")
      .expect("00B2027400", std::string(kSimRecord) + "9000");
  const auto log = read_load_log(card, LoadLogEntry{14, 2});
  ASSERT_TRUE(log.ok()) << log.status().name();
  EXPECT_TRUE(log->full);
  EXPECT_EQ(log->records.size(), 2u);
}

TEST_F(LoadLogRead, AnEmptyLogIsNotFull) {
  slot.expect("80CADF4F00", "DF4F059F36029A039000").expect("00B2016400", "6A83");
  const auto log = read_load_log(card, LoadLogEntry{12, 10});
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(log->records.empty());
  EXPECT_FALSE(log->full);
}

TEST_F(LoadLogRead, ACardThatRefusesIsAnError) {
  slot.expect("80CADF4F00", "6A88");
  EXPECT_EQ(read_load_log(card, LoadLogEntry{12, 10}).status(), Error::kNotFound);
  slot.expect("80CADF4F00", "DF4F059F36029A039000").expect("00B2016400", "6982");
  EXPECT_EQ(read_load_log(card, LoadLogEntry{12, 10}).status(), Error::kNotFound);
  slot.expect("80CADF4F00", "DF4F059F36029A039000").expect("00B2016400", "9F79000000005000" "9000");
  EXPECT_EQ(read_load_log(card, LoadLogEntry{12, 10}).status(), Error::kMalformed);
  slot.expect("80CADF4F00", "DF4F059F36029A039000").expect_removed("00B2016400");
  EXPECT_FALSE(read_load_log(card, LoadLogEntry{12, 10}).ok());
}

}  // namespace
}  // namespace sscard::pboc

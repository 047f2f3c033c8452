// select_ssse(): the one SELECT SSSE step and its rules for the card's answer (DECISIONS.md D30), against
// the scripted fake reader, and select_fault(), the same rules as the secured flows' Faults.
#include "sscard/ssc/ssse.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "scripted/scripted_reader.h"

namespace sscard::ssc {
namespace {

using testing::ScriptedSlot;

constexpr char kSelectSsse[] = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
// FCI with 9F0C 03 86 01 03: algorithm 03 (SM4).
constexpr char kFciSm4[] = "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860103";

class SelectSsseTest : public ::testing::Test {
 protected:
  SelectSsseTest() {
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    EXPECT_TRUE(slot_.power_up(atr).ok());
  }
  Result<SsseSelection> select() { return select_ssse(transport_, buffer_); }

  ScriptedSlot slot_{"3B6D000000814E43238697159900BF7C7A"};
  transport::Transport transport_{slot_};
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer_{};
};

TEST_F(SelectSsseTest, SuccessSelectsWithTheFcisAlgorithm) {
  slot_.expect(kSelectSsse, std::string(kFciSm4) + "9000");
  auto s = select();
  ASSERT_TRUE(s.ok()) << s.status().name();
  EXPECT_FALSE(s->blocked);
  EXPECT_EQ(s->algorithm_id, 3);
  EXPECT_EQ(to_hex(s->fci), kFciSm4);
  EXPECT_EQ(s->fci.data(), buffer_.data());  // a view into the caller's buffer
  EXPECT_EQ(transport_.apdu_count(), 1u);
}

TEST_F(SelectSsseTest, OnT0TheFciComesWithGetResponse) {
  slot_.expect(kSelectSsse, "611B").expect("00C000001B", std::string(kFciSm4) + "9000");
  auto s = select();
  ASSERT_TRUE(s.ok()) << s.status().name();
  EXPECT_EQ(s->algorithm_id, 3);
  EXPECT_EQ(transport_.apdu_count(), 2u);
}

TEST_F(SelectSsseTest, WithoutFciTheAlgorithmIs01) {
  slot_.expect(kSelectSsse, "9000");
  auto s = select();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->algorithm_id, 1);
  EXPECT_TRUE(s->fci.empty());
  EXPECT_FALSE(s->blocked);
}

TEST_F(SelectSsseTest, ABlockedApplicationIsSelectedAndSaysSo) {
  slot_.expect(kSelectSsse, std::string(kFciSm4) + "6283");
  auto s = select();
  ASSERT_TRUE(s.ok()) << s.status().name();
  EXPECT_TRUE(s->blocked);
  EXPECT_EQ(s->algorithm_id, 3);
  EXPECT_EQ(transport_.last_status_word(), sw::kFileInvalidated);
}

TEST_F(SelectSsseTest, FileNotFoundIsNotASocialSecurityCard) {
  slot_.expect(kSelectSsse, "6A82");
  EXPECT_EQ(select().status(), Error::kNotFound);
}

TEST_F(SelectSsseTest, AnyOtherStatusWordIsCardStatusWithTheWordAvailable) {
  for (const char* sw : {"6985", "6A81", "6E00", "6F00", "9303", "6300"}) {
    slot_.expect(kSelectSsse, sw);
    EXPECT_EQ(select().status(), Error::kCardStatus) << sw;
    EXPECT_EQ(to_hex(Bytes{transport_.last_status_word().sw1(), transport_.last_status_word().sw2()}), sw);
  }
}

TEST_F(SelectSsseTest, AMalformedFciIsMalformedWhateverTheStatusWord) {
  slot_.expect(kSelectSsse, "6F20A5069F0C038601019000");  // 6F announces 32 bytes, 8 follow
  EXPECT_EQ(select().status(), Error::kMalformed);
  slot_.expect(kSelectSsse, "6F08A5069F0C038701029000");  // 87 where 86 belongs
  EXPECT_EQ(select().status(), Error::kMalformed);
  slot_.expect(kSelectSsse, "6F20A5069F0C038601016283");
  EXPECT_EQ(select().status(), Error::kMalformed);
}

TEST_F(SelectSsseTest, TransportErrorsArePassedThrough) {
  slot_.expect_removed(kSelectSsse);
  EXPECT_EQ(select().status(), Error::kCardRemoved);
  EXPECT_EQ(select().status(), Error::kNoCard);  // the card is gone now
}

TEST_F(SelectSsseTest, AResponseShorterThanAStatusWordIsMalformed) {
  slot_.expect(kSelectSsse, "90");
  EXPECT_EQ(select().status(), Error::kMalformed);
}

TEST_F(SelectSsseTest, AnFciLargerThanTheBufferIsBufferTooSmall) {
  slot_.expect(kSelectSsse, "61FF").expect("00C00000FF", std::string(2 * 255, '0') + "6110");
  EXPECT_EQ(select().status(), Error::kBufferTooSmall);
}

// ---- select_fault(): the same rules as Faults ----

TEST(SelectFaultTest, NotFoundAndMalformedAreNotASocialSecurityCard) {
  const Fault not_found = select_fault(Error::kNotFound, sw::kFileNotFound);
  EXPECT_EQ(not_found.failure, Failure::kNotSocialSecurityCard);
  EXPECT_EQ(not_found.sw, sw::kFileNotFound);
  EXPECT_EQ(interface_code(not_found), -1);
  const Fault malformed = select_fault(Error::kMalformed, sw::kSuccess);
  EXPECT_EQ(malformed.failure, Failure::kNotSocialSecurityCard);
  EXPECT_EQ(malformed.status, Error::kMalformed);
  EXPECT_EQ(interface_code(malformed), -1);
}

TEST(SelectFaultTest, CardStatusCarriesTheCardsWord) {
  const Fault f = select_fault(Error::kCardStatus, StatusWord(0x6985));
  EXPECT_EQ(f.failure, Failure::kCardStatus);
  EXPECT_EQ(f.sw, sw::kConditionsNotSatisfied);
  EXPECT_EQ(interface_code(f), -0x6985);
}

TEST(SelectFaultTest, TransportErrorsAreTheCardsSide) {
  EXPECT_EQ(select_fault(Error::kCardRemoved, {}).failure, Failure::kCard);
  EXPECT_EQ(interface_code(select_fault(Error::kCardRemoved, {})), -2);
  EXPECT_EQ(interface_code(select_fault(Error::kNoCard, {})), -2);
  EXPECT_EQ(interface_code(select_fault(Error::kTimeout, {})), -11);
  EXPECT_EQ(select_fault(Error::kBufferTooSmall, {}).status, Error::kBufferTooSmall);
}

}  // namespace
}  // namespace sscard::ssc

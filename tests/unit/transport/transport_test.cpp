// Transport: response chaining (61xx / GET RESPONSE), the 6Cxx re-send, buffer limits and slot errors,
// against a scripted card that checks every byte the terminal sends.
#include "sscard/transport/transport.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "scripted/scripted_reader.h"

namespace sscard::transport {
namespace {

using testing::ScriptedSlot;

constexpr char kAtr[] = "3B6D000000814E43238697159900BF7C7A";
constexpr char kSelectSsse[] = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";

Bytes hex(std::string_view text) { return from_hex(text).value(); }

const Bytes kSsseName = hex("7378312E73682EC9E7BBE1B1A3D5CF");

apdu::Command select_ssse() {
  return apdu::Command{.cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x00, .data = kSsseName};
}

apdu::Command read_record(std::uint8_t tag, std::uint8_t p2, std::size_t ne) {
  return apdu::Command{.cla = 0x00, .ins = 0xB2, .p1 = tag, .p2 = p2, .ne = ne};
}

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    ASSERT_TRUE(slot_.power_up(atr).ok());
  }

  ScriptedSlot slot_{kAtr};
  Transport transport_{slot_};
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer_{};
};

TEST_F(TransportTest, ReturnsDataAndStatusWordOfASingleExchange) {
  slot_.expect("00B2012812", "0110639900D15600000500BF7C7A48FB49669000");
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_);
  ASSERT_TRUE(r.ok()) << r.status().name();
  EXPECT_EQ(to_hex(r->data), "0110639900D15600000500BF7C7A48FB4966");
  EXPECT_EQ(r->sw, sw::kSuccess);
  EXPECT_EQ(r->data.data(), buffer_.data());  // a view into the caller's buffer
  EXPECT_EQ(transport_.apdu_count(), 1u);
  EXPECT_EQ(transport_.last_status_word(), sw::kSuccess);
}

TEST_F(TransportTest, CardStatusWordsAreReturnedNotErrors) {
  slot_.expect(kSelectSsse, "6A82");
  auto r = transport_.transmit(select_ssse(), buffer_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->data.empty());
  EXPECT_EQ(r->sw, sw::kFileNotFound);
  EXPECT_EQ(transport_.last_status_word(), sw::kFileNotFound);
}

TEST_F(TransportTest, WrongPinStatusWordIsReturnedWithItsTriesLeft) {
  slot_.expect("0020000003123456", "63C2");
  const Bytes pin = hex("123456");
  auto r = transport_.transmit(apdu::Command{.ins = 0x20, .data = pin}, buffer_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sw.tries_left(), 2);
}

TEST_F(TransportTest, T0CardAnswering61xxGetsGetResponse) {
  slot_.expect(kSelectSsse, "611B")
      .expect("00C000001B", "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C038601019000");
  auto r = transport_.transmit(select_ssse(), buffer_);
  ASSERT_TRUE(r.ok()) << r.status().name();
  EXPECT_EQ(to_hex(r->data), "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860101");
  EXPECT_EQ(r->sw, sw::kSuccess);
  EXPECT_EQ(transport_.apdu_count(), 2u);
  EXPECT_EQ(transport_.command_count(), 1u);
}

TEST_F(TransportTest, SeveralGetResponsesAccumulateIntoTheCallersBuffer) {
  slot_.expect("00B2012812", "6110")
      .expect("00C0000010", "639900D15600000500BF7C7A48FB49666102")
      .expect("00C0000002", "AABB9000");
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_);
  ASSERT_TRUE(r.ok()) << r.status().name();
  EXPECT_EQ(to_hex(r->data), "639900D15600000500BF7C7A48FB4966AABB");
  EXPECT_EQ(r->sw, sw::kSuccess);
  EXPECT_EQ(transport_.apdu_count(), 3u);
}

TEST_F(TransportTest, DataArrivingWith61xxIsKeptBeforeTheRest) {
  // A T=1 card may send part of the data together with 61xx.
  slot_.expect("00B2012812", "01106399006104").expect("00C0000004", "D15600009000");
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_hex(r->data), "0110639900D1560000");
}

TEST_F(TransportTest, GetResponseWith6100AsksFor256Bytes) {
  std::string piece(2 * 256, 'A');
  slot_.expect("00B0000000", "6100").expect("00C0000000", piece + "9000");
  auto r = transport_.transmit(apdu::Command{.ins = 0xB0, .ne = 256}, buffer_);
  ASSERT_TRUE(r.ok()) << r.status().name();
  EXPECT_EQ(r->data.size(), 256u);
  EXPECT_EQ(r->data[255], 0xAA);
}

TEST_F(TransportTest, ErrorDuringChainingReturnsTheDataSoFarWithThatStatusWord) {
  slot_.expect("00B2012812", "6110").expect("00C0000010", "6F00");
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->data.empty());
  EXPECT_EQ(r->sw, sw::kNoPreciseDiagnosis);
}

TEST_F(TransportTest, WrongLeIsAnsweredByOneResendWithTheCardsLe) {
  slot_.expect("00B2093020", "6C06").expect("00B2093006", "0904D5C5C8FD9000");
  auto r = transport_.transmit(read_record(0x09, 0x30, 0x20), buffer_);
  ASSERT_TRUE(r.ok()) << r.status().name();
  EXPECT_EQ(to_hex(r->data), "0904D5C5C8FD");
  EXPECT_EQ(r->sw, sw::kSuccess);
  EXPECT_EQ(transport_.apdu_count(), 2u);
}

TEST_F(TransportTest, WrongLe6C00ResendsWithLe00) {
  slot_.expect("00B2012812", "6C00").expect("00B2012800", "0110639900D15600000500BF7C7A48FB49669000");
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), 18u);
}

TEST_F(TransportTest, ASecond6CxxIsReturnedToTheCaller) {
  slot_.expect("00B2012812", "6C10").expect("00B2012810", "6C12");
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sw, StatusWord(0x6C12));
  EXPECT_EQ(transport_.apdu_count(), 2u);
}

TEST_F(TransportTest, ResendAfter6CxxMayItselfBeChained) {
  slot_.expect("00B2093020", "6C06").expect("00B2093006", "6106").expect("00C0000006", "0904D5C5C8FD9000");
  auto r = transport_.transmit(read_record(0x09, 0x30, 0x20), buffer_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_hex(r->data), "0904D5C5C8FD");
}

TEST_F(TransportTest, WrongLeOnGetResponseResendsGetResponse) {
  slot_.expect(kSelectSsse, "6120").expect("00C0000020", "6C1B").expect(
      "00C000001B", "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C038601019000");
  auto r = transport_.transmit(select_ssse(), buffer_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), 0x1Bu);
  EXPECT_EQ(r->sw, sw::kSuccess);
}

TEST_F(TransportTest, ResponseThatDoesNotFitTheBufferIsBufferTooSmall) {
  slot_.expect("00B2012812", "0110639900D15600000500BF7C7A48FB49669000");
  std::array<std::uint8_t, 18> small{};  // the data fits, its status word does not
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), small);
  EXPECT_EQ(r.status(), Error::kBufferTooSmall);
}

TEST_F(TransportTest, GetResponseIsNotSentWhenThePieceCannotFit) {
  slot_.expect("00B2012812", "6112");  // and nothing more: GET RESPONSE must not be sent
  std::array<std::uint8_t, 16> small{};
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), small);
  EXPECT_EQ(r.status(), Error::kBufferTooSmall);
  EXPECT_EQ(transport_.apdu_count(), 1u);
}

TEST_F(TransportTest, AccumulatedPiecesOverflowingTheBufferAreBufferTooSmall) {
  slot_.expect("00B0000000", "6110").expect("00C0000010", "00112233445566778899AABBCCDDEEFF6110");
  std::array<std::uint8_t, 30> small{};  // 16 + 16 + 2 would be needed
  auto r = transport_.transmit(apdu::Command{.ins = 0xB0, .ne = 256}, small);
  EXPECT_EQ(r.status(), Error::kBufferTooSmall);
}

TEST_F(TransportTest, ResendIsNotSentWhenTheAnswerCannotFit) {
  slot_.expect("00B2012812", "6C40");
  std::array<std::uint8_t, 20> small{};
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), small);
  EXPECT_EQ(r.status(), Error::kBufferTooSmall);
}

TEST_F(TransportTest, BufferWithoutRoomForAStatusWordSendsNothing) {
  std::array<std::uint8_t, 1> tiny{};
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), tiny);
  EXPECT_EQ(r.status(), Error::kBufferTooSmall);
  EXPECT_EQ(transport_.apdu_count(), 0u);
}

TEST_F(TransportTest, ResponseOfOneByteIsMalformed) {
  slot_.expect("00B2012812", "90");
  EXPECT_EQ(transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_).status(), Error::kMalformed);
}

TEST_F(TransportTest, EmptyResponseIsMalformed) {
  slot_.expect("00B2012812", "");
  EXPECT_EQ(transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_).status(), Error::kMalformed);
}

TEST_F(TransportTest, EmptyGetResponseAnswerIsMalformed) {
  slot_.expect("00B2012812", "6112").expect("00C0000012", "");
  EXPECT_EQ(transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_).status(), Error::kMalformed);
}

TEST_F(TransportTest, EndlessChainOf61xxIsCutOff) {
  slot_.expect("00B2012812", "6101");
  for (std::size_t i = 0; i < kMaxGetResponses; ++i) slot_.expect("00C0000001", "6101");
  auto r = transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_);
  EXPECT_EQ(r.status(), Error::kMalformed);
  EXPECT_EQ(transport_.apdu_count(), 1 + kMaxGetResponses);
}

TEST_F(TransportTest, CardRemovedDuringTheExchangeIsReportedAsSuch) {
  slot_.expect("00B2012812", "0110639900D15600000500BF7C7A48FB49669000").expect_removed("00B2022803");
  ASSERT_TRUE(transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_).ok());
  EXPECT_EQ(transport_.transmit(read_record(0x02, 0x28, 0x03), buffer_).status(), Error::kCardRemoved);
  // The card is gone: the next command is refused by the slot without reaching anything.
  EXPECT_EQ(transport_.transmit(read_record(0x03, 0x28, 0x06), buffer_).status(), Error::kNoCard);
}

TEST_F(TransportTest, CardRemovedDuringGetResponse) {
  slot_.expect(kSelectSsse, "611B").expect_removed("00C000001B");
  EXPECT_EQ(transport_.transmit(select_ssse(), buffer_).status(), Error::kCardRemoved);
}

TEST(TransportUnpowered, CommandToAnUnpoweredCardIsNoCard) {
  ScriptedSlot slot(kAtr);
  Transport transport(slot);
  std::array<std::uint8_t, 32> buffer{};
  EXPECT_EQ(transport.transmit(read_record(0x01, 0x28, 0x12), buffer).status(), Error::kNoCard);
}

TEST_F(TransportTest, CommandTooLongToEncodeIsUnsupportedAndNotSent) {
  const Bytes data(300, 0x11);
  auto r = transport_.transmit(apdu::Command{.ins = 0xD6, .data = data}, buffer_);
  EXPECT_EQ(r.status(), Error::kUnsupported);
  EXPECT_EQ(transport_.apdu_count(), 0u);
}

TEST_F(TransportTest, CommandBeyondExtendedLimitsIsInvalidArgument) {
  auto r = transport_.transmit(apdu::Command{.ins = 0xB0, .ne = 70000}, buffer_);
  EXPECT_EQ(r.status(), Error::kInvalidArgument);
  EXPECT_EQ(transport_.apdu_count(), 0u);
}

TEST_F(TransportTest, CountersCountWireExchangesAndCommandsAndReset) {
  slot_.expect(kSelectSsse, "6102").expect("00C0000002", "6F009000").expect("00B2012812", "6A83");
  ASSERT_TRUE(transport_.transmit(select_ssse(), buffer_).ok());
  ASSERT_TRUE(transport_.transmit(read_record(0x01, 0x28, 0x12), buffer_).ok());
  EXPECT_EQ(transport_.apdu_count(), 3u);
  EXPECT_EQ(transport_.command_count(), 2u);
  transport_.reset_counters();
  EXPECT_EQ(transport_.apdu_count(), 0u);
  EXPECT_EQ(transport_.command_count(), 0u);
}

}  // namespace
}  // namespace sscard::transport

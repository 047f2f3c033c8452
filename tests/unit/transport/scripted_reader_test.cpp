// The scripted fake reader itself: a wrong command or a leftover exchange must fail the test that
// caused it, with a diff that shows where the bytes differ.
#include "scripted/scripted_reader.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <array>
#include <memory>

namespace sscard::testing {
namespace {

constexpr char kAtr[] = "3B6D000000814E43238697159900BF7C7A";

Bytes hex(std::string_view text) { return from_hex(text).value(); }

Result<std::size_t> send(ScriptedSlot& slot, std::string_view command_hex, MutableByteSpan response) {
  const Bytes command = hex(command_hex);
  return slot.transmit(command, response);
}

TEST(ScriptedSlotTest, PowerUpReturnsTheAtrAndProtocol) {
  ScriptedSlot slot(kAtr, hal::Protocol::kT1, hal::SlotKind::kContactless);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto n = slot.power_up(atr);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(to_hex(ByteSpan(atr.data(), *n)), kAtr);
  EXPECT_EQ(slot.protocol(), hal::Protocol::kT1);
  EXPECT_EQ(slot.kind(), hal::SlotKind::kContactless);
}

TEST(ScriptedSlotTest, ReplaysResponsesInOrder) {
  ScriptedSlot slot(kAtr);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  ASSERT_TRUE(slot.power_up(atr).ok());
  slot.expect("00A4040002EF05", "9000").expect("00B2012C12", "6A83");
  std::array<std::uint8_t, 8> response{};
  auto n = send(slot, "00A4040002EF05", response);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(to_hex(ByteSpan(response.data(), *n)), "9000");
  n = send(slot, "00B2012C12", response);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(to_hex(ByteSpan(response.data(), *n)), "6A83");
  EXPECT_EQ(slot.exchanges_done(), 2u);
  EXPECT_EQ(slot.remaining(), 0u);
}

TEST(ScriptedSlotTest, WrongCommandFailsWithAHexDiff) {
  static const auto run = [] {
    ScriptedSlot slot(kAtr);
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    (void)slot.power_up(atr);
    slot.expect("00B2012812", "9000");
    std::array<std::uint8_t, 8> response{};
    auto r = send(slot, "00B2012C12", response);
    EXPECT_EQ(r.status(), Error::kInternal);
  };
  EXPECT_NONFATAL_FAILURE(run(), "expected: 00 B2 01 28 12");
  EXPECT_NONFATAL_FAILURE(run(), "actual:   00 B2 01 2C 12");
}

TEST(ScriptedSlotTest, HexDiffMarksTheDifferingBytes) {
  EXPECT_EQ(hex_diff(hex("00B2012812"), hex("00B2012C12")),
            "  expected: 00 B2 01 28 12 (5 bytes)\n"
            "  actual:   00 B2 01 2C 12 (5 bytes)\n"
            "                     ^^");
  EXPECT_EQ(hex_diff(hex("0084000008"), hex("00840000")),
            "  expected: 00 84 00 00 08 (5 bytes)\n"
            "  actual:   00 84 00 00 (4 bytes)\n"
            "                        ^^");
}

void leave_an_exchange_unused() {
  ScriptedSlot slot(kAtr);
  slot.expect("0084000008", "11223344556677889000");
}

TEST(ScriptedSlotTest, LeftoverExchangesFailAtTheEnd) {
  EXPECT_NONFATAL_FAILURE(leave_an_exchange_unused(), "1 scripted exchange(s) never happened");
}

void send_past_the_end() {
  ScriptedSlot slot(kAtr);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  (void)slot.power_up(atr);
  std::array<std::uint8_t, 8> response{};
  EXPECT_EQ(send(slot, "0084000008", response).status(), Error::kInternal);
}

TEST(ScriptedSlotTest, CommandAfterTheEndOfTheScriptFails) {
  EXPECT_NONFATAL_FAILURE(send_past_the_end(), "unexpected command after the end of the script: 00 84 00 00 08");
}

TEST(ScriptedSlotTest, DiscardRemainingReportsWhatWasLeft) {
  ScriptedSlot slot(kAtr);
  slot.expect("0084000008", "9000").expect("0084000008", "9000");
  EXPECT_EQ(slot.discard_remaining(), 2u);
  slot.verify_done();  // nothing left: no failure
}

TEST(ScriptedSlotTest, RemovedCardReturnsCardRemovedThenNoCard) {
  ScriptedSlot slot(kAtr);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  ASSERT_TRUE(slot.power_up(atr).ok());
  slot.expect_removed("0084000008");
  std::array<std::uint8_t, 16> response{};
  EXPECT_EQ(send(slot, "0084000008", response).status(), Error::kCardRemoved);
  EXPECT_EQ(slot.card_present().value(), false);
  EXPECT_EQ(send(slot, "0084000008", response).status(), Error::kNoCard);
  EXPECT_EQ(slot.power_up(atr).status(), Error::kNoCard);
}

TEST(ScriptedSlotTest, ResponseLargerThanTheBufferIsBufferTooSmall) {
  ScriptedSlot slot(kAtr);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  ASSERT_TRUE(slot.power_up(atr).ok());
  slot.expect("0084000008", "11223344556677889000");
  std::array<std::uint8_t, 9> response{};
  EXPECT_EQ(send(slot, "0084000008", response).status(), Error::kBufferTooSmall);
}

TEST(ScriptedSlotTest, WildcardAcceptsAnyCommand) {
  ScriptedSlot slot(kAtr);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  ASSERT_TRUE(slot.power_up(atr).ok());
  slot.expect_any("6A82");
  std::array<std::uint8_t, 4> response{};
  auto n = send(slot, "00A4000002EF05", response);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
}

TEST(ScriptedSlotTest, LoadsAScriptFromText) {
  ScriptedSlot slot(kAtr);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  ASSERT_TRUE(slot.power_up(atr).ok());
  ASSERT_TRUE(slot.load_script_text("# select, then the card goes away\n"
                                    "> 00A4 0400 0F7378312E73682EC9E7BBE1B1A3D5CF\n"
                                    "< 6F00 9000\n"
                                    "\n"
                                    "> *\n"
                                    "< 6A83\n"
                                    "> 00B2012812\n"
                                    "! removed\n"));
  EXPECT_EQ(slot.remaining(), 3u);
  std::array<std::uint8_t, 8> response{};
  auto n = send(slot, "00A404000F7378312E73682EC9E7BBE1B1A3D5CF", response);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(to_hex(ByteSpan(response.data(), *n)), "6F009000");
  n = send(slot, "0084000008", response);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(to_hex(ByteSpan(response.data(), *n)), "6A83");
  EXPECT_EQ(send(slot, "00B2012812", response).status(), Error::kCardRemoved);
}

void load(const char* text) {
  ScriptedSlot slot(kAtr);
  EXPECT_FALSE(slot.load_script_text(text, "t"));
  EXPECT_EQ(slot.remaining(), 0u);
}

TEST(ScriptedSlotTest, MalformedScriptLinesFailWithTheirLineNumber) {
  EXPECT_NONFATAL_FAILURE(load("> 00A4\n< 9000\n"), "t:1: bad command");
  EXPECT_NONFATAL_FAILURE(load("< 9000\n"), "t:1: a response without a command");
  EXPECT_NONFATAL_FAILURE(load("> 00B2012812\n< 9G00\n"), "t:2: bad response");
  EXPECT_NONFATAL_FAILURE(load("> 00B2012812\n! pulled\n"), "t:2: unknown event");
  EXPECT_NONFATAL_FAILURE(load("> 00B2012812\n"), "the last command has no response");
  EXPECT_NONFATAL_FAILURE(load("? 00\n"), "t:1: a line must start with");
}

TEST(ScriptedSlotTest, LoadsAScriptFile) {
  ScriptedSlot slot(kAtr);
  ASSERT_TRUE(slot.load_script(std::string(SSCARD_TEST_DATA_DIR) + "/ssc/not_ssc_card.script"));
  EXPECT_EQ(slot.remaining(), 1u);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  ASSERT_TRUE(slot.power_up(atr).ok());
  std::array<std::uint8_t, 4> response{};
  auto n = send(slot, "00A404000F7378312E73682EC9E7BBE1B1A3D5CF", response);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(to_hex(ByteSpan(response.data(), *n)), "6A82");
}

void load_missing_file() {
  ScriptedSlot slot(kAtr);
  EXPECT_FALSE(slot.load_script("/nonexistent/card.script"));
}

TEST(ScriptedSlotTest, MissingScriptFileFails) {
  EXPECT_NONFATAL_FAILURE(load_missing_file(), "cannot read script");
}

}  // namespace
}  // namespace sscard::testing

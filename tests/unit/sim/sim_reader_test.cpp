#include "sscard/hal/sim_reader.h"

#include <gtest/gtest.h>

#include "sim_test_util.h"
#include "sscard/sim/profile.h"

namespace sscard::hal {
namespace {

using sim::testing::hex;

std::shared_ptr<sim::CardOs> yuzhong() {
  auto loaded = sim::load_profile(std::filesystem::path(SSCARD_CARDS_DIR) / "cq-yuzhong-gen2.json");
  EXPECT_TRUE(loaded.ok());
  return sim::make_card_os(loaded.value());
}

Result<std::string> transmit(Slot& slot, std::string_view command) {
  std::uint8_t buf[apdu::kMaxShortResponseSize];
  const Bytes c = hex(command);
  auto n = slot.transmit(c, buf);
  if (!n.ok()) return n.status();
  return to_hex(ByteSpan(buf, *n));
}

TEST(SimReader, HasContactContactlessAndSamSlots) {
  SimReader reader;
  EXPECT_EQ(reader.name(), "sscard simulated reader");
  ASSERT_EQ(reader.slot_count(), 3u);
  EXPECT_EQ(reader.slot(0)->kind(), SlotKind::kContact);
  EXPECT_EQ(reader.slot(1)->kind(), SlotKind::kContactless);
  EXPECT_EQ(reader.slot(2)->kind(), SlotKind::kSam);
  EXPECT_EQ(reader.slot(3), nullptr);
  EXPECT_EQ(reader.find_slot(SlotKind::kSam), &reader.sam());
  EXPECT_EQ(reader.find_slot(SlotKind::kContactless), &reader.contactless());
}

TEST(SimSlot, EmptySlotHasNoCard) {
  SimReader reader;
  Slot& slot = reader.contact();
  EXPECT_FALSE(*slot.card_present());
  std::uint8_t atr[kMaxAtrSize];
  EXPECT_EQ(slot.power_up(atr).status().code(), Error::kNoCard);
  EXPECT_EQ(transmit(slot, "00A40000023F00").status().code(), Error::kNoCard);
  EXPECT_TRUE(slot.power_down().ok());
}

TEST(SimSlot, PowersUpAndMovesApdus) {
  SimReader reader;
  reader.contact().insert(yuzhong());
  Slot& slot = reader.contact();
  EXPECT_TRUE(*slot.card_present());
  EXPECT_EQ(transmit(slot, "00A40000023F00").status().code(), Error::kNoCard);  // not powered yet
  std::uint8_t atr[kMaxAtrSize];
  auto n = slot.power_up(atr);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(to_hex(ByteSpan(atr, *n)), "3B6D000000814E43238697159900BF7C7A");
  EXPECT_EQ(slot.protocol(), Protocol::kT0);
  EXPECT_EQ(*transmit(slot, "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"), "611B");
  EXPECT_EQ(transmit(slot, "00").status().code(), Error::kInvalidArgument);
  std::uint8_t small[4];
  const Bytes c = hex("00C000001B");
  EXPECT_EQ(slot.transmit(c, small).status().code(), Error::kBufferTooSmall);
  ASSERT_TRUE(slot.power_down().ok());
  EXPECT_EQ(transmit(slot, "00A40000023F00").status().code(), Error::kNoCard);
  std::uint8_t tiny[2];
  EXPECT_EQ(slot.power_up(tiny).status().code(), Error::kBufferTooSmall);
}

TEST(SimSlot, T1CardReportsT1) {
  SimReader reader;
  auto loaded = sim::load_profile(std::filesystem::path(SSCARD_CARDS_DIR) / "sc-chengdu-gen2.json");
  ASSERT_TRUE(loaded.ok());
  reader.contact().insert(sim::make_card(loaded.value()));
  std::uint8_t atr[kMaxAtrSize];
  ASSERT_TRUE(reader.contact().power_up(atr).ok());
  EXPECT_EQ(reader.contact().protocol(), Protocol::kT1);
}

TEST(SimSlot, RemoveAfterPullsTheCardMidCommand) {
  SimReader reader;
  auto card = yuzhong();
  reader.contact().insert(card);
  std::uint8_t atr[kMaxAtrSize];
  ASSERT_TRUE(reader.contact().power_up(atr).ok());
  reader.contact().remove_after(1);
  EXPECT_EQ(*transmit(reader.contact(), "0020000003111111"), "63C5");
  // The card runs the second wrong PIN, then leaves before the answer.
  EXPECT_EQ(transmit(reader.contact(), "0020000003111111").status().code(), Error::kCardRemoved);
  EXPECT_FALSE(*reader.contact().card_present());
  EXPECT_EQ(card->pin_tries_left(), 4);
  EXPECT_FALSE(card->powered());
  EXPECT_EQ(transmit(reader.contact(), "00200000").status().code(), Error::kNoCard);
}

TEST(SimSlot, AnEepromPowerCutLooksLikeATornCard) {
  SimReader reader;
  auto card = yuzhong();
  reader.contact().insert(card);
  std::uint8_t atr[kMaxAtrSize];
  ASSERT_TRUE(reader.contact().power_up(atr).ok());
  card->eeprom().cut_power_after_page_writes(0);
  EXPECT_EQ(transmit(reader.contact(), "0020000003802416").status().code(), Error::kCardRemoved);
  EXPECT_TRUE(*reader.contact().card_present());
  EXPECT_EQ(transmit(reader.contact(), "00200000").status().code(), Error::kNoCard);
  ASSERT_TRUE(reader.contact().power_up(atr).ok());
  EXPECT_EQ(*transmit(reader.contact(), "0020000003802416"), "9000");
}

TEST(SimSlot, InsertReplacesAndRemoveEmpties) {
  SimReader reader;
  auto first = yuzhong();
  reader.contact().insert(first);
  std::uint8_t atr[kMaxAtrSize];
  ASSERT_TRUE(reader.contact().power_up(atr).ok());
  reader.contact().insert(yuzhong());
  EXPECT_FALSE(first->powered());
  EXPECT_NE(reader.contact().card(), first);
  reader.contact().remove();
  EXPECT_FALSE(*reader.contact().card_present());
  EXPECT_EQ(reader.contact().card(), nullptr);
}

}  // namespace
}  // namespace sscard::hal

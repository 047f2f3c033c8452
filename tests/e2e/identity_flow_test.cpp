// The identity read in-process, as the kiosk runs it: firmware -> transport -> HAL slot -> simulated card.
// Focus: a card pulled at any point of the read gives a typed error, and the next card reads fine.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>

#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"
#include "sscard/ssc/identity.h"
#include "sscard/transport/transport.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> profiles() { return sim::holder_profiles(SSCARD_CARDS_DIR); }

std::shared_ptr<sim::Card> card_from(const fs::path& profile) {
  auto loaded = sim::load_profile(profile);
  if (!loaded.ok()) return nullptr;
  return sim::make_card(loaded.value());
}

Result<ssc::Identity> read_identity_from(hal::Slot& slot) {
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto n = slot.power_up(atr);
  if (!n.ok()) return n.status();
  transport::Transport transport(slot);
  return ssc::read_identity(transport, ByteSpan(atr.data(), *n));
}

class IdentityFlowTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(IdentityFlowTest, CardPulledAtEveryCommandGivesCardRemovedThenTheNextCardReads) {
  hal::SimReader reader;
  std::size_t first_complete = 0;
  for (std::size_t pulled_after = 0; pulled_after < 64; ++pulled_after) {
    auto card = card_from(GetParam());
    ASSERT_NE(card, nullptr);
    reader.contact().insert(card);
    reader.contact().remove_after(pulled_after);
    auto result = read_identity_from(reader.contact());
    if (result.ok()) {
      first_complete = pulled_after;
      break;
    }
    EXPECT_EQ(result.status().code(), Error::kCardRemoved) << "pulled after " << pulled_after << " commands";
    // The card is gone now: the slot says so, with a typed error, not a crash.
    auto again = read_identity_from(reader.contact());
    EXPECT_EQ(again.status().code(), Error::kNoCard);
  }
  // A read takes one SELECT and 13-14 READ RECORDs (more on T=0 with GET RESPONSE).
  EXPECT_GE(first_complete, 14u);

  // The next card reads fine in the same reader.
  reader.contact().insert(card_from(GetParam()));
  auto result = read_identity_from(reader.contact());
  ASSERT_TRUE(result.ok()) << result.status().name();
  EXPECT_TRUE(result->region.has_value());
  EXPECT_EQ(to_hex(ByteSpan(result->card_id).subspan(3, 5)), "D156000005");
}

TEST_P(IdentityFlowTest, RegionIsTheFirstThreeBytesOfTheCardIdentificationCode) {
  hal::SimReader reader;
  reader.contact().insert(card_from(GetParam()));
  auto result = read_identity_from(reader.contact());
  ASSERT_TRUE(result.ok()) << result.status().name();
  ASSERT_TRUE(result->region.has_value());
  EXPECT_EQ(result->region->digits(), to_hex(result->card_id).substr(0, 6));
  EXPECT_EQ(to_hex(result->card_id).substr(6, 10), "D156000005");
}

TEST_P(IdentityFlowTest, EmptySlotIsNoCard) {
  hal::SimReader reader;
  auto result = read_identity_from(reader.contact());
  EXPECT_EQ(result.status().code(), Error::kNoCard);
}

INSTANTIATE_TEST_SUITE_P(BundledCards, IdentityFlowTest, ::testing::ValuesIn(profiles()),
                         [](const auto& param_info) {
                           std::string n = param_info.param.stem().string();
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace sscard::test

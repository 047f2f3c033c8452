// Card profiles (sim/profile): holder cards, cards/*.json, and PSAMs, cards/psam/*.json (both
// "sscard-profile/1"), fed arbitrary text. The text is parsed as if it were a file in cards/ (holder) and in
// cards/psam/ (PSAM), so the root-key and payment-key files it names resolve as the bundled profiles' do.
// A profile that loads is personalised into a card, which is powered on and asked for its SSSE.
//
// Checked besides memory safety: a loader either returns a profile or an error naming the file; nothing
// throws; a loaded profile always personalises (make_card is never null for a profile parse_profile accepted).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "sscard/sim/profile.h"
#include "sscard/sim/psam_profile.h"

namespace {

constexpr std::string_view kHolderFile = SSCARD_CARDS_DIR "/fuzz-profile.json";
constexpr std::string_view kPsamFile = SSCARD_CARDS_DIR "/psam/fuzz-psam.json";

// SELECT of the SSSE by its DF name; the answer must end in a status word.
void poke(sscard::sim::Card& card) {
  if (card.power_on().empty()) __builtin_trap();
  sscard::Bytes select = {0x00, 0xA4, 0x04, 0x00};
  const sscard::Bytes name = sscard::sim::ssse_df_name();
  select.push_back(static_cast<std::uint8_t>(name.size()));
  select.insert(select.end(), name.begin(), name.end());
  if (card.process(select).size() < 2) __builtin_trap();
  card.power_off();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto holder = sscard::sim::parse_profile(text, kHolderFile);
  if (holder.ok()) {
    std::unique_ptr<sscard::sim::Card> card = sscard::sim::make_card(*holder);
    if (!card) __builtin_trap();
    poke(*card);
  } else if (holder.error().file.empty()) {
    __builtin_trap();
  }
  auto psam = sscard::sim::parse_psam_profile(text, kPsamFile);
  if (psam.ok()) {
    std::unique_ptr<sscard::sim::Card> card = sscard::sim::make_psam_card(*psam);
    if (!card || card->power_on().empty()) __builtin_trap();
  } else if (psam.error().file.empty()) {
    __builtin_trap();
  }
  return 0;
}

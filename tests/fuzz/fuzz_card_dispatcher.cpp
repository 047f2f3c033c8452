// An evil terminal: the simulated card's command dispatcher (sim/card_os, sim/pboc: a personalised card, as
// the simulator and the vicc bridge present it) fed arbitrary command APDUs. Two bundled cards, personalised
// once per process: Chengdu generation 2 (cards/sc-chengdu-gen2.json) and Suining generation 3
// (cards/sc-suining-gen3.json). Before each input the card's Eeprom gets its personalised image back, so every
// input starts from the same card.
//
// Input: [selector] then [len][C-APDU] items, lengths in two bytes big-endian (fuzz_reader.h); selector bit 0
// picks the card (0 gen 2, 1 gen 3), bit 1 the interface (0 contacts, 1 the field: the gen 2 card, which has
// no contactless interface, is then powered on its contacts). An empty item is a reset on the same interface.
//
// Checked besides memory safety: every answer ends in a status word (SW1 6x or 9x, not 60), and the card
// survives every command.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz_reader.h"
#include "sscard/sim/card_os.h"
#include "sscard/sim/profile.h"

namespace {

using sscard::Bytes;
using sscard::ByteSpan;

struct PersonalisedCard {
  std::unique_ptr<sscard::sim::CardOs> card;
  Bytes image;  // the Eeprom right after personalisation

  explicit PersonalisedCard(const char* profile_file) {
    auto profile = sscard::sim::load_profile(profile_file);
    if (!profile.ok()) __builtin_trap();
    card = sscard::sim::make_card_os(*profile);
    if (!card) __builtin_trap();
    const ByteSpan saved = card->eeprom().image();
    image.assign(saved.begin(), saved.end());
  }
};

PersonalisedCard& card(int which) {
  static PersonalisedCard gen2(SSCARD_CARDS_DIR "/sc-chengdu-gen2.json");
  static PersonalisedCard gen3(SSCARD_CARDS_DIR "/sc-suining-gen3.json");
  return which == 0 ? gen2 : gen3;
}

void power(sscard::sim::CardOs& os, bool contactless) {
  os.power_off();
  if (contactless && !os.activate_contactless().empty()) return;
  if (os.power_on().empty()) __builtin_trap();
}

bool ends_in_status_word(const Bytes& answer) {
  if (answer.size() < 2) return false;
  const std::uint8_t sw1 = answer[answer.size() - 2];
  return sw1 != 0x60 && ((sw1 & 0xF0) == 0x60 || (sw1 & 0xF0) == 0x90);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  PersonalisedCard& personalised = card(data[0] & 1);
  sscard::sim::CardOs& os = *personalised.card;
  const bool contactless = (data[0] & 2) != 0;
  os.power_off();
  if (!os.eeprom().load_image(personalised.image).ok()) __builtin_trap();
  power(os, contactless);

  sscard::fuzz::ItemReader items(ByteSpan(data + 1, size - 1));
  while (!items.at_end()) {
    const ByteSpan command = items.next();
    if (command.empty()) {
      power(os, contactless);
      continue;
    }
    if (!ends_in_status_word(os.process(command))) __builtin_trap();
  }
  os.power_off();
  return 0;
}

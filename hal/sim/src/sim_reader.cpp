#include "sscard/hal/sim_reader.h"

#include <algorithm>

#include "sscard/hal/contactless_atr.h"

namespace sscard::hal {

void SimSlot::insert(std::shared_ptr<sim::Card> card) {
  remove();
  card_ = std::move(card);
  if (card_ != nullptr && !card_busy_elsewhere()) card_->power_off();
}

void SimSlot::remove() {
  if (owns_card()) card_->power_off();
  card_.reset();
  remove_after_.reset();
}

Result<bool> SimSlot::do_card_present() {
  if (card_ == nullptr || card_busy_elsewhere()) return false;
  if (kind_ != SlotKind::kContactless || owns_card()) return true;
  // The field polls: an unpowered card is activated and let go again; a card without a contactless
  // interface does not answer (docs/CONTACTLESS.md §1: generation 1 and 2 stay silent).
  const bool answers = !card_->activate_contactless().empty();
  card_->power_off();
  return answers;
}

Result<std::size_t> SimSlot::do_power_up(MutableByteSpan atr) {
  if (card_ == nullptr || card_busy_elsewhere()) return Error::kNoCard;
  Bytes answer;
  if (kind_ == SlotKind::kContactless) {
    const Bytes ats = card_->activate_contactless();
    if (ats.empty()) return Error::kNoCard;
    Result<Bytes> built = pcsc_atr_from_ats(ats);
    if (!built.ok()) {
      // An ATS the reader cannot turn into an ATR: to the caller, a card it cannot talk to.
      card_->power_off();
      return Error::kUnsupported;
    }
    answer = std::move(built).value();
  } else {
    answer = card_->power_on();
  }
  if (answer.size() > atr.size()) return Error::kBufferTooSmall;
  std::copy(answer.begin(), answer.end(), atr.begin());
  return answer.size();
}

Protocol SimSlot::do_protocol() const {
  // A PC/SC contactless slot reports T=1 whatever the card (docs/CONTACTLESS.md §1).
  if (kind_ == SlotKind::kContactless) return Protocol::kT1;
  if (card_ == nullptr) return Protocol::kT0;
  return card_->protocol() == sim::CardProtocol::kT1 ? Protocol::kT1 : Protocol::kT0;
}

Status SimSlot::do_power_down() {
  if (owns_card()) card_->power_off();
  return kOk;
}

Result<std::size_t> SimSlot::do_transmit(ByteSpan command, MutableByteSpan response) {
  if (!owns_card()) return Error::kNoCard;
  const Bytes answer = card_->process(command);
  if (remove_after_) {
    if (*remove_after_ == 0) {
      remove();
      return Error::kCardRemoved;
    }
    --*remove_after_;
  }
  // A card that says nothing lost its power mid-command (an Eeprom power cut): to the reader it is a card
  // torn away during the exchange; it stays in the slot, unpowered.
  if (answer.size() < 2) return Error::kCardRemoved;
  if (answer.size() > response.size()) return Error::kBufferTooSmall;
  std::copy(answer.begin(), answer.end(), response.begin());
  return answer.size();
}

SimReader::SimReader()
    : slots_{SimSlot("sscard simulated reader contact", SlotKind::kContact),
             SimSlot("sscard simulated reader contactless", SlotKind::kContactless),
             SimSlot("sscard simulated reader SAM", SlotKind::kSam)} {}

}  // namespace sscard::hal

#include "sscard/hal/sim_reader.h"

#include <algorithm>

namespace sscard::hal {

void SimSlot::insert(std::shared_ptr<sim::Card> card) {
  remove();
  card_ = std::move(card);
  if (card_ != nullptr) card_->power_off();
}

void SimSlot::remove() {
  if (card_ != nullptr) card_->power_off();
  card_.reset();
  remove_after_.reset();
}

Result<std::size_t> SimSlot::do_power_up(MutableByteSpan atr) {
  if (card_ == nullptr) return Error::kNoCard;
  const Bytes answer = card_->power_on();
  if (answer.size() > atr.size()) return Error::kBufferTooSmall;
  std::copy(answer.begin(), answer.end(), atr.begin());
  return answer.size();
}

Protocol SimSlot::do_protocol() const {
  if (card_ == nullptr) return Protocol::kT0;
  return card_->protocol() == sim::CardProtocol::kT1 ? Protocol::kT1 : Protocol::kT0;
}

Status SimSlot::do_power_down() {
  if (card_ != nullptr) card_->power_off();
  return kOk;
}

Result<std::size_t> SimSlot::do_transmit(ByteSpan command, MutableByteSpan response) {
  if (card_ == nullptr || !card_->powered()) return Error::kNoCard;
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

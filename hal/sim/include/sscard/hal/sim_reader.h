// The in-process simulator backend of the HAL: slots that hold simulated cards (sim::Card) and move APDUs
// to them by function call. Inserting, pulling and mid-command removal are driven through a control API
// outside the APDU path, as a test or the demo's card tray would do it.
//
// The contactless slot is the reader's field (docs/CONTACTLESS.md §1.1): power_up activates the card
// (sim::Card::activate_contactless) and hands back the PC/SC ATR built from its ATS; a card without a
// contactless interface stays silent there (no card). One card object may sit in the contact slot and in
// the field at once (a dual-interface card held to a dual reader): it answers one interface at a time, so
// the slot that powers it owns it until power-down and the other slot sees no card meanwhile.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/hal/reader.h"
#include "sscard/hal/slot.h"
#include "sscard/sim/card.h"

namespace sscard::hal {

class SimSlot final : public Slot {
 public:
  SimSlot(std::string name, SlotKind kind) : name_(std::move(name)), kind_(kind) {}

  std::string_view name() const override { return name_; }
  SlotKind kind() const override { return kind_; }

  // Control API. insert() replaces any card already there; the new card is unpowered until power_up().
  void insert(std::shared_ptr<sim::Card> card);
  // Pulls the card out (it loses power). Harmless when the slot is empty.
  void remove();
  // After `commands` more transmits complete, the next one is pulled mid-command: the card receives and
  // runs it, then leaves before its answer arrives; transmit returns kCardRemoved and the slot is empty.
  void remove_after(std::size_t commands) { remove_after_ = commands; }
  std::shared_ptr<sim::Card> card() const { return card_; }

 private:
  // The interface this slot powers cards on (the SAM slot has contacts).
  sim::CardInterface interface() const {
    return kind_ == SlotKind::kContactless ? sim::CardInterface::kContactless : sim::CardInterface::kContact;
  }
  // The card is powered through this slot (not through the other interface of the same card).
  bool owns_card() const { return card_ != nullptr && card_->powered() && card_->interface() == interface(); }
  // The card is powered through another slot.
  bool card_busy_elsewhere() const {
    return card_ != nullptr && card_->powered() && card_->interface() != interface();
  }

  Result<bool> do_card_present() override;
  Result<std::size_t> do_power_up(MutableByteSpan atr) override;
  Protocol do_protocol() const override;
  Status do_power_down() override;
  Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) override;

  std::string name_;
  SlotKind kind_;
  std::shared_ptr<sim::Card> card_;
  std::optional<std::size_t> remove_after_;
};

// A dual-interface kiosk reader: slot 0 contact, slot 1 contactless, slot 2 PSAM.
class SimReader final : public Reader {
 public:
  SimReader();

  std::string_view name() const override { return "sscard simulated reader"; }
  std::size_t slot_count() const override { return slots_.size(); }
  Slot* slot(std::size_t index) override { return index < slots_.size() ? &slots_[index] : nullptr; }

  SimSlot& contact() { return slots_[0]; }
  SimSlot& contactless() { return slots_[1]; }
  SimSlot& sam() { return slots_[2]; }

  // A dual-interface card: the same object in the contact slot and in the field (see above).
  void insert_dual_interface(const std::shared_ptr<sim::Card>& card) {
    contact().insert(card);
    contactless().insert(card);
  }

 private:
  std::array<SimSlot, 3> slots_;
};

}  // namespace sscard::hal

// The in-process simulator backend of the HAL: slots that hold simulated cards (sim::Card) and move APDUs
// to them by function call. Inserting, pulling and mid-command removal are driven through a control API
// outside the APDU path, as a test or the demo's card tray would do it.
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
  Result<bool> do_card_present() override { return card_ != nullptr; }
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

 private:
  std::array<SimSlot, 3> slots_;
};

}  // namespace sscard::hal

// Reader: a device with one or more slots (a dual-interface reader has a contact slot and a contactless
// field; a kiosk reader also has PSAM slots).
#pragma once

#include <cstddef>
#include <string_view>

#include "sscard/hal/slot.h"

namespace sscard::hal {

class Reader {
 public:
  virtual ~Reader() = default;

  virtual std::string_view name() const = 0;
  virtual std::size_t slot_count() const = 0;

  // The slot at `index`, or nullptr if there is none. The Reader owns its slots.
  virtual Slot* slot(std::size_t index) = 0;

  // The first slot of `kind`, or nullptr.
  Slot* find_slot(SlotKind kind) {
    for (std::size_t i = 0; i < slot_count(); ++i) {
      Slot* s = slot(i);
      if (s != nullptr && s->kind() == kind) return s;
    }
    return nullptr;
  }
};

}  // namespace sscard::hal

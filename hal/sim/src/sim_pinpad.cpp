#include "sscard/hal/sim_pinpad.h"

#include <algorithm>

#include "entry_list.h"

namespace sscard::hal {
SimPinPad::SimPinPad(std::vector<std::string> entries) : entries_(std::move(entries)) {}

SimPinPad::~SimPinPad() {
  // The entries are PINs: they leave no trace in freed memory.
  for (std::string& e : entries_) {
    secure_wipe(MutableByteSpan(reinterpret_cast<std::uint8_t*>(e.data()), e.size()));
  }
}

SimPinPad SimPinPad::disconnected() {
  SimPinPad pad({});
  pad.connected_ = false;
  return pad;
}

SimPinPad SimPinPad::from_list(std::string_view list) { return SimPinPad(detail::split_entry_list(list)); }

PinPadError SimPinPad::do_read_pin(PinPrompt prompt, MutableByteSpan digits, std::size_t& length) {
  length = 0;
  if (!connected_) return PinPadError::kNotConnected;
  prompts_.push_back(prompt);
  if (next_ >= entries_.size()) return PinPadError::kTimeout;
  const std::string& entry = entries_[next_++];
  if (entry == "cancel") return PinPadError::kCancelled;
  if (entry == "timeout") return PinPadError::kTimeout;
  if (entry == "unplug") {
    connected_ = false;
    return PinPadError::kNotConnected;
  }
  if (entry.size() > digits.size()) return PinPadError::kBadEntry;
  std::copy(entry.begin(), entry.end(), digits.begin());
  length = entry.size();
  return PinPadError::kNone;
}

}  // namespace sscard::hal

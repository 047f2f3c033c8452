// SimPinPad: a simulated keypad that "types" the entries of a list, one per PIN prompt, for the demo, the
// iface library's SSCARD_PINPAD=sim:... and tests. Besides digit strings an entry may be one of the words
// "cancel", "timeout" or "unplug", which make that prompt fail the way a real keypad would.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/hal/pinpad.h"

namespace sscard::hal {

class SimPinPad final : public PinPad {
 public:
  // A keypad that answers each prompt with the next entry; after the last one, every prompt times out.
  explicit SimPinPad(std::vector<std::string> entries);
  // A keypad that is not plugged in: every prompt answers kNotConnected.
  static SimPinPad disconnected();
  // Parses "917364,cancel,123456" (comma-separated entries, spaces around them ignored).
  static SimPinPad from_list(std::string_view list);

  ~SimPinPad() override;
  SimPinPad(SimPinPad&&) = default;
  SimPinPad& operator=(SimPinPad&&) = default;

  std::size_t remaining() const { return entries_.size() - next_; }
  // The prompts shown so far, in order.
  const std::vector<PinPrompt>& prompts() const { return prompts_; }

 private:
  PinPadError do_read_pin(PinPrompt prompt, MutableByteSpan digits, std::size_t& length) override;

  std::vector<std::string> entries_;
  std::size_t next_ = 0;
  bool connected_ = true;
  std::vector<PinPrompt> prompts_;
};

}  // namespace sscard::hal

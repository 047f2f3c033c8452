// The PIN pad of a desk setup: the controlling terminal, with echo off. Kiosks have an encrypting keypad
// behind the same hal::PinPad interface; tests use hal::SimPinPad.
#pragma once

#include "sscard/hal/pinpad.h"

namespace sscard::app {

class ConsolePinPad final : public hal::PinPad {
 private:
  hal::PinPadError do_read_pin(hal::PinPrompt prompt, MutableByteSpan digits, std::size_t& length) override;
};

}  // namespace sscard::app

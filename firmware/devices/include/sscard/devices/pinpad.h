// The PIN pad: this terminal's keyboard (a desk setup; a kiosk's encrypting keypad sits behind the same
// hal::PinPad interface), or a scripted keypad for tests and demos.
#pragma once

#include <memory>
#include <string_view>

#include "sscard/core/result.h"
#include "sscard/devices/card_source.h"
#include "sscard/hal/pinpad.h"

namespace sscard::devices {

// The controlling terminal with echo off. Ctrl-C or a termination signal during a prompt puts the terminal
// back as it was before the signal takes its usual course.
std::unique_ptr<hal::PinPad> open_console_pinpad();

// "sim:E1,E2,...": a keypad that types one entry per prompt (digits, or cancel, timeout, unplug) and times out
// after the last. Anything else, or no entry at all, is an error.
Result<std::unique_ptr<hal::PinPad>, DeviceError> open_scripted_pinpad(std::string_view spec);

}  // namespace sscard::devices

// Keyboard-wedge scanners "type" a code as key presses. This turns Linux input key events (EV_KEY, codes of
// <linux/input-event-codes.h>) into the characters a US keyboard layout gives them, the layout such scanners
// use unless configured otherwise. A pure function of the event and the modifier state it carries.
#pragma once

#include <cstdint>

namespace sscard::hal {

// The modifiers held (and Caps Lock's toggle) between events of one device.
struct KeyboardState {
  bool left_shift = false;
  bool right_shift = false;
  bool caps_lock = false;       // toggled by each press of Caps Lock; affects letters only, as on a keyboard
  std::uint8_t other_mods = 0;  // bit mask of the Ctrl, Alt and Meta keys held (left and right)
};

enum class KeyAction : std::uint8_t {
  kNone,       // nothing for the text: a release, an autorepeat, a modifier, Num Lock
  kCharacter,  // `character` is the next character of the code
  kEnd,        // Enter or keypad Enter: the code is complete
  kRefused,    // a key that types no character of the layout (F1, Tab, Backspace, arrows...), or a character
               // key pressed with Ctrl, Alt or Meta held: the code being typed is not plain text
};

struct KeyStep {
  KeyAction action = KeyAction::kNone;
  char character = 0;  // printable ASCII, with kCharacter only
};

// One EV_KEY event: `code` the key, `value` 1 press, 0 release, 2 autorepeat. Updates `state` and says what
// the event adds to the text. Only presses (value 1) produce characters: a scanner never holds a key down,
// and a repeated character would change the code.
KeyStep translate_key(KeyboardState& state, std::uint16_t code, std::int32_t value);

}  // namespace sscard::hal

#include "sscard/hal/key_events.h"

#include <linux/input-event-codes.h>

#include <cstddef>

namespace sscard::hal {
namespace {

struct KeyChars {
  std::uint16_t code;
  char plain;
  char shifted;
};

// The US layout: the printable keys of the main block. Letters are handled apart (Caps Lock).
constexpr KeyChars kMainKeys[] = {
    {KEY_1, '1', '!'},          {KEY_2, '2', '@'},         {KEY_3, '3', '#'},         {KEY_4, '4', '$'},
    {KEY_5, '5', '%'},          {KEY_6, '6', '^'},         {KEY_7, '7', '&'},         {KEY_8, '8', '*'},
    {KEY_9, '9', '('},          {KEY_0, '0', ')'},         {KEY_MINUS, '-', '_'},     {KEY_EQUAL, '=', '+'},
    {KEY_LEFTBRACE, '[', '{'},  {KEY_RIGHTBRACE, ']', '}'}, {KEY_SEMICOLON, ';', ':'}, {KEY_APOSTROPHE, '\'', '"'},
    {KEY_GRAVE, '`', '~'},      {KEY_BACKSLASH, '\\', '|'}, {KEY_COMMA, ',', '<'},     {KEY_DOT, '.', '>'},
    {KEY_SLASH, '/', '?'},      {KEY_SPACE, ' ', ' '},
};

// The keypad types the same with or without Shift; Num Lock is not followed (scanners that use the keypad
// send digits whatever the host's Num Lock says).
constexpr KeyChars kKeypadKeys[] = {
    {KEY_KP0, '0', '0'},        {KEY_KP1, '1', '1'},         {KEY_KP2, '2', '2'},       {KEY_KP3, '3', '3'},
    {KEY_KP4, '4', '4'},        {KEY_KP5, '5', '5'},         {KEY_KP6, '6', '6'},       {KEY_KP7, '7', '7'},
    {KEY_KP8, '8', '8'},        {KEY_KP9, '9', '9'},         {KEY_KPDOT, '.', '.'},     {KEY_KPPLUS, '+', '+'},
    {KEY_KPMINUS, '-', '-'},    {KEY_KPASTERISK, '*', '*'},  {KEY_KPSLASH, '/', '/'},
};

// Letters in the order of the alphabet.
constexpr std::uint16_t kLetterKeys[26] = {
    KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
    KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z,
};

// Bits of KeyboardState::other_mods.
std::uint8_t other_mod_bit(std::uint16_t code) {
  switch (code) {
    case KEY_LEFTCTRL: return 0x01;
    case KEY_RIGHTCTRL: return 0x02;
    case KEY_LEFTALT: return 0x04;
    case KEY_RIGHTALT: return 0x08;
    case KEY_LEFTMETA: return 0x10;
    case KEY_RIGHTMETA: return 0x20;
    default: return 0;
  }
}

}  // namespace

KeyStep translate_key(KeyboardState& state, std::uint16_t code, std::int32_t value) {
  const bool pressed = value == 1;
  const bool released = value == 0;

  // Modifiers change state on press and release; they never type.
  if (code == KEY_LEFTSHIFT || code == KEY_RIGHTSHIFT) {
    bool& held = code == KEY_LEFTSHIFT ? state.left_shift : state.right_shift;
    if (pressed) held = true;
    if (released) held = false;
    return {};
  }
  if (const std::uint8_t bit = other_mod_bit(code); bit != 0) {
    if (pressed) state.other_mods = static_cast<std::uint8_t>(state.other_mods | bit);
    if (released) state.other_mods = static_cast<std::uint8_t>(state.other_mods & ~bit);
    return {};
  }
  if (code == KEY_CAPSLOCK) {
    if (pressed) state.caps_lock = !state.caps_lock;
    return {};
  }
  if (code == KEY_NUMLOCK || code == KEY_SCROLLLOCK) return {};

  if (!pressed) return {};  // releases and autorepeats of every other key
  if (code == KEY_ENTER || code == KEY_KPENTER) return {KeyAction::kEnd, 0};

  const bool shift = state.left_shift || state.right_shift;
  char c = 0;
  for (std::size_t i = 0; i < 26 && c == 0; ++i) {
    if (kLetterKeys[i] == code) c = static_cast<char>((shift != state.caps_lock ? 'A' : 'a') + static_cast<int>(i));
  }
  for (const KeyChars& k : kMainKeys) {
    if (c == 0 && k.code == code) c = shift ? k.shifted : k.plain;
  }
  for (const KeyChars& k : kKeypadKeys) {
    if (c == 0 && k.code == code) c = k.plain;
  }
  if (c == 0) return {KeyAction::kRefused, 0};
  // Ctrl-M or Alt-5 is a command to the host, not a character of a code.
  if (state.other_mods != 0) return {KeyAction::kRefused, 0};
  return {KeyAction::kCharacter, c};
}

}  // namespace sscard::hal

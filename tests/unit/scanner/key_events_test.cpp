#include "sscard/hal/key_events.h"

#include <gtest/gtest.h>
#include <linux/input-event-codes.h>

#include <initializer_list>
#include <string>

namespace sscard::hal {
namespace {

using Keys = std::initializer_list<std::uint16_t>;

constexpr std::int32_t kRelease = 0;
constexpr std::int32_t kPress = 1;
constexpr std::int32_t kRepeat = 2;

// Press and release of one key: what the press gave.
KeyStep tap(KeyboardState& state, std::uint16_t code) {
  const KeyStep step = translate_key(state, code, kPress);
  EXPECT_EQ(translate_key(state, code, kRelease).action, KeyAction::kNone);
  return step;
}

char typed(KeyboardState& state, std::uint16_t code) {
  const KeyStep step = tap(state, code);
  EXPECT_EQ(step.action, KeyAction::kCharacter) << "key " << code;
  return step.character;
}

char shifted(KeyboardState& state, std::uint16_t code, std::uint16_t shift = KEY_LEFTSHIFT) {
  EXPECT_EQ(translate_key(state, shift, kPress).action, KeyAction::kNone);
  const char c = typed(state, code);
  EXPECT_EQ(translate_key(state, shift, kRelease).action, KeyAction::kNone);
  return c;
}

TEST(KeyEvents, DigitsAndLetters) {
  KeyboardState s;
  EXPECT_EQ(typed(s, KEY_1), '1');
  EXPECT_EQ(typed(s, KEY_0), '0');
  EXPECT_EQ(typed(s, KEY_7), '7');
  EXPECT_EQ(typed(s, KEY_A), 'a');
  EXPECT_EQ(typed(s, KEY_Q), 'q');
  EXPECT_EQ(typed(s, KEY_Z), 'z');
  EXPECT_EQ(typed(s, KEY_M), 'm');
  EXPECT_EQ(shifted(s, KEY_E), 'E');
  EXPECT_EQ(shifted(s, KEY_S, KEY_RIGHTSHIFT), 'S');
  EXPECT_EQ(typed(s, KEY_C), 'c');  // Shift released again
}

TEST(KeyEvents, ShiftHeldOverSeveralKeys) {
  KeyboardState s;
  std::string text;
  translate_key(s, KEY_LEFTSHIFT, kPress);
  for (std::uint16_t key : Keys{KEY_E, KEY_S, KEY_S, KEY_C, KEY_SEMICOLON}) text += typed(s, key);
  translate_key(s, KEY_LEFTSHIFT, kRelease);
  text += typed(s, KEY_2);
  EXPECT_EQ(text, "ESSC:2");
  // Both Shift keys: releasing one keeps the other.
  translate_key(s, KEY_LEFTSHIFT, kPress);
  translate_key(s, KEY_RIGHTSHIFT, kPress);
  translate_key(s, KEY_LEFTSHIFT, kRelease);
  EXPECT_EQ(typed(s, KEY_B), 'B');
  translate_key(s, KEY_RIGHTSHIFT, kRelease);
  EXPECT_EQ(typed(s, KEY_B), 'b');
}

TEST(KeyEvents, CapsLockTogglesLettersOnly) {
  KeyboardState s;
  EXPECT_EQ(tap(s, KEY_CAPSLOCK).action, KeyAction::kNone);
  EXPECT_TRUE(s.caps_lock);
  EXPECT_EQ(typed(s, KEY_K), 'K');
  EXPECT_EQ(typed(s, KEY_5), '5');
  EXPECT_EQ(shifted(s, KEY_K), 'k');
  EXPECT_EQ(shifted(s, KEY_5), '%');
  tap(s, KEY_CAPSLOCK);
  EXPECT_FALSE(s.caps_lock);
  EXPECT_EQ(typed(s, KEY_K), 'k');
}

// The punctuation of the QR alphanumeric set, " $%*+-./:", as a US keyboard types it.
TEST(KeyEvents, QrAlphanumericPunctuation) {
  KeyboardState s;
  std::string text;
  text += typed(s, KEY_SPACE);
  text += shifted(s, KEY_4);
  text += shifted(s, KEY_5);
  text += shifted(s, KEY_8);
  text += shifted(s, KEY_EQUAL);
  text += typed(s, KEY_MINUS);
  text += typed(s, KEY_DOT);
  text += typed(s, KEY_SLASH);
  text += shifted(s, KEY_SEMICOLON);
  EXPECT_EQ(text, " $%*+-./:");
  // The same from the keypad, which Shift does not change.
  text.clear();
  for (std::uint16_t key : Keys{KEY_KPASTERISK, KEY_KPPLUS, KEY_KPMINUS, KEY_KPDOT, KEY_KPSLASH, KEY_KP0, KEY_KP9}) {
    text += shifted(s, key);
  }
  EXPECT_EQ(text, "*+-./09");
}

TEST(KeyEvents, RestOfTheUsLayout) {
  KeyboardState s;
  std::string plain;
  std::string upper;
  for (std::uint16_t key : Keys{KEY_EQUAL, KEY_LEFTBRACE, KEY_RIGHTBRACE, KEY_SEMICOLON, KEY_APOSTROPHE, KEY_GRAVE,
                            KEY_BACKSLASH, KEY_COMMA, KEY_DOT, KEY_SLASH, KEY_MINUS}) {
    plain += typed(s, key);
    upper += shifted(s, key);
  }
  EXPECT_EQ(plain, "=[];'`\\,./-");
  EXPECT_EQ(upper, "+{}:\"~|<>?_");
  std::string digits;
  for (std::uint16_t key : Keys{KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9, KEY_0}) {
    digits += shifted(s, key);
  }
  EXPECT_EQ(digits, "!@#$%^&*()");
}

TEST(KeyEvents, EnterEndsTheCode) {
  KeyboardState s;
  EXPECT_EQ(tap(s, KEY_ENTER).action, KeyAction::kEnd);
  EXPECT_EQ(tap(s, KEY_KPENTER).action, KeyAction::kEnd);
  EXPECT_EQ(translate_key(s, KEY_ENTER, kRelease).action, KeyAction::kNone);
}

TEST(KeyEvents, ReleasesAndAutorepeatsTypeNothing) {
  KeyboardState s;
  EXPECT_EQ(translate_key(s, KEY_A, kRelease).action, KeyAction::kNone);
  EXPECT_EQ(translate_key(s, KEY_A, kRepeat).action, KeyAction::kNone);
  EXPECT_EQ(translate_key(s, KEY_ENTER, kRepeat).action, KeyAction::kNone);
  EXPECT_EQ(translate_key(s, KEY_F1, kRelease).action, KeyAction::kNone);
  EXPECT_EQ(tap(s, KEY_NUMLOCK).action, KeyAction::kNone);
  EXPECT_EQ(tap(s, KEY_SCROLLLOCK).action, KeyAction::kNone);
}

// A key with no character of the layout spoils the code being typed: refused, never skipped.
TEST(KeyEvents, KeysWithoutACharacterAreRefused) {
  KeyboardState s;
  for (std::uint16_t key : Keys{KEY_F1, KEY_TAB, KEY_BACKSPACE, KEY_ESC, KEY_UP, KEY_DELETE, KEY_HOME, KEY_102ND}) {
    const KeyStep step = tap(s, key);
    EXPECT_EQ(step.action, KeyAction::kRefused) << "key " << key;
    EXPECT_EQ(step.character, 0);
  }
}

TEST(KeyEvents, CtrlAltOrMetaWithACharacterIsRefused) {
  for (std::uint16_t mod : Keys{KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT, KEY_LEFTMETA, KEY_RIGHTMETA}) {
    KeyboardState s;
    EXPECT_EQ(translate_key(s, mod, kPress).action, KeyAction::kNone);
    EXPECT_NE(s.other_mods, 0) << "key " << mod;
    EXPECT_EQ(tap(s, KEY_M).action, KeyAction::kRefused) << "key " << mod;
    EXPECT_EQ(translate_key(s, mod, kRelease).action, KeyAction::kNone);
    EXPECT_EQ(s.other_mods, 0);
    EXPECT_EQ(typed(s, KEY_M), 'm');
  }
}

}  // namespace
}  // namespace sscard::hal

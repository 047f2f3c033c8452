#include "sscard/app/console_pinpad.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>

namespace sscard::app {
namespace {

const char* prompt_text(hal::PinPrompt prompt) {
  switch (prompt) {
    case hal::PinPrompt::kPin: return "PIN: ";
    case hal::PinPrompt::kCurrentPin: return "current PIN: ";
    case hal::PinPrompt::kNewPin: return "new PIN: ";
    case hal::PinPrompt::kConfirmNewPin: return "new PIN again: ";
  }
  return "PIN: ";
}

}  // namespace

hal::PinPadError ConsolePinPad::do_read_pin(hal::PinPrompt prompt, MutableByteSpan digits, std::size_t& length) {
  const bool tty = isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::fputs(prompt_text(prompt), stderr);
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  length = 0;
  hal::PinPadError error = hal::PinPadError::kNone;
  for (;;) {
    const int c = std::fgetc(stdin);
    if (c == EOF) {
      error = length == 0 ? hal::PinPadError::kCancelled : hal::PinPadError::kNone;
      break;
    }
    if (c == '\n' || c == '\r') break;
    if (c < '0' || c > '9' || length == digits.size()) {
      error = hal::PinPadError::kBadEntry;
      continue;  // keep reading to the end of the line, but the entry is refused
    }
    digits[length++] = static_cast<std::uint8_t>(c);
  }
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputc('\n', stderr);
  }
  if (error == hal::PinPadError::kNone && (length < hal::kMinPinDigits || length > hal::kMaxPinDigits)) {
    error = hal::PinPadError::kBadEntry;
  }
  if (error != hal::PinPadError::kNone) {
    secure_wipe(digits);
    length = 0;
  }
  return error;
}

}  // namespace sscard::app

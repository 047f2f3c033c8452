// The PIN pad of a desk setup: the controlling terminal with echo off.
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>

#include "sscard/devices/pinpad.h"

namespace sscard::devices {
namespace {

// While a prompt has echo off, a signal that ends the program must first put the terminal back: otherwise
// the shell is left without echo. The handler only calls async-signal-safe functions.
termios g_saved_terminal{};
volatile std::sig_atomic_t g_echo_off = 0;
constexpr int kRestoringSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
struct sigaction g_previous[sizeof kRestoringSignals / sizeof kRestoringSignals[0]];

extern "C" void restore_terminal_and_reraise(int signal_number) {
  if (g_echo_off != 0) {
    tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
    const char newline = '\n';
    (void)!write(STDERR_FILENO, &newline, 1);
  }
  for (std::size_t i = 0; i < sizeof kRestoringSignals / sizeof kRestoringSignals[0]; ++i) {
    if (kRestoringSignals[i] == signal_number) sigaction(signal_number, &g_previous[i], nullptr);
  }
  raise(signal_number);
}

// Echo off for the lifetime of the object, with the signal handlers above in place.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) return;
    struct sigaction action {};
    action.sa_handler = restore_terminal_and_reraise;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < sizeof kRestoringSignals / sizeof kRestoringSignals[0]; ++i) {
      sigaction(kRestoringSignals[i], &action, &g_previous[i]);
    }
    termios quiet = g_saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    g_echo_off = 1;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    active_ = true;
  }
  ~EchoOff() {
    if (!active_) return;
    tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
    g_echo_off = 0;
    for (std::size_t i = 0; i < sizeof kRestoringSignals / sizeof kRestoringSignals[0]; ++i) {
      sigaction(kRestoringSignals[i], &g_previous[i], nullptr);
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  bool active_ = false;
};

const char* prompt_text(hal::PinPrompt prompt) {
  switch (prompt) {
    case hal::PinPrompt::kPin: return "PIN: ";
    case hal::PinPrompt::kCurrentPin: return "current PIN: ";
    case hal::PinPrompt::kNewPin: return "new PIN: ";
    case hal::PinPrompt::kConfirmNewPin: return "new PIN again: ";
  }
  return "PIN: ";
}

class ConsolePinPad final : public hal::PinPad {
 private:
  hal::PinPadError do_read_pin(hal::PinPrompt prompt, MutableByteSpan digits, std::size_t& length) override {
    const bool tty = isatty(STDIN_FILENO) != 0;
    if (tty) std::fputs(prompt_text(prompt), stderr);
    length = 0;
    hal::PinPadError error = hal::PinPadError::kNone;
    {
      std::optional<EchoOff> echo_off;
      if (tty) echo_off.emplace();
      for (;;) {
        const int c = std::fgetc(stdin);
        if (c == EOF) {
          error = length == 0 ? hal::PinPadError::kCancelled : hal::PinPadError::kNone;
          break;
        }
        if (c == '\n' || c == '\r') break;
        if (c < '0' || c > '9' || length == digits.size()) {
          error = hal::PinPadError::kBadEntry;
          continue;  // read to the end of the line, but the entry is refused
        }
        digits[length++] = static_cast<std::uint8_t>(c);
      }
    }
    if (tty) std::fputc('\n', stderr);
    if (error == hal::PinPadError::kNone && (length < hal::kMinPinDigits || length > hal::kMaxPinDigits)) {
      error = hal::PinPadError::kBadEntry;
    }
    if (error != hal::PinPadError::kNone) {
      secure_wipe(digits);
      length = 0;
    }
    return error;
  }
};

}  // namespace

std::unique_ptr<hal::PinPad> open_console_pinpad() { return std::make_unique<ConsolePinPad>(); }

}  // namespace sscard::devices

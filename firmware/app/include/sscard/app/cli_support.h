// What the two programs (sscard, the terminal; sscard-sim, the test world) share on the command line:
// the exit codes, parsing with CLI11 into one-line errors, and the one-line error and note format.
//
// Exit codes (README "Errors and exit codes"):
//   0  done
//   1  the operation failed: the card, the PSAM, the reader, a PIN, the issuer said no, or a file or
//      folder could not be used; one line on standard error says why
//   2  the command line is wrong (unknown option, bad value, missing option); nothing was done
//   3  a state change was sent to the issuer but not answered; it is kept in the kiosk's journal and the
//      next run (any card service, or `sscard recover`) completes it
//   4  (`sscard recover`) nothing is left but entries held at the card step (an activation cut off around
//      CHANGE PIN): no run sends them; an operator decides (docs/RELIABILITY.md "Held activations")
// Results go to standard output, errors and notes to standard error.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace sscard::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPending = 3;
inline constexpr int kExitHeld = 4;

// Parses the command line into `app`'s options. Help (--help on any command) goes to `out` and gives 0; a
// parse error is one line on `err` naming the command ("sscard read: unknown option --population; see
// `sscard read --help`") and gives 2. nullopt: parsed, run the command.
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
                                      std::ostream& err);

// The words of the command that was chosen, e.g. "sscard pin verify".
std::string command_path(const CLI::App& app);

// Writes errors and notes of one command: "<command path>: <message>" and "<command path>: note: <message>".
class Reporter {
 public:
  Reporter(std::string command, std::ostream& err) : command_(std::move(command)), err_(err) {}
  // One line on standard error; returns `code` for `return report.fail(...)`.
  int fail(std::string_view message, int code = kExitFailure) const;
  void note(std::string_view message) const;
  const std::string& command() const { return command_; }

 private:
  std::string command_;
  std::ostream& err_;
};

}  // namespace sscard::app

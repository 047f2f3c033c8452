// Reading an electronic social-security card's code for a command (docs/ESSC.md, docs/SCANNERS.md): from a
// picture (`--essc IMAGE`, decoded as a camera frame) or from a scanner device (`--essc-scanner DEVICE`).
#pragma once

#include <string>
#include <string_view>

#include "sscard/core/result.h"
#include "sscard/app/terminal_commands.h"

namespace sscard::app {

// `--essc-scanner sim:TEXT[,...]`: a scripted scanner that "scans" TEXT (or fails as the words of
// hal::SimScanner say), for the demo and tests.
inline constexpr std::string_view kSimulatedScanner = "sim:";

// The text of the code. The error is one line that says what to do (no code in the picture, a scanner that
// is not there, nothing scanned in time).
struct CodeReadError {
  std::string message;
};
Result<std::string, CodeReadError> read_code_text(const CodeSource& source);

}  // namespace sscard::app

// Reading an electronic social-security card's code for a command (docs/ESSC.md, docs/SCANNERS.md): from a
// picture (`--essc IMAGE`, decoded as a camera frame) or from a scanner device (`--essc-scanner DEVICE`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sscard/app/terminal_commands.h"
#include "sscard/config/kiosk_config.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/essc/check.h"
#include "sscard/essc/code.h"
#include "host_link.h"

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

// Why a code was not taken: the kiosk's own refusal (docs/ESSC.md "Offline checks"), or a failure that is no
// fault of the code (no key configured, no picture, the replay store), as one line.
struct CodeTakeError {
  std::optional<essc::Refusal> refusal;
  std::string message;
};

// The code from `source`, checked offline for `purpose` at the kiosk's clock and recorded in the kiosk's replay
// store (essc-TERMINAL.db in the state folder) before anything is sent: from here on it is spent.
Result<essc::Code, CodeTakeError> take_code(const CodeSource& source, const config::KioskConfig& kiosk,
                                            crypto::Crypto& crypto, essc::Purpose purpose);

// A code the kiosk refused by itself (docs/ESSC.md "Offline checks"), nothing sent: with --format json the object
// {"operation": OPERATION, "outcome": "code_refused", "refusal": NAME, "message": LINE} on `out`, and the one
// line on standard error. Returns the exit code (1).
int refuse_code(std::string_view operation, essc::Refusal refusal, const std::string& format, const Reporter& report,
                std::ostream& out);

// What a command that takes a code starts with: the host link, the code taken for `purpose` (offline checks,
// replay store), then the journal's leftovers finished. The code, or the exit code of a refusal or failure
// already reported (refuse_code(), or one line).
struct TakenCode {
  std::unique_ptr<HostLink> link;
  essc::Code code;
};
Result<TakenCode, int> take_code_for(std::string_view operation, const CodeSource& source, essc::Purpose purpose,
                                     const config::KioskConfig& kiosk, const HostOverrides& host,
                                     const std::string& format, const Reporter& report, std::ostream& out);

// sscard read --essc IMAGE | --essc-scanner DEVICE (service_command.cpp): the holder of a purpose-01 code as the
// home issuer's online check answers it, printed like a card's holder without the full SSN or any card number.
int run_code_read(const ReadOptions& options, const Reporter& report, std::ostream& out);

}  // namespace sscard::app

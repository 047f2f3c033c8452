#include "code_reading.h"

#include <chrono>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sscard/core/state_dir.h"
#include "sscard/essc/replay_store.h"

#include "sscard/hal/scanner_open.h"
#include "sscard/hal/sim_scanner.h"

namespace sscard::app {
namespace {

std::string open_failure(const std::string& what, hal::ScannerOpenError e) {
  switch (e) {
    case hal::ScannerOpenError::kNotFound: return what + " is not there: check the path (is the scanner plugged in?)";
    case hal::ScannerOpenError::kPermissionDenied:
      return what + " cannot be read by this user: add it to the device's group (docs/SCANNERS.md \"Permissions\")";
    case hal::ScannerOpenError::kBusy: return what + " is held by another program: stop it and try again";
    case hal::ScannerOpenError::kNotAScanner:
      return what + " is neither a keyboard-wedge input device nor a serial device: name the scanner's device";
    case hal::ScannerOpenError::kUnsupported:
      return "this build has no picture decoder (kiosk-board builds): use --essc-scanner with the scanner device";
    case hal::ScannerOpenError::kBadSpec: return what + ": give a file or device path";
    case hal::ScannerOpenError::kSystem: break;
  }
  return what + " cannot be opened (" + std::string(hal::scanner_open_error_name(e)) + ")";
}

std::string scan_failure(const std::string& what, hal::ScanError e, int wait_seconds) {
  switch (e) {
    case hal::ScanError::kNoCode: return "no QR code found in " + what + ": take the picture again, the code filling more of it";
    case hal::ScanError::kUnreadable:
      return what + " is not a readable PNG picture of a QR code with text: take the picture again";
    case hal::ScanError::kTooLong: return "the code read from " + what + " is too long to be an electronic card's";
    case hal::ScanError::kTimeout:
      return "no code was scanned within " + std::to_string(wait_seconds) + " s: ask the holder to show the code";
    case hal::ScanError::kNotConnected: return what + " went away: check the scanner or the file";
    case hal::ScanError::kNone: break;
  }
  return what + ": " + std::string(hal::scan_error_name(e));
}

}  // namespace

Result<std::string, CodeReadError> read_code_text(const CodeSource& source) {
  const bool picture = !source.image.empty();
  const std::string device = source.scanner.string();
  std::unique_ptr<hal::CodeScanner> scanner;
  std::string what = picture ? source.image.string() : device;
  if (!picture && device.rfind(kSimulatedScanner, 0) == 0) {
    // A scripted scanner, as `--pinpad sim:...` is a scripted keypad: for the demo and tests.
    scanner = std::make_unique<hal::SimScanner>(hal::SimScanner::from_list(device.substr(kSimulatedScanner.size())));
    what = "the simulated scanner";
  } else {
    auto opened = hal::open_scanner(picture ? "image:" + source.image.string() : device);
    if (!opened.ok()) return CodeReadError{open_failure(what, opened.error())};
    scanner = std::move(opened).value();
  }
  std::string text;
  const int timeout_ms = picture ? 0 : source.wait_seconds * 1000;
  const hal::ScanError e = scanner->scan(timeout_ms, text);
  if (e != hal::ScanError::kNone) return CodeReadError{scan_failure(what, e, source.wait_seconds)};
  return text;
}

Result<essc::Code, CodeTakeError> take_code(const CodeSource& source, const config::KioskConfig& kiosk,
                                            crypto::Crypto& crypto, essc::Purpose purpose) {
  if (kiosk.essc_keys.empty()) {
    return CodeTakeError{std::nullopt, kiosk.file.string() + " lists no electronic-card platform key (\"essc\"): "
                                       "this kiosk takes no electronic cards; add the platform's key "
                                       "(docs/KIOSK-CONFIG.md)"};
  }
  auto text = read_code_text(source);
  if (!text.ok()) return CodeTakeError{std::nullopt, text.error().message};
  auto code = essc::parse_text(*text);
  if (!code.ok()) return CodeTakeError{essc::refusal_of(code.error()), {}};
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  const essc::CheckContext context{kiosk.essc_keys, purpose, now};
  if (const essc::Refusal r = essc::check_code(crypto, *code, context); r != essc::Refusal::kNone) {
    return CodeTakeError{r, {}};
  }
  auto state = state_dir();
  if (!state.ok()) {
    return CodeTakeError{std::nullopt, "no state folder for the kiosk's electronic-card record (set XDG_STATE_HOME)"};
  }
  auto replay = essc::ReplayStore::open(*state / ("essc-" + kiosk.terminal + ".db"));
  if (!replay.ok()) return CodeTakeError{std::nullopt, replay.error().message};
  auto fresh = (*replay)->take(*code, now);
  if (!fresh.ok()) return CodeTakeError{std::nullopt, fresh.error().message};
  if (!*fresh) return CodeTakeError{essc::Refusal::kReplayed, {}};
  return std::move(code).value();
}

// A code the kiosk refused by itself (docs/ESSC.md "Offline checks"): nothing was sent.
int refuse_code(std::string_view operation, essc::Refusal refusal, const std::string& format, const Reporter& report,
                std::ostream& out) {
  const std::string message = essc::refusal_message(refusal);
  if (format == "json") {
    nlohmann::ordered_json j;
    j["operation"] = std::string(operation);
    j["outcome"] = "code_refused";
    j["refusal"] = std::string(essc::refusal_name(refusal));
    j["message"] = message;
    out << j.dump(2) << '\n';
    out.flush();
  }
  return report.fail("electronic card refused (" + std::string(essc::refusal_name(refusal)) + "): " + message);
}

Result<TakenCode, int> take_code_for(std::string_view operation, const CodeSource& source, essc::Purpose purpose,
                                     const config::KioskConfig& kiosk, const HostOverrides& host,
                                     const std::string& format, const Reporter& report, std::ostream& out) {
  auto link = open_host_link(kiosk, host);
  if (!link.ok()) return report.fail(link.error().message, link.error().exit_code);
  auto code = take_code(source, kiosk, *(*link)->crypto, purpose);
  if (!code.ok()) {
    if (code.error().refusal) return refuse_code(operation, *code.error().refusal, format, report, out);
    return report.fail(code.error().message);
  }
  std::ostringstream earlier;
  if (!recover_pending(**link, earlier, false).ok()) {
    return report.fail("cannot read the kiosk's journal " + (*link)->journal_file.string());
  }
  std::istringstream earlier_lines(earlier.str());
  for (std::string line; std::getline(earlier_lines, line);) report.note(line);
  return TakenCode{std::move(link).value(), std::move(code).value()};
}

}  // namespace sscard::app

#include "terminal.h"

#include "command_trace.h"

#include <array>
#include <system_error>

#include "sscard/config/paths.h"
#include "sscard/devices/pinpad.h"
#include "sscard/psam/psam.h"
#include "sscard/transport/transport.h"

namespace sscard::app {
namespace {

SetupFailure device_failure(const devices::DeviceError& e) { return SetupFailure{e.message, kExitFailure}; }

devices::SimulatedCardOptions simulated(const DeviceOptions& options) {
  devices::SimulatedCardOptions o;
  o.fresh = options.fresh;
  return o;
}

// Reads the PSAM's terminal number (EF16) and compares it with the configuration's.
Result<void, SetupFailure> check_terminal_number(devices::CardSource& psam, const config::KioskConfig& kiosk) {
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  if (auto powered = psam.slot().power_up(atr); !powered.ok()) {
    return SetupFailure{"the PSAM (" + psam.description() + ") does not answer (" +
                        std::string(powered.status().name()) + ")"};
  }
  transport::Transport t(psam.slot());
  trace_psam(t);
  psam::Psam client(t);
  const Status read = client.read_numbers();
  const std::string carried = client.terminal_number();
  (void)psam.slot().power_down();
  if (!read.ok()) {
    return SetupFailure{"the PSAM (" + psam.description() + ") has no readable terminal number (" +
                        std::string(read.name()) + ")"};
  }
  if (carried != kiosk.terminal) {
    return SetupFailure{"the PSAM carries terminal number " + carried + " but " + kiosk.file.string() +
                        " says " + kiosk.terminal + ": insert this kiosk's PSAM or correct \"terminal\""};
  }
  return {};
}

}  // namespace

Result<std::optional<config::KioskConfig>, SetupFailure> load_config(const ConfigOption& option, bool required) {
  std::filesystem::path file = option.file;
  if (file.empty()) {
    file = config::default_config_file();
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      if (!required) return std::optional<config::KioskConfig>();
      return SetupFailure{"no kiosk configuration: give --config FILE (or set SSCARD_CONFIG; " + file.string() +
                              " does not exist)",
                          kExitUsage};
    }
  }
  auto loaded = config::load_kiosk_config(file);
  if (!loaded.ok()) return SetupFailure{loaded.error().to_string()};
  return std::optional<config::KioskConfig>(std::move(loaded).value());
}

Result<std::unique_ptr<devices::CardSource>, SetupFailure> open_card(const DeviceOptions& options,
                                                                     const config::KioskConfig* kiosk) {
  if (auto traced = open_run_trace(options.trace); !traced.ok()) return std::move(traced).error();
  Result<std::unique_ptr<devices::CardSource>, devices::DeviceError> opened = devices::DeviceError{};
  const std::string configured = kiosk != nullptr ? kiosk->card_reader.reader : std::string();
  if (!options.card.empty()) {
    opened = devices::open_simulated_card(options.card, simulated(options));
    // The simulated reader always has a field; whether the card answers there is the card's affair.
    if (opened.ok() && options.contactless) (void)(*opened)->use_contactless();
  } else if (options.contactless) {
    // --reader-name names the reader the card is in: here, the contactless one.
    const std::string field = options.reader ? *options.reader
                                             : (kiosk != nullptr ? kiosk->contactless_reader.reader : std::string());
    opened = devices::open_pcsc_card_reader({configured, field, true});
  } else {
    opened = devices::open_pcsc(options.reader ? *options.reader : configured);
  }
  if (!opened.ok()) return device_failure(opened.error());
  return std::move(opened).value();
}

Result<std::unique_ptr<devices::CardSource>, SetupFailure> open_psam(const DeviceOptions& options,
                                                                     const config::KioskConfig* kiosk) {
  if (options.no_psam) return std::unique_ptr<devices::CardSource>();
  Result<std::unique_ptr<devices::CardSource>, devices::DeviceError> opened = devices::DeviceError{};
  if (!options.psam.empty()) {
    opened = devices::open_simulated_psam(options.psam, simulated(options));
  } else if (options.psam_reader) {
    opened = devices::open_pcsc(*options.psam_reader);
  } else if (kiosk == nullptr || kiosk->psam.kind == config::DeviceSpec::Kind::kNone) {
    return std::unique_ptr<devices::CardSource>();
  } else if (kiosk->psam.kind == config::DeviceSpec::Kind::kSimulated) {
    opened = devices::open_simulated_psam(kiosk->psam.profile, simulated(options));
  } else {
    opened = devices::open_pcsc(kiosk->psam.reader);
  }
  if (!opened.ok()) return SetupFailure{"PSAM: " + opened.error().message};
  if (kiosk != nullptr) {
    auto checked = check_terminal_number(**opened, *kiosk);
    if (!checked.ok()) return std::move(checked).error();
  }
  return std::move(opened).value();
}

Result<std::unique_ptr<hal::PinPad>, SetupFailure> open_pinpad(const std::optional<std::string>& spec) {
  if (!spec) return devices::open_console_pinpad();
  auto pad = devices::open_scripted_pinpad(*spec);
  if (!pad.ok()) return SetupFailure{pad.error().message, kExitUsage};
  return std::move(pad).value();
}

}  // namespace sscard::app

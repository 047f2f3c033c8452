#include "payment_session.h"

#include <chrono>
#include <cstdlib>
#include <sstream>

#include "sscard/config/ca_key_file.h"
#include "sscard/core/date.h"
#include "sscard/core/test_point.h"
#if SSCARD_WITH_SIMULATOR
#include "sscard/sim/host/crash_points.h"
#endif
#include "sscard/flows/payment.h"

namespace sscard::app {

Result<PaymentSession, SetupFailure> open_payment_session(const ConfigOption& config, const DeviceOptions& devices,
                                                          const std::optional<std::string>& pinpad,
                                                          const HostOverrides& host, const Reporter& report) {
  auto loaded = load_config(config, true);
  if (!loaded.ok()) return std::move(loaded).error();
  PaymentSession s;
  s.kiosk = std::move(**loaded);
  if (!s.kiosk.payment) {
    return SetupFailure{s.kiosk.file.string() + ": this kiosk takes no payments (no \"payment\" in its configuration)",
                        kExitUsage};
  }

  auto card = open_card(devices, &s.kiosk);
  if (!card.ok()) return std::move(card).error();
  s.card = std::move(*card);
  auto pad = open_pinpad(pinpad);
  if (!pad.ok()) return std::move(pad).error();
  s.pinpad = std::move(*pad);
  auto link = open_host_link(s.kiosk, host);
  if (!link.ok()) return std::move(link).error();
  s.link = std::move(*link);

  // The CA keys valid today, refused at load if any cannot be trusted.
  const auto today = parse_yyyymmdd(flows::kiosk_date(std::chrono::system_clock::now()));
  if (!today.ok()) return SetupFailure{"the system clock gives no valid date"};
  auto ca_keys = config::load_ca_key_file(s.kiosk.payment->ca_keys, *s.link->crypto, *today);
  if (!ca_keys.ok()) return SetupFailure{ca_keys.error().to_string()};
  s.ca_keys = std::move(*ca_keys);
  s.terminal = payment_terminal(*s.kiosk.payment, s.kiosk.terminal);

  // Pending reversals and confirmations go before any other online request (PAYMENT.md §10).
  std::ostringstream earlier;
  if (!recover_pending(*s.link, earlier, false).ok()) {
    return SetupFailure{"cannot read the kiosk's journal " + s.link->journal_file.string()};
  }
  std::istringstream earlier_lines(earlier.str());
  for (std::string line; std::getline(earlier_lines, line);) report.note(line);
  return s;
}

#if SSCARD_WITH_SIMULATOR
// Test hook of builds with the simulator (never in a board's binary; PAYMENT.md §10): at the step named by
// SSCARD_TEST_CRASH_AT the process kills itself (SIGKILL, as a power cut would end it); at the step named by
// SSCARD_TEST_PULL_CARD_AT the card is powered down, as if pulled out.
std::function<void(std::string_view)> test_checkpoint(hal::Slot& slot) {
  const char* crash = std::getenv("SSCARD_TEST_CRASH_AT");
  const char* pull = std::getenv("SSCARD_TEST_PULL_CARD_AT");
  if ((crash == nullptr || *crash == '\0') && (pull == nullptr || *pull == '\0')) return {};
  sim::host::install_crash_points("kiosk");  // SSCARD_TEST_CRASH_AT: NAME, NAME#N or list
  const std::string pull_at = pull != nullptr ? pull : "";
  return [pull_at, &slot](std::string_view step) {
    if (step == pull_at) (void)slot.power_down();
    test_point::pass(step);
  };
}
#else
std::function<void(std::string_view)> test_checkpoint(hal::Slot&) { return {}; }
#endif

}  // namespace sscard::app

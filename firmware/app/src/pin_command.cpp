// sscard pin verify|change|unblock|reload: the PIN services of the social-security application
// (docs/SECURITY.md "PINs", "MACs"). PINs come from a PIN pad; they are never printed or logged.
#include <array>

#include "command_trace.h"
#include "identity_reading.h"
#include "sscard/app/terminal_commands.h"
#include "sscard/psam/psam.h"
#include "sscard/ssc/pin.h"
#include "sscard/ssc/security.h"
#include "sscard/transport/transport.h"
#include "terminal.h"

namespace sscard::app {

int run_pin(const PinOptions& o, const Reporter& report, std::ostream& out) {
  const bool needs_psam = o.action == "unblock" || o.action == "reload";
  auto kiosk = load_config(o.config, false);
  if (!kiosk.ok()) return report.fail(kiosk.error().message, kiosk.error().exit_code);
  const config::KioskConfig* k = kiosk->has_value() ? &**kiosk : nullptr;
  auto card = open_card(o.devices, k);
  if (!card.ok()) return report.fail(card.error().message, card.error().exit_code);
  auto psam = open_psam(o.devices, k);
  if (!psam.ok()) return report.fail(psam.error().message, psam.error().exit_code);
  if (needs_psam && !*psam) {
    return report.fail(card_failure(ssc::Fault::of(ssc::Failure::kNoPsam)).message +
                       ": give --psam PROFILE or --psam-reader NAME, or a kiosk configuration with a PSAM");
  }
  std::unique_ptr<hal::PinPad> pinpad;
  if (o.action != "unblock") {
    auto opened = open_pinpad(o.pinpad);
    if (!opened.ok()) return report.fail(opened.error().message, opened.error().exit_code);
    pinpad = std::move(opened).value();
  }

  hal::Slot& slot = (*card)->slot();
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot.power_up(atr);
  if (!atr_len.ok()) return report.fail(card_failure(ssc::Fault::card(atr_len.status())).message);
  transport::Transport transport(slot);
  trace_card(transport);

  ssc::Fault fault;
  if (o.action == "verify") {
    fault = ssc::verify_pin(transport, *pinpad);
  } else if (o.action == "change") {
    fault = ssc::change_pin(transport, *pinpad);
  } else {
    hal::Slot& psam_slot = (*psam)->slot();
    std::array<std::uint8_t, hal::kMaxAtrSize> psam_atr{};
    if (auto n = psam_slot.power_up(psam_atr); !n.ok()) {
      (void)slot.power_down();
      return report.fail(card_failure(ssc::Fault::make(ssc::Failure::kNoPsam, n.status())).message);
    }
    transport::Transport psam_transport(psam_slot);
    trace_psam(psam_transport);
    psam::Psam psam_client(psam_transport);
    auto context = ssc::open_card(transport, ByteSpan(atr.data(), *atr_len));
    if (!context.ok()) {
      fault = context.error();
    } else if (o.action == "unblock") {
      fault = ssc::pin_unblock(transport, psam_client, context.value());
    } else {
      fault = ssc::pin_reload(transport, psam_client, context.value(), *pinpad);
    }
    (void)psam_slot.power_down();
  }
  (void)slot.power_down();
  if (!fault.ok()) return report.fail(card_failure(fault).message);
  if (o.action == "verify") out << "PIN verified\n";
  if (o.action == "change") out << "PIN changed\n";
  if (o.action == "unblock") out << "PIN unblocked: the try counter is back to its limit\n";
  if (o.action == "reload") out << "PIN reloaded\n";
  return kExitOk;
}

}  // namespace sscard::app

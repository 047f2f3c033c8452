// sscard pin verify|change|unblock|reload: the PIN services of the social-security application
// (docs/SECURITY.md "PINs", "MACs"). PINs come from a PIN pad; they are never printed or logged.
#include <array>
#include <memory>

#include "cli_common.h"
#include "pin_command.h"
#include "sscard/psam/psam.h"
#include "sscard/ssc/pin.h"
#include "sscard/ssc/security.h"
#include "sscard/transport/transport.h"

namespace sscard::app {
namespace {

std::string fault_line(const ssc::Fault& fault) {
  return ssc::describe(fault) + " (" + std::to_string(ssc::interface_code(fault)) + ")";
}

}  // namespace

int run_pin(const Args& args, std::string_view action, std::ostream& out, std::ostream& err) {
  const bool needs_psam = action == "unblock" || action == "reload";
  if (action != "verify" && action != "change" && !needs_psam) {
    return fail(err, "pin needs an action: verify, change, unblock or reload", kExitUsage);
  }
  std::string usage_error;
  auto card = open_card_source(args, usage_error);
  if (!usage_error.empty()) return fail(err, usage_error, kExitUsage);
  if (!card.source) return fail(err, card.error);
  auto psam = open_psam_source(args, usage_error);
  if (!usage_error.empty()) return fail(err, usage_error, kExitUsage);
  if (needs_psam && !psam.source) {
    return fail(err, psam.error.empty() ? "pin " + std::string(action) + " needs --psam PSAM_PROFILE or --psam-reader NAME (-2201)"
                                        : "PSAM: " + psam.error);
  }
  auto pinpad = action == "unblock" ? nullptr : open_pinpad(args, usage_error);
  if (!usage_error.empty()) return fail(err, usage_error, kExitUsage);

  hal::Slot& slot = *card.source->slot;
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = slot.power_up(atr);
  if (!atr_len.ok()) return fail(err, "card: " + std::string(atr_len.status().name()));
  transport::Transport transport(slot);

  ssc::Fault fault;
  if (action == "verify") {
    fault = ssc::verify_pin(transport, *pinpad);
  } else if (action == "change") {
    fault = ssc::change_pin(transport, *pinpad);
  } else {
    hal::Slot& psam_slot = *psam.source->slot;
    std::array<std::uint8_t, hal::kMaxAtrSize> psam_atr{};
    if (auto n = psam_slot.power_up(psam_atr); !n.ok()) return fail(err, "PSAM does not answer (-2201)");
    transport::Transport psam_transport(psam_slot);
    psam::Psam psam_client(psam_transport);
    auto context = ssc::open_card(transport, ByteSpan(atr.data(), *atr_len));
    if (!context.ok()) {
      fault = context.error();
    } else if (action == "unblock") {
      fault = ssc::pin_unblock(transport, psam_client, context.value());
    } else {
      fault = ssc::pin_reload(transport, psam_client, context.value(), *pinpad);
    }
    (void)psam_slot.power_down();
  }
  (void)slot.power_down();
  if (!fault.ok()) return fail(err, fault_line(fault));
  if (action == "verify") out << "PIN verified\n";
  if (action == "change") out << "PIN changed\n";
  if (action == "unblock") out << "PIN unblocked: the try counter is back to its limit\n";
  if (action == "reload") out << "PIN reloaded\n";
  return kExitOk;
}

}  // namespace sscard::app

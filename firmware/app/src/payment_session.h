// What `sscard pay` and `sscard settle` set up before they touch the card: the kiosk's configuration with its
// payment parameters, the card reader, the PIN pad, the host link with its journal, the CA keys valid today
// (China Standard Time), and the reversals and confirmations earlier runs still owe, sent first
// (docs/PAYMENT.md §10).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "host_link.h"
#include "sscard/app/terminal_commands.h"
#include "sscard/config/kiosk_config.h"
#include "sscard/pboc/ca_keys.h"
#include "sscard/pboc/terminal.h"
#include "terminal.h"

namespace sscard::app {

struct PaymentSession {
  config::KioskConfig kiosk;
  std::unique_ptr<devices::CardSource> card;
  std::unique_ptr<hal::PinPad> pinpad;
  std::unique_ptr<HostLink> link;
  pboc::CaKeyTable ca_keys;
  pboc::TerminalConfig terminal;
};

// The failure names what to fix (one line, with its exit code); the notes of what was sent first go to
// `report`.
Result<PaymentSession, SetupFailure> open_payment_session(const ConfigOption& config, const DeviceOptions& devices,
                                                          const std::optional<std::string>& pinpad,
                                                          const HostOverrides& host, const Reporter& report);

// The payment flow's checkpoint for the crash and pull tests (PAYMENT.md §10): in builds with the simulator,
// SSCARD_TEST_CRASH_AT=STEP kills the process at that step and SSCARD_TEST_PULL_CARD_AT=STEP powers the card
// down there; otherwise, and in a board's build, no checkpoint.
std::function<void(std::string_view)> test_checkpoint(hal::Slot& slot);

}  // namespace sscard::app

// sscard query|activate|report-loss|cancel-loss|certify|recover: the card services of a kiosk, against the
// in-process simulated issuers (default) or a real host (--host ADDR). docs/HOST-PROTOCOL.md, docs/SERVICES.md.
#pragma once

#include <ostream>
#include <string_view>

#include "sscard/app/args.h"

namespace sscard::app {

// Exit code of a state change that was sent but not answered: it is in the kiosk's journal and the next run
// (any service, or `sscard recover`) completes it with the same idempotency key.
inline constexpr int kExitPending = 3;

bool is_service_command(std::string_view command);
int run_service(const Args& args, std::ostream& out, std::ostream& err);

// The demo's cross-province part: a Sichuan card served in Chongqing and a Chongqing card in Sichuan.
// Returns the number of failures.
int demo_cross_province(std::ostream& out);

}  // namespace sscard::app

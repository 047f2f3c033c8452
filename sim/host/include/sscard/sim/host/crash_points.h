// The crash tests' hook of the simulator's builds (docs/RELIABILITY.md, "Killed at every step"): the points a
// program passes (sscard/core/test_point.h) read against SSCARD_TEST_CRASH_AT.
//   SSCARD_TEST_CRASH_AT=NAME or NAME#N  the process kills itself (SIGKILL, as a power cut would end it) the Nth
//                                        time (the first by default) it passes the point NAME;
//   SSCARD_TEST_CRASH_AT=list            each point passed is a line "sscard-crash-point ROLE NAME#N" on stderr,
//                                        N counting the passes of NAME since the process started.
// Unset or empty: no hook. A board's binary has no simulator and so never installs it.
#pragma once

#include <string_view>

namespace sscard::sim::host {

// Installs the hook for this process once (later calls do nothing); `role` ("kiosk", "host", "hub") names the
// process in the list lines.
void install_crash_points(std::string_view role);

}  // namespace sscard::sim::host

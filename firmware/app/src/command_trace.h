// The APDU trace of one run of sscard (docs/SECURITY.md "Secrets", "The APDU trace"): --trace FILE, else
// $SSCARD_TRACE as libsscard_iface reads it; the holder's identity masked unless --trace-identity full (or
// $SSCARD_TRACE_IDENTITY=full). The file is appended to and kept owner-only (mode 0600).
#pragma once

#include "sscard/app/terminal_commands.h"
#include "sscard/core/result.h"
#include "sscard/transport/transport.h"
#include "terminal.h"

namespace CLI {
class App;
}

namespace sscard::app {

// --trace FILE and --trace-identity masked|full: added to every card-touching command by the option groups
// they share (terminal_cli.cpp, transit_cli.cpp), never one by one.
void add_trace_options(CLI::App& cmd, TraceOptions& options);

// Opens the run's trace, or none when neither --trace nor SSCARD_TRACE names a file. Opening it again with the
// same file and identity keeps the open one. Fails (kExitFailure) when the file cannot be written or stays
// readable by others, and (kExitUsage) on an SSCARD_TRACE_IDENTITY that is neither masked nor full.
Result<void, SetupFailure> open_run_trace(const TraceOptions& options);

// Traces `card` to the run's trace, if there is one, identity masked or shown as asked.
void trace_card(transport::Transport& card);
// Traces a PSAM's transport (its own redactor, set by psam::Psam, stays).
void trace_psam(transport::Transport& psam);

}  // namespace sscard::app

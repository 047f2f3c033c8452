#include "command_trace.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "sscard/transport/trace_file.h"

namespace sscard::app {
namespace {

// The trace of this run (one command; sscard-sim's demo runs several in one process, each opening its own).
struct RunTrace {
  std::string file;            // the file it was opened on
  bool show_identity = false;
  std::unique_ptr<transport::TraceFile> sink;
};

RunTrace& run_trace() {
  static RunTrace trace;
  return trace;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

void add_trace_options(CLI::App& cmd, TraceOptions& options) {
  cmd.add_option("--trace", options.file,
                 "append every APDU exchanged with the card and the PSAM to FILE (created owner-only, mode "
                 "0600; an existing FILE must be owner-only), PINs, cryptograms, MACs and the middle digits of "
                 "the bank card number (PAN) masked; default: $SSCARD_TRACE")
      ->type_name("FILE")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string { return text.empty() ? "needs a file name" : std::string(); }, ""));
  cmd.add_option("--trace-identity", options.identity,
                 "the holder's identity in the trace: masked (name, social security number, card number, sex, "
                 "ethnic group, birthplace, birth date shown as **) or full; default: $SSCARD_TRACE_IDENTITY, "
                 "else masked")
      ->type_name("masked|full")
      ->check(CLI::IsMember({"masked", "full"}));
}

Result<void, SetupFailure> open_run_trace(const TraceOptions& options) {
  const bool from_option = !options.file.empty();
  const std::string file = from_option ? options.file : env("SSCARD_TRACE");
  std::string identity = options.identity;
  if (identity.empty()) identity = env("SSCARD_TRACE_IDENTITY");
  if (identity.empty()) identity = "masked";
  if (identity != "masked" && identity != "full") {
    return SetupFailure{"SSCARD_TRACE_IDENTITY is '" + identity + "': set it to masked or full, or unset it",
                        kExitUsage};
  }
  const bool show_identity = identity == "full";

  RunTrace& trace = run_trace();
  if (file.empty()) {
    trace = RunTrace{};
    return {};
  }
  if (trace.sink && trace.file == file && trace.show_identity == show_identity) return {};
  trace = RunTrace{};
  auto opened = transport::TraceFile::open(file.c_str());
  if (!opened.ok()) {
    const transport::TraceFileError& e = opened.error();
    const std::string source = from_option ? "--trace" : "SSCARD_TRACE";
    const std::string fix = from_option ? "give --trace a file in a folder that exists and that you can write"
                                        : "set SSCARD_TRACE to a file you can write, or unset it";
    if (e.kind == transport::TraceFileError::Kind::kMode) {
      char mode[16];
      std::snprintf(mode, sizeof mode, "%04o", e.mode);
      return SetupFailure{"the APDU trace " + file + " (" + source + ") can be read or written by others (mode " +
                          mode + "): make it owner-only (chmod 600 " + file + ") or choose another file"};
    }
    return SetupFailure{"cannot write the APDU trace " + file + " (" + source + "): " + std::strerror(e.error_number) +
                        "; " + fix};
  }
  trace.file = file;
  trace.show_identity = show_identity;
  trace.sink = std::move(opened).value();
  return {};
}

void trace_card(transport::Transport& card) {
  RunTrace& trace = run_trace();
  if (!trace.sink) return;
  card.set_trace(trace.sink.get());
  card.set_redactor(trace.show_identity ? &transport::identity_showing_redactor() : nullptr);
}

void trace_psam(transport::Transport& psam) {
  RunTrace& trace = run_trace();
  if (trace.sink) psam.set_trace(trace.sink.get());
}

}  // namespace sscard::app

// A trace appended to a file that only its owner may read (mode 0600): the one way both sscard (--trace,
// SSCARD_TRACE) and libsscard_iface (SSCARD_TRACE) write traces. Each exchange is flushed as it is traced,
// so what a program killed mid-command sent is on disk.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>

#include "sscard/core/result.h"
#include "sscard/transport/trace.h"

namespace sscard::transport {

struct TraceFileError {
  enum class Kind : std::uint8_t {
    kOpen,  // the file cannot be opened or created for appending (errno in `error_number`)
    kMode,  // the file exists and its mode lets the group or others in (`mode`): nothing was written
  };
  Kind kind = Kind::kOpen;
  int error_number = 0;
  unsigned mode = 0;  // kMode: the file's permission bits
};

class TraceFile final : public TraceSink {
 public:
  // Opens `path` for appending, creating it with mode 0600. An existing regular file whose mode lets the
  // group or others in is refused (kMode), not changed: a mistyped path must not alter another file's
  // permissions, and a trace written there could be read by others. A terminal, pipe or /dev/null is
  // written as it is.
  static Result<std::unique_ptr<TraceFile>, TraceFileError> open(const char* path);

  ~TraceFile() override;
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;

  void on_exchange(const TraceRecord& record) override;

 private:
  explicit TraceFile(std::FILE* file) : file_(file), text_(file) {}

  std::FILE* file_;
  TextTrace text_;
};

}  // namespace sscard::transport

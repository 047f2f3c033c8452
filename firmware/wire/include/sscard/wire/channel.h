// How a sealed message reaches the next hop and its answer comes back: one exchange = one whole wire message
// out (LEN + frame + MAC) and one whole wire message in. Implemented over TCP (tcp.h) and, for in-process
// worlds, by a function call (FunctionChannel).
#pragma once

#include <chrono>
#include <functional>
#include <utility>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::wire {

class Channel {
 public:
  virtual ~Channel() = default;
  // Sends `message` and returns the whole answer message (LEN included). kTimeout: no complete answer within
  // `timeout` (the request may or may not have been applied); kReaderUnavailable is never used here:
  // kIo for a connection that cannot be made or breaks (nothing known either); kMalformed for a bad LEN.
  virtual Result<Bytes> exchange(ByteSpan message, std::chrono::milliseconds timeout) = 0;
};

// An in-process hop: calls `handler` with the message and returns what it returns.
class FunctionChannel final : public Channel {
 public:
  using Handler = std::function<Result<Bytes>(ByteSpan message)>;
  explicit FunctionChannel(Handler handler) : handler_(std::move(handler)) {}
  Result<Bytes> exchange(ByteSpan message, std::chrono::milliseconds) override { return handler_(message); }

 private:
  Handler handler_;
};

}  // namespace sscard::wire

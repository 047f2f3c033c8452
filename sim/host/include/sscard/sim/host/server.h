// Serving a host or the hub over TCP (docs/HOST-PROTOCOL.md "Framing"): connections are kept open for many
// messages, one at a time each; the accepting thread watches the idle ones and hands a connection with a
// message to a small pool of worker threads, so an idle kept-open connection holds no worker.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include "sscard/core/bytes.h"
#include "sscard/core/status.h"
#include "sscard/wire/tcp.h"

namespace sscard::sim::host {

// One whole message (LEN + frame + MAC) in, the whole answer out; an empty answer closes the connection.
using MessageHandler = std::function<Bytes(ByteSpan message)>;

struct ServeOptions {
  // A kept-open connection that sends nothing for this long is closed.
  std::chrono::milliseconds idle_timeout{30'000};
  // Once a message has begun: time to read the rest of it; and time to write an answer.
  std::chrono::milliseconds io_timeout{10'000};
  // How often waiting threads look at `stop`.
  std::chrono::milliseconds poll_interval{50};
};

// Accepts connections on `listener` and answers every message on them with `handler` from `threads`
// worker threads, until `stop` becomes true; then closes every connection, joins its threads and returns
// kOk. A LEN outside 20..65536, a message not complete in time or a peer that closes ends that connection
// without an answer. kInvalidArgument: threads < 1 or no handler (nothing served). kIo: accepting failed
// (the listener is broken); the workers are stopped and joined first.
Status serve(sscard::wire::Listener& listener, MessageHandler handler, std::atomic<bool>& stop, int threads,
             ServeOptions options = {});

}  // namespace sscard::sim::host

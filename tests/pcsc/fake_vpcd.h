// The vpcd side of the vicc protocol, played by the test: listens on an ephemeral localhost port, accepts
// the bridge, sends framed messages and reads framed answers (u16 big-endian length + payload).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "sscard/core/bytes.h"

namespace sscard::testing {

class FakeVpcd {
 public:
  FakeVpcd();  // listens on 127.0.0.1:0
  ~FakeVpcd();
  FakeVpcd(const FakeVpcd&) = delete;
  FakeVpcd& operator=(const FakeVpcd&) = delete;

  std::uint16_t port() const { return port_; }

  // Waits for the bridge to connect (closing any earlier connection). False on timeout.
  bool accept(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void close_connection();
  void close_listener();

  bool send_frame(ByteSpan payload);
  // The next framed message from the bridge; nullopt on timeout or closed connection.
  std::optional<Bytes> receive_frame(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True if the bridge closed the connection within `timeout`.
  bool peer_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Bytes that arrived without being asked for within `timeout` (expected: none).
  std::size_t unsolicited_bytes(std::chrono::milliseconds timeout);

 private:
  bool read_exactly(std::uint8_t* out, std::size_t size, std::chrono::steady_clock::time_point deadline);

  int listener_ = -1;
  int connection_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace sscard::testing

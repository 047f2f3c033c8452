// The protocol's TCP transport: LEN-framed messages over loopback or network sockets (POSIX).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>
#include <string>
#include <string_view>
#include <utility>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/wire/channel.h"

namespace sscard::wire {

// "HOST:PORT" (IPv4 or a name resolvable by getaddrinfo). kInvalidArgument if it does not parse.
struct Address {
  std::string host;
  std::uint16_t port = 0;
  static Result<Address> parse(std::string_view text);
  std::string to_string() const;
};

// Reads one whole message (LEN + frame) from a connected socket before `deadline`.
// kTimeout, kIo (closed or failed), kMalformed (LEN outside 20..65536).
Result<Bytes> read_message(int fd, std::chrono::steady_clock::time_point deadline);
// Writes one whole message with one send() loop (MSG_NOSIGNAL). kIo, kTimeout.
Status write_message(int fd, ByteSpan message, std::chrono::steady_clock::time_point deadline);

// A client hop over kept-open connections (HOST-PROTOCOL.md "Framing"): each exchange takes an idle connection
// (or opens one, TCP_NODELAY), carries one message each way on it, and puts it back for the next exchange; up
// to kMaxIdle connections are kept, so concurrent callers each have their own. The connect counts against the
// timeout (kTimeout); a refused or unresolvable destination is kIo. When the peer has closed a kept connection
// (its idle timeout, a restart), the exchange notices before sending or by the close arriving before any byte
// of the answer; it then opens one new connection and sends the same message once more on it (a request that
// may have reached the peer is safe to repeat: its idempotency key makes it so). Thread-safe.
class TcpChannel final : public Channel {
 public:
  static constexpr std::size_t kMaxIdle = 64;

  explicit TcpChannel(Address to) : to_(std::move(to)) {}
  TcpChannel(const TcpChannel&) = delete;
  TcpChannel& operator=(const TcpChannel&) = delete;
  ~TcpChannel() override;

  Result<Bytes> exchange(ByteSpan message, std::chrono::milliseconds timeout) override;

  // Connections opened so far and connections idle now (for tests and monitoring).
  std::size_t connections_opened() const;
  std::size_t idle_connections() const;

 private:
  Result<int> connect(std::chrono::steady_clock::time_point deadline);
  int take_idle();
  void put_idle(int fd);

  Address to_;
  mutable std::mutex mutex_;
  std::vector<int> idle_;
  std::size_t opened_ = 0;
};

// Why a listening socket could not be made: kInvalidArgument when the host does not resolve to an IPv4
// address, kIo when the socket cannot be made, bound or listen; `os_error` is the errno of the failing call
// (EADDRINUSE: another program listens on the port).
struct ListenError {
  Error code = Error::kIo;
  int os_error = 0;
  // "the address is already in use", "host name does not resolve", ...
  std::string reason() const;
};

// A listening socket (SO_REUSEADDR). Port 0 picks a free port; port() tells which.
// close() must not race with a concurrent accept() on the same Listener.
class Listener {
 public:
  static Result<Listener, ListenError> bind(const Address& at);
  Listener(Listener&& other) noexcept;
  Listener& operator=(Listener&& other) noexcept;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener();

  std::uint16_t port() const { return port_; }
  int fd() const { return fd_; }
  // Waits up to `timeout` for a connection; kTimeout if none. The caller owns (and closes) the returned fd.
  Result<int> accept(std::chrono::milliseconds timeout);
  void close();

 private:
  Listener(int fd, std::uint16_t port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace sscard::wire

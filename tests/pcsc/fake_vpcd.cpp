#include "fake_vpcd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sscard::testing {
namespace {

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

FakeVpcd::FakeVpcd() {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  listen(listener_, 4);
  socklen_t length = sizeof address;
  getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
}

FakeVpcd::~FakeVpcd() {
  close_connection();
  close_listener();
}

void FakeVpcd::close_connection() {
  if (connection_ >= 0) close(connection_);
  connection_ = -1;
}

void FakeVpcd::close_listener() {
  if (listener_ >= 0) close(listener_);
  listener_ = -1;
}

bool FakeVpcd::accept(std::chrono::milliseconds timeout) {
  close_connection();
  pollfd fds[1] = {{listener_, POLLIN, 0}};
  if (poll(fds, 1, static_cast<int>(timeout.count())) <= 0) return false;
  connection_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
  return connection_ >= 0;
}

bool FakeVpcd::send_frame(ByteSpan payload) {
  Bytes frame{static_cast<std::uint8_t>(payload.size() >> 8), static_cast<std::uint8_t>(payload.size() & 0xFF)};
  frame.insert(frame.end(), payload.begin(), payload.end());
  return send(connection_, frame.data(), frame.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(frame.size());
}

bool FakeVpcd::read_exactly(std::uint8_t* out, std::size_t size, std::chrono::steady_clock::time_point deadline) {
  std::size_t done = 0;
  while (done < size) {
    pollfd fds[1] = {{connection_, POLLIN, 0}};
    if (poll(fds, 1, remaining_ms(deadline)) <= 0) return false;
    const ssize_t n = recv(connection_, out + done, size - done, 0);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<Bytes> FakeVpcd::receive_frame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::uint8_t header[2];
  if (!read_exactly(header, 2, deadline)) return std::nullopt;
  Bytes payload(static_cast<std::size_t>(header[0] << 8 | header[1]));
  if (!payload.empty() && !read_exactly(payload.data(), payload.size(), deadline)) return std::nullopt;
  return payload;
}

bool FakeVpcd::peer_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    pollfd fds[1] = {{connection_, POLLIN, 0}};
    if (poll(fds, 1, remaining_ms(deadline)) <= 0) return false;
    std::uint8_t byte = 0;
    const ssize_t n = recv(connection_, &byte, 1, 0);
    if (n <= 0) return true;
  }
}

std::size_t FakeVpcd::unsolicited_bytes(std::chrono::milliseconds timeout) {
  pollfd fds[1] = {{connection_, POLLIN, 0}};
  if (poll(fds, 1, static_cast<int>(timeout.count())) <= 0) return 0;
  std::uint8_t buffer[256];
  const ssize_t n = recv(connection_, buffer, sizeof buffer, MSG_DONTWAIT);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace sscard::testing

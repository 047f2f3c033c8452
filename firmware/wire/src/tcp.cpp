#include "sscard/wire/tcp.h"

#include <arpa/inet.h>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "sscard/wire/wire.h"

namespace sscard::wire {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kLenSize = 4;
constexpr std::uint32_t kMinLen = 20;  // HOST-PROTOCOL.md "Framing": 20 <= LEN <= 65536

// Closes a descriptor on every path out of a scope unless released.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    // close() is not retried on EINTR: on Linux the descriptor is released anyway.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

struct AddrInfoFree {
  void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};
using AddrInfo = std::unique_ptr<addrinfo, AddrInfoFree>;

Result<AddrInfo> resolve(const Address& a, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  const std::string port = std::to_string(a.port);
  addrinfo* out = nullptr;
  if (::getaddrinfo(a.host.c_str(), port.c_str(), &hints, &out) != 0 || out == nullptr) return Error::kNotFound;
  return AddrInfo(out);
}

// Milliseconds left until `deadline` for poll(), rounded up so that a poll never returns just before it; 0 once
// it has passed.
int poll_ms(Clock::time_point deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<decltype(ms)>(ms, INT_MAX));
}

// Waits for `events` on `fd` until `deadline`. kTimeout when it passes first, kIo on poll failure.
Status wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    const int ms = poll_ms(deadline);
    if (ms == 0) return Error::kTimeout;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, ms);
    if (r > 0) return kOk;  // readable, writable, or an error/hangup that the next call will report
    if (r < 0 && errno != EINTR) return Error::kIo;
  }
}

// `received` counts the bytes that arrived, so that a caller can tell a connection closed before any byte.
Status read_exact(int fd, std::uint8_t* out, std::size_t size, Clock::time_point deadline, std::size_t& received) {
  std::size_t done = 0;
  while (done < size) {
    SSCARD_TRY(wait_for(fd, POLLIN, deadline));
    const ssize_t r = ::recv(fd, out + done, size - done, MSG_DONTWAIT);
    if (r > 0) {
      done += static_cast<std::size_t>(r);
      received += static_cast<std::size_t>(r);
    } else if (r == 0) {
      return Error::kIo;  // closed by the peer
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return Error::kIo;
    }
  }
  return kOk;
}

void set_nodelay(int fd) {
  const int one = 1;
  // Best effort: without it messages still arrive, only later.
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A non-blocking connect to one resolved address, finished within `deadline`.
Status connect_one(const addrinfo& ai, Clock::time_point deadline, Fd& out) {
  Fd fd(::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (fd.get() < 0) return Error::kIo;
  set_nodelay(fd.get());
  if (::connect(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) return Error::kIo;
    SSCARD_TRY(wait_for(fd.get(), POLLOUT, deadline));
    int error = 0;
    socklen_t len = sizeof error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) return Error::kIo;
  }
  out.reset(fd.release());
  return kOk;
}

}  // namespace

Result<Address> Address::parse(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return Error::kInvalidArgument;
  const std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.find(':') != std::string_view::npos) return Error::kInvalidArgument;  // IPv4 or names only
  if (port.empty() || port.size() > 5) return Error::kInvalidArgument;
  std::uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return Error::kInvalidArgument;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > 65535) return Error::kInvalidArgument;
  return Address{std::string(host), static_cast<std::uint16_t>(value)};
}

std::string Address::to_string() const { return host + ":" + std::to_string(port); }

namespace {

Result<Bytes> read_counting(int fd, Clock::time_point deadline, std::size_t& received) {
  Bytes out(kLenSize);
  SSCARD_TRY(read_exact(fd, out.data(), kLenSize, deadline, received));
  const std::uint32_t len = (std::uint32_t{out[0]} << 24) | (std::uint32_t{out[1]} << 16) |
                            (std::uint32_t{out[2]} << 8) | std::uint32_t{out[3]};
  if (len < kMinLen || len > kMaxFrameSize) return Error::kMalformed;
  out.resize(kLenSize + len);
  SSCARD_TRY(read_exact(fd, out.data() + kLenSize, len, deadline, received));
  return out;
}

// A kept connection that shows something to read between exchanges has been closed by the peer (or holds
// bytes nobody asked for): either way it cannot carry the next exchange.
bool still_open(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

}  // namespace

Result<Bytes> read_message(int fd, Clock::time_point deadline) {
  std::size_t received = 0;
  return read_counting(fd, deadline, received);
}

Status write_message(int fd, ByteSpan message, Clock::time_point deadline) {
  std::size_t done = 0;
  while (done < message.size()) {
    SSCARD_TRY(wait_for(fd, POLLOUT, deadline));
    // MSG_DONTWAIT keeps a blocking descriptor from outliving the deadline; MSG_NOSIGNAL turns a closed
    // peer into EPIPE instead of SIGPIPE.
    const ssize_t r = ::send(fd, message.data() + done, message.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r >= 0) {
      done += static_cast<std::size_t>(r);
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return Error::kIo;
    }
  }
  return kOk;
}

TcpChannel::~TcpChannel() {
  for (int fd : idle_) ::close(fd);
}

std::size_t TcpChannel::connections_opened() const {
  std::lock_guard lock(mutex_);
  return opened_;
}

std::size_t TcpChannel::idle_connections() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

Result<int> TcpChannel::connect(Clock::time_point deadline) {
  auto resolved = resolve(to_, false);
  if (!resolved.ok()) return Error::kIo;
  Fd fd;
  Status last = Error::kIo;
  for (const addrinfo* ai = resolved->get(); ai != nullptr && fd.get() < 0; ai = ai->ai_next) {
    last = connect_one(*ai, deadline, fd);
    if (last == Error::kTimeout) break;
  }
  if (fd.get() < 0) return last;
  std::lock_guard lock(mutex_);
  ++opened_;
  return fd.release();
}

// The most recently used idle connection that is still open, or -1.
int TcpChannel::take_idle() {
  while (true) {
    int fd = -1;
    {
      std::lock_guard lock(mutex_);
      if (idle_.empty()) return -1;
      fd = idle_.back();
      idle_.pop_back();
    }
    if (still_open(fd)) return fd;
    ::close(fd);
  }
}

void TcpChannel::put_idle(int fd) {
  {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdle) {
      idle_.push_back(fd);
      return;
    }
  }
  ::close(fd);
}

Result<Bytes> TcpChannel::exchange(ByteSpan message, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Fd fd(take_idle());
  bool reused = fd.get() >= 0;
  while (true) {
    if (fd.get() < 0) {
      auto made = connect(deadline);
      if (!made.ok()) return made.status();
      fd.reset(*made);
    }
    std::size_t received = 0;
    Status sent = write_message(fd.get(), message, deadline);
    Result<Bytes> answer = sent.ok() ? read_counting(fd.get(), deadline, received) : Result<Bytes>(sent);
    if (answer.ok()) {
      put_idle(fd.release());
      return answer;
    }
    // A kept connection the peer had closed: once more on a new one. A fresh connection's failure is final.
    if (!reused || answer.status() != Error::kIo || received > 0) return answer.status();
    fd.reset();
    reused = false;
  }
}

std::string ListenError::reason() const {
  if (code == Error::kInvalidArgument) return "the host name does not resolve to an IPv4 address";
  if (os_error == EADDRINUSE) return "the address is already in use (another program listens on that port)";
  if (os_error == EACCES) return "permission denied (ports below 1024 need privileges)";
  if (os_error == EADDRNOTAVAIL) return "the address is not one of this machine's";
  return os_error != 0 ? std::string(std::strerror(os_error)) : std::string("the socket cannot be made");
}

Result<Listener, ListenError> Listener::bind(const Address& at) {
  auto resolved = resolve(at, true);
  if (!resolved.ok()) return ListenError{Error::kInvalidArgument, 0};
  const addrinfo& ai = *resolved->get();
  const auto failed = [] { return ListenError{Error::kIo, errno}; };
  Fd fd(::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (fd.get() < 0) return failed();
  const int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return failed();
  if (::bind(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0) return failed();
  if (::listen(fd.get(), SOMAXCONN) != 0) return failed();
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) != 0) return failed();
  return Listener(fd.release(), ntohs(bound.sin_port));
}

Listener::Listener(Listener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(std::exchange(other.port_, 0)) {}

Listener& Listener::operator=(Listener&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    port_ = std::exchange(other.port_, 0);
  }
  return *this;
}

Listener::~Listener() { close(); }

Result<int> Listener::accept(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return Error::kIo;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    SSCARD_TRY(wait_for(fd_, POLLIN, deadline));
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      set_nodelay(fd);
      return fd;
    }
    // The connection may have gone between poll() and accept(), or a signal arrived: wait again.
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED) return Error::kIo;
  }
}

void Listener::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace sscard::wire

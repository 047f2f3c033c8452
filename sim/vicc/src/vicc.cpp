#include "sscard/sim/vicc.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "sscard/hal/contactless_atr.h"

namespace sscard::sim {
namespace {

// vpcd control messages (vsmartcard vpcd.h: VPCD_CTRL_OFF / ON / RESET / ATR).
constexpr std::uint8_t kCtrlPowerOff = 0x00;
constexpr std::uint8_t kCtrlPowerOn = 0x01;
constexpr std::uint8_t kCtrlReset = 0x02;
constexpr std::uint8_t kCtrlGetAtr = 0x04;

constexpr std::size_t kMaxFrame = 0xFFFF;  // the length prefix is a u16
constexpr int kConnectTimeoutMs = 2000;

// TS = 3B, T0 = 00: direct convention, no interface or historical bytes (ISO/IEC 7816-3 8.2). Answered
// only if a card returns an empty ATR, because an empty get-ATR answer stalls vpcd's slot.
constexpr std::uint8_t kFallbackAtr[] = {0x3B, 0x00};
// ISO/IEC 7816-4 5.6: 6F00 "no precise diagnosis", for a response the link cannot carry.
constexpr std::uint8_t kNoPreciseDiagnosis[] = {0x6F, 0x00};

void set_int_option(int fd, int level, int name, int value) {
  // Best effort: these options tune latency; the protocol works without them.
  (void)setsockopt(fd, level, name, &value, sizeof value);
}

void drain(int event_fd) {
  std::uint64_t value = 0;
  while (read(event_fd, &value, sizeof value) > 0) {
  }
}

}  // namespace

ViccBridge::ViccBridge(std::shared_ptr<Card> card, ViccOptions options)
    : card_(std::move(card)), options_(std::move(options)) {
  event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  frame_.reserve(kMaxFrame + 2);
}

ViccBridge::~ViccBridge() {
  if (socket_ >= 0) close(socket_);
  if (event_fd_ >= 0) close(event_fd_);
}

void ViccBridge::request(unsigned bits) {
  requests_.fetch_or(bits);
  if (event_fd_ >= 0) {
    const std::uint64_t one = 1;
    // Async-signal-safe; a full counter (never in practice) still leaves the fd readable.
    (void)!write(event_fd_, &one, sizeof one);
  }
}

void ViccBridge::stop() { request(kStop); }
void ViccBridge::pull_card() { request(kPull); }
void ViccBridge::insert_card() { request(kInsert); }

void ViccBridge::note(std::string_view line) const {
  if (options_.log) options_.log(line);
}

bool ViccBridge::handle_requests() {
  const unsigned bits = requests_.exchange(0);
  if ((bits & kStop) != 0) {
    disconnect("stopped");
    return true;
  }
  if ((bits & kPull) != 0) {
    inserted_ = false;
    pulled_at_ = std::chrono::steady_clock::now();
    disconnect("card pulled");
  }
  if ((bits & kInsert) != 0 && !inserted_) {
    inserted_ = true;
    note("card inserted");
  }
  return false;
}

void ViccBridge::disconnect(std::string_view why) {
  if (socket_ < 0) return;
  close(socket_);
  socket_ = -1;
  connected_.store(false);
  // Leaving the reader cuts the card's power.
  if (card_->powered()) card_->power_off();
  note(std::string("disconnected: ") + std::string(why));
}

bool ViccBridge::idle(std::chrono::milliseconds delay) {
  if (requests_.load() != 0) return handle_requests();
  pollfd fds[1] = {{event_fd_, POLLIN, 0}};
  const int timeout = static_cast<int>(std::min<std::chrono::milliseconds::rep>(delay.count(), 3600000));
  (void)poll(fds, 1, timeout);
  drain(event_fd_);
  return handle_requests();
}

Status ViccBridge::connect_once() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  if (getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return Error::kInvalidArgument;
  }
  Status result = Error::kIo;
  for (addrinfo* ai = found; ai != nullptr && socket_ < 0; ai = ai->ai_next) {
    const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd fds[2] = {{fd, POLLOUT, 0}, {event_fd_, POLLIN, 0}};
      rc = poll(fds, 2, kConnectTimeoutMs);
      int error = ETIMEDOUT;
      if (rc > 0 && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
        socklen_t length = sizeof error;
        (void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      } else if (rc > 0) {
        error = EINTR;  // a request arrived; the caller looks at it
      }
      rc = error == 0 ? 0 : -1;
    }
    if (rc != 0) {
      close(fd);
      continue;
    }
    // One framed message per send() and no delayed ACK: without these every exchange waits ~48 ms.
    set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    set_int_option(fd, IPPROTO_TCP, TCP_QUICKACK, 1);
    socket_ = fd;
    result = kOk;
  }
  freeaddrinfo(found);
  return result;
}

bool ViccBridge::receive_exactly(MutableByteSpan out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = recv(socket_, out.data() + done, out.size() - done, 0);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      // Linux clears TCP_QUICKACK on its own; re-arm it so vpcd's split writes are acknowledged at once.
      set_int_option(socket_, IPPROTO_TCP, TCP_QUICKACK, 1);
      continue;
    }
    if (n == 0) return false;  // vpcd closed the connection
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    pollfd fds[2] = {{socket_, POLLIN, 0}, {event_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return false;
    if ((fds[1].revents & POLLIN) != 0) {
      drain(event_fd_);
      // Stop and pull end the connection; insert can wait for the end of the message.
      if ((requests_.load() & (kStop | kPull)) != 0) return false;
    }
  }
  return true;
}

bool ViccBridge::send_frame(ByteSpan payload) {
  if (payload.size() > kMaxFrame) payload = kNoPreciseDiagnosis;
  frame_.clear();
  frame_.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  frame_.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
  frame_.insert(frame_.end(), payload.begin(), payload.end());
  std::size_t done = 0;
  while (done < frame_.size()) {
    // The whole frame in one call (see the header: delayed ACK); loop only if the kernel took part of it.
    const ssize_t n = send(socket_, frame_.data() + done, frame_.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd fds[1] = {{socket_, POLLOUT, 0}};
      if (poll(fds, 1, kConnectTimeoutMs) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool ViccBridge::serve_one_message() {
  std::uint8_t header[2];
  if (!receive_exactly(header)) return false;
  const std::size_t length = static_cast<std::size_t>(header[0] << 8 | header[1]);
  message_.resize(length);
  if (length > 0 && !receive_exactly(message_)) return false;

  if (length == 0) return true;
  if (length == 1) {
    switch (message_[0]) {
      case kCtrlPowerOff:
        card_->power_off();
        return true;
      case kCtrlPowerOn:
      case kCtrlReset: {
        // Card::power_on is a cold reset, which is what vpcd's reset asks for; in a field, the card is
        // activated again (its ATR stays the one built from its ATS at the start).
        if (options_.contactless) {
          (void)card_->activate_contactless();
          return true;
        }
        Bytes atr = card_->power_on();
        if (!atr.empty()) atr_ = std::move(atr);
        return true;
      }
      case kCtrlGetAtr:
        // Asked every ~400 ms, powered or not: always a non-empty ATR.
        return send_frame(atr_);
      default:
        return true;  // vpcd expects no answer to other controls
    }
  }

  Bytes response;
  try {
    response = card_->process(message_);
  } catch (...) {
    // A simulator fault must not take the reader down; the terminal sees a card error.
    note("card raised an error while processing a command");
    response.assign(std::begin(kNoPreciseDiagnosis), std::end(kNoPreciseDiagnosis));
  }
  // Pulled while it was working: the card left the reader before it could answer.
  if ((requests_.load() & (kStop | kPull)) != 0) return false;
  // Counted before sending, so that whoever has the response also sees the count.
  apdus_served_.fetch_add(1);
  // An unpowered card answers nothing; the empty frame makes the terminal see a mute card.
  return send_frame(response);
}

Status ViccBridge::run() {
  if (event_fd_ < 0) return Error::kIo;
  if (atr_.empty() && options_.contactless) {
    // The ATR a PC/SC reader builds from the card's ATS; a card silent in the field has none to present.
    const Bytes ats = card_->activate_contactless();
    card_->power_off();
    Result<Bytes> atr = hal::pcsc_atr_from_ats(ats);
    if (ats.empty() || !atr.ok()) {
      note("the card has no contactless interface");
      return Error::kUnsupported;
    }
    atr_ = std::move(atr).value();
  }
  if (atr_.empty()) {
    // The ATR is a fixed property of the card; learn it once so get-ATR works while unpowered.
    atr_ = card_->power_on();
    card_->power_off();
    if (atr_.empty()) atr_.assign(std::begin(kFallbackAtr), std::end(kFallbackAtr));
  }
  std::chrono::milliseconds backoff = options_.reconnect_initial;
  bool refused_noted = false;
  for (;;) {
    if (requests_.load() != 0 && handle_requests()) return kOk;
    if (!inserted_) {
      if (idle(std::chrono::hours(1))) return kOk;
      continue;
    }
    if (socket_ < 0) {
      if (const auto out_until = pulled_at_ + kMinimumTimeOut; std::chrono::steady_clock::now() < out_until) {
        // Let pcscd's presence poll see the empty slot first (see kMinimumTimeOut).
        if (idle(std::chrono::duration_cast<std::chrono::milliseconds>(out_until - std::chrono::steady_clock::now()) +
                 std::chrono::milliseconds(1))) {
          return kOk;
        }
        continue;
      }
      const Status status = connect_once();
      if (status == Error::kInvalidArgument) {
        note("cannot resolve " + options_.host);
        return status;
      }
      if (!status.ok()) {
        if (!refused_noted) note("vpcd not reachable; retrying");
        refused_noted = true;
        if (idle(backoff)) return kOk;
        backoff = std::min(backoff * 2, options_.reconnect_max);
        continue;
      }
      refused_noted = false;
      backoff = options_.reconnect_initial;
      if (card_->powered()) card_->power_off();  // a freshly inserted card is unpowered
      connected_.store(true);
      connections_.fetch_add(1);
      note("connected to " + options_.host + ":" + std::to_string(options_.port));
    }
    if (!serve_one_message()) {
      if ((requests_.load() & (kStop | kPull)) == 0) disconnect("vpcd closed the connection");
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The `sscard vicc` command.

namespace {

std::atomic<ViccBridge*> g_signal_bridge{nullptr};

extern "C" void vicc_signal_handler(int signal_number) {
  ViccBridge* bridge = g_signal_bridge.load();
  if (bridge == nullptr) return;
  switch (signal_number) {
    case SIGUSR1:
      bridge->pull_card();
      break;
    case SIGUSR2:
      bridge->insert_card();
      break;
    default:
      bridge->stop();
      break;
  }
}

}  // namespace

int run_vicc_command(const ViccOptions& options, std::shared_ptr<Card> card) {
  if (!card) return 2;
  ViccOptions with_log = options;
  if (!with_log.log) {
    with_log.log = [](std::string_view line) {
      std::fprintf(stderr, "vicc: %.*s\n", static_cast<int>(line.size()), line.data());
    };
  }
  ViccBridge bridge(std::move(card), std::move(with_log));
  g_signal_bridge.store(&bridge);

  constexpr int kSignals[] = {SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
  struct sigaction previous[std::size(kSignals)] = {};
  struct sigaction action = {};
  action.sa_handler = vicc_signal_handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (std::size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &action, &previous[i]);

  const Status status = bridge.run();

  for (std::size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &previous[i], nullptr);
  g_signal_bridge.store(nullptr);
  if (status.ok()) return 0;
  return status == Error::kInvalidArgument ? 2 : 1;
}

}  // namespace sscard::sim

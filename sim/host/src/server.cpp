#include "sscard/sim/host/server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "sscard/core/test_point.h"

namespace sscard::sim::host {
namespace {

using Clock = std::chrono::steady_clock;

// Accepted connections waiting for a worker.
class Queue {
 public:
  void push(int fd) {
    {
      std::lock_guard lock(mutex_);
      fds_.push_back(fd);
    }
    ready_.notify_one();
  }
  // The next connection, or -1 once closed.
  int pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return closed_ || !fds_.empty(); });
    if (closed_) return -1;
    const int fd = fds_.front();
    fds_.pop_front();
    return fd;
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      for (int fd : fds_) ::close(fd);
      fds_.clear();
    }
    ready_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<int> fds_;
  bool closed_ = false;
};

// One message of a connection that has something to read: read it, answer it. False when the connection must
// close (closed, late or bad LEN, no answer, a write that fails).
bool serve_one(int fd, const MessageHandler& handler, const ServeOptions& options) {
  auto message = sscard::wire::read_message(fd, Clock::now() + options.io_timeout);
  if (!message.ok()) return false;
  test_point::pass("server-receive");
  Bytes answer;
  try {
    answer = handler(*message);
  } catch (const std::exception&) {
    return false;
  }
  if (answer.empty()) return false;
  test_point::pass("server-answer");
  return sscard::wire::write_message(fd, answer, Clock::now() + options.io_timeout).ok();
}

// Connections that wait for their next message, watched by the accepting thread (a kept-open connection holds
// no worker while it is idle). Workers hand connections back through `returned` and a byte on the wake pipe.
class IdleSet {
 public:
  IdleSet() {
    if (::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  }
  IdleSet(const IdleSet&) = delete;
  IdleSet& operator=(const IdleSet&) = delete;
  ~IdleSet() {
    for (const auto& [fd, deadline] : idle_) ::close(fd);
    for (int fd : returned_) ::close(fd);
    for (int fd : wake_) {
      if (fd >= 0) ::close(fd);
    }
  }
  bool ok() const { return wake_[0] >= 0; }

  // From a worker: the connection waits for its next message again.
  void give_back(int fd) {
    {
      std::lock_guard lock(mutex_);
      returned_.push_back(fd);
    }
    const char byte = 1;
    (void)!::write(wake_[1], &byte, 1);  // a full pipe already wakes the poller
  }

  void add(int fd, Clock::time_point deadline) { idle_.emplace_back(fd, deadline); }

  // Waits up to `interval` for connections with something to read, new connections on `listen_fd` (accepted
  // into `accepted`) or returned ones; returns the readable connections, closes the expired ones.
  Status wait(int listen_fd, std::chrono::milliseconds interval, std::chrono::milliseconds idle_timeout,
              std::vector<int>& readable) {
    readable.clear();
    std::vector<pollfd> fds;
    fds.reserve(idle_.size() + 2);
    fds.push_back(pollfd{listen_fd, POLLIN, 0});
    fds.push_back(pollfd{wake_[0], POLLIN, 0});
    for (const auto& [fd, deadline] : idle_) fds.push_back(pollfd{fd, POLLIN, 0});
    const int r = ::poll(fds.data(), fds.size(), static_cast<int>(interval.count()));
    if (r < 0 && errno != EINTR) return Error::kIo;
    const auto now = Clock::now();
    std::vector<std::pair<int, Clock::time_point>> still;
    still.reserve(idle_.size());
    for (std::size_t i = 0; i < idle_.size(); ++i) {
      if (r > 0 && fds[i + 2].revents != 0) {
        readable.push_back(idle_[i].first);
      } else if (idle_[i].second <= now) {
        ::close(idle_[i].first);  // idle too long
      } else {
        still.push_back(idle_[i]);
      }
    }
    idle_ = std::move(still);
    if (r > 0 && (fds[1].revents & POLLIN) != 0) {
      char drain[64];
      while (::read(wake_[0], drain, sizeof drain) > 0) {
      }
    }
    {
      std::lock_guard lock(mutex_);
      for (int fd : returned_) idle_.emplace_back(fd, now + idle_timeout);
      returned_.clear();
    }
    if (r > 0 && (fds[0].revents & POLLIN) != 0) {
      while (true) {
        const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          const int one = 1;
          (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          idle_.emplace_back(fd, now + idle_timeout);
          continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return Error::kIo;
      }
    }
    return kOk;
  }

 private:
  int wake_[2] = {-1, -1};
  std::vector<std::pair<int, Clock::time_point>> idle_;  // accepting thread only
  std::mutex mutex_;
  std::vector<int> returned_;
};

}  // namespace

Status serve(sscard::wire::Listener& listener, MessageHandler handler, std::atomic<bool>& stop, int threads,
             ServeOptions options) {
  if (threads < 1 || !handler) return Error::kInvalidArgument;
  if (listener.fd() < 0) return Error::kIo;
  IdleSet idle;
  if (!idle.ok()) return Error::kIo;
  Queue queue;
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      for (int fd = queue.pop(); fd >= 0; fd = queue.pop()) {
        if (serve_one(fd, handler, options)) idle.give_back(fd);
        else ::close(fd);
      }
    });
  }
  Status result = kOk;
  std::vector<int> readable;
  while (!stop.load()) {
    result = idle.wait(listener.fd(), options.poll_interval, options.idle_timeout, readable);
    if (!result.ok()) break;
    for (int fd : readable) queue.push(fd);
  }
  // Queued connections are closed; a message being answered is finished first.
  queue.close();
  for (std::thread& t : workers) t.join();
  return result;
}

}  // namespace sscard::sim::host

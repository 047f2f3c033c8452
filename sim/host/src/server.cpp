#include "sscard/sim/host/server.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

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

// Waits until `fd` has something to read (a message, or the peer's close), `stop` is set or the idle time
// is over. True when there is something to read.
bool wait_readable(int fd, const std::atomic<bool>& stop, const std::atomic<bool>& halt,
                   Clock::time_point idle_deadline, std::chrono::milliseconds poll_interval) {
  while (!stop.load() && !halt.load()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(idle_deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min(left, poll_interval).count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
  return false;
}

void serve_connection(int fd, const MessageHandler& handler, const std::atomic<bool>& stop,
                      const std::atomic<bool>& halt, const ServeOptions& options) {
  auto idle_deadline = Clock::now() + options.idle_timeout;
  while (wait_readable(fd, stop, halt, idle_deadline, options.poll_interval)) {
    auto message = sscard::wire::read_message(fd, Clock::now() + options.io_timeout);
    if (!message.ok()) break;  // closed, late, or a LEN out of range: no answer
    Bytes answer;
    try {
      answer = handler(*message);
    } catch (const std::exception&) {
      break;
    }
    if (answer.empty()) break;
    if (!sscard::wire::write_message(fd, answer, Clock::now() + options.io_timeout).ok()) break;
    idle_deadline = Clock::now() + options.idle_timeout;
  }
  ::close(fd);
}

}  // namespace

Status serve(sscard::wire::Listener& listener, MessageHandler handler, std::atomic<bool>& stop, int threads,
             ServeOptions options) {
  if (threads < 1 || !handler) return Error::kInvalidArgument;
  Queue queue;
  std::atomic<bool> halt{false};  // set when accepting fails, without touching the caller's `stop`
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      for (int fd = queue.pop(); fd >= 0; fd = queue.pop()) serve_connection(fd, handler, stop, halt, options);
    });
  }
  Status result = kOk;
  while (!stop.load()) {
    auto fd = listener.accept(options.poll_interval);
    if (fd.ok()) {
      queue.push(*fd);
    } else if (fd.status() != Error::kTimeout) {
      result = fd.status();
      break;
    }
  }
  // Connections being served end within one poll interval (between messages).
  halt.store(true);
  queue.close();
  for (std::thread& t : workers) t.join();
  return result;
}

}  // namespace sscard::sim::host

#include "sscard/wire/wire.h"

namespace sscard::wire {

// HOST-PROTOCOL.md "Replay protection": |timestamp - now| <= window, timestamp >= start - slack, and a
// (sender, nonce) pair seen once within the window. A pair is forgotten once its own frame would be stale, so
// a replay of it is refused by the time rule instead and memory stays bounded by the window.
std::optional<RefusalReason> ReplayGuard::check(const FrameHeader& header, std::uint64_t now) {
  const std::uint64_t t = header.timestamp_ms;
  if (t > now && t - now > kWindowMs) return RefusalReason::kStale;
  if (t < now && now - t > kWindowMs) return RefusalReason::kStale;
  if (start_ms_ > kStartSlackMs && t < start_ms_ - kStartSlackMs) return RefusalReason::kStale;

  std::lock_guard<std::mutex> lock(mutex_);
  prune(now);
  auto [it, inserted] = seen_.try_emplace({header.sender, header.nonce}, t);
  if (!inserted) return RefusalReason::kReplay;
  by_time_.emplace(t, it);
  return std::nullopt;
}

std::size_t ReplayGuard::remembered() {
  std::lock_guard<std::mutex> lock(mutex_);
  return seen_.size();
}

void ReplayGuard::prune(std::uint64_t now) {
  while (!by_time_.empty() && by_time_.begin()->first < now && now - by_time_.begin()->first > kWindowMs) {
    seen_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
}

}  // namespace sscard::wire

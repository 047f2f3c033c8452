// A TornTapStore in memory (tests, benchmarks, a terminal without a journal): one tap, forgotten 120 s after
// it was kept (CONTACTLESS.md §3.3). The clock is the caller's, so tests can move time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "sscard/pboc/qpboc.h"

namespace sscard::pboc {

class MemoryTornTapStore : public TornTapStore {
 public:
  static constexpr std::int64_t kKeepSeconds = 120;
  using Clock = std::function<std::int64_t()>;  // seconds, monotonic

  MemoryTornTapStore() : clock_(steady_seconds) {}
  explicit MemoryTornTapStore(Clock clock) : clock_(std::move(clock)) {}

  std::optional<TornTap> torn() override {
    if (tap_ && clock_() - kept_at_ > kKeepSeconds) tap_.reset();
    return tap_;
  }
  Status keep(const TornTap& tap) override {
    tap_ = tap;
    kept_at_ = clock_();
    ++keeps_;
    return kOk;
  }
  Status forget() override {
    tap_.reset();
    return kOk;
  }
  // keep() calls so far (tests check that a tap was journaled).
  std::size_t keeps() const { return keeps_; }

 private:
  static std::int64_t steady_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  Clock clock_;
  std::optional<TornTap> tap_;
  std::int64_t kept_at_ = 0;
  std::size_t keeps_ = 0;
};

}  // namespace sscard::pboc

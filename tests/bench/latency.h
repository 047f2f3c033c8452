// Request latencies of a multi-threaded benchmark: each benchmark thread records into its own vector, and
// thread 0 merges them after the loop (the loop's end is a barrier of all threads in Google Benchmark) into the
// p50_us and p99_us counters (nearest rank).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <vector>

namespace sscard::bench {

template <std::size_t MaxThreads>
class LatencyBook {
 public:
  // The calling thread's vector, emptied for this run.
  std::vector<double>& start(const benchmark::State& state) {
    auto& mine = latencies_us_[static_cast<std::size_t>(state.thread_index())];
    mine.clear();
    return mine;
  }

  // Thread 0 only: p50_us and p99_us over every thread's latencies.
  void report(benchmark::State& state) const {
    if (state.thread_index() != 0) return;
    std::vector<double> all;
    for (int t = 0; t < state.threads(); ++t) {
      const auto& mine = latencies_us_[static_cast<std::size_t>(t)];
      all.insert(all.end(), mine.begin(), mine.end());
    }
    std::sort(all.begin(), all.end());
    state.counters["p50_us"] = percentile(all, 0.50);
    state.counters["p99_us"] = percentile(all, 0.99);
  }

  static double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
  }

  template <typename Duration>
  static double micros(Duration d) {
    return std::chrono::duration<double, std::micro>(d).count();
  }

 private:
  std::array<std::vector<double>, MaxThreads> latencies_us_;
};

}  // namespace sscard::bench

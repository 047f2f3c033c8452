// Named points of a program's state-changing work (a journal write, a frame sent or received, a ledger commit)
// at which a crash test can end the process (docs/RELIABILITY.md, "Killed at every step"). Passing a point
// does nothing unless the program installed a hook: builds with the simulator do when SSCARD_TEST_CRASH_AT is
// set (sim/host crash_points.h); a board's binary never installs one.
#pragma once

#include <atomic>
#include <string_view>

namespace sscard::test_point {

using Hook = void (*)(std::string_view point);

inline std::atomic<Hook>& hook_slot() {
  static std::atomic<Hook> slot{nullptr};
  return slot;
}

inline void install(Hook hook) { hook_slot().store(hook, std::memory_order_release); }

inline void pass(std::string_view point) {
  if (Hook hook = hook_slot().load(std::memory_order_acquire)) hook(point);
}

}  // namespace sscard::test_point

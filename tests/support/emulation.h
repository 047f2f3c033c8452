// Tests of the kiosk-board builds run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR, passed to the test
// programs as SSCARD_TEST_EMULATOR), some 30 to 50 times slower than natively. Randomised tests that repeat
// a check many times take a tenth of their samples there: the native run covers the count, the emulated
// run shows the same code agrees on the board's architecture.
#pragma once

#include <cstdlib>

namespace sscard::test {

inline bool under_emulation() {
  const char* emulator = std::getenv("SSCARD_TEST_EMULATOR");
  return emulator != nullptr && emulator[0] != '\0';
}

// `count` natively, a tenth of it (at least 1) under emulation.
inline int samples(int count) { return under_emulation() ? (count + 9) / 10 : count; }

}  // namespace sscard::test

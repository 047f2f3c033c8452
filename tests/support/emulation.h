// Randomised tests that repeat a check many times take fewer samples where every run is slow:
// - kiosk-board builds run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR, passed to the test programs as
//   SSCARD_TEST_EMULATOR), some 30 to 50 times slower than natively: a tenth of the samples;
// - the AddressSanitizer build (CI's host suite, docs/TESTING.md) is some 5 to 8 times slower on big-number
//   arithmetic: a quarter of the samples.
// An unsanitized native run (preset default or ci) covers the full count; the others show the same code
// agrees on the board's architecture and under the sanitizers.
#pragma once

#include <cstdlib>

namespace sscard::test {

inline bool under_emulation() {
  const char* emulator = std::getenv("SSCARD_TEST_EMULATOR");
  return emulator != nullptr && emulator[0] != '\0';
}

constexpr bool under_address_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

// `count` natively, a tenth of it under emulation, a quarter of it under AddressSanitizer (at least 1).
inline int samples(int count) {
  if (under_emulation()) return (count + 9) / 10;
  if (under_address_sanitizer()) return (count + 3) / 4;
  return count;
}

}  // namespace sscard::test

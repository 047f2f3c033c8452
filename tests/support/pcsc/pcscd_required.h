// The one rule for tests that need a pcscd of their own (with the vpcd virtual reader) on a machine without it:
// a developer's run skips them, CI's fails them. CI sets SSCARD_REQUIRE_PCSCD=1 (the ci and asan test presets in
// CMakePresets.json), so a CI machine that lost pcscd or vpcd cannot pass by skipping every PC/SC test.
//
//   void SetUp() override {
//     SSCARD_SKIP_OR_FAIL_WITHOUT_PCSCD();
//     ...
//
// Header-only: usable from any test program that links sscard_pcsc_testing (tests/pcsc, the PcscdDaemon).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "pcscd_daemon.h"

namespace sscard::testing {

// The Debian packages that the pcscd tests need.
inline constexpr const char* kPcscdPackages = "pcscd vsmartcard-vpcd";

// True when the environment says a missing pcscd is a failure: SSCARD_REQUIRE_PCSCD=1.
inline bool pcscd_required() {
  const char* value = std::getenv("SSCARD_REQUIRE_PCSCD");
  return value != nullptr && std::string(value) == "1";
}

// "" when pcscd and the vpcd driver are installed; else one line saying what is missing and how to install it.
inline std::string pcscd_missing() {
  std::string what;
  if (PcscdDaemon::find_pcscd().empty()) what = "pcscd is not installed";
  else if (!vpcd_installed()) what = "the vpcd driver of pcscd is not installed";
  if (what.empty()) return "";
  return what + " (apt-get install " + kPcscdPackages + ")";
}

}  // namespace sscard::testing

// In a test's SetUp() or body: returns from it with a skip, or with a failure when SSCARD_REQUIRE_PCSCD=1, if
// pcscd or vpcd is missing; does nothing otherwise.
#define SSCARD_SKIP_OR_FAIL_WITHOUT_PCSCD()                                                                   \
  do {                                                                                                        \
    if (const std::string sscard_pcscd_missing_ = ::sscard::testing::pcscd_missing();                        \
        !sscard_pcscd_missing_.empty()) {                                                                     \
      if (::sscard::testing::pcscd_required()) {                                                              \
        GTEST_FAIL() << sscard_pcscd_missing_ << "; SSCARD_REQUIRE_PCSCD=1 makes this a failure";             \
      }                                                                                                       \
      GTEST_SKIP() << sscard_pcscd_missing_;                                                                  \
    }                                                                                                         \
  } while (false)

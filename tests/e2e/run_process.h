// Runs a program and captures what it prints, for tests of the command-line front end.
#pragma once

#include <string>
#include <vector>

namespace sscard::test {

struct ProcessOutput {
  int exit_code = -1;   // -1: did not exit normally (signal)
  std::string out;
  std::string err;
};

// Runs `argv[0]` (a path, or a name looked up in PATH) with the arguments, no shell involved, stdin closed.
ProcessOutput run_process(const std::vector<std::string>& argv);

// The sscard binary of this build.
std::string sscard_binary();

// `argv` behind the cross build's emulator when the tests run under qemu-user (SSCARD_TEST_EMULATOR, its
// words separated by commas, set by ctest for cross builds); `argv` unchanged otherwise.
std::vector<std::string> with_emulator(const std::vector<std::string>& argv);

}  // namespace sscard::test

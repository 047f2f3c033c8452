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

// Runs `argv[0]` with the arguments, no shell involved, stdin closed.
ProcessOutput run_process(const std::vector<std::string>& argv);

// The sscard binary of this build.
std::string sscard_binary();

}  // namespace sscard::test

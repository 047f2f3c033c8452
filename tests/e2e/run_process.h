// Runs a program and captures what it prints, for tests of the command-line programs (sscard, sscard-sim).
//
// Every program a test starts gets a ChildEnvironment, and a ChildEnvironment cannot exist without a state
// folder: sscard and sscard-sim keep simulated cards' memory, the simulated issuers' databases and the kiosk
// journal under $XDG_STATE_HOME/sscard, and cards remember between runs, so two tests sharing that folder
// would see each other's PIN changes and loss reports. Tests normally get theirs from ProgramTest
// (program_test.h), which makes a fresh folder per test.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sscard::test {

struct ProcessOutput {
  int exit_code = -1;   // -1: did not exit normally (signal)
  std::string out;
  std::string err;
};

// The environment of a started program: this test process's environment as it is when the program starts,
// with XDG_STATE_HOME set to `state_home` and SSCARD_CONFIG and SSCARD_CARDS_DIR removed (a developer's own
// kiosk configuration or cards folder must not leak into a test), then the changes made with set()/unset().
class ChildEnvironment {
 public:
  // `state_home` must be absolute (the XDG specification ignores a relative XDG_STATE_HOME).
  explicit ChildEnvironment(std::filesystem::path state_home);

  ChildEnvironment& set(const std::string& name, const std::string& value);
  ChildEnvironment& unset(const std::string& name);

  const std::filesystem::path& state_home() const { return state_home_; }
  // "NAME=value" entries for execve()/posix_spawn().
  std::vector<std::string> entries() const;

 private:
  std::filesystem::path state_home_;
  std::map<std::string, std::optional<std::string>> changes_;  // nullopt: removed
};

// Runs `argv[0]` (a path, or a name looked up in PATH) with the arguments in `environment`, no shell
// involved, stdin closed.
ProcessOutput run_process(const std::vector<std::string>& argv, const ChildEnvironment& environment);

// The sscard binary of this build (the kiosk terminal), or the program $SSCARD_E2E_SSCARD names (the tests
// run against another build, or a wrapper that breaks a behaviour on purpose to see a test fail).
std::string sscard_binary();
// The sscard-sim binary of this build (the test world: vicc, host, hub, demo, card, world, provision), or
// $SSCARD_E2E_SSCARD_SIM.
std::string sscard_sim_binary();

// `argv` behind the cross build's emulator when the tests run under qemu-user (SSCARD_TEST_EMULATOR, its
// words separated by commas, set by ctest for cross builds); `argv` unchanged otherwise.
std::vector<std::string> with_emulator(const std::vector<std::string>& argv);

// Pointers to the strings' characters, null-terminated, for exec: valid while `strings` lives.
std::vector<char*> exec_array(const std::vector<std::string>& strings);

}  // namespace sscard::test

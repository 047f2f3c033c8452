// The base of every end-to-end test that runs the programs (sscard, sscard-sim): each test gets a fresh
// temporary folder, and every program it runs or starts gets that folder's state/ as XDG_STATE_HOME. The
// programs keep simulated cards' memory (a changed or blocked PIN stays), the simulated issuers' databases
// and the kiosk's journal there, so tests must not share it. run() and start() are the only ways the
// fixture offers to run a program, and both pass the environment; a test that needs something else in it
// (SSCARD_CONFIG) changes environment().
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "background_process.h"
#include "run_process.h"

namespace sscard::test {

class ProgramTest : public ::testing::Test {
 protected:
  ProgramTest();
  ~ProgramTest() override;

  // The test's folder, for files it writes itself (configurations, profiles, journals, host databases).
  const std::filesystem::path& dir() const { return dir_; }
  // XDG_STATE_HOME of every program the test runs, and the programs' folder in it.
  const std::filesystem::path& state_home() const { return environment_.state_home(); }
  std::filesystem::path sscard_state() const { return state_home() / "sscard"; }

  ChildEnvironment& environment() { return environment_; }

  // Runs the program to its end.
  ProcessOutput run(const std::vector<std::string>& argv) const { return run_process(argv, environment_); }
  // Starts it in the background; it is stopped (SIGTERM, then SIGKILL) when the pointer goes.
  std::unique_ptr<BackgroundProcess> start(const std::vector<std::string>& argv) const {
    return std::make_unique<BackgroundProcess>(argv, environment_);
  }

 private:
  static std::filesystem::path make_temp_dir();

  std::filesystem::path dir_;
  ChildEnvironment environment_;
};

// Bundled data.
std::filesystem::path cards_dir();                 // cards/
std::string card(const std::string& name);         // cards/<name>.json
std::string psam(const std::string& name);         // cards/psam/<name>.json
std::string kiosk_config(const std::string& name); // cards/kiosks/<name>.json
std::vector<std::string> holder_profile_names();   // the stems of cards/*.json, sorted
std::string read_file(const std::filesystem::path& p);

// The lines of `text` (without their newlines).
std::vector<std::string> lines_of(const std::string& text);

// The error contract of both programs: exit code `code`, nothing on stdout, exactly one line on stderr that
// starts with "<command>: " (e.g. "sscard read: ") and contains each of `mentions`.
void expect_one_line_error(const ProcessOutput& run, int code, const std::string& command,
                           const std::vector<std::string>& mentions);
// The same, for failures that print a result on stdout as well (--format json): only stderr is checked.
void expect_one_stderr_line(const ProcessOutput& run, int code, const std::string& command,
                            const std::vector<std::string>& mentions);
// A `sscard read --format json` that failed before the card was read (a profile or configuration that
// does not load, a PSAM of another terminal): one line on stderr, and on stdout nothing or the error object
// {"error": {"code": N, "message": M}} with the message of that line. (The program prints nothing today; the
// documented contract would have it print the object: either passes.)
void expect_setup_failure_of_a_json_read(const ProcessOutput& run, const std::vector<std::string>& mentions);

}  // namespace sscard::test

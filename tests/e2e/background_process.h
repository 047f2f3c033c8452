// A program run in the background for the length of a test (a `sscard-sim vicc` card, a `sscard kiosk` loop,
// a `sscard-sim host`): started without a shell, in its test's environment (run_process.h: its own state
// folder), stdin from /dev/null, stdout and stderr into files that can be read while it runs, and signalled
// or waited for with a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "run_process.h"

namespace sscard::test {

class BackgroundProcess {
 public:
  // Starts `argv[0]` with the arguments in `environment`. The child gets SIGTERM if the test process dies,
  // so no card or kiosk is left behind. started() tells whether the start worked.
  BackgroundProcess(const std::vector<std::string>& argv, const ChildEnvironment& environment);
  // A process still running gets SIGTERM, then SIGKILL if it has not ended within 5 s.
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Sends `signal_number`; false if the process has already been waited for.
  bool signal(int signal_number);

  // Waits up to `timeout` for the process to end. Its exit code (-1 if a signal ended it), or nullopt if
  // it still runs.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  // What it has written so far.
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string out_path_;
  std::string err_path_;
};

// Polls `condition` every 2 ms until it holds or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace sscard::test

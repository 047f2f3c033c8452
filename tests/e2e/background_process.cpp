#include "background_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "run_process.h"

namespace sscard::test {
namespace {

constexpr std::chrono::milliseconds kPoll{2};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_file(const char* pattern) {
  std::string path = std::string("/tmp/") + pattern + "-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) return "";
  close(fd);
  return path;
}

}  // namespace

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& given, const ChildEnvironment& environment)
    : out_path_(temp_file("sscard-bg-out")), err_path_(temp_file("sscard-bg-err")) {
  const std::vector<std::string> argv = with_emulator(given);
  if (argv.empty() || out_path_.empty() || err_path_.empty()) return;
  // Everything the child needs is prepared before fork(): after it only async-signal-safe calls.
  const std::vector<std::string> env = environment.entries();
  std::vector<char*> args = exec_array(argv);
  std::vector<char*> envp = exec_array(env);
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) return;
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // the test died between fork() and prctl()
    const int in = open("/dev/null", O_RDONLY);
    const int out = open(out_path_.c_str(), O_WRONLY | O_TRUNC);
    const int err = open(err_path_.c_str(), O_WRONLY | O_TRUNC);
    if (in < 0 || out < 0 || err < 0) _exit(127);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execvpe(args[0], args.data(), envp.data());
    _exit(127);
  }
  pid_ = child;
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && !exit_code_) {
    signal(SIGTERM);
    if (!wait(std::chrono::seconds(5))) {
      signal(SIGKILL);
      (void)wait(std::chrono::seconds(5));
    }
  }
  if (!out_path_.empty()) std::remove(out_path_.c_str());
  if (!err_path_.empty()) std::remove(err_path_.c_str());
}

bool BackgroundProcess::signal(int signal_number) {
  if (pid_ <= 0 || exit_code_) return false;
  return kill(pid_, signal_number) == 0;
}

std::optional<int> BackgroundProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  if (exit_code_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return exit_code_;
    }
    if (done < 0 || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPoll);
  }
}

std::string BackgroundProcess::out() const { return slurp(out_path_); }
std::string BackgroundProcess::err() const { return slurp(err_path_); }

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace sscard::test

#include "pcscd_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace sscard::testing {
namespace {

constexpr const char* kSocket = "/run/pcscd/pcscd.comm";
constexpr const char* kPidFile = "/run/pcscd/pcscd.pid";
constexpr std::chrono::milliseconds kPoll{5};

bool executable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

// A process that exists and is not a zombie.
bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  const std::size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

pid_t pid_from_file() {
  std::ifstream in(kPidFile);
  std::string text;
  std::getline(in, text, '\0');  // the pid file ends with a NUL byte
  return static_cast<pid_t>(std::atoi(text.c_str()));
}

bool socket_exists() {
  struct stat st {};
  return stat(kSocket, &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

bool tcp_port_listening(std::uint16_t port) {
  char wanted[8];
  std::snprintf(wanted, sizeof wanted, ":%04X", port);
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      if (state == "0A" && local.size() >= 5 && local.compare(local.size() - 5, 5, wanted) == 0) return true;
    }
  }
  return false;
}

bool vpcd_installed() {
  struct stat st {};
  return stat("/etc/reader.conf.d/vpcd", &st) == 0 && S_ISREG(st.st_mode);
}

std::string PcscdDaemon::find_pcscd() {
  if (const char* path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (executable(dir + "/pcscd")) return dir + "/pcscd";
    }
  }
  for (const char* candidate : {"/usr/sbin/pcscd", "/usr/local/sbin/pcscd"}) {
    if (executable(candidate)) return candidate;
  }
  return "";
}

PcscdDaemon::PcscdDaemon(PcscdOptions options) : options_(std::move(options)) {
  if (options_.log_path.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    // One daemon at a time (the lock), so one file: the last run's log stays for inspection.
    options_.log_path = std::string(tmp != nullptr ? tmp : "/tmp") + "/sscard-pcscd-test.log";
  }
}

PcscdDaemon::~PcscdDaemon() {
  stop();
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

std::string PcscdDaemon::take_lock() {
  if (lock_fd_ >= 0) return "";
  const char* path = std::getenv("SSCARD_PCSCD_LOCK");
  lock_fd_ = open(path != nullptr ? path : "/tmp/sscard-pcscd.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (lock_fd_ < 0) return "cannot open the pcscd lock file";
  const auto deadline = std::chrono::steady_clock::now() + options_.lock_wait;
  while (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() > deadline) return "another pcscd user holds the lock too long";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

std::string PcscdDaemon::start() {
  if (pid_ > 0) return "";
  const std::string pcscd = find_pcscd();
  if (pcscd.empty()) return "pcscd is not installed (Debian package pcscd)";
  if (!vpcd_installed()) return "the vpcd driver is not installed (Debian package vsmartcard-vpcd)";
  if (std::string error = take_lock(); !error.empty()) return error;

  // A daemon that is still going away (or one started by someone else) owns the socket.
  if (const pid_t old = pid_from_file(); old > 0 && process_alive(old)) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (process_alive(old)) {
      if (std::chrono::steady_clock::now() > deadline) {
        return "a pcscd not started by this test is running (PID " + std::to_string(old) + ")";
      }
      std::this_thread::sleep_for(kPoll);
    }
  }
  if (tcp_port_listening(options_.vpcd_port)) return "the vpcd port is already in use";

  const pid_t child = fork();
  if (child < 0) return "fork failed";
  if (child == 0) {
    // If the test process dies, pcscd goes too (no daemon left behind holding the socket).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int log = open(options_.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDONLY);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    if (null >= 0) dup2(null, STDIN_FILENO);
    if (options_.debug_log) {
      execl(pcscd.c_str(), "pcscd", "--foreground", "--debug", "--apdu", static_cast<char*>(nullptr));
    } else {
      execl(pcscd.c_str(), "pcscd", "--foreground", static_cast<char*>(nullptr));
    }
    _exit(127);
  }
  pid_ = child;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(socket_exists() && tcp_port_listening(options_.vpcd_port))) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return "pcscd exited during start-up; see " + options_.log_path;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      return "pcscd did not listen within 10 s; see " + options_.log_path;
    }
    std::this_thread::sleep_for(kPoll);
  }
  return "";
}

void PcscdDaemon::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_ || (done < 0 && errno == ECHILD)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      (void)waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  pid_ = -1;
}

}  // namespace sscard::testing

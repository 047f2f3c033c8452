#include "run_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace sscard::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::vector<std::string> with_emulator(const std::vector<std::string>& argv) {
  const char* emulator = std::getenv("SSCARD_TEST_EMULATOR");
  if (emulator == nullptr || *emulator == '\0') return argv;
  std::vector<std::string> out;
  std::stringstream words(emulator);
  for (std::string word; std::getline(words, word, ',');) {
    if (!word.empty()) out.push_back(word);
  }
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

ProcessOutput run_process(const std::vector<std::string>& given) {
  const std::vector<std::string> argv = with_emulator(given);
  char out_path[] = "/tmp/sscard-e2e-out-XXXXXX";
  char err_path[] = "/tmp/sscard-e2e-err-XXXXXX";
  const int out_fd = mkstemp(out_path);
  const int err_fd = mkstemp(err_path);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  ProcessOutput result;
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  }
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(err_fd);
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  std::remove(out_path);
  std::remove(err_path);
  return result;
}

std::string sscard_binary() { return std::string(SSCARD_BINARY_DIR) + "/firmware/app/sscard"; }

}  // namespace sscard::test

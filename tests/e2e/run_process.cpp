#include "run_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

ChildEnvironment::ChildEnvironment(std::filesystem::path state_home) : state_home_(std::move(state_home)) {
  if (!state_home_.is_absolute()) {
    throw std::invalid_argument("XDG_STATE_HOME must be absolute: " + state_home_.string());
  }
  changes_["XDG_STATE_HOME"] = state_home_.string();
  changes_["SSCARD_CONFIG"] = std::nullopt;
  changes_["SSCARD_CARDS_DIR"] = std::nullopt;
}

ChildEnvironment& ChildEnvironment::set(const std::string& name, const std::string& value) {
  if (name == "XDG_STATE_HOME") throw std::invalid_argument("the state folder is given to the constructor");
  changes_[name] = value;
  return *this;
}

ChildEnvironment& ChildEnvironment::unset(const std::string& name) {
  if (name == "XDG_STATE_HOME") throw std::invalid_argument("every started program gets its test's state folder");
  changes_[name] = std::nullopt;
  return *this;
}

std::vector<std::string> ChildEnvironment::entries() const {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (changes_.count(name) == 0) out.push_back(entry);
  }
  for (const auto& [name, value] : changes_) {
    if (value) out.push_back(name + "=" + *value);
  }
  return out;
}

std::vector<char*> exec_array(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

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

ProcessOutput run_process(const std::vector<std::string>& given, const ChildEnvironment& environment) {
  const std::vector<std::string> argv = with_emulator(given);
  const std::vector<std::string> env = environment.entries();
  char out_path[] = "/tmp/sscard-e2e-out-XXXXXX";
  char err_path[] = "/tmp/sscard-e2e-err-XXXXXX";
  const int out_fd = mkstemp(out_path);
  const int err_fd = mkstemp(err_path);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);

  std::vector<char*> args = exec_array(argv);
  std::vector<char*> envp = exec_array(env);

  ProcessOutput result;
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data()) == 0) {
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

namespace {

std::string program(const char* variable, const char* built) {
  const char* other = std::getenv(variable);
  return other != nullptr && *other != '\0' ? other : built;
}

}  // namespace

// The build passes the programs' paths (tests/e2e/CMakeLists.txt, $<TARGET_FILE:...>).
std::string sscard_binary() { return program("SSCARD_E2E_SSCARD", SSCARD_E2E_SSCARD); }
std::string sscard_sim_binary() { return program("SSCARD_E2E_SSCARD_SIM", SSCARD_E2E_SSCARD_SIM); }

}  // namespace sscard::test

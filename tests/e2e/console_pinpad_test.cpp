// The PIN pad of a desk setup is the terminal with echo off. Interrupted at the prompt (Ctrl-C), sscard must
// give the terminal its echo back before it dies, or the user's shell is left typing blind. The program runs
// on a pseudo-terminal here, exactly as it would in a shell.
#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "program_test.h"

namespace sscard::test {
namespace {

class ConsolePinPad : public ProgramTest {
 protected:
  // Starts `argv` (behind the cross build's emulator, if any) on a new pseudo-terminal; the master side in
  // `master_`.
  pid_t start_on_pty(const std::vector<std::string>& given) {
    const std::vector<std::string> argv = with_emulator(given);
    const auto env = environment().entries();
    pid_t pid = forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid == 0) {
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      std::vector<char*> vars;
      for (const auto& e : env) vars.push_back(const_cast<char*>(e.c_str()));
      vars.push_back(nullptr);
      execvpe(args[0], args.data(), vars.data());  // the emulator is found on PATH
      _exit(127);
    }
    return pid;
  }

  // Reads from the terminal until `text` appears or `timeout` passes; what was read.
  std::string read_until(const std::string& text, std::chrono::milliseconds timeout) {
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (seen.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{master_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buffer[256];
      const ssize_t n = read(master_, buffer, sizeof buffer);
      if (n <= 0) break;
      seen.append(buffer, static_cast<std::size_t>(n));
    }
    return seen;
  }

  bool echo_on() const {
    termios t{};
    if (tcgetattr(master_, &t) != 0) return false;
    return (t.c_lflag & ECHO) != 0;
  }

  void TearDown() override {
    if (master_ >= 0) close(master_);
  }

  int master_ = -1;
};

TEST_F(ConsolePinPad, CtrlCAtThePromptGivesTheTerminalItsEchoBack) {
  const pid_t pid = start_on_pty({sscard_binary(), "pin", "verify", "--card", card("sc-chengdu-gen2")});
  ASSERT_GT(pid, 0);
  ASSERT_NE(read_until("PIN: ", std::chrono::seconds(10)).find("PIN: "), std::string::npos);
  // The prompt is up and the PIN would not be echoed.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (echo_on() && std::chrono::steady_clock::now() < deadline) usleep(10'000);
  ASSERT_FALSE(echo_on());

  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << status;  // it dies of the signal, as usual
  EXPECT_TRUE(echo_on());
}

TEST_F(ConsolePinPad, APinTypedAtThePromptIsNotEchoed) {
  const pid_t pid = start_on_pty({sscard_binary(), "pin", "verify", "--card", card("sc-chengdu-gen2")});
  ASSERT_GT(pid, 0);
  ASSERT_NE(read_until("PIN: ", std::chrono::seconds(10)).find("PIN: "), std::string::npos);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (echo_on() && std::chrono::steady_clock::now() < deadline) usleep(10'000);
  ASSERT_EQ(write(master_, "246810\n", 7), 7);
  const std::string after = read_until("PIN verified", std::chrono::seconds(10));
  EXPECT_NE(after.find("PIN verified"), std::string::npos) << after;
  EXPECT_EQ(after.find("246810"), std::string::npos) << after;
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(echo_on());
}

}  // namespace
}  // namespace sscard::test

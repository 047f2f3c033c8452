// A pcscd of the test's own: started in the foreground with the vpcd virtual reader, stopped by PID.
// The same rules as tools/pcscd-harness.sh (and the same lock file, so the two never run two daemons).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace sscard::testing {

struct PcscdOptions {
  bool debug_log = true;  // --debug --apdu into log_path; off for benchmarks
  std::string log_path;   // default: $TMPDIR/sscard-pcscd-test.log
  std::uint16_t vpcd_port = 35963;
  std::chrono::seconds lock_wait{100};
};

class PcscdDaemon {
 public:
  // The pcscd executable, or "" when pcscd is not installed.
  static std::string find_pcscd();

  explicit PcscdDaemon(PcscdOptions options = {});
  ~PcscdDaemon();  // stops pcscd and releases the lock
  PcscdDaemon(const PcscdDaemon&) = delete;
  PcscdDaemon& operator=(const PcscdDaemon&) = delete;

  // Takes the lock (once), starts pcscd and waits until /run/pcscd/pcscd.comm exists and the vpcd port
  // listens. Returns "" on success, else what went wrong.
  std::string start();
  // SIGTERM, then waits for the PID to vanish (SIGKILL after 10 s). The lock stays held.
  void stop();

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return options_.log_path; }

 private:
  std::string take_lock();

  PcscdOptions options_;
  pid_t pid_ = -1;
  int lock_fd_ = -1;
};

// True if pcscd's configuration loads the vpcd virtual reader driver (vsmartcard-vpcd installs
// /etc/reader.conf.d/vpcd): without it pcscd starts but never listens on the vpcd port.
bool vpcd_installed();

// True if something listens on TCP `port` (reads /proc/net/tcp and tcp6; never connects, since a
// connection to vpcd counts as a card insertion).
bool tcp_port_listening(std::uint16_t port);

}  // namespace sscard::testing

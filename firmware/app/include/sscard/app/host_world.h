// The simulated issuer side inside the terminal's process (a kiosk configuration with "host": {"simulated":
// ...}): the Chongqing and Sichuan hosts with their holder databases and the Chuan-Yu hub between them,
// wired by function calls carrying the same sealed frames as TCP. Builds with the simulator only.
//
// The kiosk never sees the world's master link key: the world reads it for its hosts, and the kiosk uses
// the link key of its own configuration.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "sscard/core/result.h"
#include "sscard/wire/channel.h"

namespace sscard::app {

// Where the simulated issuers keep their databases between runs: state_dir() / "world" (cq-host.db,
// sc-host.db; `sscard-sim world reset` removes them). kNotFound: no state folder (sscard/core/state_dir.h).
Result<std::filesystem::path> simulated_world_dir();

class HostWorld {
 public:
  // The hosts' databases in `state_dir` (created, and seeded from the profiles in `cards_dir` on first use);
  // the hosts' and hub's master link key from `link_keys_file`. The error is one line.
  static Result<std::unique_ptr<HostWorld>, std::string> create(const std::filesystem::path& cards_dir,
                                                                const std::filesystem::path& link_keys_file,
                                                                const std::filesystem::path& state_dir);
  ~HostWorld();
  HostWorld(const HostWorld&) = delete;
  HostWorld& operator=(const HostWorld&) = delete;

  // The channel a kiosk of `province` ("500000" / "510000") uses to reach its host.
  std::shared_ptr<wire::Channel> kiosk_channel(std::string_view province);

  struct Parts;

 private:
  explicit HostWorld(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace sscard::app

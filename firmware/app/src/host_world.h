// The simulated issuer side inside this process: the Chongqing and Sichuan hosts with their holder databases
// and the Chuan-Yu hub between them, wired by function calls. `sscard query|activate|...` use it unless
// --host names a real host. Builds with the simulator only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "sscard/wire/channel.h"
#include "sscard/wire/wire.h"

namespace sscard::app {

class HostWorld {
 public:
  // Databases: in memory, seeded from `cards_dir`, when `state_dir` is empty; otherwise
  // state_dir/cq-host.db and sc-host.db, created and seeded on first use and kept afterwards.
  // Null with `error` set when a database or the cards cannot be loaded.
  static std::unique_ptr<HostWorld> create(const std::filesystem::path& cards_dir, const wire::LinkKey& master,
                                           const std::filesystem::path& state_dir, std::string& error);
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

// The nonces of the codes a kiosk has taken, so a code works once (docs/ESSC.md "Replay"): an SQLite table in
// the kiosk's state folder. An entry is kept until its code has expired, then dropped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "sscard/core/result.h"
#include "sscard/essc/code.h"

namespace sscard::essc {

struct StoreError {
  std::string message;  // one line: which file and what to do
};

class ReplayStore {
 public:
  // Opens (creating it, mode 0600) the database at `file`.
  static Result<std::unique_ptr<ReplayStore>, StoreError> open(const std::filesystem::path& file);
  ~ReplayStore();
  ReplayStore(const ReplayStore&) = delete;
  ReplayStore& operator=(const ReplayStore&) = delete;

  // Records the code's (platform, key index, nonce) as taken and returns true; false when it was taken before.
  // Atomic: two kiosk processes taking one code at once see one true. Drops entries expired before `now`.
  Result<bool, StoreError> take(const Code& code, std::int64_t now);

 private:
  struct Impl;
  explicit ReplayStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sscard::essc

// Issuing a code to a holder, as the platform's app does on the holder's phone (docs/ESSC.md).
#pragma once

#include <cstdint>
#include <string>

#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/essc/code.h"
#include "sscard/sim/platform/platform_keys.h"

namespace sscard::sim::platform {

struct CodeRequest {
  std::string ssn;     // the holder
  std::string region;  // the card's 6-digit issuing region
  essc::Purpose purpose = essc::Purpose::kQuery;
  std::int64_t now = 0;  // seconds since 1970-01-01 UTC
  std::uint8_t validity_minutes = 2;
  std::uint8_t key_index = 1;
};

// A signed code with a fresh nonce and reference. kInvalidArgument: a region without a home province the key
// file has a reference key for, an unknown key index, a validity outside 1..10, a time outside 0..2^32-1.
Result<essc::Code> issue_code(crypto::Crypto& crypto, const PlatformKeys& keys, const CodeRequest& request);

}  // namespace sscard::sim::platform

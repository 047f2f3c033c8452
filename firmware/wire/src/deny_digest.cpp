#include "sscard/wire/deny_digest.h"

#include <algorithm>
#include <array>

namespace sscard::wire {

Result<DenyDigest> deny_digest(crypto::Crypto& crypto, std::string_view pan) {
  if (pan.size() < 12 || pan.size() > 19 ||
      !std::all_of(pan.begin(), pan.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Error::kInvalidArgument;
  }
  constexpr std::string_view kLabel = "sscard-deny/1";
  Bytes input(kLabel.begin(), kLabel.end());
  input.insert(input.end(), pan.begin(), pan.end());
  std::array<std::uint8_t, 32> sm3{};
  SSCARD_TRY_ASSIGN(const std::size_t n, crypto.digest(crypto::Hash::kSm3, input, sm3));
  if (n != sm3.size()) return Error::kInternal;
  DenyDigest out{};
  std::copy_n(sm3.begin(), out.size(), out.begin());
  return out;
}

}  // namespace sscard::wire

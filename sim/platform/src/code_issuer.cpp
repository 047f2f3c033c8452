#include "sscard/sim/platform/code_issuer.h"

#include <limits>

#include "sscard/sim/platform/card_reference.h"

namespace sscard::sim::platform {
namespace {

// The home issuer's province of a card region (docs/ESSC.md: only Chongqing and Sichuan cards are issued here).
std::string home_of(const std::string& region) {
  if (region.size() != 6) return {};
  if (region.rfind("50", 0) == 0) return "500000";
  if (region.rfind("51", 0) == 0) return "510000";
  return {};
}

}  // namespace

Result<essc::Code> issue_code(crypto::Crypto& crypto, const PlatformKeys& keys, const CodeRequest& request) {
  const SigningKey* signer = keys.signing_key(request.key_index);
  const crypto::SecretBytes<16>* reference_key = keys.reference_key(home_of(request.region));
  if (signer == nullptr || reference_key == nullptr) return Error::kInvalidArgument;
  if (request.validity_minutes < 1 || request.validity_minutes > essc::kMaxValidityMinutes) return Error::kInvalidArgument;
  if (request.now < 0 || request.now > std::numeric_limits<std::uint32_t>::max()) return Error::kInvalidArgument;

  essc::Code code;
  code.purpose = request.purpose;
  code.platform = keys.platform;
  code.key_index = request.key_index;
  code.region = request.region;
  SSCARD_TRY_ASSIGN(code.reference, make_reference(crypto, reference_key->span(), request.ssn));
  code.issued_at = static_cast<std::uint32_t>(request.now);
  code.validity_minutes = request.validity_minutes;
  SSCARD_TRY(crypto.random(code.nonce));
  SSCARD_TRY(essc::sign(crypto, signer->private_key.span(), code));
  return code;
}

}  // namespace sscard::sim::platform

// The electronic social-security card's code (firmware/essc, docs/ESSC.md): the input is a scanned text, and
// also tried as the binary form. Whatever parses encodes back to exactly the input (one text, one byte string
// per code), decodes again to the same code and is well formed; the offline checks then run on it with a fixed
// trusted key and clock, and never answer with a format refusal for a code that parsed.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/essc/check.h"
#include "sscard/essc/code.h"

using namespace sscard::essc;

namespace {

// The test key of tests/data/essc/keys.txt (national platform, key 1), which signed the valid seeds.
constexpr std::uint8_t kPlatformKey[64] = {
    0xA7, 0x73, 0x68, 0xBF, 0xE5, 0xCE, 0x37, 0x0E, 0xBA, 0x78, 0x7B, 0xA3, 0x6D, 0x67, 0x4F, 0xDD,
    0x52, 0xB3, 0x42, 0x1E, 0xC7, 0xB6, 0xE5, 0xC2, 0xE4, 0xD9, 0x74, 0x72, 0x5F, 0x20, 0xB6, 0x5F,
    0x8A, 0x7D, 0x2A, 0x01, 0x4A, 0x17, 0x48, 0xA7, 0xA7, 0xB5, 0x37, 0xD8, 0x0D, 0x7B, 0x24, 0xFE,
    0x4B, 0xC0, 0x8A, 0x1F, 0x1B, 0x59, 0xB9, 0xA9, 0x33, 0x77, 0x91, 0x3E, 0x8C, 0x52, 0x83, 0xEA};
// One minute after the seeds' issue time (2025-12-06 05:46:40 UTC), so the valid seeds pass every check.
constexpr std::int64_t kNow = 1765000060;

TrustedKey trusted_key() {
  TrustedKey k;
  k.platform = "000000";
  k.index = 1;
  for (std::size_t i = 0; i < k.public_key.size(); ++i) k.public_key[i] = kPlatformKey[i];
  return k;
}

void check(sscard::crypto::Crypto& crypto, const Code& code) {
  if (!well_formed(code)) __builtin_trap();
  const sscard::Bytes binary = encode_binary(code);
  if (binary.size() != kCodeSize) __builtin_trap();
  auto again = decode_binary(binary);
  if (!again.ok() || !(*again == code)) __builtin_trap();
  static const TrustedKey key = trusted_key();
  const Refusal r = check_code(crypto, code, CheckContext{std::span<const TrustedKey>(&key, 1), code.purpose, kNow});
  if (r == Refusal::kNotACode || r == Refusal::kMalformed || r == Refusal::kUnsupportedVersion ||
      r == Refusal::kReplayed || r == Refusal::kWrongPurpose) {
    __builtin_trap();
  }
  // A code the checks take verifies on its own.
  if (r == Refusal::kNone && !verify(crypto, key.public_key, code).ok()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::unique_ptr<sscard::crypto::Crypto> crypto = sscard::crypto::make_default_crypto();
  if (crypto == nullptr) __builtin_trap();

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_text(text);
  if (parsed.ok()) {
    if (encode_text(*parsed) != text) __builtin_trap();
    check(*crypto, *parsed);
  } else if (text.starts_with(kTextPrefix) != (parsed.error() != FormatError::kNotACode)) {
    __builtin_trap();  // not_a_code exactly when the prefix is missing
  }

  auto decoded = decode_binary(sscard::ByteSpan(data, size));
  if (decoded.ok()) {
    const sscard::Bytes again = encode_binary(*decoded);
    if (again != sscard::Bytes(data, data + size)) __builtin_trap();
    check(*crypto, *decoded);
  }
  return 0;
}

// The kiosk's file of certification-authority public keys ("sscard-ca-keys/1", firmware/config
// ca_key_file.h; cards/keys/test-ca-public.json), fed arbitrary text, checked on 2026-12-05.
//
// Checked besides memory safety: every error names the file; nothing throws. The checks on each key (check
// value, lengths, curve, expiry) are the loader's own, and its unit tests hold them to their values.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "sscard/config/ca_key_file.h"
#include "sscard/crypto/default_crypto.h"

namespace {

const std::filesystem::path kFile = SSCARD_CARDS_DIR "/keys/fuzz-ca-keys.json";

sscard::crypto::Crypto& crypto() {
  static const std::unique_ptr<sscard::crypto::Crypto> instance = sscard::crypto::make_default_crypto();
  if (!instance) __builtin_trap();
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const sscard::Date today{2026, 12, 5};
  auto table = sscard::config::parse_ca_key_file(text, kFile, crypto(), today);
  if (!table.ok() && table.error().file.empty()) __builtin_trap();
  return 0;
}

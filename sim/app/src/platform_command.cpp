// sscard-sim platform issue | key: the simulated national platform of the electronic social-security card
// (docs/ESSC.md). `issue` makes a signed code for a bundled holder, as the holder's phone app would, and shows
// it as a QR code (a PNG file, or text for a terminal); `key` prints the platform's public key as a kiosk
// configuration lists it.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "sscard/crypto/openssl.h"
#include "sscard/essc/code.h"
#include "sscard/sim/platform/code_issuer.h"
#include "sscard/sim/platform/platform_keys.h"
#include "sscard/sim/profile.h"
#if SSCARD_WITH_QR
#include "sscard/sim/qr.h"
#endif

namespace sscard::simapp {
namespace {

namespace platform = sscard::sim::platform;

// "2026-12-06 10:40" in China Standard Time (UTC+8), where the kiosks stand.
std::string china_time(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds + 8 * 3600);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

#if SSCARD_WITH_QR
// Writes `bytes` to `file` readable by its owner only (a code stands for its holder while it is valid),
// through a temporary file so that a reader never sees half an image.
bool write_owner_only(const std::filesystem::path& file, ByteSpan bytes, std::string& error) {
  const std::filesystem::path partial = file.string() + ".partial";
  const mode_t old_mask = ::umask(077);
  std::ofstream f(partial, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  f.close();
  ::umask(old_mask);
  std::error_code ec;
  if (!f) {
    std::filesystem::remove(partial, ec);
    error = "cannot write " + file.string() + ": check the folder exists and is writable";
    return false;
  }
  std::filesystem::rename(partial, file, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    error = "cannot write " + file.string() + ": " + ec.message();
    return false;
  }
  return true;
}
#endif

}  // namespace

int run_platform_issue(const PlatformOptions& o, const app::Reporter& report, std::ostream& out) {
  const auto purpose = essc::purpose_from_name(o.purpose);
  if (!purpose) return report.fail("--purpose takes query, payment or medical", app::kExitUsage);
  auto keys = platform::load_platform_keys(o.keys);
  if (!keys.ok()) return report.fail(keys.error().message);
  auto profile = sim::load_profile(o.card);
  if (!profile.ok()) return report.fail(profile.error().to_string());

  platform::CodeRequest request;
  request.ssn = profile->holder.ssn;
  request.region = profile->issuer.region;
  request.purpose = *purpose;
  request.validity_minutes = static_cast<std::uint8_t>(o.validity_minutes);
  request.now = o.at ? *o.at
                     : std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  request.key_index = static_cast<std::uint8_t>(o.key_index);
  auto crypto = crypto::make_openssl_crypto();
  auto code = platform::issue_code(*crypto, *keys, request);
  if (!code.ok()) {
    return report.fail("cannot issue a code for " + o.card.string() + " (region " + request.region +
                       "): the key file " + o.keys.string() + " has no reference key for its province or no key " +
                       std::to_string(o.key_index));
  }
  const std::string text = essc::encode_text(*code);
  const std::int64_t until = request.now + 60 * static_cast<std::int64_t>(request.validity_minutes);

#if SSCARD_WITH_QR
  auto symbol = sim::encode_qr(text);
  if (!symbol.ok()) return report.fail("cannot draw the QR code: " + std::string(sim::qr_error_name(symbol.error())));
  if (!o.out.empty()) {
    auto png = sim::qr_png(*symbol);
    if (!png.ok()) return report.fail("cannot draw the QR code: " + std::string(sim::qr_error_name(png.error())));
    std::string error;
    if (!write_owner_only(o.out, *png, error)) return report.fail(error);
  }
#else
  if (!o.out.empty()) {
    return report.fail("this build draws no QR codes (built without libqrencode and libpng): use --format json for "
                       "the code's text");
  }
#endif
  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["text"] = text;
    j["purpose"] = std::string(essc::purpose_name(code->purpose));
    j["platform"] = code->platform;
    j["key_index"] = code->key_index;
    j["region"] = code->region;
    j["issued_at"] = code->issued_at;
    j["valid_until"] = until;
    if (!o.out.empty()) j["image"] = o.out.string();
    out << j.dump(2) << '\n';
    return app::kExitOk;
  }
  if (o.out.empty()) {
#if SSCARD_WITH_QR
    out << sim::qr_terminal_text(*symbol);
#endif
  } else {
    out << "wrote " << o.out.string() << ": ";
  }
  out << essc::purpose_name(code->purpose) << " code for the holder of " << o.card.filename().string() << " (region "
      << code->region << "), valid until " << china_time(until) << " (UTC+8)\n";
  if (o.out.empty()) out << text << '\n';
  return app::kExitOk;
}

int run_platform_key(const PlatformOptions& o, const app::Reporter& report, std::ostream& out) {
  auto keys = platform::load_platform_keys(o.keys);
  if (!keys.ok()) return report.fail(keys.error().message);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const platform::SigningKey& k : keys->signing_keys) {
    list.push_back({{"platform", keys->platform}, {"index", k.index}, {"public_key", to_hex(k.public_key)}});
  }
  // The "essc" section of a kiosk configuration (docs/KIOSK-CONFIG.md): what a kiosk needs to check codes.
  out << nlohmann::ordered_json{{"essc", {{"keys", list}}}}.dump(2) << '\n';
  return app::kExitOk;
}

}  // namespace sscard::simapp

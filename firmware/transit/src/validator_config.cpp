#include "sscard/transit/validator_config.h"

#include <algorithm>

#include "sscard/core/state_dir.h"
#include "sscard/wire/messages.h"
#include "sscard/jsondoc/jsondoc.h"
#include "sscard/transit/fares.h"

namespace sscard::transit {
namespace {

using jsondoc::fail;
using jsondoc::json;
using jsondoc::Object;

constexpr long long kMaxTimeoutMs = 600'000;
constexpr long long kMaxAttempts = 100;

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& text) {
  std::filesystem::path p(text);
  if (p.is_absolute() || base.empty()) return p;
  return (base / p).lexically_normal();
}

std::filesystem::path path_field(Object& o, const std::string& key, const std::filesystem::path& base) {
  const std::string text = o.string(key);
  if (text.empty()) fail(o.field(key), "must be a file name");
  return resolve(base, text);
}

bool valid_line(std::string_view s) {
  return !s.empty() && s.size() <= 16 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// As a kiosk's "host" (KIOSK-CONFIG.md): exactly one of "address" and "simulated", timeout_ms, attempts.
config::HostSpec host(Object& parent, const std::filesystem::path& base) {
  Object o = parent.object("host");
  config::HostSpec h;
  if (o.has("address") == o.has("simulated")) {
    fail(o.path(), "needs exactly one of \"address\" (HOST:PORT) and \"simulated\"");
  }
  if (o.has("address")) {
    const std::string text = o.string("address");
    auto address = wire::Address::parse(text);
    if (!address.ok()) fail(o.field("address"), jsondoc::in_quotes(text) + " is not HOST:PORT");
    h.address = *address;
  } else {
    Object sim = o.object("simulated");
    h.simulated = config::HostSpec::Simulated{resolve(base, sim.string("cards")), resolve(base, sim.string("link_keys"))};
    sim.no_unknown_fields();
  }
  h.timeout = std::chrono::milliseconds(o.integer_or("timeout_ms", 1, kMaxTimeoutMs, 3000));
  h.attempts = static_cast<int>(o.integer_or("attempts", 1, kMaxAttempts, 3));
  o.no_unknown_fields();
  return h;
}

ValidatorConfig read(const json& j, const std::filesystem::path& file) {
  const std::filesystem::path base = file.parent_path();
  Object root(j, "");
  jsondoc::expect_format(root, kValidatorFormat);
  ValidatorConfig c;
  c.file = file;
  c.id = root.string("id");
  if (!valid_name(c.id)) fail("id", jsondoc::in_quotes(c.id) + " must be 1 to 32 of a-z, 0-9 and '-'");
  c.name = root.plain_text("name", 80);
  c.operator_name = root.plain_text("operator", 80);
  c.city = root.string("city");
  if (!valid_name(c.city)) fail("city", jsondoc::in_quotes(c.city) + " must be 1 to 32 of a-z, 0-9 and '-'");
  c.mode = root.string("mode");
  if (!valid_name(c.mode)) fail("mode", jsondoc::in_quotes(c.mode) + " must be 1 to 32 of a-z, 0-9 and '-'");
  c.line = root.string("line");
  if (!valid_line(c.line)) fail("line", jsondoc::in_quotes(c.line) + " must be 1 to 16 of A-Z, a-z, 0-9 and '-'");
  c.terminal = root.digits("terminal", 12);
  c.province = root.digits("province", 6);
  c.region = root.digits("region", 6);
  if (c.province != wire::kChongqing && c.province != wire::kSichuan) {
    fail("province", jsondoc::in_quotes(c.province) + " must be 500000 (Chongqing) or 510000 (Sichuan)");
  }
  if (wire::home_province(c.region) != c.province) {
    fail("region", jsondoc::in_quotes(c.region) + " is not in province " + c.province);
  }
  // The province host takes a terminal's frames only from ids of its province (HOST-PROTOCOL.md).
  if (c.terminal.compare(0, 2, c.province, 0, 2) != 0 || c.terminal == c.province + "000000") {
    fail("terminal", jsondoc::in_quotes(c.terminal) + " must begin with the province's two digits and not be its host's id");
  }
  c.host = host(root, base);
  root.secret_hex("link_key", c.link_key);
  c.fares = path_field(root, "fares", base);
  c.ca_keys = path_field(root, "ca_keys", base);
  if (root.has("national_algorithms")) c.national_algorithms = root.boolean("national_algorithms");
  if (root.has("ride_log")) c.ride_log = path_field(root, "ride_log", base);
  root.no_unknown_fields();

  auto fares = load_fares(c.fares);
  if (!fares.ok()) fail("fares", fares.error().to_string());
  const auto fare = fares->fare(c.city, c.mode);
  if (!fare) {
    fail("mode", "no fare for " + c.city + " " + c.mode + " in " + c.fares.string());
  }
  c.fare_fen = *fare;
  return c;
}

}  // namespace

Result<ValidatorConfig, jsondoc::DocError> parse_validator_config(std::string_view json_text,
                                                                  const std::filesystem::path& file) {
  return jsondoc::parse_document<ValidatorConfig>(json_text, file.string(),
                                                  [&file](const json& j) { return read(j, file); });
}

Result<ValidatorConfig, jsondoc::DocError> load_validator_config(const std::filesystem::path& file) {
  return jsondoc::load_document<ValidatorConfig>(
      file, [&file](std::string_view text, const std::string&) { return parse_validator_config(text, file); });
}

Result<std::filesystem::path> ride_log_file(const ValidatorConfig& config) {
  if (!config.ride_log.empty()) return config.ride_log;
  SSCARD_TRY_ASSIGN(const std::filesystem::path dir, state_dir());
  return dir / ("rides-" + config.terminal + ".db");
}

config::KioskConfig as_kiosk(const ValidatorConfig& c) {
  config::KioskConfig k;
  k.file = c.file;
  k.id = c.id;
  k.name = c.name;
  k.terminal = c.terminal;
  k.province = c.province;
  k.region = c.region;
  k.host = c.host;
  k.link_key = c.link_key;
  return k;
}

}  // namespace sscard::transit

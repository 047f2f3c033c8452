#include "sscard/gate/gate_config.h"

#include <algorithm>

#include "sscard/config/essc_keys.h"
#include "sscard/core/state_dir.h"
#include "sscard/jsondoc/jsondoc.h"
#include "sscard/transit/fares.h"
#include "sscard/wire/messages.h"

namespace sscard::gate {
namespace {

using jsondoc::fail;
using jsondoc::json;
using jsondoc::Object;

constexpr long long kMaxTimeoutMs = 600'000;
constexpr long long kMaxAttempts = 100;
constexpr std::size_t kMaxMerchantNameBytes = 40;

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

config::DeviceSpec psam(Object& o, const std::filesystem::path& base) {
  config::DeviceSpec d;
  const auto text = o.optional_string("psam");
  if (!text || *text == "none") return d;
  if (*text == "pcsc" || text->rfind("pcsc:", 0) == 0) {
    d.kind = config::DeviceSpec::Kind::kPcsc;
    d.reader = text->size() > 5 ? text->substr(5) : std::string();
  } else if (text->rfind("sim:", 0) == 0 && text->size() > 4) {
    d.kind = config::DeviceSpec::Kind::kSimulated;
    d.profile = resolve(base, text->substr(4));
  } else {
    fail("psam", jsondoc::in_quotes(*text) + " must be \"pcsc:READER NAME\", \"sim:PROFILE.json\" or \"none\"");
  }
  return d;
}

std::uint64_t price(Object& o, const std::string& key) {
  const std::string text = o.string(key);
  const auto fen = transit::parse_fare(text);
  if (!fen) fail(o.field(key), jsondoc::in_quotes(text) + " is not yuan 0.01 to 999.99 with two decimals");
  return *fen;
}

GateConfig read(const json& j, const std::filesystem::path& file) {
  const std::filesystem::path base = file.parent_path();
  Object root(j, "");
  jsondoc::expect_format(root, kGateFormat);
  GateConfig c;
  c.file = file;
  c.id = root.string("id");
  if (!transit::valid_name(c.id)) fail("id", jsondoc::in_quotes(c.id) + " must be 1 to 32 of a-z, 0-9 and '-'");
  c.name = root.plain_text("name", 80);
  c.terminal = root.digits("terminal", 12);
  c.province = root.digits("province", 6);
  c.region = root.digits("region", 6);
  if (c.province != wire::kChongqing && c.province != wire::kSichuan) {
    fail("province", jsondoc::in_quotes(c.province) + " must be 500000 (Chongqing) or 510000 (Sichuan)");
  }
  if (wire::home_province(c.region) != c.province) {
    fail("region", jsondoc::in_quotes(c.region) + " is not in province " + c.province);
  }
  if (c.terminal.compare(0, 2, c.province, 0, 2) != 0 || c.terminal == c.province + "000000") {
    fail("terminal", jsondoc::in_quotes(c.terminal) + " must begin with the province's two digits and not be its host's id");
  }
  c.psam = psam(root, base);
  c.host = host(root, base);
  root.secret_hex("link_key", c.link_key);
  c.price_fen = price(root, "price");
  c.discounted_price_fen = price(root, "discounted_price");
  if (c.discounted_price_fen > c.price_fen) fail("discounted_price", "must not be above price");
  c.free_age = static_cast<int>(root.integer_or("free_age", 0, 150, 60));
  c.ca_keys = path_field(root, "ca_keys", base);
  if (root.has("national_algorithms")) c.national_algorithms = root.boolean("national_algorithms");
  if (root.has("entry_log")) c.entry_log = path_field(root, "entry_log", base);
  if (root.has("essc")) c.essc_keys = config::essc_keys(root);
  root.no_unknown_fields();
  return c;
}

// The spot's name as 9F4E: cut after the last whole UTF-8 character within 40 bytes.
std::string merchant_name(const std::string& name) {
  if (name.size() <= kMaxMerchantNameBytes) return name;
  std::size_t end = kMaxMerchantNameBytes;
  while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;
  return name.substr(0, end);
}

}  // namespace

Result<GateConfig, jsondoc::DocError> parse_gate_config(std::string_view json_text, const std::filesystem::path& file) {
  return jsondoc::parse_document<GateConfig>(json_text, file.string(), [&file](const json& j) { return read(j, file); });
}

Result<GateConfig, jsondoc::DocError> load_gate_config(const std::filesystem::path& file) {
  return jsondoc::load_document<GateConfig>(
      file, [&file](std::string_view text, const std::string&) { return parse_gate_config(text, file); });
}

Result<std::filesystem::path> entry_log_file(const GateConfig& config) {
  if (!config.entry_log.empty()) return config.entry_log;
  SSCARD_TRY_ASSIGN(const std::filesystem::path dir, state_dir());
  return dir / ("gate-" + config.terminal + ".db");
}

config::KioskConfig as_kiosk(const GateConfig& c) {
  config::KioskConfig k;
  k.file = c.file;
  k.id = c.id;
  k.name = c.name;
  k.terminal = c.terminal;
  k.province = c.province;
  k.region = c.region;
  k.psam = c.psam;
  k.card_reader.kind = config::DeviceSpec::Kind::kPcsc;
  k.host = c.host;
  k.link_key = c.link_key;
  k.essc_keys = c.essc_keys;
  config::PaymentConfig p;
  p.merchant_id = c.terminal.substr(0, 6) + "799100" + c.terminal.substr(9, 3);  // MCC 7991: tourist attractions
  p.merchant_name = merchant_name(c.name);
  p.merchant_category_code = "7991";
  p.terminal_type = "25";
  p.terminal_capabilities = {0x20, 0xD8, 0xC8};
  p.additional_capabilities = {0x60, 0x00, 0xA0, 0x50, 0x01};
  p.country_code = "0156";
  p.currency_code = "0156";
  p.contactless_limit_fen = 100000;
  p.contactless_floor_limit_fen = 50000;
  p.cvm_limit_fen = 100000;
  p.ttq = {0x36, 0x00, 0x00, 0x80};
  p.tac_default = {0xFC, 0xF8, 0xFC, 0xF8, 0x00};
  p.tac_denial = {0x00, 0x10, 0x80, 0x00, 0x00};
  p.tac_online = {0xFC, 0xF8, 0xFC, 0xF8, 0x00};
  p.ca_keys = c.ca_keys;
  p.national_algorithms = c.national_algorithms;
  k.payment = p;
  return k;
}

}  // namespace sscard::gate

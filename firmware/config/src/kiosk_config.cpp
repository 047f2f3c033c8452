#include "sscard/config/kiosk_config.h"

#include "sscard/config/essc_keys.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "sscard/core/state_dir.h"
#include "sscard/jsondoc/jsondoc.h"
#include "sscard/wire/messages.h"

namespace sscard::config {
namespace {

using jsondoc::fail;
using jsondoc::json;
using jsondoc::Object;

constexpr std::size_t kMaxNameBytes = 80;
constexpr std::size_t kMaxMerchantNameBytes = 40;  // 9F4E
constexpr long long kMaxTimeoutMs = 600'000;
constexpr long long kMaxAttempts = 100;
constexpr long long kMaxAmountFen = 9'999'999'999'99;  // 12 BCD digits, the width of EMV amounts (9F02)

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& text) {
  std::filesystem::path p(text);
  if (p.is_absolute() || base.empty()) return p;
  return (base / p).lexically_normal();
}

// "pcsc" or "pcsc:NAME" (PC/SC), "sim:PROFILE" (a simulated card), "none".
DeviceSpec device(Object& o, const std::string& key, const std::filesystem::path& base, bool allow_sim) {
  DeviceSpec d;
  const auto text = o.optional_string(key);
  if (!text || *text == "none") return d;
  if (*text == "pcsc" || text->rfind("pcsc:", 0) == 0) {
    d.kind = DeviceSpec::Kind::kPcsc;
    d.reader = text->size() > 5 ? text->substr(5) : std::string();
    return d;
  }
  if (allow_sim && text->rfind("sim:", 0) == 0 && text->size() > 4) {
    d.kind = DeviceSpec::Kind::kSimulated;
    d.profile = resolve(base, text->substr(4));
    return d;
  }
  fail(o.field(key), jsondoc::in_quotes(*text) + " must be \"pcsc\", \"pcsc:READER NAME\"" +
                         (allow_sim ? ", \"sim:PROFILE.json\"" : "") + " or \"none\"");
}

std::string device_text(const DeviceSpec& d, const std::filesystem::path& relative_to) {
  switch (d.kind) {
    case DeviceSpec::Kind::kNone: return "none";
    case DeviceSpec::Kind::kPcsc: return d.reader.empty() ? "pcsc" : "pcsc:" + d.reader;
    case DeviceSpec::Kind::kSimulated:
      return "sim:" + (relative_to.empty() ? d.profile : d.profile.lexically_relative(relative_to)).string();
  }
  return "none";
}

template <std::size_t N>
void fixed_hex(Object& o, const std::string& key, std::array<std::uint8_t, N>& out) {
  const Bytes b = o.hex_of_size(key, N);
  std::copy(b.begin(), b.end(), out.begin());
}

HostSpec host(Object& parent, const std::filesystem::path& base) {
  Object o = parent.object("host");
  HostSpec h;
  const bool has_address = o.has("address");
  const bool has_simulated = o.has("simulated");
  if (has_address == has_simulated) {
    fail(o.path(), "needs exactly one of \"address\" (HOST:PORT) and \"simulated\"");
  }
  if (has_address) {
    const std::string text = o.string("address");
    auto address = wire::Address::parse(text);
    if (!address.ok()) fail(o.field("address"), jsondoc::in_quotes(text) + " is not HOST:PORT");
    h.address = *address;
  } else {
    Object sim = o.object("simulated");
    h.simulated = HostSpec::Simulated{resolve(base, sim.string("cards")), resolve(base, sim.string("link_keys"))};
    sim.no_unknown_fields();
  }
  h.timeout = std::chrono::milliseconds(o.integer_or("timeout_ms", 1, kMaxTimeoutMs, 3000));
  h.attempts = static_cast<int>(o.integer_or("attempts", 1, kMaxAttempts, 3));
  o.no_unknown_fields();
  return h;
}

std::uint64_t fen(Object& o, const std::string& key) {
  return static_cast<std::uint64_t>(o.integer(key, 0, kMaxAmountFen));
}

PaymentConfig payment(Object& parent, const std::filesystem::path& base) {
  Object o = parent.object("payment");
  PaymentConfig p;
  p.merchant_id = o.ascii_text("merchant_id", 15);
  p.merchant_name = o.plain_text("merchant_name", kMaxMerchantNameBytes);
  p.merchant_category_code = o.digits("merchant_category_code", 4);
  p.terminal_type = o.digits("terminal_type", 2);
  fixed_hex(o, "terminal_capabilities", p.terminal_capabilities);
  fixed_hex(o, "additional_capabilities", p.additional_capabilities);
  p.country_code = o.digits("country_code", 4);
  p.currency_code = o.digits("currency_code", 4);
  p.floor_limit_fen = fen(o, "floor_limit_fen");
  p.contactless_limit_fen = fen(o, "contactless_limit_fen");
  p.contactless_floor_limit_fen = fen(o, "contactless_floor_limit_fen");
  p.cvm_limit_fen = fen(o, "cvm_limit_fen");
  fixed_hex(o, "ttq", p.ttq);
  {
    Object tac = o.object("tac");
    fixed_hex(tac, "default", p.tac_default);
    fixed_hex(tac, "denial", p.tac_denial);
    fixed_hex(tac, "online", p.tac_online);
    tac.no_unknown_fields();
  }
  {
    Object rs = o.object("random_selection");
    p.random_selection_threshold_fen = fen(rs, "threshold_fen");
    p.random_selection_target_percent = static_cast<int>(rs.integer("target_percent", 0, 99));
    p.random_selection_max_target_percent = static_cast<int>(rs.integer("max_target_percent", 0, 99));
    if (p.random_selection_max_target_percent < p.random_selection_target_percent) {
      fail(rs.field("max_target_percent"), "must not be below target_percent");
    }
    rs.no_unknown_fields();
  }
  if (p.contactless_floor_limit_fen > p.contactless_limit_fen) {
    fail(o.field("contactless_floor_limit_fen"), "must not exceed contactless_limit_fen");
  }
  p.ca_keys = resolve(base, o.string("ca_keys"));
  p.national_algorithms = o.boolean("national_algorithms");
  if (o.has("pin_key")) {
    p.pin_key.emplace();
    o.secret_hex("pin_key", *p.pin_key);
  }
  o.no_unknown_fields();
  return p;
}

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

KioskConfig build(const json& root_json, const std::filesystem::path& file) {
  const std::filesystem::path base = file.parent_path();
  Object root(root_json, "");
  jsondoc::expect_format(root, kKioskFormat);
  KioskConfig c;
  c.file = file;
  c.id = root.string("id");
  if (!valid_id(c.id)) fail("id", jsondoc::in_quotes(c.id) + " must be 1 to 32 of a-z, 0-9 and '-'");
  c.name = root.plain_text("name", kMaxNameBytes);
  c.terminal = root.digits("terminal", 12);
  c.province = root.digits("province", 6);
  c.region = root.digits("region", 6);
  if (c.province != wire::kChongqing && c.province != wire::kSichuan) {
    fail("province", jsondoc::in_quotes(c.province) + " must be 500000 (Chongqing) or 510000 (Sichuan)");
  }
  if (wire::home_province(c.region) != c.province) {
    fail("region", jsondoc::in_quotes(c.region) + " is not in province " + c.province);
  }
  {
    Object readers = root.object("readers");
    c.card_reader = device(readers, "card", base, false);
    if (c.card_reader.kind == DeviceSpec::Kind::kNone) c.card_reader.kind = DeviceSpec::Kind::kPcsc;
    c.contactless_reader = device(readers, "contactless", base, false);
    c.psam = device(readers, "psam", base, true);
    readers.no_unknown_fields();
  }
  c.host = host(root, base);
  root.secret_hex("link_key", c.link_key);
  if (auto journal = root.optional_string("journal")) {
    if (journal->empty()) fail("journal", "must be a file name");
    c.journal = resolve(base, *journal);
  }
  if (root.has("payment")) c.payment = payment(root, base);
  if (root.has("essc")) c.essc_keys = essc_keys(root);
  root.no_unknown_fields();
  return c;
}

template <std::size_t N>
std::string hex_of(const std::array<std::uint8_t, N>& bytes) {
  return to_hex(bytes);
}

std::string path_text(const std::filesystem::path& p, const std::filesystem::path& relative_to) {
  if (relative_to.empty() || p.is_relative()) return p.string();
  return p.lexically_relative(relative_to).string();
}

}  // namespace

std::vector<essc::TrustedKey> essc_keys(Object& parent) {
  Object o = parent.object("essc");
  const jsondoc::json& list = o.need("keys");
  if (!list.is_array() || list.empty()) fail(o.field("keys"), "must be a non-empty array of platform keys");
  std::vector<essc::TrustedKey> keys;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Object k(list[i], o.field("keys") + "[" + std::to_string(i) + "]");
    essc::TrustedKey key;
    key.platform = k.digits("platform", 6);
    key.index = static_cast<std::uint8_t>(k.integer("index", 1, 255));
    const Bytes point = k.hex_of_size("public_key", key.public_key.size());
    std::copy(point.begin(), point.end(), key.public_key.begin());
    k.no_unknown_fields();
    for (const essc::TrustedKey& earlier : keys) {
      if (earlier.platform == key.platform && earlier.index == key.index) {
        fail(k.field("index"), "platform " + key.platform + " key " + std::to_string(key.index) + " is listed twice");
      }
    }
    keys.push_back(std::move(key));
  }
  o.no_unknown_fields();
  return keys;
}

std::string ConfigError::to_string() const {
  if (field.empty()) return file + ": " + message;
  return file + ": " + field + ": " + message;
}

Result<KioskConfig, ConfigError> parse_kiosk_config(std::string_view json_text, const std::filesystem::path& file) {
  auto parsed = jsondoc::parse_document<KioskConfig>(json_text, file.string(),
                                                      [&](const json& root) { return build(root, file); });
  if (!parsed.ok()) {
    const jsondoc::DocError& e = parsed.error();
    return ConfigError{e.file, e.field, e.message};
  }
  return std::move(parsed).value();
}

Result<KioskConfig, ConfigError> load_kiosk_config(const std::filesystem::path& file) {
  auto text = jsondoc::read_text(file);
  if (!text.ok()) {
    const jsondoc::DocError& e = text.error();
    return ConfigError{e.file, e.field, e.message};
  }
  return parse_kiosk_config(*text, file);
}

std::string format_kiosk_config(const KioskConfig& c, const std::filesystem::path& relative_to) {
  nlohmann::ordered_json j;
  j["format"] = std::string(kKioskFormat);
  j["id"] = c.id;
  j["name"] = c.name;
  j["terminal"] = c.terminal;
  j["province"] = c.province;
  j["region"] = c.region;
  nlohmann::ordered_json readers;
  readers["card"] = device_text(c.card_reader, relative_to);
  if (c.contactless_reader.kind != DeviceSpec::Kind::kNone) {
    readers["contactless"] = device_text(c.contactless_reader, relative_to);
  }
  readers["psam"] = device_text(c.psam, relative_to);
  j["readers"] = readers;
  nlohmann::ordered_json host;
  if (c.host.address) host["address"] = c.host.address->to_string();
  if (c.host.simulated) {
    host["simulated"] = {{"cards", path_text(c.host.simulated->cards, relative_to)},
                         {"link_keys", path_text(c.host.simulated->link_keys, relative_to)}};
  }
  host["timeout_ms"] = c.host.timeout.count();
  host["attempts"] = c.host.attempts;
  j["host"] = host;
  j["link_key"] = to_hex(c.link_key);
  if (!c.journal.empty()) j["journal"] = path_text(c.journal, relative_to);
  if (c.payment) {
    const PaymentConfig& p = *c.payment;
    nlohmann::ordered_json pay;
    pay["merchant_id"] = p.merchant_id;
    pay["merchant_name"] = p.merchant_name;
    pay["merchant_category_code"] = p.merchant_category_code;
    pay["terminal_type"] = p.terminal_type;
    pay["terminal_capabilities"] = hex_of(p.terminal_capabilities);
    pay["additional_capabilities"] = hex_of(p.additional_capabilities);
    pay["country_code"] = p.country_code;
    pay["currency_code"] = p.currency_code;
    pay["floor_limit_fen"] = p.floor_limit_fen;
    pay["contactless_limit_fen"] = p.contactless_limit_fen;
    pay["contactless_floor_limit_fen"] = p.contactless_floor_limit_fen;
    pay["cvm_limit_fen"] = p.cvm_limit_fen;
    pay["ttq"] = hex_of(p.ttq);
    pay["tac"] = {{"default", hex_of(p.tac_default)}, {"denial", hex_of(p.tac_denial)}, {"online", hex_of(p.tac_online)}};
    pay["random_selection"] = {{"threshold_fen", p.random_selection_threshold_fen},
                               {"target_percent", p.random_selection_target_percent},
                               {"max_target_percent", p.random_selection_max_target_percent}};
    pay["ca_keys"] = path_text(p.ca_keys, relative_to);
    pay["national_algorithms"] = p.national_algorithms;
    if (p.pin_key) pay["pin_key"] = to_hex(*p.pin_key);
    j["payment"] = pay;
  }
  if (!c.essc_keys.empty()) {
    nlohmann::ordered_json keys = nlohmann::ordered_json::array();
    for (const essc::TrustedKey& k : c.essc_keys) {
      keys.push_back({{"platform", k.platform}, {"index", k.index}, {"public_key", to_hex(k.public_key)}});
    }
    j["essc"] = {{"keys", keys}};
  }
  return j.dump(2) + "\n";
}

Result<std::filesystem::path> journal_file(const KioskConfig& c) {
  if (!c.journal.empty()) return c.journal;
  SSCARD_TRY_ASSIGN(const std::filesystem::path dir, state_dir());
  return dir / ("journal-" + c.terminal + ".db");
}

}  // namespace sscard::config

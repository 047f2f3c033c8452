// sscard-sim provision: a kiosk configuration for a new terminal number, with the link key the simulated
// issuers expect for it (derived from the test world's master link key, docs/HOST-PROTOCOL.md "Keys"), and
// optionally a simulated PSAM that carries the same terminal number.
#include <sys/stat.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "sscard/config/kiosk_config.h"
#include "sscard/crypto/openssl.h"
#include "sscard/sim/host/link_keys.h"
#include "sscard/sim/host/payment_keys.h"
#include "sscard/sim/platform/platform_keys.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/wire.h"

namespace sscard::simapp {
namespace {

// The payment parameters of a test kiosk (docs/KIOSK-CONFIG.md "payment"): an unattended, online-only
// terminal of the social-security bureau that offers the national algorithms.
config::PaymentConfig test_payment(const ProvisionOptions& o, const std::filesystem::path& cards) {
  config::PaymentConfig p;
  p.merchant_id = o.terminal.substr(0, 6) + "9399" + o.terminal.substr(7, 5);
  p.merchant_name = "SSC SERVICE KIOSK " + o.terminal;
  p.merchant_category_code = "9399";  // government services
  p.terminal_type = "14";             // operated by a financial institution's partner, unattended, online only
  // docs/PAYMENT.md "Terminal data": plaintext, enciphered and online PIN, no CVM; SDA, DDA, CDA.
  p.terminal_capabilities = {0x20, 0xD8, 0xC8};
  p.additional_capabilities = {0x60, 0x00, 0xA0, 0x50, 0x01};
  p.country_code = "0156";
  p.currency_code = "0156";
  p.floor_limit_fen = 0;
  p.contactless_limit_fen = 100000;
  p.contactless_floor_limit_fen = 50000;
  p.cvm_limit_fen = 100000;
  p.ttq = {0x36, 0x00, 0x00, 0x80};
  p.tac_default = {0xFC, 0xF8, 0xFC, 0xF8, 0x00};
  p.tac_denial = {0x00, 0x10, 0x80, 0x00, 0x00};
  p.tac_online = {0xFC, 0xF8, 0xFC, 0xF8, 0x00};
  p.random_selection_threshold_fen = 0;
  p.random_selection_target_percent = 0;
  p.random_selection_max_target_percent = 0;
  p.ca_keys = cards / "keys" / "test-ca-public.json";
  p.national_algorithms = true;
  return p;
}

// Writes `text` to `file` readable by its owner only (it holds a key); refuses to replace a file unless
// `force`.
bool write_private(const std::filesystem::path& file, const std::string& text, bool force, std::string& error) {
  std::error_code ec;
  if (!force && std::filesystem::exists(file, ec)) {
    error = file.string() + " exists; give --force to replace it";
    return false;
  }
  const mode_t old_mask = ::umask(077);
  std::ofstream f(file, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  ::umask(old_mask);
  if (!f) {
    error = "cannot write " + file.string();
    return false;
  }
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ec);
  return true;
}

// A PSAM profile for the terminal: the province's bundled kiosk PSAM with the terminal number, a serial and
// an ATR of its own.
bool write_psam(const ProvisionOptions& o, const std::filesystem::path& cards, std::string_view province,
                std::string& error) {
  const auto template_file = cards / "psam" / (province == wire::kChongqing ? "cq-kiosk.json" : "sc-kiosk.json");
  std::ifstream in(template_file);
  if (!in) {
    error = template_file.string() + ": cannot be opened";
    return false;
  }
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::exception&) {
    error = template_file.string() + ": not valid JSON";
    return false;
  }
  j["description"] = "Test kiosk PSAM of terminal " + o.terminal + " (made by sscard-sim provision)";
  // Historical bytes: 86 'PSM' then the terminal number as 6 BCD bytes, like the bundled kiosk PSAMs.
  j["atr"] = "3B6A00008650534D" + o.terminal;
  j["serial"] = o.terminal + "00000001";
  j["terminal_number"] = o.terminal;
  const auto root_keys = std::filesystem::absolute(cards / "keys" / "test-root-keys.json").lexically_normal();
  const auto out_dir = std::filesystem::absolute(o.psam_out).parent_path();
  j["root_keys"] = root_keys.lexically_relative(out_dir).string();
  return write_private(o.psam_out, j.dump(2) + "\n", o.force, error);
}

}  // namespace

int run_provision(const ProvisionOptions& o, const app::Reporter& report, std::ostream& out) {
  const auto province = wire::home_province(o.region);
  if (!province) {
    return report.fail("--region " + o.region + " is neither in Chongqing (50xxxx) nor in Sichuan (51xxxx)",
                       app::kExitUsage);
  }
  auto master = sim::host::load_link_master(o.link_keys);
  if (!master.ok()) return report.fail(master.error().message);
  auto crypto = crypto::make_openssl_crypto();
  auto link_key = wire::derive_link_key(*crypto, *master, o.terminal);
  secure_wipe(*master);
  if (!link_key.ok()) return report.fail("cannot derive the link key of terminal " + o.terminal);

  config::KioskConfig c;
  c.id = o.id.empty() ? "t" + o.terminal : o.id;
  c.name = o.name.empty() ? "Test kiosk " + o.terminal : o.name;
  c.terminal = o.terminal;
  c.province = *province;
  c.region = o.region;
  c.card_reader.kind = config::DeviceSpec::Kind::kPcsc;
  if (!o.psam_out.empty()) {
    c.psam.kind = config::DeviceSpec::Kind::kSimulated;
    c.psam.profile = std::filesystem::absolute(o.psam_out).lexically_normal();
  }
  const auto cards = std::filesystem::absolute(o.cards).lexically_normal();
  if (!o.host.empty()) {
    auto address = wire::Address::parse(o.host);
    if (!address.ok()) return report.fail("--host: '" + o.host + "' is not HOST:PORT", app::kExitUsage);
    c.host.address = *address;
  } else {
    c.host.simulated = config::HostSpec::Simulated{cards, std::filesystem::absolute(o.link_keys).lexically_normal()};
  }
  c.link_key = *link_key;
  secure_wipe(*link_key);
  c.payment = test_payment(o, cards);
  // The kiosk's PIN key is derived from the PIN master as its link key is from the link master: one
  // diversification by the terminal number (docs/PAYMENT.md "Online PIN").
  auto pin_master = sim::host::load_pin_master(o.pin_keys);
  if (!pin_master.ok()) return report.fail(pin_master.error().message);
  auto pin_key = wire::derive_link_key(*crypto, *pin_master, o.terminal);
  secure_wipe(*pin_master);
  if (!pin_key.ok()) return report.fail("cannot derive the PIN key of terminal " + o.terminal);
  c.payment->pin_key = *pin_key;
  secure_wipe(*pin_key);
  // The electronic-card platform's public keys, when the cards folder has the platform (docs/ESSC.md).
  const auto platform_key_file = cards / "keys" / "test-platform-keys.json";
  if (std::error_code ec; std::filesystem::exists(platform_key_file, ec)) {
    auto platform_keys = sim::platform::load_platform_keys(platform_key_file);
    if (!platform_keys.ok()) return report.fail(platform_keys.error().message);
    for (const sim::platform::SigningKey& k : platform_keys->signing_keys) {
      c.essc_keys.push_back({platform_keys->platform, k.index, k.public_key});
    }
  }

  const auto out_dir = std::filesystem::absolute(o.out).parent_path();
  std::string error;
  if (!o.psam_out.empty() && !write_psam(o, cards, *province, error)) return report.fail(error);
  if (!write_private(o.out, config::format_kiosk_config(c, out_dir), o.force, error)) return report.fail(error);
  out << "kiosk configuration " << o.out.string() << ": terminal " << c.terminal << " in " << c.region
      << ", its link key derived for that terminal number"
      << (c.host.address ? ", host " + c.host.address->to_string() : ", simulated issuers in the terminal program")
      << '\n';
  if (!o.psam_out.empty()) out << "PSAM profile " << o.psam_out.string() << ": terminal number " << c.terminal << '\n';
  return app::kExitOk;
}

}  // namespace sscard::simapp

#include "kiosk_site.h"

#include <array>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sscard/app/card_source.h"
#include "sscard/app/identity_report.h"
#include "sscard/ssc/security.h"

namespace sscard::app {
namespace {

constexpr std::array<KioskSite, 2> kSites = {{
    {"cq", "500152000101", "500152", "500000", "cq-kiosk.json"},
    {"sc", "510900000101", "510900", "510000", "sc-kiosk.json"},
}};

}  // namespace

std::optional<KioskSite> find_kiosk_site(std::string_view name) {
  for (const KioskSite& site : kSites) {
    if (site.name == name) return site;
  }
  return std::nullopt;
}

std::string province_name(std::string_view code) { return region_name(ssc::province_of(code)); }

LinkMaster read_link_master(const Args& args) {
  std::filesystem::path file = default_cards_dir() / "keys" / "test-link-keys.json";
  if (auto k = args.value("link-keys")) file = std::string(*k);
  LinkMaster out;
  std::ifstream in(file);
  if (!in) {
    out.error = file.string() + ": cannot be read";
    return out;
  }
  std::stringstream text;
  text << in.rdbuf();
  // Without exceptions, parse() reports errors as a discarded value.
  const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    out.error = file.string() + ": not a JSON object";
    return out;
  }
  const auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() || format->get<std::string>() != "sscard-link-keys/1") {
    out.error = file.string() + ": format: must be \"sscard-link-keys/1\"";
    return out;
  }
  const auto master = doc.find("master");
  if (master == doc.end() || !master->is_string()) {
    out.error = file.string() + ": master: missing";
    return out;
  }
  wire::LinkKey key{};
  auto n = from_hex(master->get<std::string>(), key);
  if (!n.ok() || *n != key.size()) {
    out.error = file.string() + ": master: must be 32 hex digits";
    return out;
  }
  out.key = key;
  secure_wipe(key);
  return out;
}

}  // namespace sscard::app

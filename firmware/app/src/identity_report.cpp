#include "sscard/app/identity_report.h"

#include <array>
#include <sstream>
#include <utility>

// dump() replaces invalid UTF-8 rather than failing.
#include <nlohmann/json.hpp>

namespace sscard::app {
namespace {

struct RegionName {
  std::string_view code;
  std::string_view name;
};

// GB/T 2260 codes of the places the bundled cards and kiosks come from; provinces as a fallback.
constexpr std::array kRegionNames{
    RegionName{"500000", "Chongqing"},          RegionName{"500103", "Chongqing, Yuzhong"},
    RegionName{"500152", "Chongqing, Tongnan"}, RegionName{"510000", "Sichuan"},
    RegionName{"510100", "Sichuan, Chengdu"},   RegionName{"510107", "Sichuan, Chengdu Wuhou"},
    RegionName{"510700", "Sichuan, Mianyang"},  RegionName{"510900", "Sichuan, Suining"},
    RegionName{"513400", "Sichuan, Liangshan"}, RegionName{"513401", "Sichuan, Liangshan Xichang"},
};

std::string_view generation_label(ssc::Generation g) {
  switch (g) {
    case ssc::Generation::kFirst: return "1st generation";
    case ssc::Generation::kSecond: return "2nd generation";
    case ssc::Generation::kThird: return "3rd generation";
    case ssc::Generation::kUnknown: break;
  }
  return "unknown generation";
}

// The stored character of EF06 0A, "" when unset (the JSON value).
std::string sex_code(const ssc::Sex& sex) {
  return sex.kind == ssc::Sex::Kind::kUnset ? std::string() : std::string(1, sex.code);
}

std::string sex_label(const ssc::Sex& sex) {
  switch (sex.kind) {
    case ssc::Sex::Kind::kMale: return "male";
    case ssc::Sex::Kind::kFemale: return "female";
    case ssc::Sex::Kind::kOther:
    case ssc::Sex::Kind::kUnset: break;
  }
  return sex_code(sex);
}

template <std::size_t Digits>
std::string code_text(const std::optional<ssc::NumericCode<Digits>>& code) {
  return code ? code->to_string() : std::string();
}

std::string date_text(const std::optional<Date>& date) { return date ? to_yyyymmdd(*date) : std::string(); }

template <std::size_t N>
std::string text(const FixedString<N>& s) {
  return std::string(s.view());
}

}  // namespace

bool parse_output_format(std::string_view word, OutputFormat& out) {
  if (word == "text") out = OutputFormat::kText;
  else if (word == "json") out = OutputFormat::kJson;
  else if (word == "iface") out = OutputFormat::kIface;
  else return false;
  return true;
}

std::string identity_json(const ssc::Identity& id) {
  nlohmann::ordered_json j;
  j["region"] = code_text(id.region);
  j["ssn"] = text(id.ssn);
  j["card_number"] = text(id.card_number);
  j["card_id"] = to_hex(id.card_id);
  j["name"] = text(id.name);
  j["sex"] = sex_code(id.sex);
  j["nation"] = code_text(id.nation);
  j["birthplace"] = code_text(id.birthplace);
  j["birth_date"] = date_text(id.birth_date);
  j["spec_version"] = text(id.spec_version);
  j["issue_date"] = date_text(id.issue_date);
  j["expiry_date"] = date_text(id.expiry_date);
  j["atr_historical"] = to_hex(id.atr_historical.span());
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string region_name(std::string_view region) {
  for (const auto& r : kRegionNames) {
    if (r.code == region) return std::string(r.name);
  }
  if (region.size() == 6) {
    const std::string province = std::string(region.substr(0, 2)) + "0000";
    for (const auto& r : kRegionNames) {
      if (r.code == province) return std::string(r.name);
    }
  }
  return "unknown region";
}

std::string region_name(const std::optional<ssc::RegionCode>& region) {
  return region_name(region ? region->digits() : std::string_view());
}

std::string withheld_notice(const ssc::Identity& id) {
  if (!id.personal_data_withheld) return {};
  return "personal fields are empty: a 3rd-generation card releases them only after authentication with a "
         "PSAM (read key RKSSSE)";
}

std::string identity_text(const ssc::Identity& id) {
  std::ostringstream out;
  auto line = [&](std::string_view label, std::string_view value) {
    out << "  " << label << std::string(label.size() < 16 ? 16 - label.size() : 1, ' ')
        << (value.empty() ? std::string_view("-") : value) << '\n';
  };
  line("card", std::string(generation_label(id.generation)) + ", spec " + text(id.spec_version));
  line("region", code_text(id.region) + " (" + region_name(id.region) + ")");
  line("card id", to_hex(id.card_id));
  line("card number", id.card_number.view());
  line("name", id.name.view());
  line("ssn", id.ssn.view());
  line("sex", sex_label(id.sex));
  line("nation", code_text(id.nation));
  line("birthplace", code_text(id.birthplace));
  line("birth date", date_text(id.birth_date));
  line("issued", date_text(id.issue_date));
  line("expires", date_text(id.expiry_date));
  line("atr historical", to_hex(id.atr_historical.span()));
  if (auto notice = withheld_notice(id); !notice.empty()) out << "  note            " << notice << '\n';
  return out.str();
}

}  // namespace sscard::app

#include "sscard/transit/fares.h"

#include <algorithm>

#include "sscard/jsondoc/jsondoc.h"

namespace sscard::transit {

using jsondoc::fail;
using jsondoc::json;
using jsondoc::Object;

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::optional<std::uint64_t> FareTable::fare(std::string_view city, std::string_view mode) const {
  const auto at = fares_.find({std::string(city), std::string(mode)});
  if (at == fares_.end()) return std::nullopt;
  return at->second;
}

Status FareTable::add(std::string city, std::string mode, std::uint64_t fen) {
  if (!valid_name(city) || !valid_name(mode) || fen == 0) return Error::kInvalidArgument;
  fares_[{std::move(city), std::move(mode)}] = fen;
  return kOk;
}

std::optional<std::uint64_t> parse_fare(std::string_view yuan) {
  const auto dot = yuan.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 3 || yuan.size() != dot + 3) return std::nullopt;
  std::uint64_t fen = 0;
  for (std::size_t i = 0; i < yuan.size(); ++i) {
    if (i == dot) continue;
    if (yuan[i] < '0' || yuan[i] > '9') return std::nullopt;
    fen = fen * 10 + static_cast<std::uint64_t>(yuan[i] - '0');
  }
  if (fen == 0) return std::nullopt;
  return fen;
}

Result<FareTable, jsondoc::DocError> parse_fares(std::string_view json_text, const std::string& file) {
  return jsondoc::parse_document<FareTable>(json_text, file, [](const json& j) -> FareTable {
    Object root(j, "");
    jsondoc::expect_format(root, kFaresFormat);
    (void)root.boolean("test_only");
    (void)root.plain_text("description", 400);
    const json& cities = root.need("fares");
    if (!cities.is_object() || cities.empty()) fail("fares", "must be a JSON object of cities");
    FareTable table;
    for (const auto& [city, modes] : cities.items()) {
      const std::string city_field = jsondoc::join("fares", city);
      if (!valid_name(city)) fail(city_field, "a city name is 1-32 of a-z, 0-9 and '-'");
      if (!modes.is_object() || modes.empty()) fail(city_field, "must be a JSON object of modes");
      for (const auto& [mode, value] : modes.items()) {
        const std::string field = jsondoc::join(city_field, mode);
        if (!valid_name(mode)) fail(field, "a mode name is 1-32 of a-z, 0-9 and '-'");
        if (!value.is_string()) fail(field, "must be yuan as a string (\"2.00\")");
        const auto fen = parse_fare(value.get<std::string>());
        if (!fen) fail(field, jsondoc::in_quotes(value.get<std::string>()) + " is not yuan 0.01 to 999.99 with two decimals");
        (void)table.add(city, mode, *fen);
      }
    }
    root.no_unknown_fields();
    return table;
  });
}

Result<FareTable, jsondoc::DocError> load_fares(const std::filesystem::path& file) {
  return jsondoc::load_document<FareTable>(
      file, [](std::string_view text, const std::string& name) { return parse_fares(text, name); });
}

}  // namespace sscard::transit

// The flat fares of the transit validators (CONTACTLESS.md §5): `cards/transit/fares.json`, format
// "sscard-fares/1", one fare per city and mode. The bundled values are test values, not published tariffs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/core/result.h"
#include "sscard/jsondoc/doc_error.h"

namespace sscard::transit {

inline constexpr std::string_view kFaresFormat = "sscard-fares/1";

// City and mode names: 1-32 of a-z, 0-9 and '-' ("chongqing", "bus").
bool valid_name(std::string_view name);

class FareTable {
 public:
  // The fare in fen of `mode` in `city`; nullopt when the table has none.
  std::optional<std::uint64_t> fare(std::string_view city, std::string_view mode) const;
  // Every fare; (city, mode) -> fen.
  const std::map<std::pair<std::string, std::string>, std::uint64_t>& all() const { return fares_; }

  // For the parser: kInvalidArgument for a name that valid_name refuses or a fare of 0.
  Status add(std::string city, std::string mode, std::uint64_t fen);

 private:
  std::map<std::pair<std::string, std::string>, std::uint64_t> fares_;
};

// {"format": "sscard-fares/1", "test_only": bool, "description": text, "fares": {city: {mode: "2.00"}}}.
// Fares are yuan with exactly two decimals, 0.01 to 999.99. Errors name the file and the field.
Result<FareTable, jsondoc::DocError> parse_fares(std::string_view json_text, const std::string& file);
Result<FareTable, jsondoc::DocError> load_fares(const std::filesystem::path& file);

// "2.00" -> 200; nullopt unless digits, '.', exactly two decimals, at most 999.99 and above zero.
std::optional<std::uint64_t> parse_fare(std::string_view yuan);

}  // namespace sscard::transit

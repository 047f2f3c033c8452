// Command-line arguments: `sscard <command> [--flag value | --switch] ...`.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sscard::app {

struct FlagSpec {
  std::string_view name;   // without the leading "--"
  bool takes_value = true;
};

struct Args {
  std::string command;
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>> switches;

  std::optional<std::string_view> value(std::string_view flag) const;
  bool has(std::string_view flag) const { return switches.count(flag) != 0 || values.count(flag) != 0; }
};

struct ArgsError {
  std::string message;
};

// Parses argv[1..]: the first word is the command, the rest must be flags named in `flags`.
// Returns the error message for unknown flags, a missing value, or a repeated flag.
struct ParsedArgs {
  std::optional<Args> args;
  ArgsError error;
};
ParsedArgs parse_args(const std::vector<std::string_view>& argv, const std::vector<FlagSpec>& flags);

}  // namespace sscard::app

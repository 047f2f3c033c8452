#include "sscard/app/args.h"

#include <algorithm>

namespace sscard::app {

std::optional<std::string_view> Args::value(std::string_view flag) const {
  auto it = values.find(flag);
  if (it == values.end()) return std::nullopt;
  return std::string_view(it->second);
}

ParsedArgs parse_args(const std::vector<std::string_view>& argv, const std::vector<FlagSpec>& flags) {
  ParsedArgs out;
  if (argv.empty()) {
    out.error.message = "no command given (try `sscard help`)";
    return out;
  }
  Args args;
  args.command = std::string(argv[0]);
  for (std::size_t i = 1; i < argv.size(); ++i) {
    std::string_view word = argv[i];
    if (word.substr(0, 2) != "--" || word.size() == 2) {
      out.error.message = "unexpected argument '" + std::string(word) + "'";
      return out;
    }
    std::string_view name = word.substr(2);
    std::optional<std::string_view> inline_value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto spec = std::find_if(flags.begin(), flags.end(), [&](const FlagSpec& f) { return f.name == name; });
    if (spec == flags.end()) {
      out.error.message = "unknown option --" + std::string(name) + " for '" + args.command + "'";
      return out;
    }
    if (args.has(name)) {
      out.error.message = "option --" + std::string(name) + " given twice";
      return out;
    }
    if (!spec->takes_value) {
      if (inline_value) {
        out.error.message = "option --" + std::string(name) + " takes no value";
        return out;
      }
      args.switches.emplace(name);
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argv.size()) {
        out.error.message = "option --" + std::string(name) + " needs a value";
        return out;
      }
      inline_value = argv[++i];
    }
    args.values.emplace(std::string(name), std::string(*inline_value));
  }
  out.args = std::move(args);
  return out;
}

}  // namespace sscard::app

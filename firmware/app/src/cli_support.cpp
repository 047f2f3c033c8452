#include "sscard/app/cli_support.h"
#include "sscard/app/cli_validators.h"

#include <CLI/CLI.hpp>

#include <sstream>
#include <vector>

namespace sscard::app {
namespace {

// CLI11's messages, in the words of this project's error lines. An ExtrasError lists the words it did not
// expect (in reverse order); the first option among them is what the user mistyped.
std::string explain(const CLI::ParseError& e) {
  const std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const auto colon = what.find(": ");
    std::istringstream words(colon == std::string::npos ? std::string() : what.substr(colon + 2));
    std::vector<std::string> extras;
    for (std::string w; words >> w;) extras.push_back(w);
    for (auto it = extras.rbegin(); it != extras.rend(); ++it) {
      if (it->rfind("-", 0) == 0) return "unknown option " + *it;
    }
    if (!extras.empty()) return "unexpected argument '" + extras.back() + "'";
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && what.find("subcommand") != std::string::npos) {
    return "a command is required";
  }
  return what;
}

}  // namespace

std::string command_path(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* at = &app;
  for (;;) {
    const auto subs = at->get_subcommands();
    if (subs.empty()) return path;
    at = subs.front();
    path += " " + at->get_name();
  }
}

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
                                      std::ostream& err) {
  // A word where a command is expected that names none is a mistyped command, not a stray argument.
  const CLI::App* level = &app;
  std::string path = app.get_name();
  for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
    const auto subs = level->get_subcommands(std::function<bool(const CLI::App*)>{});
    if (subs.empty()) break;
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : subs) {
      if (sub->check_name(argv[i])) next = sub;
    }
    if (next == nullptr) {
      err << path << ": unknown command '" << argv[i] << "'; see `" << path << " --help`\n";
      return kExitUsage;
    }
    level = next;
    path += " " + next->get_name();
  }
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << '\n';
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    const std::string where = command_path(app);
    err << where << ": " << explain(e) << "; see `" << where << " --help`\n";
    return kExitUsage;
  }
}

int Reporter::fail(std::string_view message, int code) const {
  err_ << command_ << ": " << message << '\n';
  err_.flush();
  return code;
}

void Reporter::note(std::string_view message) const { err_ << command_ << ": note: " << message << '\n'; }

}  // namespace sscard::app

namespace sscard::app {

CLI::Validator host_port_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == text.size() ||
            text.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
          return "'" + text + "' is not HOST:PORT";
        }
        return {};
      },
      "HOST:PORT");
}

CLI::Validator existing_file() { return CLI::Validator(CLI::ExistingFile).description(""); }
CLI::Validator existing_folder() { return CLI::Validator(CLI::ExistingDirectory).description(""); }

CLI::Validator digits_validator(std::size_t count) {
  return CLI::Validator(
      [count](std::string& text) -> std::string {
        if (text.size() != count || text.find_first_not_of("0123456789") != std::string::npos) {
          return "'" + text + "' must be " + std::to_string(count) + " digits";
        }
        return {};
      },
      std::to_string(count) + " DIGITS");
}

}  // namespace sscard::app

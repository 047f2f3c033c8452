// The sscard commands. Each returns the process exit code: 0 success, 1 the card, reader or input failed,
// 2 the command line is wrong. Errors are one line on `err`.
#pragma once

#include <ostream>
#include <string_view>
#include <vector>

namespace sscard::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

int run_cli(const std::vector<std::string_view>& argv, std::ostream& out, std::ostream& err);

}  // namespace sscard::app

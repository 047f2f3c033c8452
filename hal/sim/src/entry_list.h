// The scripted devices' lists ("917364,cancel,123456" for a keypad, "ESSC:...,timeout" for a scanner): entries
// separated by commas, spaces around each ignored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sscard::hal::detail {

inline std::vector<std::string> split_entry_list(std::string_view list) {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  std::vector<std::string> entries;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    entries.emplace_back(trim(list.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return entries;
}

}  // namespace sscard::hal::detail

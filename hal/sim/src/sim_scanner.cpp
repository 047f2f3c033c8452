#include "sscard/hal/sim_scanner.h"

#include <utility>

namespace sscard::hal {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

SimScanner::SimScanner(std::vector<std::string> entries) : entries_(std::move(entries)) {}

SimScanner SimScanner::disconnected() {
  SimScanner scanner({});
  scanner.connected_ = false;
  return scanner;
}

SimScanner SimScanner::from_list(std::string_view list) {
  std::vector<std::string> entries;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    entries.emplace_back(trim(list.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return SimScanner(std::move(entries));
}

ScanError SimScanner::do_scan(int timeout_ms, std::string& text) {
  waits_.push_back(timeout_ms);
  if (!connected_) return ScanError::kNotConnected;
  if (next_ >= entries_.size()) return ScanError::kTimeout;
  const std::string& entry = entries_[next_++];
  if (entry.empty() || entry == "timeout") return ScanError::kTimeout;
  if (entry == "no_code") return ScanError::kNoCode;
  if (entry == "unreadable") return ScanError::kUnreadable;
  if (entry == "unplug") {
    connected_ = false;
    return ScanError::kNotConnected;
  }
  // The length and printable-text rules are CodeScanner::scan's, as for every backend.
  text = entry;
  return ScanError::kNone;
}

}  // namespace sscard::hal

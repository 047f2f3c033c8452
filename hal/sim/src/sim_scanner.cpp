#include "sscard/hal/sim_scanner.h"

#include <utility>

#include "entry_list.h"

namespace sscard::hal {
SimScanner::SimScanner(std::vector<std::string> entries) : entries_(std::move(entries)) {}

SimScanner SimScanner::disconnected() {
  SimScanner scanner({});
  scanner.connected_ = false;
  return scanner;
}

SimScanner SimScanner::from_list(std::string_view list) { return SimScanner(detail::split_entry_list(list)); }

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

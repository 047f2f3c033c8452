// SimScanner: a simulated code scanner that answers each scan with the next entry of a list, for the demo,
// `--scanner sim:...` style options of the front end and tests. Besides code texts an entry may be one of the
// words "timeout", "unplug", "no_code" or "unreadable", which make that scan fail the way a real scanner or
// camera would ("unplug": kNotConnected, and every later scan too). An empty entry is a scan that read
// nothing (kTimeout): a real scanner never gives an empty code.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/hal/scanner.h"

namespace sscard::hal {

class SimScanner final : public CodeScanner {
 public:
  // A scanner that answers each scan with the next entry; after the last one, every scan times out.
  explicit SimScanner(std::vector<std::string> entries);
  // A scanner that is not plugged in: every scan answers kNotConnected.
  static SimScanner disconnected();
  // Parses "ESSC:...,timeout,ESSC:..." (comma-separated entries, spaces around them ignored). Code texts never
  // hold a comma: it is not in the QR alphanumeric set.
  static SimScanner from_list(std::string_view list);

  SimScanner(SimScanner&&) = default;
  SimScanner& operator=(SimScanner&&) = default;

  std::size_t remaining() const { return entries_.size() - next_; }
  // The timeout of every scan asked for so far, in order (a caller's test checks how long it waited).
  const std::vector<int>& waits() const { return waits_; }

 private:
  ScanError do_scan(int timeout_ms, std::string& text) override;

  std::vector<std::string> entries_;
  std::size_t next_ = 0;
  bool connected_ = true;
  std::vector<int> waits_;
};

}  // namespace sscard::hal

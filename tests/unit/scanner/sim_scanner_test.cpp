#include "sscard/hal/sim_scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sscard::hal {
namespace {

TEST(SimScanner, AnswersEachScanWithTheNextEntryThenTimesOut) {
  SimScanner scanner({"ESSC:AAAA", "ESSC:BBBB"});
  std::string text;
  EXPECT_EQ(scanner.remaining(), 2u);
  EXPECT_EQ(scanner.scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:AAAA");
  EXPECT_EQ(scanner.scan(2000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:BBBB");
  EXPECT_EQ(scanner.remaining(), 0u);
  EXPECT_EQ(scanner.scan(3000, text), ScanError::kTimeout);
  EXPECT_EQ(text, "");
  EXPECT_EQ(scanner.waits(), (std::vector<int>{1000, 2000, 3000}));
}

TEST(SimScanner, FailureWords) {
  SimScanner scanner = SimScanner::from_list(" timeout , no_code,unreadable, ESSC:OK ,unplug, ESSC:NEVER");
  std::string text = "left over";
  EXPECT_EQ(scanner.scan(10, text), ScanError::kTimeout);
  EXPECT_EQ(text, "");
  EXPECT_EQ(scanner.scan(10, text), ScanError::kNoCode);
  EXPECT_EQ(scanner.scan(10, text), ScanError::kUnreadable);
  EXPECT_EQ(scanner.scan(10, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:OK");
  EXPECT_EQ(scanner.scan(10, text), ScanError::kNotConnected);
  EXPECT_EQ(text, "");
  // Unplugged stays unplugged: the entry after it is never given.
  EXPECT_EQ(scanner.remaining(), 1u);
  EXPECT_EQ(scanner.scan(10, text), ScanError::kNotConnected);
  EXPECT_EQ(scanner.remaining(), 1u);
}

TEST(SimScanner, Disconnected) {
  SimScanner scanner = SimScanner::disconnected();
  std::string text;
  EXPECT_EQ(scanner.scan(10, text), ScanError::kNotConnected);
  EXPECT_EQ(scan_error_name(ScanError::kNotConnected), "not_connected");
}

// The interface's rules hold for the scripted scanner too: too long, and not printable ASCII.
TEST(SimScanner, InterfaceRulesApply) {
  SimScanner scanner({std::string(kMaxCodeText, 'A'), std::string(kMaxCodeText + 1, 'A'), "ESSC:\x01", "ESSC:\xC3\xA9"});
  std::string text;
  EXPECT_EQ(scanner.scan(10, text), ScanError::kNone);
  EXPECT_EQ(text.size(), kMaxCodeText);
  EXPECT_EQ(scanner.scan(10, text), ScanError::kTooLong);
  EXPECT_EQ(text, "");
  EXPECT_EQ(scanner.scan(10, text), ScanError::kUnreadable);
  EXPECT_EQ(scanner.scan(10, text), ScanError::kUnreadable);
  EXPECT_EQ(text, "");
}

TEST(SimScanner, EmptyEntriesReadNothing) {
  EXPECT_EQ(SimScanner::from_list("").remaining(), 0u);
  EXPECT_EQ(SimScanner::from_list("ESSC:A,").remaining(), 1u);
  SimScanner scanner = SimScanner::from_list("ESSC:A,,ESSC:B");
  EXPECT_EQ(scanner.remaining(), 3u);
  std::string text;
  EXPECT_EQ(scanner.scan(10, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:A");
  EXPECT_EQ(scanner.scan(10, text), ScanError::kTimeout);  // a scanner never gives an empty code
  EXPECT_EQ(scanner.scan(10, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:B");
}

TEST(ScanError, Names) {
  EXPECT_EQ(scan_error_name(ScanError::kNone), "ok");
  EXPECT_EQ(scan_error_name(ScanError::kTimeout), "timeout");
  EXPECT_EQ(scan_error_name(ScanError::kNoCode), "no_code");
  EXPECT_EQ(scan_error_name(ScanError::kUnreadable), "unreadable");
  EXPECT_EQ(scan_error_name(ScanError::kTooLong), "too_long");
}

}  // namespace
}  // namespace sscard::hal

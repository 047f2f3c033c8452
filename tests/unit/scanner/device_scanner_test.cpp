// The device scanner on descriptors the test owns: a pipe carrying input_event records (a keyboard-wedge
// scanner), and a pseudo-terminal (a serial scanner), opened by path as a kiosk opens /dev/ttyACM0.
#include "sscard/hal/device_scanner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/input.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sscard::hal {
namespace {

using Clock = std::chrono::steady_clock;

long elapsed_ms(Clock::time_point since) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

void write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = write(fd, p, size);
    ASSERT_GT(n, 0) << std::strerror(errno);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// --- Keyboard-wedge scanners: input_event records ---------------------------------------------------------

input_event event(std::uint16_t type, std::uint16_t code, std::int32_t value) {
  input_event e{};
  e.type = type;
  e.code = code;
  e.value = value;
  return e;
}

// How a wedge scanner types `text` on a US layout: MSC_SCAN and SYN around each key, Shift where needed.
struct KeyOf {
  std::uint16_t code;
  bool shift;
};

KeyOf key_of(char c) {
  if (c >= 'A' && c <= 'Z') {
    static const std::uint16_t letters[26] = {KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I,
                                              KEY_J, KEY_K, KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R,
                                              KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z};
    return {letters[c - 'A'], true};
  }
  if (c >= '1' && c <= '9') return {static_cast<std::uint16_t>(KEY_1 + (c - '1')), false};
  switch (c) {
    case '0': return {KEY_0, false};
    case ' ': return {KEY_SPACE, false};
    case '$': return {KEY_4, true};
    case '%': return {KEY_5, true};
    case '*': return {KEY_8, true};
    case '+': return {KEY_EQUAL, true};
    case '-': return {KEY_MINUS, false};
    case '.': return {KEY_DOT, false};
    case '/': return {KEY_SLASH, false};
    case ':': return {KEY_SEMICOLON, true};
    case '\n': return {KEY_ENTER, false};
    default: ADD_FAILURE() << "no key for " << c; return {KEY_RESERVED, false};
  }
}

void add_key(std::vector<input_event>& out, std::uint16_t code, std::int32_t value) {
  out.push_back(event(EV_MSC, MSC_SCAN, 0x70000 + code));
  out.push_back(event(EV_KEY, code, value));
  out.push_back(event(EV_SYN, SYN_REPORT, 0));
}

std::vector<input_event> typing(std::string_view text) {
  std::vector<input_event> out;
  for (const char c : text) {
    const KeyOf k = key_of(c);
    if (k.shift) add_key(out, KEY_LEFTSHIFT, 1);
    add_key(out, k.code, 1);
    add_key(out, k.code, 0);
    if (k.shift) add_key(out, KEY_LEFTSHIFT, 0);
  }
  return out;
}

class WedgeScanner : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    writer_ = fds[1];
    scanner_ = DeviceScanner::adopt(fds[0], DeviceKind::kKeyEvents);
  }
  void TearDown() override {
    if (writer_ >= 0) close(writer_);
  }
  void send(const std::vector<input_event>& events) { write_all(writer_, events.data(), events.size() * sizeof(input_event)); }
  void type(std::string_view text) { send(typing(text)); }

  int writer_ = -1;
  std::unique_ptr<DeviceScanner> scanner_;
};

TEST_F(WedgeScanner, TypedCodeUpToEnter) {
  EXPECT_EQ(scanner_->kind(), DeviceKind::kKeyEvents);
  type("ESSC:ABCD2345 $%*+-./:\n");
  std::string text;
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:ABCD2345 $%*+-./:");
}

TEST_F(WedgeScanner, TwoCodesInOneBurstComeOneByOne) {
  type("ESSC:ONE\nESSC:TWO\n");
  std::string text;
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:ONE");
  EXPECT_EQ(scanner_->scan(0, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:TWO");
  EXPECT_EQ(scanner_->scan(0, text), ScanError::kTimeout);
}

TEST_F(WedgeScanner, ARefusedKeySpoilsItsLineOnly) {
  std::vector<input_event> events = typing("ESSC:AB");
  add_key(events, KEY_TAB, 1);
  add_key(events, KEY_TAB, 0);
  const std::vector<input_event> rest = typing("CD\nESSC:OK\n");
  events.insert(events.end(), rest.begin(), rest.end());
  send(events);
  std::string text;
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kUnreadable);
  EXPECT_EQ(text, "");
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:OK");
}

TEST_F(WedgeScanner, ACodeSplitAcrossScansAndRecords) {
  const std::vector<input_event> events = typing("ESSC:SPLIT\n");
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(events.data());
  const std::size_t total = events.size() * sizeof(input_event);
  const std::size_t cut = 10 * sizeof(input_event) + sizeof(input_event) / 2;  // inside a record
  write_all(writer_, bytes, cut);
  std::string text;
  EXPECT_EQ(scanner_->scan(20, text), ScanError::kTimeout);
  EXPECT_EQ(text, "");
  write_all(writer_, bytes + cut, total - cut);
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:SPLIT");
}

TEST_F(WedgeScanner, UnpluggedIsNotConnectedFromThenOn) {
  type("ESSC:HALF");
  close(writer_);
  writer_ = -1;
  std::string text;
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNotConnected);
  EXPECT_EQ(scanner_->scan(0, text), ScanError::kNotConnected);
}

// --- Serial scanners: a pseudo-terminal --------------------------------------------------------------------

class SerialScanner : public ::testing::Test {
 protected:
  void SetUp() override {
    int slave = -1;
    ASSERT_EQ(openpty(&master_, &slave, nullptr, nullptr, nullptr), 0) << std::strerror(errno);
    const char* name = ptsname(master_);
    ASSERT_NE(name, nullptr);
    path_ = name;
    slave_ = slave;  // kept open so the terminal stays while scanners come and go
    termios t{};
    ASSERT_EQ(tcgetattr(slave_, &t), 0);
    ASSERT_NE(t.c_lflag & ICANON, 0u) << "a new pty starts in canonical mode";
  }
  void TearDown() override {
    scanner_.reset();
    if (master_ >= 0) close(master_);
    if (slave_ >= 0) close(slave_);
  }
  void open_device(DeviceScannerOptions options = {}) {
    auto opened = DeviceScanner::open(path_, options);
    ASSERT_TRUE(opened.ok()) << scanner_open_error_name(opened.error());
    scanner_ = std::move(opened).value();
  }
  void send(std::string_view bytes) { write_all(master_, bytes.data(), bytes.size()); }

  int master_ = -1;
  int slave_ = -1;
  std::string path_;
  std::unique_ptr<DeviceScanner> scanner_;
};

TEST_F(SerialScanner, OpensAsSerialInRawModeAndPutsTheTerminalBack) {
  open_device();
  EXPECT_EQ(scanner_->kind(), DeviceKind::kSerial);
  termios t{};
  ASSERT_EQ(tcgetattr(slave_, &t), 0);
  EXPECT_EQ(t.c_lflag & (ICANON | ECHO | ISIG), 0u);
  EXPECT_EQ(t.c_iflag & (ICRNL | IXON), 0u);
  EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  scanner_.reset();
  ASSERT_EQ(tcgetattr(slave_, &t), 0);
  EXPECT_NE(t.c_lflag & ICANON, 0u);
  EXPECT_NE(t.c_lflag & ECHO, 0u);
}

TEST_F(SerialScanner, LineEndedByCr) {
  open_device();
  send("ESSC:ABCDEFGH234567\r");
  std::string text;
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:ABCDEFGH234567");
}

TEST_F(SerialScanner, LineEndedByLfAndCrLf) {
  open_device();
  send("ESSC:LF\nESSC:CRLF\r\nESSC:NEXT\r\n");
  std::string text;
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:LF");
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:CRLF");
  // The LF of the CR LF pair is no empty code.
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:NEXT");
  EXPECT_EQ(scanner_->scan(0, text), ScanError::kTimeout);
}

TEST_F(SerialScanner, TimeoutWaitsAboutAsAsked) {
  open_device();
  std::string text;
  const auto start = Clock::now();
  EXPECT_EQ(scanner_->scan(80, text), ScanError::kTimeout);
  const long waited = elapsed_ms(start);
  EXPECT_GE(waited, 75);
  EXPECT_LT(waited, 2000);
  EXPECT_EQ(text, "");
}

TEST_F(SerialScanner, APartialLineWaitsForTheNextScan) {
  open_device();
  send("ESSC:FIRST");
  std::string text;
  EXPECT_EQ(scanner_->scan(30, text), ScanError::kTimeout);
  send("HALF\r");
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:FIRSTHALF");
}

TEST_F(SerialScanner, AFragmentAfterALongPauseIsDropped) {
  open_device({.max_gap_ms = 40});
  send("ESSC:STALE");
  std::string text;
  EXPECT_EQ(scanner_->scan(20, text), ScanError::kTimeout);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the pause under test
  send("ESSC:FRESH\r");
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:FRESH");
}

TEST_F(SerialScanner, LongestLineAndOneMore) {
  open_device();
  // Lines are built by appending: GCC 12 reports a false -Warray-bounds for a long string + a literal.
  const auto line = [](std::size_t length, char c, std::string_view end) {
    std::string out(length, c);
    out.append(end);
    return out;
  };
  const std::string longest(kMaxCodeText, 'Q');
  send(line(kMaxCodeText, 'Q', "\r"));
  std::string text;
  EXPECT_EQ(scanner_->scan(2000, text), ScanError::kNone);
  EXPECT_EQ(text, longest);
  send(line(kMaxCodeText + 1, 'Q', "\r"));
  EXPECT_EQ(scanner_->scan(2000, text), ScanError::kTooLong);
  EXPECT_EQ(text, "");
  send(line(3 * kMaxCodeText, 'R', "\rESSC:AFTER\r"));
  EXPECT_EQ(scanner_->scan(2000, text), ScanError::kTooLong);
  // The long line was read to its end: the next code is whole.
  EXPECT_EQ(scanner_->scan(2000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:AFTER");
}

TEST_F(SerialScanner, BytesThatAreNotPrintableText) {
  open_device();
  send("ESSC:\x02" "AB\x03\r");
  std::string text;
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kUnreadable);
  EXPECT_EQ(text, "");
  send("ESSC:\xC3\xA9\r");
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kUnreadable);
}

TEST_F(SerialScanner, InputBeforeOpenIsFlushed) {
  send("ESSC:OLD\r");
  open_device();
  std::string text;
  EXPECT_EQ(scanner_->scan(50, text), ScanError::kTimeout);
  send("ESSC:NEW\r");
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNone);
  EXPECT_EQ(text, "ESSC:NEW");
}

TEST_F(SerialScanner, HangupIsNotConnected) {
  open_device();
  close(master_);
  master_ = -1;
  std::string text;
  EXPECT_EQ(scanner_->scan(1000, text), ScanError::kNotConnected);
  EXPECT_EQ(scanner_->scan(0, text), ScanError::kNotConnected);
}

}  // namespace
}  // namespace sscard::hal

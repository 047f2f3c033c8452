// ScriptedSlot: a fake card slot for unit tests that replays a script of expected command -> response
// exchanges. A command that differs from the next expected one is a test failure (with a hex diff of the
// two), and so is a script with exchanges left over at the end.
//
// Scripts come from code (expect(), expect_removed(), expect_any()) or from a data file, one item a line:
//   > 00A40400 0F 7378...      the next command (spaces ignored; "*" matches any command)
//   < 6F19...9000              the card's response to it
//   ! removed                  instead of a response: the card goes away during this exchange
//   # comment                  ignored, as are blank lines
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/hal/slot.h"

namespace sscard::testing {

class ScriptedSlot : public hal::Slot {
 public:
  // `atr_hex`: what power_up() returns. The card is present and unpowered until power_up().
  explicit ScriptedSlot(std::string_view atr_hex, hal::Protocol protocol = hal::Protocol::kT0,
                        hal::SlotKind kind = hal::SlotKind::kContact);
  // Checks that the whole script was used (a test failure otherwise), unless verify_done() already ran.
  ~ScriptedSlot() override;

  ScriptedSlot(const ScriptedSlot&) = delete;
  ScriptedSlot& operator=(const ScriptedSlot&) = delete;

  // Appends an exchange: the next command must equal `command_hex`; the card answers `response_hex`
  // (data and SW1 SW2; a shorter response is allowed, to test how the terminal copes with one). Bad hex in
  // a script is a test failure.
  ScriptedSlot& expect(std::string_view command_hex, std::string_view response_hex);
  ScriptedSlot& expect(ByteSpan command, ByteSpan response);
  // Appends an exchange during which the card is pulled: transmit() returns kCardRemoved and the card is
  // absent afterwards.
  ScriptedSlot& expect_removed(std::string_view command_hex);
  // Appends an exchange that accepts any command (for garbled-response tests).
  ScriptedSlot& expect_any(std::string_view response_hex);
  ScriptedSlot& expect_any(ByteSpan response);

  // Appends the exchanges of a script file (format above). Returns false, with a test failure naming
  // the file and line, when the file cannot be read or a line is malformed.
  bool load_script(const std::string& path);
  // The same from text already in memory; `origin` names it in failure messages.
  bool load_script_text(std::string_view text, std::string_view origin = "script");

  // A test failure if expected exchanges are left over. Marks the script as checked.
  void verify_done();
  // Drops the exchanges not yet used and returns how many there were (for tests where the terminal is
  // expected to stop early; assert on the count).
  std::size_t discard_remaining();

  std::size_t remaining() const { return script_.size(); }
  std::size_t exchanges_done() const { return done_; }
  bool powered() const { return powered_; }
  const Bytes& atr() const { return atr_; }

  std::string_view name() const override { return name_; }
  hal::SlotKind kind() const override { return kind_; }

  // Takes the card out (card_present() false, transmit() kNoCard) or puts it back (unpowered).
  void remove_card();
  void insert_card();

 private:
  struct Exchange {
    Bytes command;
    Bytes response;
    bool any_command = false;
    bool removed = false;
    std::string origin;  // "file:line" or "expect() #n", for failure messages
  };

  Result<bool> do_card_present() override;
  Result<std::size_t> do_power_up(MutableByteSpan atr) override;
  hal::Protocol do_protocol() const override;
  Status do_power_down() override;
  Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) override;

  std::string next_origin();

  std::string name_ = "scripted";
  Bytes atr_;
  hal::Protocol protocol_;
  hal::SlotKind kind_;
  std::deque<Exchange> script_;
  std::size_t done_ = 0;
  std::size_t added_ = 0;
  bool present_ = true;
  bool powered_ = false;
  bool verified_ = false;
};

// "00 A4 04 00" style text for failure messages and diffs.
std::string spaced_hex(ByteSpan bytes);

// Expected vs actual, with a marker line under the bytes that differ.
std::string hex_diff(ByteSpan expected, ByteSpan actual);

}  // namespace sscard::testing

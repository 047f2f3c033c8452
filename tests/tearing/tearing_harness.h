// The tearing harness (docs/TEARING.md "The exhaustive harness").
//
// A scenario is a script of commands to a simulated card. A clean run of the script finds every event that
// writes the card's memory (a command, or a power-on whose recovery writes) and counts its page writes. Then,
// for each such event, the script runs again on a fresh card up to that event and power is cut:
//   before page write k (k = 0 .. writes-1; the write does not happen),
//   during page write k (the page is torn: it reads back as a mixture of old, new and noise),
//   after the last page write (the answer is lost, the command is complete).
// The card is powered up again (its recovery runs) and checked:
//   - its memory below the journal equals its state at the last commit the run reached, or before the event
//     if it reached none: every object holds its old or its new value, nothing in between;
//   - the memory reads back the same twice (no torn page is left where data lives);
//   - on a copy of that memory: the payment application's ATC did not go back, a balance that moved has a new
//     log record with it, and no PIN try came back unless the command completed;
//   - the card answers SELECT again.
// The recovery is itself cut before and during each of its own page writes, then run again, and the same is
// checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/card_os.h"
#include "sscard/sim/eeprom.h"

namespace sscard::sim::tearing {

// What a copy of the card says about the values the invariants speak of (empty: the card has no such value).
struct Probe {
  std::optional<std::uint16_t> atc;             // payment application, GET DATA 9F36
  std::optional<std::uint64_t> ecash_balance;   // GET DATA 9F79
  std::string newest_log;                       // the newest transaction-log record (hex), empty if none
  std::string newest_load_log;                  // the newest e-cash load-log record (hex), empty if none
  std::optional<std::uint8_t> payment_pin_tries;  // GET DATA 9F17
  std::optional<std::uint8_t> ssse_pin_tries;     // the social-security PIN's counter
  bool answers = false;                         // the applications answer SELECT
};

class Session;

// The PIN whose try a command spends before it compares (VERIFY, CHANGE PIN): the try must be spent by the
// command's first commit, so that no cut, however late, gives it back.
enum class SpendsTry : std::uint8_t { kNone, kSocialSecurity, kPayment };

struct Scenario {
  std::string name;
  // A fresh, personalised card, not yet powered.
  std::function<std::unique_ptr<CardOs>()> make_card;
  // The commands; the session decides which of them reach the card.
  std::function<void(Session&)> script;
  // Reads the probe values from a powered card (may send commands; it runs on a copy).
  std::function<Probe(CardOs&)> probe;
};

// The script's view of the card. In the clean run every command reaches the card and is recorded; in a fault
// run the session stops the script (by throwing Session::Stopped) right after the event under test.
class Session {
 public:
  struct Stopped {};
  struct Event {
    std::string label;
    std::size_t writes = 0;  // page writes the event made
    std::string answer;      // data + SW in hex
    SpendsTry spends = SpendsTry::kNone;
  };
  struct Fault {
    std::size_t event = 0;
    std::size_t page = 0;        // the page write cut (ignored when `after`)
    Eeprom::Cut how = Eeprom::Cut::kBeforeWrite;
    bool after = false;          // power lost after the event's last write
  };

  // Clean run.
  Session(CardOs& card, crypto::Crypto& crypto);
  // Fault run.
  Session(CardOs& card, crypto::Crypto& crypto, Fault fault);

  // One command in hex; a 61xx answer is followed by GET RESPONSE as a T=0 terminal does. Data + SW in hex.
  std::string send(std::string_view apdu_hex, std::string_view label = {});
  // As send; in the clean run the status word (last 4 hex digits) must be `sw`.
  std::string expect(std::string_view apdu_hex, std::string_view sw, std::string_view label = {});
  // As expect, for a command that spends a try of `pin` before comparing.
  std::string expect_try(std::string_view apdu_hex, std::string_view sw, std::string_view label, SpendsTry pin);
  // The card leaves and comes back: on its contacts, or in the field.
  void reinsert();
  void tap();

  CardOs& card() { return card_; }
  crypto::Crypto& crypto() { return crypto_; }

  // Clean run: the events in order, and what went other than the script says.
  const std::vector<Event>& events() const { return events_; }
  const std::vector<std::string>& script_errors() const { return script_errors_; }
  // Fault run: the event was reached; the data at the last commit (or before the event); the memory before it.
  bool reached() const { return reached_; }
  const Bytes& last_commit() const { return last_commit_; }
  const Bytes& image_before() const { return image_before_; }
  // Fault run: the whole memory at the event's first commit (empty if it reached none).
  const Bytes& first_commit_image() const { return first_commit_image_; }
  // Fault run: the armed cut fired (false: the event wrote fewer pages than in the clean run).
  bool cut_fired() const { return cut_fired_; }

 private:
  std::string perform(std::string label, const std::function<std::string()>& action);

  CardOs& card_;
  crypto::Crypto& crypto_;
  std::optional<Fault> fault_;
  std::size_t next_event_ = 0;
  std::vector<Event> events_;
  std::vector<std::string> script_errors_;
  bool reached_ = false;
  bool tracking_ = false;
  bool cut_fired_ = false;
  Bytes last_commit_;
  Bytes image_before_;
  Bytes first_commit_image_;
  SpendsTry next_spends_ = SpendsTry::kNone;
};

// The memory below the journal, read (torn pages get a fresh reading).
Bytes data_area(const CardOs& card);

// A random source that gives the same bytes in every run (challenges, nonces), so that a script's MACs and
// cryptograms computed from the card's answers are reproduced run after run.
CardOs::RandomSource repeatable_random();

struct CommandReport {
  std::string label;
  std::size_t event = 0;
  std::size_t writes = 0;            // page writes in the clean run
  std::size_t cut_points = 0;        // before and torn at each write, and after the last
  std::size_t recovery_cuts = 0;     // cuts inside the recovery that followed (before and torn)
  SpendsTry spends = SpendsTry::kNone;
  std::size_t runs = 0;
  std::size_t inconsistent = 0;
  std::vector<std::string> failures;  // the first few, for the test's message
};

struct ScenarioReport {
  std::vector<std::string> script_errors;  // the clean run did not do what the script says
  std::vector<CommandReport> commands;     // every event that writes
};

struct Options {
  // Recovery cuts follow every `recovery_stride`-th primary cut of a command (1: all; 0: none).
  std::size_t recovery_stride = 1;
};

ScenarioReport run_scenario(const Scenario& scenario, const Options& options);

}  // namespace sscard::sim::tearing

// The vicc bridge: puts a simulated card (sscard::sim::Card) into pcscd's virtual reader (vpcd), so any
// PC/SC application (the firmware's PC/SC backend, pcsc_scan, opensc-tool, pyscard) sees it as a card.
//
// Protocol (vsmartcard vpcd, as shipped with Debian's vsmartcard-vpcd 3.3): vpcd listens on TCP (port 35963
// for reader "Virtual PCD 00 00", 35964 for "... 00 01"); the card connects as the client. One connection
// is one inserted card: closing it removes the card. Every message both ways is a u16 big-endian length
// followed by that many bytes; only vpcd starts an exchange. One-byte messages from vpcd are controls:
// 00 power off, 01 power on, 02 reset, 04 get ATR (answered with the ATR); longer messages are command
// APDUs, answered with exactly one response APDU. See docs/PCSC.md "The vpcd protocol".
//
// Latency: vpcd writes length and payload in two send() calls; with TCP delayed ACK that costs ~48 ms per
// exchange. The bridge sets TCP_NODELAY, writes every framed message with one send(), and re-arms
// TCP_QUICKACK after every recv(), which brings an APDU round trip through pcscd to ~100 us.
//
// Control outside the APDU path: pull_card() / insert_card() / stop() may be called from any thread and
// from signal handlers (they set an atomic flag and write to an eventfd that run() polls).
//
// Contactless (ViccOptions::contactless, docs/CONTACTLESS.md §1.1): the card is presented as a card in a
// contactless field; power-on and reset activate it (Card::activate_contactless) and the ATR is the one a
// PC/SC reader builds from its ATS (hal::pcsc_atr_from_ats). vpcd's reader names carry no contactless
// hint, so the terminal is told which reader is the field (readers.contactless).
//
// The command line: `sscard vicc --card PROFILE [--host H] [--port P]` calls run_vicc_command(), which
// serves until SIGINT or SIGTERM; SIGUSR1 pulls the card, SIGUSR2 inserts it again:
//   sscard vicc --card PROFILE &   kill -USR1 $!   kill -USR2 $!   kill -TERM $!
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/status.h"
#include "sscard/sim/card.h"

namespace sscard::sim {

inline constexpr std::uint16_t kVpcdDefaultPort = 35963;  // reader "Virtual PCD 00 00"
// pcscd asks vpcd for card presence this often (pcsc-lite PCSCLITE_STATUS_POLL_RATE). A card that is
// out for less than one period may go unnoticed: pcscd then takes the new card for the old one.
inline constexpr std::chrono::milliseconds kVpcdPollPeriod{400};
// After pull_card(), insert_card() connects no sooner than this, so that pcscd sees the removal.
inline constexpr std::chrono::milliseconds kMinimumTimeOut{500};

struct ViccOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = kVpcdDefaultPort;
  // Reconnection after vpcd went away (pcscd stopped or restarted): the delay starts at the first value
  // and doubles up to the second.
  std::chrono::milliseconds reconnect_initial{20};
  std::chrono::milliseconds reconnect_max{1000};
  // Present the card's contactless side; a card without one makes run() return kUnsupported.
  bool contactless = false;
  // Receives one line per event (connected, disconnected, pulled...); never APDU contents. May be empty.
  std::function<void(std::string_view)> log;
};

class ViccBridge {
 public:
  // `card` is used only from the thread that calls run().
  ViccBridge(std::shared_ptr<Card> card, ViccOptions options);
  ~ViccBridge();
  ViccBridge(const ViccBridge&) = delete;
  ViccBridge& operator=(const ViccBridge&) = delete;

  // Connects to vpcd and serves it until stop(); reconnects with backoff whenever the connection drops
  // (the card stays "inserted" until pull_card()). Returns kOk after stop(); kInvalidArgument if the
  // host cannot be resolved; kIo if the OS refuses an eventfd or socket; kUnsupported when `contactless`
  // is asked of a card without a contactless interface. Never throws.
  Status run();

  // Thread-safe and async-signal-safe. stop() makes run() return; pull_card() closes the connection
  // (vpcd reports the card removed) and keeps it closed; insert_card() connects again, but no sooner
  // than kMinimumTimeOut after the pull.
  void stop();
  void pull_card();
  void insert_card();

  // Thread-safe observers, for tests and status lines.
  bool connected() const { return connected_.load(); }
  std::uint64_t connections() const { return connections_.load(); }    // successful connects so far
  std::uint64_t apdus_served() const { return apdus_served_.load(); }  // responses made so far

 private:
  enum Request : unsigned { kStop = 1, kPull = 2, kInsert = 4 };
  void request(unsigned bits);

  // Returns true when run() must return.
  bool handle_requests();
  Status connect_once();
  void disconnect(std::string_view why);
  // Waits up to `delay` for a request; returns true when run() must return.
  bool idle(std::chrono::milliseconds delay);
  // Reads exactly out.size() bytes; false on disconnect or a pending request.
  bool receive_exactly(MutableByteSpan out);
  bool send_frame(ByteSpan payload);
  bool serve_one_message();
  void note(std::string_view line) const;

  std::shared_ptr<Card> card_;
  ViccOptions options_;
  int event_fd_ = -1;
  int socket_ = -1;
  bool inserted_ = true;  // owned by the run() thread
  std::chrono::steady_clock::time_point pulled_at_{};
  Bytes atr_;             // the card's ATR, learned at the first connection
  Bytes message_;         // receive buffer, reused
  Bytes frame_;           // send buffer, reused
  std::atomic<unsigned> requests_{0};
  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> apdus_served_{0};
};

// For `sscard vicc`: serves `card` to vpcd until SIGINT/SIGTERM, with SIGUSR1 = pull the card and
// SIGUSR2 = insert it again; logs events to stderr. Restores the previous signal handlers before returning.
// Returns a process exit code: 0 after a signal-driven stop, 2 on bad options (unresolvable host),
// 1 on other failures.
int run_vicc_command(const ViccOptions& options, std::shared_ptr<Card> card);

}  // namespace sscard::sim

// Transport: "send this command, get the whole response" on top of a HAL slot, which moves single APDUs.
// It owns the ISO/IEC 7816-4 response-chaining rules (5.3.4 / 7.6.1): 61xx is followed by GET RESPONSE and
// the pieces are joined; 6Cxx (wrong Le) is answered by sending the command once more with Le = xx. Every
// exchange on the wire is counted and, if a TraceSink is set, traced after redaction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/status_word.h"
#include "sscard/hal/slot.h"
#include "sscard/transport/trace.h"

namespace sscard::transport {

// The longest command the transport encodes: any short APDU, or an extended one with up to 255 data bytes.
inline constexpr std::size_t kMaxCommandSize = 4 + 3 + apdu::kMaxShortNc + 2;

// GET RESPONSE rounds allowed for one command: enough for a 65536-byte response in 256-byte pieces.
inline constexpr std::size_t kMaxGetResponses = 257;

class Transport {
 public:
  explicit Transport(hal::Slot& slot) : slot_(slot) {}

  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends `cmd` and returns the complete response: its data is a view into `response_buffer`, its status
  // word the card's last one. `response_buffer` must hold the data plus 2 bytes (the status word of each
  // piece lands there first): kMaxShortResponseSize always suffices for a short Ne.
  //
  // Card status words are returned, not turned into errors: 6A82, 6982, 63Cx... are for the caller to judge
  // (a 6Cxx that persists after the one re-send is returned too). Errors:
  //  - kInvalidArgument: `cmd` cannot be encoded; kUnsupported: it encodes to more than kMaxCommandSize.
  //    Nothing was sent in either case.
  //  - the slot's errors, passed through: kNoCard, kCardRemoved (the command may or may not have run),
  //    kReaderUnavailable, kTimeout...
  //  - kBufferTooSmall: the response (or the next GET RESPONSE piece plus its status word) does not fit;
  //    the card may still hold the rest.
  //  - kMalformed: a response shorter than SW1 SW2, or more than kMaxGetResponses GET RESPONSE rounds.
  Result<apdu::Response> transmit(const apdu::Command& cmd, MutableByteSpan response_buffer);

  // The card's final status word of the last transmit() that got one (e.g. for a caller that received
  // kCardStatus from a layer above). 0000 before the first.
  StatusWord last_status_word() const { return last_sw_; }

  // Exchanges on the wire (GET RESPONSE and re-sends included) since construction or reset_counters().
  std::size_t apdu_count() const { return apdu_count_; }
  // transmit() calls since construction or reset_counters().
  std::size_t command_count() const { return command_count_; }
  void reset_counters() {
    apdu_count_ = 0;
    command_count_ = 0;
  }

  // Traces every exchange to `sink` (nullptr: tracing off). The sink must outlive its use.
  void set_trace(TraceSink* sink) { sink_ = sink; }
  // Replaces the default redaction (nullptr: back to default_redactor()).
  void set_redactor(const Redactor* redactor) { redactor_ = redactor; }

  hal::Slot& slot() { return slot_; }

 private:
  // transmit() without the wiping of the command copies (which may hold a PIN) afterwards.
  Result<apdu::Response> transmit_and_follow(const apdu::Command& cmd, MutableByteSpan response_buffer);
  // One exchange on the wire; `original` is the caller's encoded command (for response redaction) and
  // `data_before` the response data already received into `buffer`.
  Result<std::size_t> exchange(ExchangeKind kind, ByteSpan command, ByteSpan original, MutableByteSpan buffer,
                               std::size_t data_before);
  void trace(ExchangeKind kind, ByteSpan command, ByteSpan original, ByteSpan buffer, std::size_t data_before,
             std::size_t received, Status status);

  hal::Slot& slot_;
  TraceSink* sink_ = nullptr;
  const Redactor* redactor_ = nullptr;
  std::size_t apdu_count_ = 0;
  std::size_t command_count_ = 0;
  StatusWord last_sw_{};
  std::array<std::uint8_t, kMaxCommandSize> command_buffer_{};
  std::array<std::uint8_t, TracedBytes::kTraceCapacity> trace_command_{};
  std::array<std::uint8_t, TracedBytes::kTraceCapacity> trace_response_{};
};

}  // namespace sscard::transport

// Slot: one place a card can sit in (the contact slot, the contactless field, the PSAM slot).
//
// A slot moves whole APDUs and nothing more: it does no 61xx / GET RESPONSE handling (that is the
// transport's job, firmware/transport). Backends (PC/SC, simulator, scripted test reader) implement the
// private virtuals; callers use the public non-virtual functions, which check arguments first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::hal {

enum class SlotKind : std::uint8_t { kContact, kContactless, kSam };
enum class Protocol : std::uint8_t { kT0, kT1, kContactless };

inline constexpr std::size_t kMaxAtrSize = 33;  // ISO/IEC 7816-3: TS + at most 32 bytes

class Slot {
 public:
  virtual ~Slot() = default;

  virtual std::string_view name() const = 0;
  virtual SlotKind kind() const = 0;

  // Is a card there now? kReaderUnavailable if the reader is gone.
  Result<bool> card_present() { return do_card_present(); }

  // Powers the card up (cold reset if already powered) and writes its ATR into `atr`; returns its length.
  // kNoCard: no card; kBufferTooSmall: `atr` shorter than the ATR (use kMaxAtrSize).
  Result<std::size_t> power_up(MutableByteSpan atr) { return do_power_up(atr); }

  // The protocol negotiated at power_up. Valid only while powered.
  Protocol protocol() const { return do_protocol(); }

  // Powers the card down. Harmless when already unpowered or when the card is gone.
  Status power_down() { return do_power_down(); }

  // Sends one command APDU and writes the complete response (data + SW1 SW2) into `response`.
  // kInvalidArgument: command shorter than 4 bytes or `response` shorter than 2 bytes; nothing was sent.
  // kNoCard: card absent or unpowered; nothing was sent. kCardRemoved: the card went away during the
  // exchange and the command may or may not have been executed. kBufferTooSmall: the response did not fit.
  Result<std::size_t> transmit(ByteSpan command, MutableByteSpan response) {
    if (command.size() < 4 || response.size() < 2) return Error::kInvalidArgument;
    return do_transmit(command, response);
  }

 private:
  virtual Result<bool> do_card_present() = 0;
  virtual Result<std::size_t> do_power_up(MutableByteSpan atr) = 0;
  virtual Protocol do_protocol() const = 0;
  virtual Status do_power_down() = 0;
  virtual Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) = 0;
};

}  // namespace sscard::hal

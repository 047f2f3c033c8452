// Card: what a simulated card offers to whatever carries its APDUs (the in-process HAL backend, or the
// vicc bridge to vpcd). Only the contacts are here: power and APDUs. Faults such as pulling the card are
// driven from outside, by whoever holds the card.
#pragma once

#include <cstdint>

#include "sscard/core/bytes.h"

namespace sscard::sim {

enum class CardProtocol : std::uint8_t { kT0, kT1 };

// The interface a powered card is answering on (docs/CONTACTLESS.md §1): one chip, one memory, either the
// contacts (ISO/IEC 7816-3) or the field (ISO/IEC 14443-4), one at a time.
enum class CardInterface : std::uint8_t { kContact, kContactless };

class Card {
 public:
  virtual ~Card() = default;

  // Cold reset: volatile state (current file, security state, challenge) is cleared; returns the ATR.
  virtual Bytes power_on() = 0;
  // Contactless activation (the field switched on, then RATS): volatile state cleared as at a cold reset;
  // returns the ATS, or nothing for a card without a contactless interface (it stays unpowered).
  virtual Bytes activate_contactless() { return {}; }
  // The interface of the current power-up (meaningful while powered).
  virtual CardInterface interface() const { return CardInterface::kContact; }
  virtual void power_off() = 0;
  virtual bool powered() const = 0;

  // The protocol the ATR announces; T=0 cards answer case-4 commands with 61xx.
  virtual CardProtocol protocol() const = 0;

  // One command APDU in, the response APDU (data + SW1 SW2) out. Any byte string is accepted: malformed
  // commands get the status word a real card gives them. An unpowered card returns an empty response.
  virtual Bytes process(ByteSpan command) = 0;
};

}  // namespace sscard::sim

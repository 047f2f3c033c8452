// The fuzz reader: a HAL slot whose card is the fuzz input (an "evil card"), and a slot that records what a
// real card answered in the same format, to make seeds.
//
// The input format, one item after another, each length big-endian in two bytes:
//   [len][ATR] [len][R-APDU] [len][R-APDU] ...
// power_up() hands out the ATR (kBufferTooSmall if it does not fit); each transmit() hands out the next
// R-APDU (data and SW1 SW2, any length, even shorter than a status word: the transport must cope). When the
// input runs out the card is gone: transmit() returns kCardRemoved and card_present() false. A length that
// runs past the end takes what is left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/hal/slot.h"

namespace sscard::fuzz {

// Appends one item ([len][bytes]) of the format above. Items over 65535 bytes are cut.
void append_item(Bytes& out, ByteSpan item);

// Splits the format above.
class ItemReader {
 public:
  explicit ItemReader(ByteSpan input) : rest_(input) {}
  bool at_end() const { return rest_.empty(); }
  // The next item; an empty span at the end (check at_end() first to tell an empty item from the end).
  ByteSpan next();
  ByteSpan rest() const { return rest_; }

 private:
  ByteSpan rest_;
};

class FuzzSlot final : public hal::Slot {
 public:
  FuzzSlot(ByteSpan input, hal::SlotKind kind, hal::Protocol protocol)
      : items_(input), kind_(kind), protocol_(protocol) {}

  std::string_view name() const override { return "fuzz"; }
  hal::SlotKind kind() const override { return kind_; }

  std::size_t exchanges() const { return exchanges_; }  // transmits answered from the input
  bool exhausted() const { return gone_; }              // the input ran out during a transmit

 private:
  Result<bool> do_card_present() override { return !gone_; }
  Result<std::size_t> do_power_up(MutableByteSpan atr) override;
  hal::Protocol do_protocol() const override { return protocol_; }
  Status do_power_down() override;
  Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) override;

  ItemReader items_;
  hal::SlotKind kind_;
  hal::Protocol protocol_;
  bool powered_ = false;
  bool atr_given_ = false;
  Bytes atr_;
  bool gone_ = false;
  std::size_t exchanges_ = 0;
};

// Passes everything to `inner` and writes what the card answered into `answers` in the format above (the ATR
// of the first power-up, then each response), and each command into `commands` as [len][C-APDU] items.
class RecordingSlot final : public hal::Slot {
 public:
  explicit RecordingSlot(hal::Slot& inner) : inner_(inner) {}

  std::string_view name() const override { return inner_.name(); }
  hal::SlotKind kind() const override { return inner_.kind(); }

  const Bytes& answers() const { return answers_; }
  const Bytes& commands() const { return commands_; }

 private:
  Result<bool> do_card_present() override { return inner_.card_present(); }
  Result<std::size_t> do_power_up(MutableByteSpan atr) override;
  hal::Protocol do_protocol() const override { return inner_.protocol(); }
  Status do_power_down() override { return inner_.power_down(); }
  Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) override;

  hal::Slot& inner_;
  Bytes answers_;
  Bytes commands_;
  bool atr_recorded_ = false;
};

}  // namespace sscard::fuzz

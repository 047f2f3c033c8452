// Eeprom: the card's non-volatile memory, the one place persistent state lives (file contents, records,
// PIN value and try counter, keys, application block states). Writes go page by page, as on a real chip,
// so a power cut can leave a write half done: the pages before the cut hold the new bytes, the pages after
// it the old ones. An optional backing receives every page as it is written, so a copy outside the process
// (sim/state: a file that keeps the card between runs) holds exactly what the memory holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::sim {

// Where an Eeprom's pages also go when they are written.
class EepromBacking {
 public:
  virtual ~EepromBacking() = default;
  // Stores one page, or the part of it a write touched: `bytes` at memory offset `offset`. Called after the
  // in-memory page is written. An error means the page did not reach the backing; the Eeprom then takes
  // the page back and acts as if power had been lost before it.
  virtual Status write(std::size_t offset, ByteSpan bytes) = 0;
  // Called once at the end of every Eeprom::write that wrote at least one page, also when a power cut
  // stopped it, so that the pages written so far last. An error is a power loss after those pages.
  virtual Status sync() = 0;
};

class Eeprom {
 public:
  static constexpr std::size_t kDefaultSize = 32 * 1024;
  static constexpr std::size_t kDefaultPageSize = 64;

  // A memory of `size` bytes, all erased to FF, written in pages of `page_size` bytes (at least 1).
  explicit Eeprom(std::size_t size = kDefaultSize, std::size_t page_size = kDefaultPageSize);

  std::size_t size() const { return memory_.size(); }
  std::size_t page_size() const { return page_size_; }

  // A view of `length` bytes at `offset`, valid until the next write. Empty if the range is outside.
  ByteSpan read(std::size_t offset, std::size_t length) const;

  // Writes `bytes` at `offset`, one page (or part of a page) at a time, in ascending order.
  // kInvalidArgument: the range is outside the memory; nothing written.
  // kIo: power was lost (now, by an armed power cut or a failing backing, or earlier and not yet restored);
  // the pages written before the cut keep the new bytes, the rest keep the old ones.
  Status write(std::size_t offset, ByteSpan bytes);

  // The whole memory, valid until the next write or load_image().
  ByteSpan image() const { return memory_; }

  // Replaces the whole memory with a saved image (one a backing kept), as a chip would find it at power-on.
  // Nothing goes to the backing and no page write is counted. Allocation is left as it is: the image must
  // come from a card personalised the same way. kInvalidArgument: the image is not size() bytes.
  Status load_image(ByteSpan image);

  // Every page written from now on also goes to `backing` (null: none). The Eeprom shares its ownership,
  // so the backing lives as long as anything can still write.
  void attach_backing(std::shared_ptr<EepromBacking> backing) { backing_ = std::move(backing); }

  // Fault injection: after `n` more page writes succeed, the next one does not happen and power is lost.
  void cut_power_after_page_writes(std::size_t n) { cut_after_ = n; }
  void cancel_power_cut() { cut_after_.reset(); }

  bool power_lost() const { return power_lost_; }
  // Called at power-on: the memory works again (an armed cut that has not fired stays armed).
  void restore_power() { power_lost_ = false; }

  // Page writes done since construction (a write touching three pages counts three).
  std::size_t page_writes() const { return page_writes_; }

  // Reserves `length` bytes for personalisation data (a bump allocator; space is never freed).
  // kBufferTooSmall: the memory is full.
  Result<std::size_t> allocate(std::size_t length);

 private:
  Bytes memory_;
  std::size_t page_size_;
  std::size_t next_free_ = 0;
  std::size_t page_writes_ = 0;
  std::optional<std::size_t> cut_after_;
  bool power_lost_ = false;
  std::shared_ptr<EepromBacking> backing_;
};

}  // namespace sscard::sim

// Eeprom: the card's non-volatile memory, the one place persistent state lives (file contents, records,
// PIN value and try counter, keys, application block states). Writes go page by page, as on a real chip.
// A power cut falls before a page write or in the middle of one; a page torn that way holds a mixture of
// its old bytes, its new bytes and noise, and reads back differently each time until it is written again
// (docs/TEARING.md). An optional backing receives every page as it is written, so a copy outside the
// process (sim/state: a file that keeps the card between runs) holds exactly what the memory holds.
//
// Transactions: with a journal enabled, the writes between begin() and commit() are all-or-nothing. Before
// a page is first changed in a transaction its old contents go to an undo journal in the top pages of the
// memory; recover() (at power-on) puts back every page of a transaction that was not committed. Each
// journal record carries its own checksum, so a torn record is recognised and ignored; the header that says
// whether a transaction is open alternates between two slots, so a torn header leaves the other one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <vector>

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

  // A view of `length` bytes at `offset`, valid until the next write or read. Empty if the range is
  // outside. A torn page in the range gets a fresh reading first.
  ByteSpan read(std::size_t offset, std::size_t length) const;

  // Writes `bytes` at `offset`, one page (or part of a page) at a time, in ascending order; inside a
  // transaction, each page's old contents go to the journal first.
  // kInvalidArgument: the range is outside the memory (or reaches into the journal); nothing written.
  // kBufferTooSmall: the transaction would change more pages than the journal holds; nothing written.
  // kIo: power was lost (now, by an armed power cut or a failing backing, or earlier and not yet restored);
  // the pages written before the cut keep the new bytes, the one being written may be torn, the rest keep
  // the old ones.
  Status write(std::size_t offset, ByteSpan bytes);

  // The whole memory, valid until the next write, read or load_image().
  ByteSpan image() const;

  // Replaces the whole memory with a saved image (one a backing kept), as a chip would find it at power-on.
  // Nothing goes to the backing and no page write is counted. Allocation is left as it is: the image must
  // come from a card personalised the same way. kInvalidArgument: the image is not size() bytes.
  Status load_image(ByteSpan image);

  // Every page written from now on also goes to `backing` (null: none). The Eeprom shares its ownership,
  // so the backing lives as long as anything can still write.
  void attach_backing(std::shared_ptr<EepromBacking> backing) { backing_ = std::move(backing); }

  // ---- Transactions ----
  // Reserves the top pages for an undo journal that holds up to `max_pages` changed pages per transaction.
  // Call once, before anything is allocated. kInvalidArgument: called twice, too late, or max_pages 0;
  // kBufferTooSmall: the journal does not fit.
  Status enable_journal(std::size_t max_pages);
  bool journaled() const { return journal_.has_value(); }
  // Where the journal starts (size() without one): the personalisation data lies below.
  std::size_t journal_offset() const { return journal_ ? journal_->at : memory_.size(); }
  // Starts a transaction (nothing is written until the first write). Without a journal, writes stay plain.
  void begin();
  bool in_transaction() const { return open_; }
  // Makes the transaction's writes last. kIo: power lost; recover() will put the old pages back.
  Status commit();
  // A write that lasts whatever happens to the transaction around it (a PIN try spent before the PIN is
  // compared): commits the transaction's earlier writes, makes this one on its own, all-or-nothing, and
  // keeps the transaction going for what follows. Outside a transaction, an all-or-nothing write.
  Status write_lasting(std::size_t offset, ByteSpan bytes);
  // At power-on: puts back the pages of a transaction that power cut short and settles torn journal
  // headers. Its own writes can be cut too; running it again finishes the job. kIo: power lost.
  Status recover();
  // Called after every commit that wrote something (tests take the card's state at each such point).
  void on_commit(std::function<void()> observer) { commit_observer_ = std::move(observer); }

  // ---- Fault injection ----
  enum class Cut : std::uint8_t {
    kBeforeWrite,  // the page write does not happen
    kTornWrite,    // the page write is torn: the page reads back as a mixture of old, new and noise
  };
  // After `n` more page writes succeed, the next one is cut as `how` says and power is lost.
  void cut_power_at_page_write(std::size_t n, Cut how) {
    cut_after_ = n;
    cut_how_ = how;
  }
  void cut_power_after_page_writes(std::size_t n) { cut_power_at_page_write(n, Cut::kBeforeWrite); }
  void cancel_power_cut() { cut_after_.reset(); }
  // The noise of torn pages comes from a generator with this seed (repeatable runs).
  void seed_tearing(std::uint64_t seed) const { tear_rng_.seed(seed); }
  // Pages torn and not written since.
  std::size_t torn_pages() const { return torn_.size(); }

  bool power_lost() const { return power_lost_; }
  // Called at power-on: the memory works again (an armed cut that has not fired stays armed).
  void restore_power() { power_lost_ = false; }

  // Page writes done since construction (a write touching three pages counts three; a torn one counts).
  std::size_t page_writes() const { return page_writes_; }

  // Reserves `length` bytes for personalisation data (a bump allocator; space is never freed).
  // kBufferTooSmall: the memory is full.
  Result<std::size_t> allocate(std::size_t length);

 private:
  struct Journal {
    std::size_t at = 0;            // first byte of the journal (a page boundary)
    std::size_t header_pages = 0;  // pages of one header slot
    std::size_t record_pages = 0;  // pages of one undo record
    std::size_t capacity = 0;      // undo records
    std::size_t header_at(std::size_t slot, std::size_t page) const { return at + slot * header_pages * page; }
    std::size_t record_at(std::size_t i, std::size_t page) const {
      return at + (2 * header_pages + i * record_pages) * page;
    }
  };
  struct Header {
    std::uint32_t sequence = 0;
    bool open = false;
  };
  struct TornPage {
    std::size_t page;
    Bytes old_bytes, new_bytes;
  };

  // The range lies inside the memory, below the journal.
  bool writable(std::size_t offset, std::size_t length) const;
  // Writes pages as the chip does: fault injection, backing, counting. No journal.
  Status write_pages(std::size_t offset, ByteSpan bytes);
  Status write_in_transaction(std::size_t offset, ByteSpan bytes);
  Status write_header(std::size_t slot, Header header);
  std::optional<Header> read_header(std::size_t slot) const;
  void resample(std::size_t offset, std::size_t length) const;
  void settle(std::size_t page);

  mutable Bytes memory_;
  std::size_t page_size_;
  std::size_t next_free_ = 0;
  std::size_t page_writes_ = 0;
  std::optional<std::size_t> cut_after_;
  Cut cut_how_ = Cut::kBeforeWrite;
  bool power_lost_ = false;
  std::shared_ptr<EepromBacking> backing_;
  mutable std::vector<TornPage> torn_;
  mutable std::mt19937_64 tear_rng_{0x7EA2};

  std::optional<Journal> journal_;
  bool open_ = false;                 // a transaction is running (RAM)
  bool header_written_ = false;       // its open header is in the journal
  std::size_t current_slot_ = 1;      // the header slot that holds the latest header
  std::uint32_t sequence_ = 0;        // the latest header's sequence number
  std::vector<std::size_t> logged_;   // pages with an undo record in this transaction
  std::function<void()> commit_observer_;
};

}  // namespace sscard::sim

#include "sscard/sim/eeprom.h"

#include <algorithm>

namespace sscard::sim {
namespace {

// A journal header: "SJ", the sequence number, open or closed, and a CRC-32 of the seven bytes before it.
constexpr std::size_t kHeaderSize = 11;
// An undo record: the page's old bytes, then the page number, the transaction's sequence number and a CRC-32.
constexpr std::size_t kRecordTrailer = 12;
constexpr std::uint8_t kOpen = 0x0A, kClosed = 0x0C;

// CRC-32 (ISO 3309, reflected, polynomial EDB88320): enough to tell a torn journal record from a whole one.
std::uint32_t crc32(ByteSpan bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::uint8_t b : bytes) {
    crc ^= b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_u32(MutableByteSpan out, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

std::uint32_t get_u32(ByteSpan in) {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) | in[3];
}

std::size_t pages_for(std::size_t bytes, std::size_t page) { return (bytes + page - 1) / page; }

}  // namespace

Eeprom::Eeprom(std::size_t size, std::size_t page_size)
    : memory_(size, 0xFF), page_size_(page_size == 0 ? 1 : page_size) {}

void Eeprom::resample(std::size_t offset, std::size_t length) const {
  for (const TornPage& torn : torn_) {
    const std::size_t start = torn.page * page_size_;
    if (start >= offset + length || start + torn.old_bytes.size() <= offset) continue;
    // Each byte of a torn page is the old value, the new one or noise, again at every reading.
    for (std::size_t i = 0; i < torn.old_bytes.size(); ++i) {
      const std::uint64_t r = tear_rng_();
      memory_[start + i] = r % 3 == 0 ? torn.old_bytes[i]
                           : r % 3 == 1 ? torn.new_bytes[i]
                                        : static_cast<std::uint8_t>(r >> 8);
    }
  }
}

void Eeprom::settle(std::size_t page) {
  std::erase_if(torn_, [page](const TornPage& t) { return t.page == page; });
}

ByteSpan Eeprom::read(std::size_t offset, std::size_t length) const {
  if (offset > memory_.size() || length > memory_.size() - offset) return {};
  if (!torn_.empty()) resample(offset, length);
  return ByteSpan(memory_).subspan(offset, length);
}

ByteSpan Eeprom::image() const {
  if (!torn_.empty()) resample(0, memory_.size());
  return memory_;
}

bool Eeprom::writable(std::size_t offset, std::size_t length) const {
  const std::size_t end = journal_offset();
  return offset <= end && length <= end - offset;
}

Status Eeprom::write(std::size_t offset, ByteSpan bytes) {
  if (!writable(offset, bytes.size())) return Error::kInvalidArgument;
  if (power_lost_) return Error::kIo;
  if (open_) return write_in_transaction(offset, bytes);
  return write_pages(offset, bytes);
}

Status Eeprom::write_pages(std::size_t offset, ByteSpan bytes) {
  if (power_lost_) return Error::kIo;
  Status result = kOk;
  bool wrote = false;
  Bytes previous;  // the page's old bytes, to take it back if the backing cannot store it
  std::size_t done = 0;
  while (done < bytes.size()) {
    const std::size_t at = offset + done;
    const std::size_t page = at / page_size_;
    const std::size_t page_start = page * page_size_;
    const std::size_t page_end = std::min(page_start + page_size_, memory_.size());
    const std::size_t chunk = std::min(bytes.size() - done, page_end - at);
    settle(page);
    bool tear = false;
    if (cut_after_) {
      if (*cut_after_ == 0) {
        cut_after_.reset();
        power_lost_ = true;
        result = Error::kIo;
        if (cut_how_ == Cut::kBeforeWrite) break;
        tear = true;
      } else {
        --*cut_after_;
      }
    }
    const auto target = memory_.begin() + static_cast<std::ptrdiff_t>(at);
    if (tear) {
      // The whole page was being reprogrammed: every byte of it is in doubt, not only the ones written.
      TornPage torn{page, Bytes(memory_.begin() + static_cast<std::ptrdiff_t>(page_start),
                                memory_.begin() + static_cast<std::ptrdiff_t>(page_end)),
                    {}};
      torn.new_bytes = torn.old_bytes;
      std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(done), chunk,
                  torn.new_bytes.begin() + static_cast<std::ptrdiff_t>(at - page_start));
      torn_.push_back(std::move(torn));
      resample(page_start, page_end - page_start);
      ++page_writes_;
      if (backing_) {
        // What reached the copy outside is one reading of the torn page.
        (void)backing_->write(page_start, ByteSpan(memory_).subspan(page_start, page_end - page_start));
        (void)backing_->sync();
      }
      return result;
    }
    if (backing_) previous.assign(target, target + static_cast<std::ptrdiff_t>(chunk));
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(done), chunk, target);
    if (backing_ && !backing_->write(at, ByteSpan(memory_).subspan(at, chunk)).ok()) {
      // The copy outside could not follow: the page did not happen, in memory either, and power is lost.
      std::copy(previous.begin(), previous.end(), target);
      power_lost_ = true;
      result = Error::kIo;
      break;
    }
    ++page_writes_;
    wrote = true;
    done += chunk;
  }
  if (backing_ && wrote && !backing_->sync().ok()) {
    power_lost_ = true;
    return Error::kIo;
  }
  return result;
}

Status Eeprom::load_image(ByteSpan image) {
  if (image.size() != memory_.size()) return Error::kInvalidArgument;
  std::copy(image.begin(), image.end(), memory_.begin());
  torn_.clear();
  open_ = false;
  header_written_ = false;
  logged_.clear();
  return kOk;
}

Result<std::size_t> Eeprom::allocate(std::size_t length) {
  if (length > journal_offset() - std::min(next_free_, journal_offset())) return Error::kBufferTooSmall;
  const std::size_t at = next_free_;
  next_free_ += length;
  return at;
}

// ---- Transactions ----

Status Eeprom::enable_journal(std::size_t max_pages) {
  if (journal_ || max_pages == 0) return Error::kInvalidArgument;
  Journal j;
  j.header_pages = pages_for(kHeaderSize, page_size_);
  j.record_pages = pages_for(page_size_ + kRecordTrailer, page_size_);
  j.capacity = max_pages;
  const std::size_t pages = memory_.size() / page_size_;
  const std::size_t needed = 2 * j.header_pages + max_pages * j.record_pages;
  if (needed > pages) return Error::kBufferTooSmall;
  j.at = (pages - needed) * page_size_;
  if (j.at < next_free_) return Error::kInvalidArgument;
  journal_ = j;
  return kOk;
}

void Eeprom::begin() {
  if (!journal_) return;
  open_ = true;
  header_written_ = false;
  logged_.clear();
}

Status Eeprom::write_header(std::size_t slot, Header header) {
  std::uint8_t h[kHeaderSize] = {'S', 'J'};
  put_u32(MutableByteSpan(h).subspan(2, 4), header.sequence);
  h[6] = header.open ? kOpen : kClosed;
  put_u32(MutableByteSpan(h).subspan(7, 4), crc32(ByteSpan(h).first(7)));
  return write_pages(journal_->header_at(slot, page_size_), h);
}

std::optional<Eeprom::Header> Eeprom::read_header(std::size_t slot) const {
  const ByteSpan h = read(journal_->header_at(slot, page_size_), kHeaderSize);
  if (h[0] != 'S' || h[1] != 'J' || (h[6] != kOpen && h[6] != kClosed)) return std::nullopt;
  if (get_u32(h.subspan(7, 4)) != crc32(h.first(7))) return std::nullopt;
  return Header{get_u32(h.subspan(2, 4)), h[6] == kOpen};
}

Status Eeprom::write_in_transaction(std::size_t offset, ByteSpan bytes) {
  if (bytes.empty()) return kOk;
  const std::size_t first = offset / page_size_, last = (offset + bytes.size() - 1) / page_size_;
  std::size_t fresh = 0;
  for (std::size_t p = first; p <= last; ++p) if (std::ranges::find(logged_, p) == logged_.end()) ++fresh;
  if (logged_.size() + fresh > journal_->capacity) return Error::kBufferTooSmall;
  if (!header_written_) {
    const std::size_t slot = 1 - current_slot_;
    const Header open{sequence_ + 1, true};
    SSCARD_TRY(write_header(slot, open));
    current_slot_ = slot;
    sequence_ = open.sequence;
    header_written_ = true;
  }
  for (std::size_t p = first; p <= last; ++p) {
    if (std::ranges::find(logged_, p) != logged_.end()) continue;
    Bytes record(page_size_ + kRecordTrailer);
    const ByteSpan old = read(p * page_size_, page_size_);
    std::copy(old.begin(), old.end(), record.begin());
    settle(p);
    put_u32(MutableByteSpan(record).subspan(page_size_, 4), static_cast<std::uint32_t>(p));
    put_u32(MutableByteSpan(record).subspan(page_size_ + 4, 4), sequence_);
    put_u32(MutableByteSpan(record).subspan(page_size_ + 8, 4), crc32(ByteSpan(record).first(page_size_ + 8)));
    SSCARD_TRY(write_pages(journal_->record_at(logged_.size(), page_size_), record));
    logged_.push_back(p);
  }
  return write_pages(offset, bytes);
}

Status Eeprom::commit() {
  if (!open_) return kOk;
  open_ = false;
  if (!header_written_) return kOk;
  header_written_ = false;
  logged_.clear();
  const std::size_t slot = 1 - current_slot_;
  const Header closed{sequence_ + 1, false};
  SSCARD_TRY(write_header(slot, closed));
  current_slot_ = slot;
  sequence_ = closed.sequence;
  if (commit_observer_) commit_observer_();
  return kOk;
}

Status Eeprom::write_lasting(std::size_t offset, ByteSpan bytes) {
  if (!journal_) return write(offset, bytes);
  if (!writable(offset, bytes.size())) return Error::kInvalidArgument;
  if (power_lost_) return Error::kIo;
  const bool was_open = open_;
  SSCARD_TRY(commit());
  begin();
  SSCARD_TRY(write_in_transaction(offset, bytes));
  SSCARD_TRY(commit());
  if (was_open) begin();
  return kOk;
}

Status Eeprom::recover() {
  if (!journal_) return kOk;
  open_ = false;
  header_written_ = false;
  logged_.clear();
  if (power_lost_) return Error::kIo;
  const std::optional<Header> h[2] = {read_header(0), read_header(1)};
  std::optional<std::size_t> winner;
  for (std::size_t slot = 0; slot < 2; ++slot) {
    if (h[slot] && (!winner || h[slot]->sequence > h[*winner]->sequence)) winner = slot;
  }
  current_slot_ = winner.value_or(1);
  sequence_ = winner ? h[*winner]->sequence : 0;
  const std::size_t other = 1 - current_slot_;
  if (winner && h[*winner]->open) {
    // Power was cut inside a transaction: every page it changed goes back to what its record kept.
    const std::size_t data_pages = journal_->at / page_size_;
    for (std::size_t i = 0; i < journal_->capacity; ++i) {
      const ByteSpan r = read(journal_->record_at(i, page_size_), page_size_ + kRecordTrailer);
      if (get_u32(r.subspan(page_size_ + 8, 4)) != crc32(r.first(page_size_ + 8))) continue;
      if (get_u32(r.subspan(page_size_ + 4, 4)) != sequence_) continue;
      const std::size_t page = get_u32(r.subspan(page_size_, 4));
      if (page >= data_pages) continue;
      const Bytes old(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(page_size_));
      SSCARD_TRY(write_pages(page * page_size_, old));
    }
  } else if (winner && h[other]) {
    return kOk;  // both headers whole, none open: nothing to do
  }
  // A closing header in the other slot: it ends a rolled-back transaction, or replaces a torn or blank slot,
  // so that the next power-on reads the same decision.
  const Header closed{sequence_ + 1, false};
  SSCARD_TRY(write_header(other, closed));
  current_slot_ = other;
  sequence_ = closed.sequence;
  return kOk;
}

}  // namespace sscard::sim

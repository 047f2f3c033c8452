#include "sscard/sim/eeprom.h"

#include <algorithm>

namespace sscard::sim {

Eeprom::Eeprom(std::size_t size, std::size_t page_size)
    : memory_(size, 0xFF), page_size_(page_size == 0 ? 1 : page_size) {}

ByteSpan Eeprom::read(std::size_t offset, std::size_t length) const {
  if (offset > memory_.size() || length > memory_.size() - offset) return {};
  return ByteSpan(memory_).subspan(offset, length);
}

Status Eeprom::write(std::size_t offset, ByteSpan bytes) {
  if (offset > memory_.size() || bytes.size() > memory_.size() - offset) return Error::kInvalidArgument;
  if (power_lost_) return Error::kIo;
  Status result = kOk;
  bool wrote = false;
  Bytes previous;  // the page's old bytes, to take it back if the backing cannot store it
  std::size_t done = 0;
  while (done < bytes.size()) {
    const std::size_t at = offset + done;
    const std::size_t page_end = (at / page_size_ + 1) * page_size_;
    const std::size_t chunk = std::min(bytes.size() - done, page_end - at);
    if (cut_after_) {
      if (*cut_after_ == 0) {
        cut_after_.reset();
        power_lost_ = true;
        result = Error::kIo;
        break;
      }
      --*cut_after_;
    }
    const auto target = memory_.begin() + static_cast<std::ptrdiff_t>(at);
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
  return kOk;
}

Result<std::size_t> Eeprom::allocate(std::size_t length) {
  if (length > memory_.size() - next_free_) return Error::kBufferTooSmall;
  const std::size_t at = next_free_;
  next_free_ += length;
  return at;
}

}  // namespace sscard::sim

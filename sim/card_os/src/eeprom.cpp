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
  std::size_t done = 0;
  while (done < bytes.size()) {
    const std::size_t at = offset + done;
    const std::size_t page_end = (at / page_size_ + 1) * page_size_;
    const std::size_t chunk = std::min(bytes.size() - done, page_end - at);
    if (cut_after_) {
      if (*cut_after_ == 0) {
        cut_after_.reset();
        power_lost_ = true;
        return Error::kIo;
      }
      --*cut_after_;
    }
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(done), chunk,
                memory_.begin() + static_cast<std::ptrdiff_t>(at));
    ++page_writes_;
    done += chunk;
  }
  return kOk;
}

Result<std::size_t> Eeprom::allocate(std::size_t length) {
  if (length > memory_.size() - next_free_) return Error::kBufferTooSmall;
  const std::size_t at = next_free_;
  next_free_ += length;
  return at;
}

}  // namespace sscard::sim

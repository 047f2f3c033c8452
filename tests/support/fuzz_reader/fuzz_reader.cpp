#include "fuzz_reader.h"

#include <algorithm>

namespace sscard::fuzz {

void append_item(Bytes& out, ByteSpan item) {
  const std::size_t n = std::min<std::size_t>(item.size(), 0xFFFF);
  out.push_back(static_cast<std::uint8_t>(n >> 8));
  out.push_back(static_cast<std::uint8_t>(n & 0xFF));
  out.insert(out.end(), item.begin(), item.begin() + static_cast<std::ptrdiff_t>(n));
}

ByteSpan ItemReader::next() {
  if (rest_.size() < 2) {
    rest_ = {};
    return {};
  }
  const std::size_t n = std::min<std::size_t>((std::size_t{rest_[0]} << 8) | rest_[1], rest_.size() - 2);
  const ByteSpan item = rest_.subspan(2, n);
  rest_ = rest_.subspan(2 + n);
  return item;
}

Result<std::size_t> FuzzSlot::do_power_up(MutableByteSpan atr) {
  if (gone_) return Error::kNoCard;
  // The ATR is the first item; a second power-up (a reset) hands out the same ATR without reading more.
  if (!atr_given_) {
    atr_given_ = true;
    const ByteSpan given = items_.next();
    atr_.assign(given.begin(), given.end());
  }
  if (atr_.size() > atr.size()) return Error::kBufferTooSmall;
  std::copy(atr_.begin(), atr_.end(), atr.begin());
  powered_ = true;
  return atr_.size();
}

Status FuzzSlot::do_power_down() {
  powered_ = false;
  return {};
}

Result<std::size_t> FuzzSlot::do_transmit(ByteSpan /*command*/, MutableByteSpan response) {
  if (gone_ || !powered_) return Error::kNoCard;
  if (items_.at_end()) {
    gone_ = true;
    powered_ = false;
    return Error::kCardRemoved;
  }
  const ByteSpan answer = items_.next();
  ++exchanges_;
  if (answer.size() > response.size()) return Error::kBufferTooSmall;
  std::copy(answer.begin(), answer.end(), response.begin());
  return answer.size();
}

Result<std::size_t> RecordingSlot::do_power_up(MutableByteSpan atr) {
  auto n = inner_.power_up(atr);
  if (n.ok() && !atr_recorded_) {
    atr_recorded_ = true;
    append_item(answers_, ByteSpan(atr.data(), *n));
  }
  return n;
}

Result<std::size_t> RecordingSlot::do_transmit(ByteSpan command, MutableByteSpan response) {
  append_item(commands_, command);
  auto n = inner_.transmit(command, response);
  if (n.ok()) append_item(answers_, ByteSpan(response.data(), *n));
  return n;
}

}  // namespace sscard::fuzz

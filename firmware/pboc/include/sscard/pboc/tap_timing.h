// The modelled time of a contactless tap (CONTACTLESS.md §9): ISO/IEC 14443 type A at 106 kbit/s, each byte
// 9 bit times (8 data bits and parity) of 9.44 µs, each frame 2 CRC bytes and 1 bit of start and end more,
// each APDU 1 ms of card turnaround plus the card's own compute time.
#pragma once

#include <cstddef>

namespace sscard::pboc {

inline constexpr double kBitTimeUs = 9.44;
inline constexpr double kCardTurnaroundUs = 1000.0;

// One frame carrying `bytes` bytes: (9 × (bytes + 2) + 1) bit times.
double frame_time_us(std::size_t bytes);

// One APDU: the command frame, the response frame (data and SW1 SW2), the turnaround and `card_compute_us`.
double apdu_time_us(std::size_t command_bytes, std::size_t response_bytes, double card_compute_us = 0.0);

// Sums APDUs as a tap goes on.
class TapTimer {
 public:
  void add(std::size_t command_bytes, std::size_t response_bytes, double card_compute_us = 0.0) {
    total_us_ += apdu_time_us(command_bytes, response_bytes, card_compute_us);
    bytes_ += command_bytes + response_bytes;
    ++apdus_;
  }
  double total_us() const { return total_us_; }
  std::size_t bytes() const { return bytes_; }
  std::size_t apdus() const { return apdus_; }

 private:
  double total_us_ = 0.0;
  std::size_t bytes_ = 0;
  std::size_t apdus_ = 0;
};

}  // namespace sscard::pboc

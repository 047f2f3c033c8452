#include "sscard/pboc/tap_timing.h"

namespace sscard::pboc {

double frame_time_us(std::size_t bytes) {
  return static_cast<double>(9 * (bytes + 2) + 1) * kBitTimeUs;
}

double apdu_time_us(std::size_t command_bytes, std::size_t response_bytes, double card_compute_us) {
  return frame_time_us(command_bytes) + frame_time_us(response_bytes) + kCardTurnaroundUs + card_compute_us;
}

}  // namespace sscard::pboc

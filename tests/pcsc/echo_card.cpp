#include "echo_card.h"

#include <thread>

namespace sscard::testing {

Bytes EchoCard::default_atr() {
  return {0x3B, 0x6D, 0x00, 0x00, 0x00, 0x81, 0x4E, 0x43, 0x23, 0x86,
          0x97, 0x15, 0x99, 0x00, 0xBF, 0x7C, 0x7A};
}

Bytes EchoCard::power_on() {
  powered_.store(true);
  power_ons_.fetch_add(1);
  return atr_;
}

Bytes EchoCard::last_command() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_command_;
}

Bytes EchoCard::process(ByteSpan command) {
  if (!powered_.load()) return {};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last_command_.assign(command.begin(), command.end());
  }
  commands_.fetch_add(1);
  if (const auto delay = delay_ms_.load(); delay > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
  Bytes response;
  if (command.size() < 4) return {0x67, 0x00};  // ISO/IEC 7816-4 5.6: wrong length
  if (command[1] == 0xA4) return {0x90, 0x00};
  if (command.size() == 5) {
    // Case 2: Le only.
    const std::size_t le = command[4] == 0 ? 256 : command[4];
    for (std::size_t i = 0; i < le; ++i) response.push_back(static_cast<std::uint8_t>(i));
  } else if (command.size() > 5) {
    // Case 3/4 short: Lc then data.
    const std::size_t lc = command[4];
    if (command.size() < 5 + lc) return {0x67, 0x00};
    response.assign(command.begin() + 5, command.begin() + 5 + static_cast<std::ptrdiff_t>(lc));
  }
  response.push_back(0x90);
  response.push_back(0x00);
  return response;
}

}  // namespace sscard::testing

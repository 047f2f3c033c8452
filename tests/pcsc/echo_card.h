// A small test card: answers SELECT with 9000 and echoes command data. Not the social-security card (that is
// sim/card_os + sim/profile); this one only exercises the PC/SC path byte for byte.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>

#include "sscard/core/bytes.h"
#include "sscard/sim/card.h"

namespace sscard::testing {

class EchoCard final : public sim::Card {
 public:
  // ATR as seen on Chinese social-security cards (docs/CARD.md "ATR"): 3B 6D 00 00 + 13 historical
  // bytes; no TD1, so T=0 (ISO/IEC 7816-3 8.2.3).
  static Bytes default_atr();

  explicit EchoCard(Bytes atr = default_atr()) : atr_(std::move(atr)) {}

  Bytes power_on() override;
  void power_off() override { powered_.store(false); }
  bool powered() const override { return powered_.load(); }
  sim::CardProtocol protocol() const override { return sim::CardProtocol::kT0; }
  // INS A4 (SELECT): 9000. Data present: the data back + 9000. Case 2 (Le only): Le bytes 00 01 02 ...
  // + 9000 (Le 00 = 256). Case 1: 9000. Unpowered: nothing.
  Bytes process(ByteSpan command) override;

  // Makes process() take this long (to pull the card during an exchange).
  void set_delay(std::chrono::milliseconds delay) { delay_ms_.store(delay.count()); }

  Bytes last_command() const;
  int power_ons() const { return power_ons_.load(); }
  int commands() const { return commands_.load(); }

 private:
  Bytes atr_;
  std::atomic<bool> powered_{false};
  std::atomic<int> power_ons_{0};
  std::atomic<int> commands_{0};
  std::atomic<std::chrono::milliseconds::rep> delay_ms_{0};
  mutable std::mutex mutex_;
  Bytes last_command_;
};

}  // namespace sscard::testing

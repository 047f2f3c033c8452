// PinPad: the terminal's PIN entry device (an encrypting keypad on a kiosk, a simulated keypad in tests).
//
// A PIN travels from the keypad straight into a caller-owned PinBuffer, which wipes itself when it goes out
// of scope; nothing in this interface keeps a copy, prints it or logs it (docs/SECURITY.md "Secrets").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sscard/core/bytes.h"

namespace sscard::hal {

// PINs of the social-security card: 4 to 12 decimal digits (docs/DECISIONS.md D22).
inline constexpr std::size_t kMinPinDigits = 4;
inline constexpr std::size_t kMaxPinDigits = 12;

// What the keypad shows while it waits for digits.
enum class PinPrompt : std::uint8_t {
  kPin,            // "enter your PIN" (VERIFY)
  kCurrentPin,     // "enter your current PIN" (CHANGE PIN)
  kNewPin,         // "enter the new PIN"
  kConfirmNewPin,  // "enter the new PIN again"
};

// Why no PIN came from the keypad. Each maps to its own code of the standard terminal interface.
enum class PinPadError : std::uint8_t {
  kNone = 0,
  kNotConnected,  // the keypad is absent or does not answer
  kCancelled,     // the holder pressed Cancel
  kTimeout,       // nothing entered in time
  kBadEntry,      // fewer than kMinPinDigits or more than kMaxPinDigits digits, or not digits
};

// One PIN's digits (ASCII '0'..'9'), wiped on destruction and on clear().
class PinBuffer {
 public:
  PinBuffer() = default;
  ~PinBuffer() { clear(); }
  PinBuffer(const PinBuffer&) = delete;
  PinBuffer& operator=(const PinBuffer&) = delete;

  // The room the keypad writes into.
  MutableByteSpan storage() { return digits_; }
  void set_length(std::size_t length) { length_ = length <= digits_.size() ? length : 0; }

  std::size_t length() const { return length_; }
  ByteSpan bytes() const { return ByteSpan(digits_.data(), length_); }
  std::string_view digits() const { return {reinterpret_cast<const char*>(digits_.data()), length_}; }

  void clear() {
    secure_wipe(digits_);
    length_ = 0;
  }

 private:
  std::array<std::uint8_t, kMaxPinDigits> digits_{};
  std::size_t length_ = 0;
};

class PinPad {
 public:
  virtual ~PinPad() = default;

  // Shows `prompt` and reads one PIN into `pin`. On kNone the buffer holds 4..12 ASCII digits; on any error
  // it is empty. The keypad checks the digit count itself (kBadEntry), so callers never see a short PIN.
  PinPadError read_pin(PinPrompt prompt, PinBuffer& pin) {
    pin.clear();
    std::size_t length = 0;
    const PinPadError error = do_read_pin(prompt, pin.storage(), length);
    if (error != PinPadError::kNone) {
      pin.clear();
      return error;
    }
    if (length < kMinPinDigits || length > kMaxPinDigits) {
      pin.clear();
      return PinPadError::kBadEntry;
    }
    for (std::size_t i = 0; i < length; ++i) {
      const std::uint8_t c = pin.storage()[i];
      if (c < '0' || c > '9') {
        pin.clear();
        return PinPadError::kBadEntry;
      }
    }
    pin.set_length(length);
    return PinPadError::kNone;
  }

 private:
  // Writes the digits into `digits` (kMaxPinDigits bytes) and their count into `length`.
  virtual PinPadError do_read_pin(PinPrompt prompt, MutableByteSpan digits, std::size_t& length) = 0;
};

// "not_connected", "cancelled", ... for messages.
constexpr std::string_view pin_pad_error_name(PinPadError e) {
  switch (e) {
    case PinPadError::kNone: return "ok";
    case PinPadError::kNotConnected: return "not_connected";
    case PinPadError::kCancelled: return "cancelled";
    case PinPadError::kTimeout: return "timeout";
    case PinPadError::kBadEntry: return "bad_entry";
  }
  return "unknown";
}

}  // namespace sscard::hal

#include "sscard/ssc/pin.h"

#include <array>

#include "sscard/ssc/commands.h"
#include "sscard/ssc/ssse.h"

namespace sscard::ssc {
namespace {

using Buffer = std::array<std::uint8_t, apdu::kMaxShortResponseSize>;

// The byte between the old and the new PIN in CHANGE PIN (PBOC layout, DECISIONS.md S10).
constexpr std::uint8_t kChangePinSeparator = 0xFF;

// The PIN lives in SSSE: a blocked application takes no PIN command (D30).
Fault select_application(transport::Transport& card) {
  Buffer buffer{};
  auto selected = select_ssse(card, buffer);
  if (!selected.ok()) return select_fault(selected.status(), card.last_status_word());
  if (selected->blocked) return Fault::card_status(sw::kFileInvalidated);
  return Fault::none();
}

// The card's verdict on a PIN (VERIFY or the old PIN of CHANGE PIN): SECURITY.md "PINs".
Fault pin_verdict(StatusWord sw) {
  if (sw.is_success()) return Fault::none();
  if (sw.is_tries_left()) {
    Fault f = Fault::make(Failure::kWrongPin, {}, sw);
    f.tries_left = sw.tries_left();
    return f;
  }
  if (sw == sw::kAuthMethodBlocked) return Fault::make(Failure::kPinBlocked, Status{}, sw);
  return Fault::card_status(sw);
}

bool is_initial_pin(const hal::PinBuffer& pin) {
  return constant_time_equal(pin.bytes(), as_bytes(kInitialPin));
}

}  // namespace

Fault pin_pad_fault(hal::PinPadError error) {
  switch (error) {
    case hal::PinPadError::kNone: return Fault::none();
    case hal::PinPadError::kNotConnected: return Fault::of(Failure::kPinPadNotConnected);
    case hal::PinPadError::kCancelled: return Fault::of(Failure::kPinEntryCancelled);
    case hal::PinPadError::kTimeout: return Fault::of(Failure::kPinEntryTimeout);
    case hal::PinPadError::kBadEntry: return Fault::of(Failure::kPinEntryInvalid);
  }
  return Fault::of(Failure::kInternal);
}

Fault read_new_pin(hal::PinPad& pinpad, hal::PinBuffer& pin) {
  Fault f = pin_pad_fault(pinpad.read_pin(hal::PinPrompt::kNewPin, pin));
  if (!f.ok()) return f;
  hal::PinBuffer again;
  f = pin_pad_fault(pinpad.read_pin(hal::PinPrompt::kConfirmNewPin, again));
  if (!f.ok()) {
    pin.clear();
    return f;
  }
  if (!constant_time_equal(pin.bytes(), again.bytes())) {
    pin.clear();
    return Fault::of(Failure::kPinEntryMismatch);
  }
  // SECURITY.md "PINs": the terminal never sets the initial PIN again.
  if (is_initial_pin(pin)) {
    pin.clear();
    return Fault::of(Failure::kNewPinIsInitial);
  }
  return Fault::none();
}

Fault verify_pin(transport::Transport& card, hal::PinPad& pinpad) {
  Fault f = select_application(card);
  if (!f.ok()) return f;
  hal::PinBuffer pin;
  f = pin_pad_fault(pinpad.read_pin(hal::PinPrompt::kPin, pin));
  if (!f.ok()) return f;

  std::array<std::uint8_t, kMaxPinFieldSize> packed{};
  auto n = pack_pin(pin.digits(), packed);
  if (!n.ok()) return Fault::of(Failure::kPinEntryInvalid);
  const bool initial = is_initial_pin(pin);
  pin.clear();
  Buffer buffer{};
  auto response = card.transmit(verify_packed_pin(ByteSpan(packed.data(), *n)), buffer);
  secure_wipe(packed);
  if (!response.ok()) return Fault::card(response.status());
  f = pin_verdict(response->sw);
  if (!f.ok()) return f;
  // SECURITY.md "PINs": right, but still the initial PIN: not activated, no transaction (-35).
  if (initial) return Fault::make(Failure::kInitialPin, Status{}, response->sw);
  return Fault::none();
}

Fault change_pin(transport::Transport& card, hal::PinPad& pinpad) {
  Fault f = select_application(card);
  if (!f.ok()) return f;
  hal::PinBuffer old_pin;
  f = pin_pad_fault(pinpad.read_pin(hal::PinPrompt::kCurrentPin, old_pin));
  if (!f.ok()) return f;
  hal::PinBuffer new_pin;
  f = read_new_pin(pinpad, new_pin);
  if (!f.ok()) return f;

  // old PIN || FF || new PIN, each packed and F-padded.
  std::array<std::uint8_t, 2 * kMaxPinFieldSize + 1> data{};
  auto old_size = pack_pin(old_pin.digits(), data);
  if (!old_size.ok()) return Fault::of(Failure::kPinEntryInvalid);
  data[*old_size] = kChangePinSeparator;
  auto new_size = pack_pin(new_pin.digits(), MutableByteSpan(data).subspan(*old_size + 1));
  old_pin.clear();
  new_pin.clear();
  if (!new_size.ok()) {
    secure_wipe(data);
    return Fault::of(Failure::kPinEntryInvalid);
  }
  Buffer buffer{};
  auto response = card.transmit(ssc::change_pin(ByteSpan(data.data(), *old_size + 1 + *new_size)), buffer);
  secure_wipe(data);
  if (!response.ok()) return Fault::card(response.status());
  return pin_verdict(response->sw);
}

}  // namespace sscard::ssc

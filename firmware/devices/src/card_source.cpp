#include "sscard/devices/card_source.h"

#include "sscard/hal/pcsc_reader.h"

namespace sscard::devices {

CardSource::CardSource(std::unique_ptr<hal::Reader> reader, hal::Slot& slot, std::string description,
                       bool is_pcsc, std::shared_ptr<void> keep_alive)
    : reader_(std::move(reader)),
      slot_(&slot),
      description_(std::move(description)),
      is_pcsc_(is_pcsc),
      keep_alive_(std::move(keep_alive)) {}

// The reader (and the slot it owns) goes before the simulated card's saved memory and lock.
CardSource::~CardSource() { reader_.reset(); }

Result<std::unique_ptr<CardSource>, DeviceError> open_pcsc(const std::string& name) {
  hal::PcscReader::Options options;
  options.reader = name;
  auto reader = hal::PcscReader::open(options);
  if (!reader.ok()) {
    switch (reader.status().code()) {
      case Error::kReaderUnavailable:
        return DeviceError{"the PC/SC service (pcscd) is not running; start it (pcscd, or systemctl start pcscd)"};
      case Error::kNotFound:
        return DeviceError{name.empty() ? "no PC/SC reader found; connect one (pcsc_scan lists them)"
                                        : "no PC/SC reader matches '" + name + "' (pcsc_scan lists them)"};
      default:
        return DeviceError{"cannot open the PC/SC reader (" + std::string(reader.status().name()) + ")"};
    }
  }
  hal::Slot& slot = (*reader)->contact();
  std::string description((*reader)->contact().name());
  return std::make_unique<CardSource>(std::move(reader).value(), slot, std::move(description), true);
}

Result<bool> CardSource::wait_for_card(bool present, std::chrono::milliseconds timeout) {
  if (!is_pcsc_) return Error::kUnsupported;
  auto& reader = static_cast<hal::PcscReader&>(*reader_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto now_present = slot_->card_present();
    if (!now_present.ok()) return now_present.status();
    if (*now_present == present) return true;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error::kTimeout;
    auto change = reader.wait_for_card_change(left);
    if (!change.ok() && change.status() != Error::kTimeout) return change.status();
    if (change.ok() && *change == hal::CardChange::kCancelled) return Error::kTimeout;
  }
}

}  // namespace sscard::devices

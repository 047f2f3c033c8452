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

Status CardSource::use_contactless() {
  hal::Slot* field = reader_->find_slot(hal::SlotKind::kContactless);
  if (field == nullptr) return Error::kNotFound;
  slot_ = field;
  if (is_pcsc_) description_ = std::string(field->name());
  return kOk;
}

namespace {

DeviceError pcsc_open_error(Status status, const std::string& name) {
  switch (status.code()) {
    case Error::kReaderUnavailable:
      return DeviceError{"the PC/SC service (pcscd) is not running; start it (pcscd, or systemctl start pcscd)"};
    case Error::kNotFound:
      return DeviceError{name.empty() ? "no PC/SC reader found; connect one (pcsc_scan lists them)"
                                      : "no PC/SC reader matches '" + name + "' (pcsc_scan lists them)"};
    case Error::kInvalidArgument:
      return DeviceError{"two devices are configured on the same PC/SC reader '" + name + "'"};
    default:
      return DeviceError{"cannot open the PC/SC reader (" + std::string(status.name()) + ")"};
  }
}

}  // namespace

Result<std::unique_ptr<CardSource>, DeviceError> open_pcsc(const std::string& name) {
  hal::PcscReader::Options options;
  options.reader = name;
  auto reader = hal::PcscReader::open(options);
  if (!reader.ok()) return pcsc_open_error(reader.status(), name);
  hal::Slot& slot = (*reader)->contact();
  std::string description((*reader)->contact().name());
  return std::make_unique<CardSource>(std::move(reader).value(), slot, std::move(description), true);
}

Result<std::unique_ptr<CardSource>, DeviceError> open_pcsc_card_reader(const PcscCardReaders& readers) {
  hal::PcscReader::Options options;
  options.reader = readers.contact_name;
  options.contactless_reader = readers.contactless_name;
  options.with_contactless = true;
  auto reader = hal::PcscReader::open(options);
  if (!reader.ok()) {
    const bool field_named = reader.status() == Error::kNotFound && !readers.contactless_name.empty();
    return pcsc_open_error(reader.status(), field_named ? readers.contactless_name : readers.contact_name);
  }
  hal::PcscReader& r = **reader;
  if (readers.contactless && r.contactless() == nullptr) {
    return DeviceError{"no contactless PC/SC reader found: name it in the kiosk configuration "
                       "(readers.contactless) or connect a dual-interface reader (pcsc_scan lists them)"};
  }
  if (!readers.contactless && !r.has_contact()) {
    return DeviceError{"no contact PC/SC reader found besides the contactless one (pcsc_scan lists them)"};
  }
  hal::Slot& slot = readers.contactless ? static_cast<hal::Slot&>(*r.contactless()) : r.contact();
  std::string description(slot.name());
  return std::make_unique<CardSource>(std::move(reader).value(), slot, std::move(description), true);
}

Result<bool> CardSource::wait_for_card(bool present, std::chrono::milliseconds timeout) {
  if (!is_pcsc_) return Error::kUnsupported;
  auto& reader = static_cast<hal::PcscReader&>(*reader_);
  const hal::SlotKind kind = slot_->kind();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto now_present = slot_->card_present();
    if (!now_present.ok()) return now_present.status();
    if (*now_present == present) return true;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Error::kTimeout;
    auto change = reader.wait_for_card_change(left, kind);
    if (!change.ok() && change.status() != Error::kTimeout) return change.status();
    if (change.ok() && *change == hal::CardChange::kCancelled) return Error::kTimeout;
  }
}

}  // namespace sscard::devices

// A card reader slot for the firmware, wherever it comes from: a PC/SC reader, or (builds with the simulator)
// a simulated card in an in-process reader. The firmware above sees hal::Slot either way and cannot tell
// them apart; this module is the one place of the terminal that knows the simulator exists.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "sscard/core/result.h"
#include "sscard/hal/reader.h"

namespace sscard::devices {

// One line that names the device at fault and says what to do.
struct DeviceError {
  std::string message;
};

class CardSource {
 public:
  CardSource(std::unique_ptr<hal::Reader> reader, hal::Slot& slot, std::string description, bool is_pcsc,
             std::shared_ptr<void> keep_alive = {});
  CardSource(const CardSource&) = delete;
  CardSource& operator=(const CardSource&) = delete;
  ~CardSource();

  // The slot the firmware uses: the contact slot, or the contactless field after use_contactless().
  hal::Slot& slot() { return *slot_; }
  // From now on slot() is the reader's contactless field (docs/CONTACTLESS.md §1.1). kNotFound: the reader
  // has no contactless field (a PC/SC reader without one configured or recognised by its name).
  Status use_contactless();
  // The whole reader, for its other slots (a dual-interface reader's contactless field).
  hal::Reader& reader() { return *reader_; }
  // What is in it, for messages: the reader's name, or the simulated card's profile description.
  const std::string& description() const { return description_; }
  bool is_pcsc() const { return is_pcsc_; }

  // Waits until a card is (present) or is no longer (!present) in the slot. PC/SC readers only: a simulated
  // reader answers kUnsupported. kTimeout when nothing changed within `timeout`; the reader's errors.
  Result<bool> wait_for_card(bool present, std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<hal::Reader> reader_;
  hal::Slot* slot_;
  std::string description_;
  bool is_pcsc_;
  std::shared_ptr<void> keep_alive_;  // a simulated card's saved memory and its lock
};

// A PC/SC reader through pcscd: `name` empty picks the first reader with a card, else the first reader;
// otherwise the exact name or the first name containing it. Its contact slot (the PSAM of a kiosk is in the
// contact slot of its own reader or of a SAM slot that pcscd lists as a reader, "Virtual PCD 00 01").
Result<std::unique_ptr<CardSource>, DeviceError> open_pcsc(const std::string& name);

// The holder's dual-interface reader through pcscd (docs/CONTACTLESS.md §1.1): the contact reader as
// open_pcsc(), and its contactless field, named by `contactless_name` (exact, else a part of it) or, when
// that is empty, recognised by its name (hal::looks_contactless). With `contactless`, slot() is the field
// and the reader must have one.
struct PcscCardReaders {
  std::string contact_name;
  std::string contactless_name;
  bool contactless = false;
};
Result<std::unique_ptr<CardSource>, DeviceError> open_pcsc_card_reader(const PcscCardReaders& readers);

// Simulated cards keep their memory between runs (cards/README.md "A simulated card's memory between runs").
struct SimulatedCardOptions {
  std::filesystem::path state_dir;  // empty: state_dir() / "cards" (sscard/core/state_dir.h)
  bool fresh = false;               // start again from the profile, forgetting the saved memory
};

// True in builds with the simulator; the two functions below fail with a clear message otherwise.
bool has_simulator();

// A holder card from its profile (cards/*.json), held to an in-process dual reader: the same card object in
// its contact slot and in its field (hal::SimReader::insert_dual_interface). slot() is the contact slot;
// use_contactless() switches to the field, where only a generation 3 card answers.
Result<std::unique_ptr<CardSource>, DeviceError> open_simulated_card(const std::filesystem::path& profile,
                                                                     const SimulatedCardOptions& options = {});
// A PSAM from its profile (cards/psam/*.json), inserted into an in-process reader's SAM slot.
Result<std::unique_ptr<CardSource>, DeviceError> open_simulated_psam(const std::filesystem::path& profile,
                                                                     const SimulatedCardOptions& options = {});

}  // namespace sscard::devices

// Where the kiosk's cards come from, chosen at run time: a simulated card loaded from a profile, bound to
// an in-process simulated reader. The firmware above sees only hal::Reader / hal::Slot either way.
// This is the one place of the front end that knows about the simulator.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sscard/core/result.h"
#include "sscard/hal/reader.h"

namespace sscard::app {

struct CardSource {
  std::unique_ptr<hal::Reader> reader;
  hal::Slot* slot = nullptr;  // the slot the flow should use
  std::string description;    // what is in it, for messages
  bool is_pcsc = false;
};

struct OpenResult {
  std::unique_ptr<CardSource> source;
  std::string error;  // set when source is null: one line naming the file and field at fault
};

// Loads the holder profile and inserts the personalised card into a simulated reader's contact slot.
OpenResult open_simulated_card(const std::filesystem::path& profile);

// Loads a PSAM profile (cards/psam/*.json) and inserts the PSAM into a simulated reader's SAM slot.
OpenResult open_simulated_psam(const std::filesystem::path& profile);

// Opens a PC/SC reader through pcscd: `reader_name` empty picks the first reader with a card, else the
// first reader; otherwise the exact name or the first name containing it.
OpenResult open_pcsc_reader(const std::string& reader_name);

// Waits until the reader's card changes (PC/SC readers only; a simulated reader answers kUnsupported).
// kTimeout when nothing changed within `timeout`.
Result<bool> wait_for_card(CardSource& source, bool present, std::chrono::milliseconds timeout);

// The bundled holder profiles in `cards_dir`, sorted.
std::vector<std::filesystem::path> bundled_profiles(const std::filesystem::path& cards_dir);

// Where the bundled cards are: $SSCARD_CARDS_DIR, else the source tree's cards/ this binary was built from,
// else ./cards.
std::filesystem::path default_cards_dir();

}  // namespace sscard::app

// Where the kiosk's cards come from, chosen at run time: a simulated card loaded from a profile, bound to
// an in-process simulated reader. The firmware above sees only hal::Reader / hal::Slot either way.
// This is the one place of the front end that knows about the simulator.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sscard/hal/reader.h"

namespace sscard::app {

struct CardSource {
  std::unique_ptr<hal::Reader> reader;
  hal::Slot* slot = nullptr;  // the slot the flow should use
  std::string description;    // what is in it, for messages
};

struct OpenResult {
  std::unique_ptr<CardSource> source;
  std::string error;  // set when source is null: one line naming the file and field at fault
};

// Loads the holder profile and inserts the personalised card into a simulated reader's contact slot.
OpenResult open_simulated_card(const std::filesystem::path& profile);

// The bundled holder profiles in `cards_dir`, sorted.
std::vector<std::filesystem::path> bundled_profiles(const std::filesystem::path& cards_dir);

// Where the bundled cards are: $SSCARD_CARDS_DIR, else the source tree's cards/ this binary was built from,
// else ./cards.
std::filesystem::path default_cards_dir();

}  // namespace sscard::app

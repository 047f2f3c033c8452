// Card backends for the conformance suite: one suite, written against hal::Slot, runs on every backend that
// can hold a simulated card ("inprocess": the card OS called directly through hal/sim; others, such as a
// card behind pcscd + vpcd, register themselves from their own file in tests/support).
//
// Registering: a file in this library defines
//   static const bool kRegistered = sscard::test::register_card_backend("name", [] { return std::make_unique<X>(); });
// Test programs link the library whole (target sscard_test_support_all) so such files are not dropped.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sscard/hal/slot.h"

namespace sscard::test {

class CardBackend {
 public:
  virtual ~CardBackend() = default;

  // Puts a fresh card personalised from `profile` into the backend's contact slot (replacing any card there)
  // and returns that slot, card present but unpowered. Throws std::runtime_error if the profile does not load
  // or the backend cannot reach its reader.
  virtual hal::Slot& insert(const std::filesystem::path& profile) = 0;
  // Takes the card out.
  virtual void remove() = 0;
  virtual std::string name() const = 0;
};

using CardBackendFactory = std::function<std::unique_ptr<CardBackend>()>;

// Adds a backend; a later registration under the same name replaces the earlier one. Returns true.
bool register_card_backend(const std::string& name, CardBackendFactory factory);

// Registered names, sorted.
std::vector<std::string> card_backend_names();

// A new backend, or nullptr for an unknown name.
std::unique_ptr<CardBackend> make_card_backend(const std::string& name);

}  // namespace sscard::test

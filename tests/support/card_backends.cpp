#include "card_backends.h"

#include <map>
#include <stdexcept>

#include "sscard/hal/sim_reader.h"
#include "sscard/sim/profile.h"

namespace sscard::test {
namespace {

std::map<std::string, CardBackendFactory>& registry() {
  // A function-local static, so registrars in other translation units never see it unconstructed.
  static std::map<std::string, CardBackendFactory> backends;
  return backends;
}

// The card OS in this process, behind the simulator reader's contact slot.
class InProcessBackend final : public CardBackend {
 public:
  hal::Slot& insert(const std::filesystem::path& profile) override {
    auto loaded = sim::load_profile(profile);
    if (!loaded.ok()) throw std::runtime_error(loaded.error().to_string());
    reader_.contact().insert(sim::make_card(loaded.value()));
    return reader_.contact();
  }
  void remove() override { reader_.contact().remove(); }
  std::string name() const override { return "inprocess"; }

 private:
  hal::SimReader reader_;
};

const bool kInProcessRegistered =
    register_card_backend("inprocess", [] { return std::make_unique<InProcessBackend>(); });

}  // namespace

bool register_card_backend(const std::string& name, CardBackendFactory factory) {
  registry()[name] = std::move(factory);
  return true;
}

std::vector<std::string> card_backend_names() {
  (void)kInProcessRegistered;
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

std::unique_ptr<CardBackend> make_card_backend(const std::string& name) {
  auto it = registry().find(name);
  if (it == registry().end()) return nullptr;
  return it->second();
}

}  // namespace sscard::test

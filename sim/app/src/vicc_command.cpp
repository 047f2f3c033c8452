// sscard-sim vicc: a simulated card with its memory (sim/state) behind pcscd, through vpcd.
#include "commands.h"
#include "sscard/sim/card_state.h"
#include "sscard/sim/vicc.h"

namespace sscard::simapp {

int run_vicc(const ViccCommandOptions& o, const app::Reporter& report) {
  sim::PersistentCardOptions state;
  state.fresh = o.fresh;
  auto card = o.card.empty() ? sim::open_persistent_psam(o.psam, state) : sim::open_persistent_card(o.card, state);
  if (!card.ok()) return report.fail(card.error().message);
  sim::ViccOptions options;
  options.host = o.host;
  options.port = static_cast<std::uint16_t>(o.port);
  options.contactless = o.contactless;
  if (o.contactless) {
    // Generation 1 and 2 cards stay silent in a field (docs/CONTACTLESS.md §1): nothing to present.
    const bool answers = !card->card()->activate_contactless().empty();
    card->card()->power_off();
    if (!answers) {
      return report.fail(o.card.string() + ": this card has no contactless interface (only 3rd-generation cards "
                         "have one); serve it without --contactless");
    }
  }
  const std::string prefix = report.command() + ": ";
  options.log = [&prefix](std::string_view line) { std::fprintf(stderr, "%s%.*s\n", prefix.c_str(),
                                                                static_cast<int>(line.size()), line.data()); };
  const int code = sim::run_vicc_command(options, card->card());
  if (code == app::kExitUsage) return report.fail("vpcd's host '" + o.host + "' does not resolve", app::kExitUsage);
  return code;
}

}  // namespace sscard::simapp

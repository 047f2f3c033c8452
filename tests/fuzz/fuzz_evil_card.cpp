// An evil card: the fuzz reader (tests/support/fuzz_reader) answers the terminal's commands from the input,
// driving whole flows of the firmware (evil_card_flows.h: identity read, PIN verify, the PBOC contact kernel,
// the qPBOC kernel). Input: [flow] then the fuzz reader's format, [len][ATR][len][R-APDU]..., lengths in two
// bytes big-endian. The seeds are real cards' answers (card_seeds.cpp), so the fuzzer starts deep in each flow.
//
// Checked besides memory safety: the flow ends (no hang), whatever the card answers.
#include <cstddef>
#include <cstdint>

#include "evil_card_flows.h"
#include "fuzz_reader.h"

namespace {

sscard::fuzz::EvilCardWorld& world() {
  static sscard::fuzz::EvilCardWorld instance;
  return instance;
}

bool run(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return false;
  const std::uint8_t flow = data[0] % sscard::fuzz::kEvilCardFlows;
  const bool contactless = sscard::fuzz::evil_flow_is_contactless(flow);
  sscard::fuzz::FuzzSlot slot(sscard::ByteSpan(data + 1, size - 1),
                              contactless ? sscard::hal::SlotKind::kContactless : sscard::hal::SlotKind::kContact,
                              contactless ? sscard::hal::Protocol::kContactless : sscard::hal::Protocol::kT0);
  return sscard::fuzz::run_evil_card_flow(flow, slot, world());
}

}  // namespace

// For the corpus replay: 1 when the input's flow reached its end (the seeds must).
extern "C" int sscard_evil_card_reaches_end(const std::uint8_t* data, std::size_t size) { return run(data, size) ? 1 : 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)run(data, size);
  return 0;
}

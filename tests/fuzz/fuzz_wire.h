// Shared by the issuer-host protocol fuzz target (fuzz_wire.cpp) and the program that writes its seed corpus
// (wire_seeds.cpp): the fixed link key the target opens frames with.
#pragma once

#include "sscard/wire/wire.h"

namespace sscard::fuzz {

// An invented test key (not a key of cards/ or of the simulated hosts).
inline constexpr wire::LinkKey kWireFuzzKey = {0x46, 0x55, 0x5A, 0x5A, 0x2D, 0x57, 0x49, 0x52,
                                               0x45, 0x2D, 0x4B, 0x45, 0x59, 0x2D, 0x30, 0x31};

}  // namespace sscard::fuzz

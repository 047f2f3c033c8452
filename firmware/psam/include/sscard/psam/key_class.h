// The key classes of docs/SECURITY.md "Keys" and the PSAM's usage code for each (DIVERSIFY P1 P2), apart from
// the PSAM client so that a value naming a key (ssc::Fault) needs nothing else.
#pragma once

#include <cstdint>
#include <string_view>

namespace sscard::psam {

enum class KeyClass : std::uint8_t { kIrk, kEak04, kRkssse, kEak0d, kStk, kPuk, kPrk };

struct KeyUsage {
  std::uint8_t p1;
  std::uint8_t p2;
};
KeyUsage key_usage(KeyClass key);
// "IRK", "EAK04", "RKSSSE", "EAK0D", "STK", "PUK", "PRK".
std::string_view key_class_name(KeyClass key);

}  // namespace sscard::psam

// Answer-to-reset parsing (ISO/IEC 7816-3 section 8): interface bytes, offered protocols, historical bytes.
#pragma once

#include <cstdint>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::atr {

struct Atr {
  ByteSpan historical{};      // T1..TK, a view into the parsed bytes
  bool offers_t0 = false;     // T=0 is implicit when no TDi names another protocol
  bool offers_t1 = false;
  bool has_tck = false;       // present when any protocol other than T=0 is offered
};

// kTruncated: fewer bytes than T0's Y1/K and the TDi chain announce. kMalformed: TS not 3B/3F, a bad TCK,
// T=15 in TD1, or trailing bytes beyond TCK.
Result<Atr> parse(ByteSpan atr);

}  // namespace sscard::atr

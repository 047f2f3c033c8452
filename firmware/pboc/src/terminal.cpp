#include <algorithm>

#include "sscard/pboc/ca_keys.h"
#include "sscard/pboc/terminal.h"

namespace sscard::pboc {

// The low digit of 9F35 ([6] A.1): 1 and 4 online only, 2 and 5 offline with online capability, 3 and 6
// offline only; 4 to 6 unattended.
bool is_online_only(const TerminalConfig& terminal) {
  const std::uint8_t kind = terminal.terminal_type & 0x0F;
  return kind == 1 || kind == 4;
}

bool is_offline_only(const TerminalConfig& terminal) {
  const std::uint8_t kind = terminal.terminal_type & 0x0F;
  return kind == 3 || kind == 6;
}

bool is_unattended(const TerminalConfig& terminal) {
  const std::uint8_t kind = terminal.terminal_type & 0x0F;
  return kind >= 4 && kind <= 6;
}

const CaKey* CaKeyTable::find(ByteSpan rid, std::uint8_t index) const {
  for (const CaKey& key : keys_) {
    if (key.index == index && std::equal(key.rid.begin(), key.rid.end(), rid.begin(), rid.end())) return &key;
  }
  return nullptr;
}

}  // namespace sscard::pboc

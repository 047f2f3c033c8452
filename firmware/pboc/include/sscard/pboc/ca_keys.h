// The certification authority public keys the kernel authenticates cards with ([6] table 40, [17] 10.4).
// The caller fills the table; reading the kiosk's `sscard-ca-keys/1` file (PAYMENT.md §7.1) into it, with the
// check value, length and expiry checks done at load, is firmware/config's job, not the kernel's.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/date.h"

namespace sscard::pboc {

enum class CaKeyAlgorithm : std::uint8_t { kRsa, kSm2 };

struct CaKey {
  std::array<std::uint8_t, 5> rid{};  // A000000333
  std::uint8_t index = 0;             // 8F on the card
  CaKeyAlgorithm algorithm = CaKeyAlgorithm::kRsa;
  Bytes modulus;                      // RSA: big-endian, 64..248 bytes
  Bytes exponent;                     // RSA: 1 or 3 bytes (03 or 010001)
  std::array<std::uint8_t, 64> sm2_point{};  // SM2: x || y
  Date expiry{};                      // last day the key may be used
};

class CaKeyTable {
 public:
  CaKeyTable() = default;
  explicit CaKeyTable(std::vector<CaKey> keys) : keys_(std::move(keys)) {}

  void add(CaKey key) { keys_.push_back(std::move(key)); }
  // The key with this RID and index, or nullptr.
  const CaKey* find(ByteSpan rid, std::uint8_t index) const;
  std::size_t size() const { return keys_.size(); }

 private:
  std::vector<CaKey> keys_;
};

}  // namespace sscard::pboc

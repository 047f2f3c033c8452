// The simulated PSAM: a CardOs with the files and commands of docs/SECURITY.md "PSAM commands" (the PBOC
// PSAM "general DES" pair). It holds province keys only, for the provinces, classes and environments it is
// given, in its Eeprom.
//
//   MF 3F00
//   ├── 0015  SFI 21, 10 bytes: the PSAM serial (its hex is the terminal device number)
//   ├── 0016  SFI 22, 6 bytes BCD: the terminal number
//   ├── DF "sx1.sh.社会保障" (GBK): the 3DES environment
//   │   └── DF01, AID D15600000590 (the same environment, for terminals that select it by AID)
//   └── DF "sx3.sh.社会保障" (GBK): the SM4 environment
//
// Commands: SELECT, READ BINARY (e.g. 00 B0 96 00 06), GET RESPONSE, and
//   DIVERSIFY 80 1A P1 P2 Lc city ‖ card [‖ process]: 90 00; 6A 88 no key of that class for that province in
//     the selected environment; 6A 86 unknown P1/P2; 67 00 not 16 or 24 bytes; 6A 80 a city factor that does
//     not start with two ASCII digits; 69 85 no environment selected.
//   COMPUTE 80 FA P1 00 Lc data Le: P1 00 Enc8(K*, D) (keys of usage 01 and 02), P1 05 IV ‖ message -> 4-byte
//     MAC (usage 03, 04, 05); 69 85 without a preceding DIVERSIFY in the current environment or for a key of
//     the other usage; 6A 86 other P1/P2; 67 00 wrong data length.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/card_os.h"
#include "sscard/sim/security.h"

namespace sscard::sim {

// One province key the PSAM holds.
struct PsamProvinceKey {
  crypto::Cipher cipher = crypto::Cipher::kTdes;  // the environment it belongs to
  std::string province;                           // 6 digits, e.g. "500000"
  KeyClass key_class = KeyClass::kIrk;
  Bytes key;                                      // 16 bytes
};

struct PsamConfig {
  CardProtocol protocol = CardProtocol::kT0;
  Bytes atr;
  Bytes serial;                  // 10 bytes, EF15
  std::string terminal_number;   // 12 digits, EF16
  bool tdes_environment = true;  // sx1.sh.社会保障
  bool sm4_environment = true;   // sx3.sh.社会保障
  std::vector<PsamProvinceKey> keys;  // keys of an environment the PSAM lacks are ignored
  std::shared_ptr<crypto::Crypto> crypto;
};

// The environment DF names in GBK: "sx1.sh.社会保障" (kTdes), "sx3.sh.社会保障" (kSm4).
Bytes psam_environment_name(crypto::Cipher cipher);
// The AID of DF01 in the 3DES environment.
Bytes psam_tdes_aid();

// The key class behind DIVERSIFY's P1 (usage) and P2 (key id), SECURITY.md "Keys" table; nullopt if none.
std::optional<KeyClass> psam_key_class(std::uint8_t p1, std::uint8_t p2);

// A personalised PSAM. kInvalidArgument: serial not 10 bytes, terminal number not 12 digits, no crypto
// backend, no environment, a key not 16 bytes or of a province that is not 6 digits.
Result<std::unique_ptr<CardOs>> make_psam(const PsamConfig& config);

}  // namespace sscard::sim

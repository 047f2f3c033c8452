// The terminal's PSAM as docs/SECURITY.md describes it ("PSAM commands", the PBOC PSAM "general DES" pair):
// it holds province keys, diversifies one of them down to a card's key (DIVERSIFY, 80 1A) and computes with
// it (COMPUTE, 80 FA): the expected answer of INTERNAL AUTHENTICATE, the cryptogram of EXTERNAL
// AUTHENTICATE, and command MACs. It also names the terminal: EF16 terminal number, EF15 serial.
//
// The Psam never sees a key and gives none out; what it computes is secret enough that its transport
// traces mask the COMPUTE data and answers (PsamRedactor).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/status_word.h"
#include "sscard/psam/key_class.h"
#include "sscard/transport/trace.h"
#include "sscard/transport/transport.h"

namespace sscard::psam {

// The card's algorithm identifier (SSSE FCI 9F0C -> 86 01 xx; DECISIONS.md D1).
inline constexpr std::uint8_t kAlgorithmTripleDes = 0x01;
inline constexpr std::uint8_t kAlgorithmSsf33 = 0x02;
inline constexpr std::uint8_t kAlgorithmSm4 = 0x03;

inline constexpr std::size_t kFactorSize = 8;         // city, card and process factors
inline constexpr std::size_t kCryptogramSize = 8;     // Enc8 results
inline constexpr std::size_t kMacSize = 4;
inline constexpr std::size_t kTerminalNumberBytes = 6;  // EF16: 12 BCD digits
inline constexpr std::size_t kSerialBytes = 10;         // EF15

// The PSAM environment's DF name for an algorithm identifier ("sx1.sh.社会保障" in GBK for 01, "sx3..." for
// 03, "sx2..." for 02); empty for any other identifier.
ByteSpan environment_name(std::uint8_t algorithm_id);
// The block size of the algorithm (8 for 3DES, 16 for SM4; 0 for any other identifier).
std::size_t block_size(std::uint8_t algorithm_id);

// ---- Command builders (each only builds the APDU; the data spans must outlive the command) ----

// 00 B0 96 00 06: READ BINARY of EF16 (SFI 16h), the terminal number.
apdu::Command read_terminal_number();
// 00 B0 95 00 0A: READ BINARY of EF15 (SFI 15h), the PSAM serial.
apdu::Command read_serial();
// 00 A4 04 00 Lc <DF name>.
apdu::Command select_environment(ByteSpan df_name);
// 80 1A P1 P2 Lc <factors> (8, 16 or 24 bytes).
apdu::Command diversify(KeyUsage usage, ByteSpan factors);
// 80 FA 00 00 08 <8 bytes> 08: Enc8 with the diversified key.
apdu::Command compute_encrypt(ByteSpan data);
// 80 FA 05 00 Lc <IV || message> 04: the 4-byte MAC.
apdu::Command compute_mac(ByteSpan iv_and_message);

// Masks what a PSAM trace must not show: the data of COMPUTE commands (a MAC'd message may hold a new PIN)
// and every COMPUTE answer (cryptograms and MACs), on top of the default redaction.
class PsamRedactor final : public transport::Redactor {
 public:
  void command_secrets(ByteSpan command, transport::SecretRanges& secrets) const override;
  void response_secrets(ByteSpan command, ByteSpan response_data, transport::SecretRanges& secrets) const override;
};
const transport::Redactor& psam_redactor();

class Psam {
 public:
  // Uses `transport` (whose slot holds the powered PSAM) and gives it the PsamRedactor.
  explicit Psam(transport::Transport& transport);

  Psam(const Psam&) = delete;
  Psam& operator=(const Psam&) = delete;

  // Reads EF16 and EF15 (SECURITY.md: right after the PSAM's reset, before any environment is selected).
  // Errors: kMalformed (EF16 not 6 bytes of BCD, EF15 not 10 bytes); kCardStatus (another status word,
  // see last_status_word()); the transport's errors (kNoCard: no PSAM in the slot).
  Status read_numbers();
  bool numbers_read() const { return numbers_read_; }
  // 12 digits (EF16), and the upper-case hex of EF15 (DECISIONS.md S12). Empty until read_numbers().
  const std::string& terminal_number() const { return terminal_number_; }
  const std::string& device_number() const { return device_number_; }

  // Selects the environment of the card's algorithm.
  // kUnsupported: the PSAM has no such environment (6A82), or the identifier is not 01 or 03 (SSF33 and
  // unknown identifiers are refused without a command, SECURITY.md "Algorithms"). kCardStatus: another
  // status word. Transport errors as above.
  Status select_environment(std::uint8_t algorithm_id);
  // The environment selected last (0 before any).
  std::uint8_t algorithm_id() const { return algorithm_id_; }

  // DIVERSIFY with the province key of `key` for the city factor's province, then the city, card and (if
  // not empty) process factor, each 8 bytes. kInvalidArgument: a factor is not 8 bytes (nothing sent) or
  // the PSAM answered 6A86; kNotFound: 6A88, the PSAM has no key of that class for that province;
  // kCardStatus: another status word.
  Status diversify(KeyClass key, ByteSpan city_factor, ByteSpan card_factor, ByteSpan process_factor = {});

  // COMPUTE P1 00: Enc8 of 8 bytes with the diversified key. kInvalidArgument: `data` not 8 bytes;
  // kMalformed: the answer is not 8 bytes; kCardStatus: not 9000 (6985: no DIVERSIFY before).
  Status encrypt(ByteSpan data, std::span<std::uint8_t, kCryptogramSize> out);

  // COMPUTE P1 05: the MAC of `message` with IV = `challenge` padded with zeros to the environment's block
  // size (SECURITY.md "MACs"). kInvalidArgument: no environment selected, a challenge longer than a block,
  // or IV + message over 255 bytes; kMalformed: the answer is not 4 bytes; kCardStatus as above.
  Status mac(ByteSpan challenge, ByteSpan message, std::span<std::uint8_t, kMacSize> out);

  // The PSAM's status word of its last answer.
  StatusWord last_status_word() const { return transport_.last_status_word(); }
  transport::Transport& transport() { return transport_; }

 private:
  transport::Transport& transport_;
  std::string terminal_number_;
  std::string device_number_;
  bool numbers_read_ = false;
  std::uint8_t algorithm_id_ = 0;
};

}  // namespace sscard::psam

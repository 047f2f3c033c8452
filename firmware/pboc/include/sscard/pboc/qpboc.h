// The qPBOC contactless kernel (JR/T 0025.12; docs/CONTACTLESS.md §3): PPSE, the GPO that returns the
// cryptogram, READ RECORD only for an offline approval (or a deferred authorisation), fDDA (RSA or SM2)
// checked after the card may have left, and the online step through the same OnlineAuthoriser as contact
// payment. A torn tap is kept in a TornTapStore so that the next tap never charges it twice.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/hal/pinpad.h"
#include "sscard/pboc/ca_keys.h"
#include "sscard/pboc/online.h"
#include "sscard/pboc/record.h"
#include "sscard/pboc/terminal.h"
#include "sscard/transport/transport.h"

namespace sscard::pboc {

// The contactless terminal data (kiosk configuration `payment`, CONTACTLESS.md §3.1).
struct ContactlessConfig {
  std::uint64_t transaction_limit_fen = 0;  // amount >= this: use the contact interface (0: no limit)
  std::uint64_t cvm_limit_fen = 0;          // amount >= this: CVM required (0: no limit)
  std::uint64_t floor_limit_fen = 0;        // amount > this: online cryptogram required
  std::array<std::uint8_t, 4> ttq{0x36, 0x00, 0x00, 0x80};  // static bits of 9F66
  bool offline_only = false;                // TTQ 1.4: no online capability (byte 1 bit 4)
  bool deferred_authorisation = false;      // TTQ 3.8, the sscard extension of §2.2 (transit validators)
};

// The TTQ this terminal sends for `amount_fen` ([12] 6.2.2; CONTACTLESS.md §3.1). Nothing if the amount is
// at or over the contactless transaction limit.
std::optional<std::array<std::uint8_t, 4>> terminal_transaction_qualifiers(const ContactlessConfig& config,
                                                                           std::uint64_t amount_fen);

// A tap that may have completed on the card while its answer never arrived (CONTACTLESS.md §3.3).
struct TornTap {
  std::uint64_t amount_fen = 0;
  std::array<std::uint8_t, 3> date{};  // 9A
  std::array<std::uint8_t, 4> unpredictable_number{};
  // Known once the GPO answered a TC:
  std::string pan;                     // digits
  std::uint16_t atc = 0;
  Bytes icc_data;                      // the FF40 value the clearing needs (empty before the GPO answer)
  bool gpo_answered = false;
};

// Where the terminal keeps its one torn tap (the kiosk's journal, a validator's ride log, memory in tests).
class TornTapStore {
 public:
  virtual ~TornTapStore() = default;
  virtual std::optional<TornTap> torn() = 0;  // the kept tap, if any and not older than 120 s
  virtual Status keep(const TornTap& tap) = 0;  // replaces any kept tap (durable before it returns)
  virtual Status forget() = 0;
};

struct ContactlessContext {
  transport::Transport& card;       // the powered contactless card
  crypto::Crypto& crypto;
  const TerminalConfig& terminal;   // 9F1A, 5F2A, AIDs, national_algorithms, PIN key
  const ContactlessConfig& contactless;
  const CaKeyTable& ca_keys;
  hal::PinPad* pinpad;              // online PIN when the card's CTQ asks for it; nullptr: none
  OnlineAuthoriser* authoriser;     // nullptr: no online step here (deferred, or an offline-only terminal)
  TornTapStore* torn_taps;          // nullptr: no torn-tap protection
};

// Runs one tap and returns its record (card_interface kContactless). Never aborts on card or host input.
// An ARQC is sent to `authoriser` after the card may have left (no GAC2, no scripts); with no authoriser
// the record keeps the ARQC's FF40 in icc_data for the caller (deferred_authorisation).
TransactionRecord run_contactless_transaction(ContactlessContext& context, const TransactionRequest& request);

}  // namespace sscard::pboc

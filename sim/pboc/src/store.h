// Internal: where the PBOC application keeps what must outlive a power cut (docs/PAYMENT.md §5.6, P30), in
// the card's Eeprom, and how each write stays whole when power is cut after any page:
//   ATC       2 bytes inside one page, written in place: a page write is all or nothing.
//   PIN       try counter (1 byte, in place), active slot selector and two 8-byte slots (S17).
//   state     two copies and a selector byte: a change goes to the copy not in use, then one byte switches
//             copies, so a cut leaves the old state or the new one, never a mixture.
//   log       11 slots of 45 bytes for 10 visible records: a new record goes to the slot no record uses,
//             and becomes visible with the state that names it (JR/T 0025.5 18: one commit with the GAC).
//   load log  the same for the e-cash load log (11 slots of 19 bytes, JR/T 0025.13 5.8), committed with the
//             balance it records (docs/CONTACTLESS.md §2.5).
// Nothing is cached in RAM: a saved memory loaded into the Eeprom (sim/state) is the card's state at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/sim/eeprom.h"

namespace sscard::sim::pboc::detail {

// The indicators and counters of JR/T 0025.5 14–17 the card keeps between transactions, and the data
// issuer scripts change.
struct PersistentState {
  std::uint16_t last_online_atc = 0;   // 9F13
  bool online_authorisation = false;   // set with an ARQC at GAC1 (.5 14.5.2), cleared at completion
  bool issuer_auth_failed = false;     // .5 15.4.3
  bool sda_failed = false;             // .5 14.5.1 step 2
  bool dda_failed = false;
  bool script_failed = false;          // .5 17.6.4
  std::uint8_t script_counter = 0;     // secure-messaging commands, 0..15
  std::uint8_t lower_limit = 3;        // 9F58
  std::uint8_t upper_limit = 5;        // 9F59
  std::uint8_t terminal_lower = 3;     // 9F14 (SFI 5 record 1)
  std::uint8_t terminal_upper = 5;     // 9F23
  bool blocked = false;                // APPLICATION BLOCK
  std::uint8_t log_head = 0;           // slot of the newest log record
  std::uint8_t log_count = 0;          // 0..10
  // Electronic cash in fen (docs/CONTACTLESS.md §2.4): 9F79, 9F77, 9F78, 9F6D.
  std::uint64_t ecash_balance = 0;
  std::uint64_t ecash_limit = 0;
  std::uint64_t ecash_single_limit = 0;
  std::uint64_t ecash_reset_threshold = 0;
  // Anti-tear (JR/T 0025.12 7.4.1, CONTACTLESS.md §2.2): set by an offline TC with what undoes it (the amount,
  // the log head and count before it), cleared by the answer to that tap's last READ RECORD.
  bool torn = false;
  std::uint64_t torn_amount = 0;
  std::uint8_t torn_log_head = 0;
  std::uint8_t torn_log_count = 0;
  std::uint8_t load_log_head = 0;      // slot of the newest load-log record
  std::uint8_t load_log_count = 0;     // 0..10

  friend bool operator==(const PersistentState&, const PersistentState&) = default;
};

inline constexpr std::size_t kLogRecordSize = 45;
inline constexpr std::size_t kLogRecords = 10;
inline constexpr std::size_t kLoadLogRecordSize = 19;  // P1 P2, old balance, new balance, ATC, date
inline constexpr std::size_t kPinFieldSize = 8;

class Store {
 public:
  // Reserves the application's Eeprom space and writes the initial values: ATC 0, the PIN (BCD, F-padded to
  // 8 bytes) with a full counter, `initial` state. kBufferTooSmall: the Eeprom is full; kIo: power lost.
  static Result<Store> create(Eeprom& eeprom, ByteSpan pin_bcd, std::uint8_t pin_tries, const PersistentState& initial);

  std::uint16_t atc() const;
  Status write_atc(std::uint16_t atc);

  std::uint8_t pin_tries() const;
  Status write_pin_tries(std::uint8_t tries);
  // The try spent before a PIN is compared: it lasts even when the command's transaction is undone.
  Status spend_pin_try(std::uint8_t tries_left);
  ByteSpan active_pin() const;  // 8 bytes
  // The new PIN into the slot not in use, then the selector (S17); the counter is the caller's.
  Status store_new_pin(ByteSpan pin_bcd);

  PersistentState state() const;
  // Makes `next` the state, with `log_record` (45 bytes) as the new newest log record and `load_record` (19
  // bytes) as the new newest load-log record when given (the state's heads and counts are then set here).
  // kIo: power lost; the old state stands unless the selector was written.
  Status commit(PersistentState next, std::optional<ByteSpan> log_record = std::nullopt,
                std::optional<ByteSpan> load_record = std::nullopt);

  // Log record `index` (0 = newest), empty if there is none; the same for the load log.
  ByteSpan log_record(std::size_t index) const;
  ByteSpan load_log_record(std::size_t index) const;

 private:
  static constexpr std::size_t kStateSize = 44;
  static constexpr std::size_t kLogSlots = kLogRecords + 1;
  Store(Eeprom& eeprom) : eeprom_(&eeprom) {}
  std::size_t active_state_offset() const;

  Eeprom* eeprom_;
  std::size_t atc_at_ = 0;
  std::size_t pin_at_ = 0;    // [0] counter, [1] selector, [2..9] slot 0, [10..17] slot 1
  std::size_t state_at_ = 0;  // [0] selector, then two copies
  std::size_t log_at_ = 0;
  std::size_t load_log_at_ = 0;
};

}  // namespace sscard::sim::pboc::detail

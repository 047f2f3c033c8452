// PC/SC backend of the HAL, on pcsc-lite (pcscd): a USB reader, or a simulated card behind vpcd.
//
// Every SCARD_* failure becomes a typed sscard::Error (see map_pcsc_error below); the raw PC/SC code of
// the last failure stays available (last_pcsc_error()) so messages can name it with pcsc_error_name().
//
// Threads: a PcscSlot is used by one thread. PcscReader::cancel_wait() is the one call that may come from
// another thread (it ends a wait_for_card_change() that is blocked in SCardGetStatusChange). Waiting uses
// its own PC/SC context, so a blocked wait never holds up the slots.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/hal/reader.h"
#include "sscard/hal/slot.h"

namespace sscard::hal {

// The PC/SC return code (LONG in pcsc-lite, where it is `long`).
using PcscCode = long;

// The symbolic name of a PC/SC return code, e.g. "SCARD_E_NO_SMARTCARD"; "SCARD_E_<unknown>" otherwise.
std::string_view pcsc_error_name(PcscCode code);

// Where the failure happened; the same PC/SC code means different things before and during an exchange.
enum class PcscOperation : std::uint8_t {
  kLookup,    // listing or finding readers
  kConnect,   // powering up (SCardConnect / SCardReconnect)
  kExchange,  // SCardTransmit and status queries of a connected card
};

// The Error each PC/SC failure maps to (SCARD_S_SUCCESS maps to kOk):
//   SCARD_E_NO_SMARTCARD, SCARD_W_REMOVED_CARD        kNoCard; kCardRemoved during kExchange
//   SCARD_E_UNKNOWN_READER, SCARD_E_NO_READERS_AVAILABLE  kNotFound during kLookup, else kReaderUnavailable
//   SCARD_E_READER_UNAVAILABLE, SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED, SCARD_E_INVALID_HANDLE,
//   SCARD_P_SHUTDOWN                                  kReaderUnavailable (reader or pcscd gone; reopen)
//   SCARD_E_SHARING_VIOLATION                         kIo: the OS-level resource is busy because another
//                                                     process holds the card exclusively; try again later.
//                                                     Chosen so callers can tell "busy" from "gone".
//   SCARD_E_TIMEOUT                                   kTimeout
//   SCARD_W_UNRESPONSIVE_CARD, SCARD_W_UNPOWERED_CARD, SCARD_W_UNSUPPORTED_CARD, SCARD_E_PROTO_MISMATCH,
//   SCARD_E_CARD_UNSUPPORTED                          kUnsupported during kConnect (the card is mute or
//                                                     speaks no protocol we offer), else kTimeout
//   SCARD_E_NOT_TRANSACTED, SCARD_F_COMM_ERROR, SCARD_E_COMM_DATA_LOST
//                                                     kTimeout: the card did not answer properly; the
//                                                     command may or may not have run
//   SCARD_E_INSUFFICIENT_BUFFER                       kBufferTooSmall
//   SCARD_E_CANCELLED                                 kTimeout (a wait ended early)
//   anything else                                     kInternal
// SCARD_W_RESET_CARD never reaches callers: the slot reconnects once and repeats the call (see PcscSlot).
Error map_pcsc_error(PcscCode code, PcscOperation operation);

// A PC/SC resource-manager context (SCardEstablishContext / SCardReleaseContext). Movable, not copyable.
class PcscContext {
 public:
  // kReaderUnavailable: pcscd is not running (SCARD_E_NO_SERVICE).
  static Result<PcscContext> establish();

  PcscContext() = default;
  PcscContext(PcscContext&& other) noexcept;
  PcscContext& operator=(PcscContext&& other) noexcept;
  PcscContext(const PcscContext&) = delete;
  PcscContext& operator=(const PcscContext&) = delete;
  ~PcscContext();

  bool valid() const { return handle_ != 0; }
  long handle() const { return handle_; }

  // Drops the context and establishes a new one (after pcscd restarted, the old one is dead).
  Status reestablish();

  // The names of the readers pcscd knows; empty when there is none. kReaderUnavailable: pcscd is gone.
  Result<std::vector<std::string>> list_readers() const;

  // Is a card in `reader` now? kNotFound: no reader of that name. kReaderUnavailable: pcscd is gone.
  Result<bool> card_present(std::string_view reader) const;

  // Picks a reader. `wanted` empty: the first reader with a card present, else the first reader.
  // Otherwise the reader named exactly `wanted`, else the first whose name contains it
  // ("Virtual PCD" finds "Virtual PCD 00 00"). Readers named in `skip` are never picked.
  // kNotFound: no (matching) reader.
  Result<std::string> select_reader(std::string_view wanted, const std::vector<std::string>& skip = {}) const;

  PcscCode last_pcsc_error() const { return last_error_; }

 private:
  explicit PcscContext(long handle) : handle_(handle) {}
  void release();

  long handle_ = 0;
  mutable PcscCode last_error_ = 0;
};

// Does a PC/SC reader name say "contactless"? Vendors' conventions (docs/CONTACTLESS.md §1.1): the name
// contains, case-insensitively, "contactless", "PICC", "CL", " RF" or "NFC" ("... PICC 0", "... CL 0").
bool looks_contactless(std::string_view reader_name);

// What wait_for_card_change() saw.
enum class CardChange : std::uint8_t {
  kInserted,   // a card is now present where there was none
  kRemoved,    // the card is gone
  kCancelled,  // cancel_wait() was called
};

// One card slot of a PC/SC reader. Each slot has its own context and card handle.
//
// A contactless slot (the field of a dual-interface reader, SlotKind::kContactless) also watches for the
// card leaving the field: before every exchange it asks SCardGetStatusChange whether the card it powered is
// still the one there (present, same event count); if not, the exchange is not sent and answers
// kCardRemoved (docs/CONTACTLESS.md §1.1).
//
// SCARD_W_RESET_CARD (another application reset the card under our shared connection): the slot calls
// SCardReconnect once and repeats the failed call. The card's volatile state (selected file, security
// state) is gone after that; the card's answer (e.g. 6A82, 6982) tells the layers above.
class PcscSlot final : public Slot {
 public:
  PcscSlot(PcscContext context, std::string reader_name, SlotKind kind);
  ~PcscSlot() override;
  PcscSlot(const PcscSlot&) = delete;
  PcscSlot& operator=(const PcscSlot&) = delete;

  std::string_view name() const override { return reader_name_; }
  SlotKind kind() const override { return kind_; }

  // The raw PC/SC code of the most recent failure (SCARD_S_SUCCESS if none), for messages.
  PcscCode last_pcsc_error() const { return last_error_; }

  bool connected() const { return card_ != 0; }

 private:
  // Card presence from SCardGetStatusChange. kReaderUnavailable: the reader or pcscd is gone.
  Result<bool> do_card_present() override;
  // SCardConnect (SHARED, T=0 or T=1) or, when already connected, SCardReconnect with SCARD_UNPOWER_CARD
  // (a cold reset); the ATR comes from SCardStatus. If pcscd restarted since the last call, the context
  // is re-established once. kNoCard: no card. kReaderUnavailable: reader or pcscd gone. kIo: another
  // process holds the card exclusively. kUnsupported: mute card or no common protocol.
  Result<std::size_t> do_power_up(MutableByteSpan atr) override;
  Protocol do_protocol() const override { return protocol_; }
  // SCardDisconnect(SCARD_UNPOWER_CARD); a vanished card or reader is not an error here.
  Status do_power_down() override;
  // SCardTransmit with the PCI of the active protocol. kNoCard: not powered; nothing was sent.
  // kCardRemoved: the card went away during the exchange (also: an empty answer, which is how vpcd
  // reports it). kTimeout: the card did not answer properly. kMalformed: a 1-byte answer.
  // kReaderUnavailable: reader or pcscd gone. kBufferTooSmall: the card answered (the command ran) but
  // the answer does not fit `response`.
  Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) override;

  Status fail(PcscCode code, PcscOperation operation);
  void forget_card();
  // The reader's state word now (SCardGetStatusChange without waiting); nullopt if it cannot be read.
  std::optional<unsigned long> reader_state() const;

  PcscContext context_;
  std::string reader_name_;
  SlotKind kind_;
  long card_ = 0;  // SCARDHANDLE; 0 = not connected
  Protocol protocol_ = Protocol::kT1;
  unsigned long active_protocol_ = 0;  // SCARD_PROTOCOL_T0 / T1 / RAW
  PcscCode last_error_ = 0;
  Bytes receive_buffer_;  // the largest extended response; the answer is copied out from here
  unsigned long powered_events_ = 0;  // contactless: the reader's event count when the card was powered
};

// A PC/SC reader: one contact slot and, optionally, a second PC/SC reader serving as the PSAM slot and a
// third serving as the contactless field (a dual-interface USB reader appears to PC/SC as two readers,
// docs/CONTACTLESS.md §1.1). Slots are numbered contact, PSAM, contactless, leaving out those there are not.
class PcscReader final : public Reader {
 public:
  struct Options {
    std::string reader;      // see PcscContext::select_reader; empty = first with a card, else first
    std::string sam_reader;  // empty = no PSAM slot; otherwise chosen like `reader`
    // The contactless field: `contactless_reader` names it (exact name, else a part of it); empty with
    // `with_contactless` picks the first reader whose name looks_contactless(). Either way the contact
    // reader is then another reader (the first other one when `reader` is empty); when no other reader
    // exists, the reader has no contact slot.
    // (Default member initialisers: callers that give only the first two fields get no warning.)
    std::string contactless_reader{};
    bool with_contactless = false;
  };

  // kReaderUnavailable: pcscd is not running. kNotFound: no (matching) reader, or a named contactless
  // reader that does not exist. kInvalidArgument: two slots on the same PC/SC reader.
  static Result<std::unique_ptr<PcscReader>> open(const Options& options);

  std::string_view name() const override { return contact_ ? contact_->name() : contactless_->name(); }
  std::size_t slot_count() const override { return slots_.size(); }
  Slot* slot(std::size_t index) override { return index < slots_.size() ? slots_[index] : nullptr; }

  // The contact slot; only when has_contact() (always, unless a lone contactless reader was opened).
  bool has_contact() const { return contact_ != nullptr; }
  PcscSlot& contact() { return *contact_; }
  PcscSlot* sam() { return sam_.get(); }
  PcscSlot* contactless() { return contactless_.get(); }

  // Blocks until a card is inserted into or removed from the contact slot (or the contactless field, for
  // SlotKind::kContactless), or `timeout` passes, or cancel_wait() is called. kTimeout: nothing changed in
  // time. kReaderUnavailable: reader or pcscd gone. kNotFound: the reader has no slot of that kind.
  Result<CardChange> wait_for_card_change(std::chrono::milliseconds timeout, SlotKind kind = SlotKind::kContact);

  // Thread-safe: makes a pending (or the next) wait_for_card_change() return CardChange::kCancelled.
  // Uses SCardCancel; the wait also re-checks a flag every 200 ms in case the cancel came just before
  // it blocked.
  void cancel_wait();

 private:
  PcscReader() = default;

  std::unique_ptr<PcscSlot> contact_;
  std::unique_ptr<PcscSlot> sam_;
  std::unique_ptr<PcscSlot> contactless_;
  std::vector<Slot*> slots_;  // contact, PSAM, contactless: those that exist
  PcscContext monitor_;  // used only by wait_for_card_change / cancel_wait
  std::atomic<bool> cancel_requested_{false};
  std::atomic<long> monitor_handle_{0};  // what cancel_wait() may read from another thread
};

}  // namespace sscard::hal

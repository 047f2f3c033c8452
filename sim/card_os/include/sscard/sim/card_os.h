// CardOs: an ISO/IEC 7816-4 card operating system engine. A file system, an INS dispatch table with one
// small handler per command, volatile security state, a PIN with a try counter kept in the Eeprom, card
// keys in the Eeprom, blockable applications, and the T=0 GET RESPONSE mechanism. Personalise it through
// file_system(), set_pin(), add_key() and enable_application_block(), then use it as a Card.
//
// Commands (ISO/IEC 7816-4 section 11; CLA 00, 80 or 84; short APDUs only):
//   SELECT 00 A4, READ BINARY 00 B0, UPDATE BINARY 00 D6, READ RECORD 00 B2, UPDATE RECORD 00 DC (and 84 DC
//   with an STK MAC), VERIFY 00 20, GET CHALLENGE 00 84, GET RESPONSE 00 C0, and the security commands of
//   docs/SECURITY.md: INTERNAL AUTHENTICATE 00 88, EXTERNAL AUTHENTICATE 00 82, APPLICATION BLOCK 84 1E,
//   APPLICATION UNBLOCK 84 18, PIN UNBLOCK 84 24, PIN RELOAD 80 5E 00 00, CHANGE PIN 80 5E 01 00.
//   A CommandExtension adds commands of its own (the PSAM's).
// The behaviour of each command, and the choices made where the standard leaves room, are documented in
// cards/README.md ("How the simulated card answers").
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"
#include "sscard/core/status_word.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/card.h"
#include "sscard/sim/eeprom.h"
#include "sscard/sim/file_system.h"

namespace sscard::sim {

struct CardConfig {
  CardProtocol protocol = CardProtocol::kT0;
  Bytes atr;
  // The ATS of the contactless interface (docs/CONTACTLESS.md §1); empty: a contact-only card.
  Bytes ats;
  std::size_t eeprom_size = Eeprom::kDefaultSize;
  std::size_t page_size = Eeprom::kDefaultPageSize;
  // The crypto backend of the security commands and of GET CHALLENGE. Without one, the security commands
  // answer 6A88 (no key) and challenges come from a non-cryptographic generator.
  std::shared_ptr<crypto::Crypto> crypto;
  // false: commands write the memory directly, without the undo journal: a card OS without transactions,
  // which a power cut can leave half-written (the tearing harness shows that it notices, docs/TEARING.md).
  bool transactions = true;
};

// What the card does with a key (docs/SECURITY.md "Keys"): the command that uses it.
enum class KeyRole : std::uint8_t {
  kInternalAuth,    // INTERNAL AUTHENTICATE, key reference in P2 (IRK: 00)
  kExternalAuth,    // EXTERNAL AUTHENTICATE, key id in P2 (04, 0A, 0D)
  kApplicationMac,  // MAC of APPLICATION BLOCK / UNBLOCK and UPDATE RECORD 84 DC (STK, id 00)
  kPinUnblockMac,   // MAC of PIN UNBLOCK (PUK, id 00)
  kPinReloadMac,    // MAC of PIN RELOAD (PRK, id 00)
};

// One answer of a command handler. `power_lost` means the Eeprom lost power during the command.
struct CommandReply {
  Bytes data;
  StatusWord sw;
  bool power_lost = false;
};

class CardOs;

// Commands a card understands beyond the built-in ones (the PSAM's DIVERSIFY and COMPUTE). The engine asks
// the extension for every INS it does not know itself, after the class and blocked-application checks.
class CommandExtension {
 public:
  virtual ~CommandExtension() = default;
  // The answer, or nullopt if the INS is not the extension's either (the card answers 6D00).
  virtual std::optional<CommandReply> process(CardOs& card, const apdu::Command& cmd) = 0;
  // Power-on and power-off: drop volatile state.
  virtual void reset() = 0;
};

// An application with a command set of its own (docs/DECISIONS.md P27: the PBOC ADF). While its DF is the
// current DF, every command except SELECT and GET RESPONSE goes to it, CLA checks included; the engine keeps
// selection, T=0 response handling and power.
class ApplicationHandler {
 public:
  virtual ~ApplicationHandler() = default;
  // SELECT made the handler's DF current (again): a new session starts. The status word of the answer
  // (9000, or 6283 for a blocked application, which still gets its FCI).
  virtual StatusWord selected(CardOs& card) = 0;
  virtual CommandReply process(CardOs& card, const apdu::Command& cmd) = 0;
  // Power-on and power-off: drop the session.
  virtual void reset() = 0;
  // The contents of the A5 template of the FCI this SELECT answers with (it may depend on card.interface());
  // nullopt: the file system's.
  virtual std::optional<Bytes> fci_proprietary(const CardOs& /*card*/) const { return std::nullopt; }
};

class CardOs final : public Card {
 public:
  static constexpr std::uint8_t kDefaultPinTries = 6;  // Chongqing: 6 wrong entries lock the PIN
  static constexpr std::size_t kMinPinDigits = 4;
  static constexpr std::size_t kMaxPinDigits = 12;

  explicit CardOs(CardConfig config);
  CardOs(const CardOs&) = delete;
  CardOs& operator=(const CardOs&) = delete;

  Bytes power_on() override;
  Bytes activate_contactless() override;
  CardInterface interface() const override { return interface_; }
  void power_off() override;
  bool powered() const override { return powered_; }
  // The contact ATR's protocol. In the field the card keeps its T=0 response handling (61xx, GET RESPONSE):
  // the terminal's SSSE SELECT carries no Le and would otherwise get no FCI (docs/CONTACTLESS.md §1).
  CardProtocol protocol() const override { return config_.protocol; }
  Bytes process(ByteSpan command) override;

  // Personalisation and inspection (outside the APDU path).
  FileSystem& file_system() { return fs_; }
  const FileSystem& file_system() const { return fs_; }
  Eeprom& eeprom() { return eeprom_; }
  const Eeprom& eeprom() const { return eeprom_; }

  // Sets the PIN (reference 00) with a full try counter.
  // kInvalidArgument: not 4..12 decimal digits, or max_tries outside 1..15. kIo: power lost.
  Status set_pin(std::string_view digits, std::uint8_t max_tries = kDefaultPinTries);
  // The try counter as the Eeprom holds it; nullopt if no PIN was set.
  std::optional<std::uint8_t> pin_tries_left() const;
  // The PIN limit set by set_pin().
  std::uint8_t pin_max_tries() const { return pin_max_tries_; }
  // Whether `digits` is the PIN now in force, compared in constant time. Spends no try and changes no
  // state: an inspection from outside the APDU path (is the PIN still the profile's?). False without a PIN
  // or for anything but 4..12 decimal digits.
  bool pin_matches(std::string_view digits) const;

  // Stores a 16-byte key for `role` under key id `id` in the Eeprom; `cipher` is kTdes or kSm4 and decides
  // the algorithm of every command that uses the key. A second key with the same role and id replaces the
  // first. kInvalidArgument: wrong key length or cipher. kBufferTooSmall: the Eeprom is full. kIo: power lost.
  Status add_key(KeyRole role, std::uint8_t id, crypto::Cipher cipher, ByteSpan key);
  bool has_key(KeyRole role, std::uint8_t id) const;

  // Makes DF `df` an application that APPLICATION BLOCK can block (its state byte lives in the Eeprom).
  // kInvalidArgument: not a DF. kBufferTooSmall: the Eeprom is full. kIo: power lost.
  Status enable_application_block(NodeId df);
  enum class BlockState : std::uint8_t { kNone = 0, kTemporary = 1, kPermanent = 2 };
  // The state of the application `df` belongs to (itself or its nearest blockable ancestor).
  BlockState block_state(NodeId df) const;

  // Test hook and alternative entropy: where GET CHALLENGE takes its bytes from. An empty function restores
  // the default (the crypto backend's random(), or a seeded generator without one).
  using RandomSource = std::function<void(MutableByteSpan)>;
  void set_random_source(RandomSource source) { random_source_ = std::move(source); }

  // Commands beyond the built-in ones; replaces any earlier extension.
  void set_extension(std::unique_ptr<CommandExtension> extension) { extension_ = std::move(extension); }

  // Makes DF `df` selectable on one interface only (docs/CONTACTLESS.md §1: the PSE on the contacts, the PPSE
  // in the field); a SELECT of it on the other interface answers 6A 82 and changes nothing.
  void restrict_to_interface(NodeId df, CardInterface only) { interface_only_.emplace_back(df, only); }

  // Gives DF `df` its own command handler (replaces any earlier one for that DF).
  void set_application_handler(NodeId df, std::shared_ptr<ApplicationHandler> handler);

  // State an extension may read.
  NodeId current_df() const { return current_df_; }
  crypto::Crypto* crypto() const { return config_.crypto.get(); }

 private:
  using Reply = CommandReply;
  using Handler = Reply (CardOs::*)(const apdu::Command&);
  struct CommandEntry {
    std::uint8_t ins;
    Handler handler;
  };
  static const CommandEntry kCommands[];

  static Reply status(StatusWord sw) { return Reply{{}, sw, false}; }
  static Reply data_reply(Bytes data) { return Reply{std::move(data), sw::kSuccess, false}; }
  static Reply from_write(Status s);

  static constexpr std::size_t kJournalPages = 16;
  Bytes dispatch(ByteSpan raw);
  Bytes finish(const apdu::Command& cmd, Reply reply);
  void reset_volatile_state();
  bool t0_now() const { return protocol() == CardProtocol::kT0; }
  bool satisfied(AccessCondition ac) const;
  void select_df(NodeId df);

  // Handlers, one per command (cmd_*.cpp).
  Reply select(const apdu::Command& cmd);
  Reply read_binary(const apdu::Command& cmd);
  Reply update_binary(const apdu::Command& cmd);
  Reply read_record(const apdu::Command& cmd);
  Reply update_record(const apdu::Command& cmd);
  Reply verify(const apdu::Command& cmd);
  Reply get_challenge(const apdu::Command& cmd);
  Reply get_response(const apdu::Command& cmd);
  Reply internal_authenticate(const apdu::Command& cmd);
  Reply external_authenticate(const apdu::Command& cmd);
  Reply application_block(const apdu::Command& cmd);
  Reply application_unblock(const apdu::Command& cmd);
  Reply pin_unblock(const apdu::Command& cmd);
  Reply change_or_reload_pin(const apdu::Command& cmd);
  Reply change_pin(const apdu::Command& cmd);
  Reply reload_pin(const apdu::Command& cmd);

  // Shared by the handlers.
  Bytes fci(NodeId node, std::optional<ByteSpan> proprietary = std::nullopt) const;
  struct EfTarget {
    std::optional<NodeId> ef;
    StatusWord error;  // meaningful when ef is empty
  };
  EfTarget target_ef(std::uint8_t sfi, FileKind kind);  // sfi 0 = current EF; sets the current EF
  struct BinaryTarget {
    std::optional<NodeId> ef;
    std::size_t offset = 0;
    StatusWord error;
  };
  BinaryTarget binary_target(const apdu::Command& cmd);
  std::optional<std::size_t> find_record(NodeId ef, std::uint8_t p1, std::uint8_t mode) const;
  bool satisfied_with(AccessCondition ac, std::optional<std::uint8_t> extra_key) const;

  // Keys (cmd_security.cpp).
  struct KeySlot {
    KeyRole role;
    std::uint8_t id;
    crypto::Cipher cipher;
    std::size_t offset;  // Eeprom: 16 bytes
  };
  const KeySlot* find_key(KeyRole role, std::uint8_t id) const;
  ByteSpan key_bytes(const KeySlot& slot) const;
  // Checks the MAC (the last 4 bytes of the command data) of a MAC-protected command with the key of `role`
  // and the R4 the card issued, which it consumes. kSuccess, or the status word to answer.
  StatusWord check_mac(const apdu::Command& cmd, KeyRole role);
  Bytes take_challenge();
  void fill_random(MutableByteSpan out);
  std::optional<NodeId> blockable_application(NodeId df) const;
  bool in_blocked_application() const;
  Reply write_block_state(NodeId app, BlockState state);

  // PIN storage (cmd_pin.cpp): a journal of two slots so that changing the PIN is atomic.
  // Eeprom at pin_offset_: [0] try counter, [1] active slot (0 or 1), [2..9] slot 0, [10..17] slot 1;
  // a slot holds the PIN as BCD digits padded with F.
  static constexpr std::size_t kPinFieldSize = 8;  // up to 16 BCD digits, F-padded
  static constexpr std::size_t kMacSizeOnCard = 4;
  static constexpr std::uint8_t kMacUpdateKeyId = 0x04;  // what a right STK MAC on UPDATE RECORD stands for
  static constexpr std::size_t kPinCounter = 0, kPinActive = 1, kPinSlots = 2;
  static constexpr std::size_t kPinRecordSize = 2 + 2 * kPinFieldSize;
  ByteSpan active_pin() const;
  // VERIFY's try: spend a try, compare in constant time, restore on success. sw: 9000, 63Cx, 6983.
  Reply try_pin(ByteSpan candidate_bcd);
  // Writes a new PIN into the inactive slot, switches slots, then restores the counter.
  Reply store_new_pin(ByteSpan pin_bcd);
  Reply restore_pin_counter();

  CardConfig config_;
  Eeprom eeprom_;
  FileSystem fs_;
  std::optional<std::size_t> pin_offset_;
  std::uint8_t pin_max_tries_ = kDefaultPinTries;
  std::mt19937_64 rng_;
  RandomSource random_source_;
  std::vector<KeySlot> keys_;
  std::vector<std::pair<NodeId, std::size_t>> blockable_;  // application DF, Eeprom offset of its state byte
  std::unique_ptr<CommandExtension> extension_;
  std::vector<std::pair<NodeId, std::shared_ptr<ApplicationHandler>>> handlers_;
  ApplicationHandler* handler_of(NodeId df) const;
  std::vector<std::pair<NodeId, CardInterface>> interface_only_;

  // Volatile state, cleared at power-on.
  bool powered_ = false;
  CardInterface interface_ = CardInterface::kContact;
  NodeId current_df_ = kMfNode;
  std::optional<NodeId> current_ef_;
  std::optional<std::size_t> current_record_;
  bool pin_verified_ = false;
  std::bitset<256> authenticated_keys_;  // key ids for which external authentication succeeded
  Bytes challenge_;
  Bytes pending_response_;  // T=0: data waiting for GET RESPONSE
};

}  // namespace sscard::sim

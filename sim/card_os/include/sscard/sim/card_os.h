// CardOs: an ISO/IEC 7816-4 card operating system engine. A file system, an INS dispatch table with one
// small handler per command, volatile security state, a PIN with a try counter kept in the Eeprom, and the
// T=0 GET RESPONSE mechanism. Personalise it through file_system() and set_pin(), then use it as a Card.
//
// Commands (ISO/IEC 7816-4 section 11; CLA 00, 80 or 84; short APDUs only):
//   SELECT 00 A4, READ BINARY 00 B0, UPDATE BINARY 00 D6, READ RECORD 00 B2, UPDATE RECORD 00 DC,
//   VERIFY 00 20, GET CHALLENGE 00 84, GET RESPONSE 00 C0.
// The behaviour of each command, and the choices made where the standard leaves room, are documented in
// cards/README.md ("How the simulated card answers").
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"
#include "sscard/core/status_word.h"
#include "sscard/sim/card.h"
#include "sscard/sim/eeprom.h"
#include "sscard/sim/file_system.h"

namespace sscard::sim {

struct CardConfig {
  CardProtocol protocol = CardProtocol::kT0;
  Bytes atr;
  std::size_t eeprom_size = Eeprom::kDefaultSize;
  std::size_t page_size = Eeprom::kDefaultPageSize;
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
  void power_off() override;
  bool powered() const override { return powered_; }
  CardProtocol protocol() const override { return config_.protocol; }
  Bytes process(ByteSpan command) override;

  // Personalisation and inspection (outside the APDU path).
  FileSystem& file_system() { return fs_; }
  const FileSystem& file_system() const { return fs_; }
  Eeprom& eeprom() { return eeprom_; }

  // Sets the PIN (reference 00) with a full try counter.
  // kInvalidArgument: not 4..12 decimal digits, or max_tries outside 1..15. kIo: power lost.
  Status set_pin(std::string_view digits, std::uint8_t max_tries = kDefaultPinTries);
  // The try counter as the Eeprom holds it; nullopt if no PIN was set.
  std::optional<std::uint8_t> pin_tries_left() const;

 private:
  // What a handler produces; `power_lost` means the Eeprom lost power during the command.
  struct Reply {
    Bytes data;
    StatusWord sw;
    bool power_lost = false;
  };
  using Handler = Reply (CardOs::*)(const apdu::Command&);
  struct CommandEntry {
    std::uint8_t ins;
    Handler handler;
  };
  static const CommandEntry kCommands[];

  static Reply status(StatusWord sw) { return Reply{{}, sw, false}; }
  static Reply data_reply(Bytes data) { return Reply{std::move(data), sw::kSuccess, false}; }
  static Reply from_write(Status s);

  Bytes finish(const apdu::Command& cmd, Reply reply);
  void reset_volatile_state();
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

  // Shared by the handlers.
  Bytes fci(NodeId node) const;
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

  static constexpr std::size_t kPinFieldSize = 8;  // up to 16 BCD digits, F-padded

  CardConfig config_;
  Eeprom eeprom_;
  FileSystem fs_;
  std::optional<std::size_t> pin_offset_;  // Eeprom: 8 bytes PIN (BCD, F-padded), 1 byte try counter
  std::uint8_t pin_max_tries_ = kDefaultPinTries;
  std::mt19937_64 rng_;

  // Volatile state, cleared at power-on.
  bool powered_ = false;
  NodeId current_df_ = kMfNode;
  std::optional<NodeId> current_ef_;
  std::optional<std::size_t> current_record_;
  bool pin_verified_ = false;
  std::bitset<256> authenticated_keys_;  // key ids for which external authentication succeeded
  Bytes challenge_;
  Bytes pending_response_;  // T=0: data waiting for GET RESPONSE
};

}  // namespace sscard::sim

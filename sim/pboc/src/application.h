// Internal: the ADF's command handler and its session (PAYMENT.md §5.1). One handler per card; the session
// lives in RAM and ends with a new SELECT or power-off.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "sscard/core/apdu.h"
#include "sscard/sim/card_os.h"
#include "sscard/sim/pboc/payment_card.h"
#include "sscard/sim/pboc/records.h"
#include "store.h"

namespace sscard::sim::pboc::detail {

enum class AcType : std::uint8_t { kAac = 0x00, kTc = 0x40, kArqc = 0x80 };

struct Session {
  bool gpo_done = false;
  DataSet set = DataSet::kRsa;
  std::uint16_t atc = 0;
  Bytes pdol_data;
  std::array<std::uint8_t, 4> cvr{0x03, 0x00, 0x00, 0x00};
  int gac_count = 0;
  AcType gac1_type = AcType::kAac;
  std::array<std::uint8_t, 8> gac1_ac{};
  Bytes cdol1_data;
  bool verify_received = false;
  bool pin_exhausted_now = false;  // a wrong PIN in this transaction took the counter to 0
  Bytes challenge;
  bool external_auth_done = false;
  bool external_auth_ok = false;
  std::array<std::uint8_t, 2> arc{};
  bool script_refused = false;  // a wrong script MAC or a failed issuer authentication: 69 85 from now on
  bool dynamic_signature = false;  // CVR 4.2
  // Contactless (docs/CONTACTLESS.md §2.2): a qPBOC GPO ran; the records of its AFL (empty: no AFL given).
  bool contactless = false;
  std::vector<Bytes> contactless_records;
  bool clears_torn_flag = false;  // this tap's offline TC set the torn flag; its last READ RECORD clears it
};

// Electronic cash amounts as n12 (6 BCD bytes) and back; nullopt for a nibble that is not a digit.
std::array<std::uint8_t, 6> to_n12(std::uint64_t fen);
std::optional<std::uint64_t> from_n12(ByteSpan bcd);

// The issuer discretionary data of CONTACTLESS.md §2.2 (JR/T 0025.13 7.4.5 table 3): 0A 01 ‖ the low 5
// bytes of `balance` as n12 ‖ MAC (4) over ATC ‖ those 5 bytes ‖ 00, with the MAC session key of `mac_udk`.
Result<Bytes> ecash_idd(crypto::Crypto& crypto, DataSet set, ByteSpan mac_udk, std::uint16_t atc,
                        std::uint64_t balance);

class PaymentApplication final : public ApplicationHandler {
 public:
  PaymentApplication(PaymentCard data, StaticRecords records, Store store)
      : data_(std::move(data)), records_(std::move(records)), store_(store) {}

  StatusWord selected(CardOs& card) override;
  CommandReply process(CardOs& card, const apdu::Command& cmd) override;
  void reset() override { session_ = Session{}; }
  std::optional<Bytes> fci_proprietary(const CardOs& card) const override;

 private:
  CommandReply get_processing_options(const apdu::Command& cmd);
  CommandReply qpboc_processing_options(CardOs& card, const apdu::Command& cmd);  // cmd_qpboc.cpp
  CommandReply read_contactless_record(std::uint8_t sfi, std::size_t number);    // cmd_qpboc.cpp
  Result<Bytes> fdda_signature(crypto::Crypto& crypto, ByteSpan terminal_dynamic_data);
  CommandReply read_record(const apdu::Command& cmd);
  CommandReply get_data(const apdu::Command& cmd);
  CommandReply get_challenge(CardOs& card, const apdu::Command& cmd);
  CommandReply verify(CardOs& card, const apdu::Command& cmd);
  CommandReply internal_authenticate(CardOs& card, const apdu::Command& cmd);
  CommandReply generate_ac(CardOs& card, const apdu::Command& cmd);
  CommandReply external_authenticate(CardOs& card, const apdu::Command& cmd);
  CommandReply script(CardOs& card, const apdu::Command& cmd);

  // Shared pieces (cmd_pin.cpp, cmd_generate_ac.cpp, cmd_script.cpp).
  CommandReply try_pin(ByteSpan block);
  const CardKeySet& keys() const;
  Result<Bytes> rsa_sign(crypto::Crypto& crypto, ByteSpan msg, std::size_t covered);
  // What a script command whose MAC was right does: its status word, with `next` and the PIN changed, and the
  // load-log record of an e-cash load.
  StatusWord script_effect(crypto::Crypto& crypto, const apdu::Command& cmd, ByteSpan data, PersistentState& next,
                           Status& pin_write, Bytes& load_record);
  StatusWord load_ecash(ByteSpan data, PersistentState& next, Bytes& load_record);
  bool blocked() const;
  // Anti-tear at SELECT (JR/T 0025.12 7.4.1): a torn offline TC's balance and log back, in one commit.
  Status undo_torn_transaction();
  // GET DATA of the e-cash tags (CONTACTLESS.md §2.4); nullopt for another tag.
  std::optional<CommandReply> get_ecash_data(std::uint16_t tag);

  PaymentCard data_;
  StaticRecords records_;
  Store store_;
  Session session_;
};

// Replies.
inline CommandReply sw_reply(StatusWord sw) { return CommandReply{{}, sw, false}; }
inline CommandReply data_reply(Bytes data) { return CommandReply{std::move(data), sw::kSuccess, false}; }
// A write that failed: power was lost (the engine then answers nothing), or the memory refused.
inline CommandReply write_failed(Status s) {
  return CommandReply{{}, sw::kMemoryFailure, s == Error::kIo};
}

inline constexpr std::uint8_t kAdaByte1 = 0xE3;  // §4.3, JR/T 0025.5 A.1 (9F52)
inline constexpr std::uint8_t kAdaByte2 = 0x38;
inline constexpr bool kIssuerAuthMandatory = true;  // 9F56 80

}  // namespace sscard::sim::pboc::detail

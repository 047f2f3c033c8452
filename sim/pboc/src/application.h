// Internal: the ADF's command handler and its session (PAYMENT.md §5.1). One handler per card; the session
// lives in RAM and ends with a new SELECT or power-off.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

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
};

class PaymentApplication final : public ApplicationHandler {
 public:
  PaymentApplication(PaymentCard data, StaticRecords records, Store store)
      : data_(std::move(data)), records_(std::move(records)), store_(store) {}

  StatusWord selected(CardOs& card) override;
  CommandReply process(CardOs& card, const apdu::Command& cmd) override;
  void reset() override { session_ = Session{}; }

 private:
  CommandReply get_processing_options(const apdu::Command& cmd);
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
  // What a script command whose MAC was right does: its status word, with `next` and the PIN changed.
  StatusWord script_effect(crypto::Crypto& crypto, const apdu::Command& cmd, ByteSpan data, PersistentState& next,
                           Status& pin_write);
  bool blocked() const;

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

// The terminal flows fuzz_evil_card drives against a card it does not trust, shared with the program that
// records its seeds from the simulated cards (card_seeds.cpp), so that both run exactly the same flows:
//   0  the identity read (firmware/ssc read_identity) on the contact interface
//   1  PIN verification (firmware/ssc verify_pin; the keypad types EvilCardWorld::pin)
//   2  the PBOC contact kernel (firmware/pboc run_transaction), 12.34 yuan, online: the online request and
//      the second GENERATE AC (the issuer approves, without issuer authentication data)
//   3  the qPBOC kernel (run_contactless_transaction), 12.34 yuan: an offline approval with fDDA
//   4  the qPBOC kernel, 600.00 yuan: over the floor limit, an online ARQC (the issuer approves)
//   5  the identity read on the contactless interface (a 3rd-generation card)
// Each flow reports whether it reached its end (the flow's success), so seeds can be checked to go deep.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sscard/config/ca_key_file.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/hal/pinpad.h"
#include "sscard/hal/slot.h"
#include "sscard/pboc/kernel.h"
#include "sscard/pboc/memory_torn_taps.h"
#include "sscard/pboc/qpboc.h"
#include "sscard/ssc/identity.h"
#include "sscard/ssc/pin.h"
#include "sscard/transport/transport.h"

namespace sscard::fuzz {

inline constexpr std::uint8_t kEvilCardFlows = 6;

inline bool evil_flow_is_contactless(std::uint8_t flow) { return flow >= 3; }

// A keypad that types the same PIN (4..12 digits) at every prompt.
class FixedPinPad final : public hal::PinPad {
 public:
  explicit FixedPinPad(std::string_view pin) : pin_(pin) {}

 private:
  hal::PinPadError do_read_pin(hal::PinPrompt, MutableByteSpan digits, std::size_t& length) override {
    for (std::size_t i = 0; i < pin_.size(); ++i) digits[i] = static_cast<std::uint8_t>(pin_[i]);
    length = pin_.size();
    return hal::PinPadError::kNone;
  }
  std::string_view pin_;
};

// An issuer that approves every request (code 00), without issuer authentication data or scripts.
class ApprovingIssuer final : public pboc::OnlineAuthoriser {
 public:
  int calls = 0;

 private:
  Result<pboc::AuthorisationResponse, pboc::OnlineFailure> authorise(const pboc::AuthorisationRequest&) override {
    ++calls;
    pboc::AuthorisationResponse r;
    r.response_code = {'0', '0'};
    return r;
  }
};

// What the flows share and keep between runs: the crypto backend, the terminal and the CA keys.
struct EvilCardWorld {
  std::unique_ptr<crypto::Crypto> crypto = crypto::make_default_crypto();
  pboc::TerminalConfig terminal;
  pboc::ContactlessConfig contactless;
  pboc::CaKeyTable ca_keys;
  // What the keypad types. The evil card answers VERIFY from the input whatever the digits; the seed recorder
  // sets the simulated card's own PIN.
  std::string pin = "246810";

  EvilCardWorld() {
    if (!crypto) __builtin_trap();
    terminal.merchant_name = "SSCARD KIOSK";
    terminal.terminal_id = {'K', 'I', 'O', 'S', 'K', '0', '0', '1'};
    terminal.national_algorithms = false;
    terminal.pin_encryption_key = std::array<std::uint8_t, 16>{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
                                                               0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
    contactless.transaction_limit_fen = 100000;
    contactless.cvm_limit_fen = 100000;
    contactless.floor_limit_fen = 50000;
    auto keys = config::load_ca_key_file(SSCARD_CARDS_DIR "/keys/test-ca-public.json", *crypto, Date{2026, 12, 5});
    if (!keys.ok()) __builtin_trap();
    ca_keys = std::move(*keys);
  }
};

inline pboc::TransactionRequest evil_card_request(std::uint64_t amount_fen) {
  pboc::TransactionRequest r;
  r.amount_fen = amount_fen;
  r.date = {0x26, 0x12, 0x05};
  r.time = {0x10, 0x30, 0x00};
  r.unpredictable_number = std::array<std::uint8_t, 4>{0x1A, 0x2B, 0x3C, 0x4D};
  return r;
}

// Powers the card in `slot` and runs `flow` (0..kEvilCardFlows-1). True when the flow reached its end.
inline bool run_evil_card_flow(std::uint8_t flow, hal::Slot& slot, EvilCardWorld& world) {
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto powered = slot.power_up(atr);
  if (!powered.ok()) return false;
  transport::Transport card(slot);
  const ByteSpan atr_bytes(atr.data(), *powered);
  bool reached = false;
  switch (flow) {
    case 0:
    case 5: {
      auto identity = ssc::read_identity(card, atr_bytes);
      if (identity.ok()) {
        (void)ssc::format_iface_line(*identity, "500152000101", "DEV1");
        reached = true;
      }
      break;
    }
    case 1: {
      FixedPinPad pinpad(world.pin);
      reached = ssc::verify_pin(card, pinpad).ok();
      break;
    }
    case 2: {
      FixedPinPad pinpad(world.pin);
      ApprovingIssuer issuer;
      pboc::KernelContext context{card, *world.crypto, world.terminal, world.ca_keys, &pinpad, issuer};
      const pboc::TransactionRecord r = pboc::run_transaction(context, evil_card_request(1234));
      // The issuer gives no issuer authentication data, so a card may decline at the second GENERATE AC.
      reached = issuer.calls == 1 && r.second_gac.has_value();
      break;
    }
    case 3:
    case 4: {
      FixedPinPad pinpad(world.pin);
      ApprovingIssuer issuer;
      pboc::MemoryTornTapStore torn([] { return std::int64_t{1000}; });
      pboc::ContactlessContext context{card,    *world.crypto, world.terminal, world.contactless, world.ca_keys,
                                       &pinpad, &issuer,       &torn};
      const pboc::TransactionRecord r =
          pboc::run_contactless_transaction(context, evil_card_request(flow == 3 ? 1234 : 60000));
      reached = r.outcome == pboc::Outcome::kApproved && (flow == 3 ? issuer.calls == 0 : issuer.calls == 1);
      break;
    }
    default:
      break;
  }
  (void)slot.power_down();
  return reached;
}

}  // namespace sscard::fuzz

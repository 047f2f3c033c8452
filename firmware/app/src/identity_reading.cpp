#include "identity_reading.h"

#include <array>

#include "command_trace.h"
#include "sscard/app/messages.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/psam/psam.h"
#include "sscard/ssc/interface_code.h"
#include "sscard/ssc/security.h"
#include "sscard/transport/transport.h"

namespace sscard::app {
namespace {

Result<IdentityRead, CardFailure> read_with_psam(transport::Transport& card, ByteSpan atr, hal::Slot& psam_slot) {
  std::array<std::uint8_t, hal::kMaxAtrSize> psam_atr{};
  if (auto n = psam_slot.power_up(psam_atr); !n.ok()) {
    return card_failure(ssc::Fault::make(ssc::Failure::kNoPsam, n.status()));
  }
  transport::Transport psam_transport(psam_slot);
  trace_psam(psam_transport);
  psam::Psam psam(psam_transport);
  auto crypto = crypto::make_default_crypto();
  auto read = ssc::read_identity_with_psam(card, atr, psam, *crypto);
  (void)psam_slot.power_down();
  if (!read.ok()) return card_failure(read.error());
  IdentityRead out;
  out.identity = read->identity;
  out.terminal.terminal_number = read->terminal_number;
  out.terminal.device_number = read->device_number;
  return out;
}

// The plain read reports a Status; its message and code as the standard interface gives them.
CardFailure plain_read_failure(Status status, StatusWord last_sw) {
  ssc::Fault fault = ssc::Fault::card(status);
  if (status == Error::kCardStatus) fault = ssc::Fault::card_status(last_sw);
  if (status == Error::kNotFound) fault = ssc::Fault::of(ssc::Failure::kNotSocialSecurityCard);
  const long code = ssc::interface_code(fault);
  const std::string message = status == Error::kCardStatus ? ssc::describe(fault) : read_failure_message(status);
  return CardFailure{message + " (" + std::to_string(code) + ")", code};
}

}  // namespace

CardFailure card_failure(const ssc::Fault& fault) {
  const long code = ssc::interface_code(fault);
  return CardFailure{ssc::describe(fault) + " (" + std::to_string(code) + ")", code};
}

Result<IdentityRead, CardFailure> read_identity(hal::Slot& card, hal::Slot* psam) {
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = card.power_up(atr);
  if (!atr_len.ok()) return card_failure(ssc::Fault::card(atr_len.status()));
  transport::Transport transport(card);
  trace_card(transport);
  const ByteSpan atr_bytes(atr.data(), *atr_len);
  Result<IdentityRead, CardFailure> result = CardFailure{};
  if (psam != nullptr) {
    result = read_with_psam(transport, atr_bytes, *psam);
  } else {
    auto identity = ssc::read_identity(transport, atr_bytes);
    if (identity.ok()) {
      result = IdentityRead{*identity, TerminalIds{}};
    } else {
      result = plain_read_failure(identity.status(), transport.last_status_word());
    }
  }
  (void)card.power_down();
  return result;
}

}  // namespace sscard::app

// Terminal risk management ([6] 7.8) and terminal action analysis ([6] 7.9.3).
#include <array>

#include "sscard/core/tlv.h"
#include "sscard/pboc/commands.h"
#include "session.h"

namespace sscard::pboc::detail {
namespace {

// GET DATA of a 2-byte counter (9F36 ATC, 9F13 last online ATC) into `value`, left empty when the card does
// not give it. Only a transport failure is an error.
Status get_counter(Session& s, std::uint16_t tag, std::optional<std::uint16_t>& value) {
  value.reset();
  const auto response = s.send(get_data(tag));
  if (!response.ok()) return response.status();
  if (!response->sw.is_success()) return kOk;
  const auto element = tlv::decode(response->data);
  if (element.ok() && element->tag == tag && element->value.size() == 2) {
    value = static_cast<std::uint16_t>((element->value[0] << 8) | element->value[1]);
  }
  return kOk;
}

bool any_bit(const Tvr& tvr, const std::array<std::uint8_t, 5>& code) {
  for (std::size_t i = 0; i < 5; ++i) {
    if ((tvr.array()[i] & code[i]) != 0) return true;
  }
  return false;
}

// An issuer action code from the card, or `absent` ([6] 7.9.2: IAC-denial absent = 00, the others FF).
std::array<std::uint8_t, 5> action_code(const Session& s, tlv::Tag tag, std::uint8_t absent) {
  std::array<std::uint8_t, 5> code{};
  code.fill(absent);
  if (const auto value = s.card.find(tag); value && value->size() == 5) {
    std::copy(value->begin(), value->end(), code.begin());
  }
  return code;
}

std::array<std::uint8_t, 5> combined(const std::array<std::uint8_t, 5>& a, const std::array<std::uint8_t, 5>& b) {
  std::array<std::uint8_t, 5> out{};
  for (std::size_t i = 0; i < 5; ++i) out[i] = static_cast<std::uint8_t>(a[i] | b[i]);
  return out;
}

}  // namespace

bool manage_terminal_risk(Session& s) {
  const TerminalConfig& t = s.ctx.terminal;
  const std::uint64_t amount = s.req.amount_fen;
  // Floor limit ([6] 7.8.1): no exception file and no transaction log of the terminal's own.
  if (amount >= t.floor_limit_fen) s.rec.tvr.set(TvrBit::kFloorLimitExceeded);

  // Random selection ([6] 7.8.2), only where an offline approval is possible at all.
  if (!is_online_only(t) && !is_offline_only(t) && amount < t.floor_limit_fen) {
    std::array<std::uint8_t, 1> random{};
    if (!s.ctx.crypto.random(random).ok()) {
      return s.fail(Step::kTerminalRiskManagement, Reason::kInternal, "the random number generator failed",
                    Error::kInternal);
    }
    const std::uint64_t draw = 1 + random[0] % 99;
    std::uint64_t target = t.random_selection_target_percent;
    if (amount >= t.random_selection_threshold_fen && t.floor_limit_fen > t.random_selection_threshold_fen) {
      const std::uint64_t spread = t.random_selection_max_percent >= t.random_selection_target_percent
                                       ? t.random_selection_max_percent - t.random_selection_target_percent
                                       : 0;
      target += spread * (amount - t.random_selection_threshold_fen) /
                (t.floor_limit_fen - t.random_selection_threshold_fen);
    }
    if (amount < t.random_selection_threshold_fen ? draw <= t.random_selection_target_percent : draw <= target) {
      s.rec.tvr.set(TvrBit::kRandomlySelectedOnline);
    }
  }

  // Velocity checking ([6] 7.8.3) when the card gave both limits.
  const auto lower = s.card.find(0x9F14);
  const auto upper = s.card.find(0x9F23);
  if (lower && upper && lower->size() == 1 && upper->size() == 1) {
    std::optional<std::uint16_t> atc;
    std::optional<std::uint16_t> last_online;
    if (const Status st = get_counter(s, 0x9F36, atc); !st.ok()) {
      return s.communication_failure(Step::kTerminalRiskManagement, st);
    }
    if (const Status st = get_counter(s, 0x9F13, last_online); !st.ok()) {
      return s.communication_failure(Step::kTerminalRiskManagement, st);
    }
    if (!atc || !last_online || *atc < *last_online) {
      s.rec.tvr.set(TvrBit::kLowerOfflineLimitExceeded);
      s.rec.tvr.set(TvrBit::kUpperOfflineLimitExceeded);
      s.rec.tvr.set(TvrBit::kIccDataMissing);
    } else {
      const unsigned offline = static_cast<unsigned>(*atc - *last_online);
      if (offline > (*lower)[0]) s.rec.tvr.set(TvrBit::kLowerOfflineLimitExceeded);
      if (offline > (*upper)[0]) s.rec.tvr.set(TvrBit::kUpperOfflineLimitExceeded);
      if (*last_online == 0) s.rec.tvr.set(TvrBit::kNewCard);
    }
  }
  s.rec.tsi.set(TsiBit::kTerminalRiskManagementPerformed);
  s.note(Step::kTerminalRiskManagement, true, "terminal risk management done");
  return true;
}

std::uint8_t analyse_terminal_action(Session& s) {
  const TerminalConfig& t = s.ctx.terminal;
  const Tvr& tvr = s.rec.tvr;
  if (any_bit(tvr, combined(action_code(s, 0x9F0E, 0x00), t.tac_denial))) {
    // Denial: AAC; the ARC of an offline decline is Z1.
    s.rec.arc_sent = {'Z', '1'};
    s.note(Step::kTerminalActionAnalysis, false, "denied offline (issuer or terminal action code)");
    return kGacAac;
  }
  if (is_online_only(t)) {
    s.note(Step::kTerminalActionAnalysis, true, "online only: ARQC");
    return kGacArqc;
  }
  if (!is_offline_only(t) && any_bit(tvr, combined(action_code(s, 0x9F0F, 0xFF), t.tac_online))) {
    s.note(Step::kTerminalActionAnalysis, true, "online requested by the action codes");
    return kGacArqc;
  }
  if (is_offline_only(t) && any_bit(tvr, combined(action_code(s, 0x9F0D, 0xFF), t.tac_default))) {
    s.rec.arc_sent = {'Z', '3'};
    s.note(Step::kTerminalActionAnalysis, false, "offline-only terminal: declined by the default action codes");
    return kGacAac;
  }
  s.rec.arc_sent = {'Y', '1'};
  s.note(Step::kTerminalActionAnalysis, true, "approved offline by the action codes");
  return kGacTc;
}

}  // namespace sscard::pboc::detail


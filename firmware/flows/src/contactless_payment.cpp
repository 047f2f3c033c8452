#include <utility>

#include "sscard/core/tlv.h"
#include "sscard/flows/contactless.h"
#include "sscard/wire/wire.h"

namespace sscard::flows {
namespace {

// Private tags of the kept tap (the journal's own format, never sent anywhere).
constexpr tlv::Tag kTagAmount = 0xDF01;
constexpr tlv::Tag kTagDate = 0xDF02;
constexpr tlv::Tag kTagUn = 0xDF03;
constexpr tlv::Tag kTagPan = 0xDF04;
constexpr tlv::Tag kTagAtc = 0xDF05;
constexpr tlv::Tag kTagIcc = 0xDF06;
constexpr tlv::Tag kTagAnswered = 0xDF07;

std::array<std::uint8_t, 8> be64(std::uint64_t v) {
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return out;
}

template <std::size_t N>
bool copy_exact(std::optional<ByteSpan> v, std::array<std::uint8_t, N>& out) {
  if (!v || v->size() != N) return false;
  std::copy(v->begin(), v->end(), out.begin());
  return true;
}

std::uint64_t now_ms(const Clock& clock) {
  if (!clock) return wire::now_ms();
  const auto t = clock().time_since_epoch();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(t).count());
}

// The e-cash clearing of an offline TC (CONTACTLESS.md §3.2, §7 `0D`): journaled before its first send.
FollowUp clear_offline_tc(const PaymentKiosk& kiosk, const pboc::TransactionRecord& r, const std::string& date,
                          std::optional<wire::Response>& answer, bool& unjournaled) {
  auto key = host::new_idempotency_key(kiosk.crypto);
  if (!key.ok() || r.icc_data.empty()) {
    unjournaled = true;
    return FollowUp::kPending;
  }
  wire::Request clear;
  clear.operation = wire::Operation::kEcashClear;
  clear.key = *key;
  clear.terminal = kiosk.client.identity().terminal;
  clear.serving_province = kiosk.client.identity().province;
  clear.card_region = card_region_of_pan(r.pan);
  clear.date = date;
  clear.icc_data = r.icc_data;
  auto submitted = host::submit(kiosk.client, kiosk.journal, clear);
  if (submitted.ok()) {
    answer = submitted->response;
    return FollowUp::kSent;
  }
  if (submitted.error().kind == host::HostError::Kind::kLocal) unjournaled = true;
  return FollowUp::kPending;
}

std::string contactless_message(const ContactlessOutcome& o) {
  const pboc::TransactionRecord& r = o.payment.record;
  std::string text;
  if (r.outcome == pboc::Outcome::kApproved && !r.online) {
    text = r.reason == pboc::Reason::kTornTapCompleted ? std::string(pboc::reason_text(r.reason))
                                                       : "approved offline by the card (electronic cash)";
  } else {
    text = detail::payment_message(o.payment);
  }
  if (o.clearing == FollowUp::kPending) {
    text += o.payment.follow_up_unjournaled
                ? "; the e-cash clearing was not answered and could not be written to the journal"
                : "; the e-cash clearing was not answered and is kept in the journal to be resent";
  }
  return text;
}

}  // namespace

Result<Bytes> encode_torn_tap(const pboc::TornTap& tap) {
  Bytes buffer(64 + tap.pan.size() + tap.icc_data.size());
  tlv::Builder b(buffer);
  const std::array<std::uint8_t, 2> atc = {static_cast<std::uint8_t>(tap.atc >> 8),
                                           static_cast<std::uint8_t>(tap.atc & 0xFF)};
  const std::uint8_t answered = tap.gpo_answered ? 1 : 0;
  b.add(kTagAmount, be64(tap.amount_fen))
      .add(kTagDate, tap.date)
      .add(kTagUn, tap.unpredictable_number)
      .add(kTagPan, as_bytes(tap.pan))
      .add(kTagAtc, atc)
      .add(kTagIcc, tap.icc_data)
      .add(kTagAnswered, ByteSpan(&answered, 1));
  SSCARD_TRY(b.status());
  buffer.resize(b.size());
  return buffer;
}

std::optional<pboc::TornTap> decode_torn_tap(ByteSpan encoded) {
  pboc::TornTap tap;
  std::optional<ByteSpan> amount, date, un, pan, atc, icc, answered;
  tlv::Elements elements(encoded);
  for (const tlv::Element& e : elements) {
    switch (e.tag) {
      case kTagAmount: amount = e.value; break;
      case kTagDate: date = e.value; break;
      case kTagUn: un = e.value; break;
      case kTagPan: pan = e.value; break;
      case kTagAtc: atc = e.value; break;
      case kTagIcc: icc = e.value; break;
      case kTagAnswered: answered = e.value; break;
      default: break;
    }
  }
  if (!elements.status().ok() || !amount || amount->size() != 8 || !pan || !icc || !answered ||
      answered->size() != 1 || !copy_exact(date, tap.date) || !copy_exact(un, tap.unpredictable_number)) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 2> atc_bytes{};
  if (!copy_exact(atc, atc_bytes)) return std::nullopt;
  for (std::uint8_t byte : *amount) tap.amount_fen = (tap.amount_fen << 8) | byte;
  tap.pan.assign(pan->begin(), pan->end());
  tap.atc = static_cast<std::uint16_t>((atc_bytes[0] << 8) | atc_bytes[1]);
  tap.icc_data.assign(icc->begin(), icc->end());
  tap.gpo_answered = (*answered)[0] != 0;
  return tap;
}

std::optional<pboc::TornTap> JournalTornTapStore::torn() {
  auto kept = journal_.torn_tap();
  if (!kept.ok() || !kept->has_value()) return std::nullopt;
  const std::uint64_t now = now_ms(clock_);
  auto tap = decode_torn_tap((*kept)->tap);
  // Older than 120 s (CONTACTLESS.md §3.3), or unreadable: the card has long undone or completed it.
  if (!tap || now > (*kept)->created_ms + kKeepMs) {
    (void)journal_.forget_torn_tap();
    return std::nullopt;
  }
  return tap;
}

Status JournalTornTapStore::keep(const pboc::TornTap& tap) {
  SSCARD_TRY_ASSIGN(const Bytes encoded, encode_torn_tap(tap));
  return journal_.keep_torn_tap(encoded);
}

Status JournalTornTapStore::forget() { return journal_.forget_torn_tap(); }

ContactlessOutcome pay_contactless(const PaymentKiosk& kiosk, const pboc::ContactlessConfig& contactless,
                                   transport::Transport& card, hal::PinPad* pinpad, std::uint64_t amount_fen) {
  ContactlessOutcome out;
  PaymentOutcome& o = out.payment;
  o.amount_fen = amount_fen;
  const auto now = kiosk.clock ? kiosk.clock() : std::chrono::system_clock::now();
  const CstDateTime when = cst_date_time(now);
  const std::string date = kiosk_date(now);

  HostAuthoriser authoriser(kiosk.client, kiosk.crypto, date, &kiosk.journal, kiosk.checkpoint);
  JournalTornTapStore torn(kiosk.journal, kiosk.clock);
  pboc::ContactlessContext context{card,          kiosk.crypto, kiosk.terminal, contactless,
                                   kiosk.ca_keys, pinpad,       &authoriser,    &torn};
  pboc::TransactionRequest request;
  request.amount_fen = amount_fen;
  request.date = when.date;
  request.time = when.time;
  o.record = pboc::run_contactless_transaction(context, request);
  detail::checkpoint(kiosk, "after-tap");

  if (authoriser.request()) o.authorise_key = authoriser.request()->key;
  if (authoriser.response()) {
    o.home_issuer = authoriser.response()->home_issuer;
    o.served_by = authoriser.response()->served_by;
    if (authoriser.response()->result != wire::ResultCode::kOk) o.host_result = authoriser.response()->result;
  }
  o.host_error = authoriser.error();
  o.answer = authoriser.response();

  const pboc::TransactionRecord& r = o.record;
  const auto& original = authoriser.request();
  const auto& armed = authoriser.armed_reversal();
  if (original && armed) {
    if (authoriser.outcome_unknown()) {
      detail::reverse_armed(kiosk, *original, *armed, wire::ReversalReason::kNoAnswer, o);
    } else if (authoriser.approved() && r.outcome == pboc::Outcome::kApproved) {
      // No GAC2 on contactless: the ARQC is the final cryptogram the confirmation carries (§3.2).
      detail::confirm_original(kiosk, *original, {}, o);
    } else if (authoriser.approved()) {
      detail::reverse_armed(kiosk, *original, *armed, wire::ReversalReason::kCardError, o);
    } else {
      (void)kiosk.journal.disarm(original->key);
    }
  } else if (r.outcome == pboc::Outcome::kApproved && !r.online_attempted &&
             r.final_cryptogram == pboc::Cryptogram::kTc) {
    // An offline approval from e-cash (or a torn tap the card completed): cleared at the home issuer at once.
    bool unjournaled = false;
    out.clearing = clear_offline_tc(kiosk, r, date, out.clearing_answer, unjournaled);
    o.follow_up_unjournaled = o.follow_up_unjournaled || unjournaled;
    if (out.clearing_answer) {
      o.home_issuer = out.clearing_answer->home_issuer;
      o.served_by = out.clearing_answer->served_by;
    }
  }
  o.message = contactless_message(out);
  return out;
}

}  // namespace sscard::flows

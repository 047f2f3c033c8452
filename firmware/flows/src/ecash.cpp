#include "sscard/flows/ecash.h"

#include <array>
#include <tuple>
#include <utility>

#include "sscard/core/apdu.h"
#include "sscard/core/bcd.h"
#include "sscard/core/tlv.h"
#include "sscard/pboc/commands.h"
#include "sscard/pboc/dol.h"
#include "sscard/wire/payment.h"

namespace sscard::flows {
namespace {

constexpr std::uint8_t kEcashLoadType = 0x60;  // 9C of a load (CONTACTLESS.md §4)

// The value of `tag` anywhere in `data` (constructed templates searched depth first).
std::optional<ByteSpan> find_tag(ByteSpan data, tlv::Tag tag, int depth = 0) {
  tlv::Elements elements(data);
  for (const tlv::Element& e : elements) {
    if (e.tag == tag) return e.value;
    if (e.constructed && depth < 4) {
      if (auto inner = find_tag(e.value, tag, depth + 1)) return inner;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> n12(ByteSpan v) {
  if (v.size() != 6) return std::nullopt;
  auto digits = bcd::decode_n(v);
  if (!digits.ok()) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : *digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

// GET DATA of an n12 e-cash value: empty when the card does not answer it. Only the transport fails.
Result<std::optional<std::uint64_t>> get_amount(transport::Transport& card, std::uint16_t tag) {
  std::array<std::uint8_t, 64> buffer{};
  SSCARD_TRY_ASSIGN(const apdu::Response response, card.transmit(pboc::get_data(tag), buffer));
  if (!response.sw.is_success()) return std::optional<std::uint64_t>();
  const auto element = tlv::decode(response.data);
  if (!element.ok() || element->tag != tag) return std::optional<std::uint64_t>();
  return n12(element->value);
}

// The ATC of GAC1 (9F36) in the FF40 of a stored authorisation request.
std::optional<std::uint16_t> gac1_atc(const wire::Request& original) {
  if (!original.icc_data) return std::nullopt;
  const auto icc = wire::IccData::parse(*original.icc_data);
  if (!icc.ok()) return std::nullopt;
  const auto atc = icc->get(0x9F36);
  if (!atc || atc->size() != 2) return std::nullopt;
  return static_cast<std::uint16_t>(((*atc)[0] << 8) | (*atc)[1]);
}

Result<Bytes> select_application(transport::Transport& card, const pboc::TerminalConfig& terminal) {
  if (terminal.aids.empty()) return Error::kNotFound;
  std::array<std::uint8_t, 258> buffer{};
  SSCARD_TRY_ASSIGN(const apdu::Response response,
                    card.transmit(pboc::select_by_name(terminal.aids.front().aid), buffer));
  if (!response.sw.is_success()) return Error::kNotFound;
  return Bytes(response.data.begin(), response.data.end());
}

}  // namespace

Result<std::uint64_t> read_ecash_balance(transport::Transport& card) {
  SSCARD_TRY_ASSIGN(const auto balance, get_amount(card, 0x9F79));
  if (!balance) return Error::kNotFound;
  return *balance;
}

Result<EcashData> read_ecash(transport::Transport& card, const pboc::TerminalConfig& terminal) {
  SSCARD_TRY_ASSIGN(const Bytes fci, select_application(card, terminal));
  EcashData data;
  if (auto entry = pboc::load_log_entry(fci); entry.ok()) data.load_log = *entry;
  SSCARD_TRY_ASSIGN(data.balance_fen, get_amount(card, 0x9F79));
  if (!data.balance_fen) return Error::kNotFound;
  SSCARD_TRY_ASSIGN(data.balance_limit_fen, get_amount(card, 0x9F77));
  SSCARD_TRY_ASSIGN(data.single_limit_fen, get_amount(card, 0x9F78));
  SSCARD_TRY_ASSIGN(data.reset_threshold_fen, get_amount(card, 0x9F6D));
  return data;
}

Result<std::string> read_contact_pan(transport::Transport& card, const pboc::TerminalConfig& terminal) {
  SSCARD_TRY_ASSIGN(const Bytes fci, select_application(card, terminal));
  const std::optional<ByteSpan> pdol = find_tag(fci, 0x9F38);
  Bytes pdol_data;
  if (pdol) {
    SSCARD_TRY_ASSIGN(const std::size_t length, pboc::dol_data_length(*pdol));
    pdol_data.resize(length);
    const std::uint8_t sm = terminal.national_algorithms ? 0x01 : 0x00;
    SSCARD_TRY_ASSIGN(const std::size_t built,
                      pboc::build_dol_data(
                          *pdol,
                          [&sm](tlv::Tag tag) -> std::optional<ByteSpan> {
                            if (tag == 0xDF69) return ByteSpan(&sm, 1);
                            return std::nullopt;
                          },
                          pdol_data));
    pdol_data.resize(built);
  }
  std::array<std::uint8_t, 255> field{};
  SSCARD_TRY_ASSIGN(const apdu::Command gpo, pboc::get_processing_options(pdol_data, field));
  std::array<std::uint8_t, 258> buffer{};
  {
    SSCARD_TRY_ASSIGN(const apdu::Response response, card.transmit(gpo, buffer));
    if (!response.sw.is_success()) return Error::kNotFound;
  }
  SSCARD_TRY_ASSIGN(const apdu::Response record, card.transmit(pboc::read_record(2, 1), buffer));
  if (!record.sw.is_success()) return Error::kNotFound;
  const std::optional<ByteSpan> pan = find_tag(record.data, 0x5A);
  if (!pan) return Error::kNotFound;
  std::string digits;
  for (std::uint8_t b : *pan) {
    for (const std::uint8_t nibble : {static_cast<std::uint8_t>(b >> 4), static_cast<std::uint8_t>(b & 0x0F)}) {
      if (nibble <= 9) digits.push_back(static_cast<char>('0' + nibble));
    }
  }
  if (digits.empty()) return Error::kNotFound;
  return digits;
}

std::string_view load_resolution_name(LoadResolution::Kind kind) {
  switch (kind) {
    case LoadResolution::Kind::kConfirmed: return "confirmed";
    case LoadResolution::Kind::kReversed: return "reversed";
    case LoadResolution::Kind::kUndecided: return "undecided";
    case LoadResolution::Kind::kClosed: return "closed";
  }
  return "undecided";
}

std::string_view load_basis_name(LoadResolution::Basis basis) {
  switch (basis) {
    case LoadResolution::Basis::kNone: return "";
    case LoadResolution::Basis::kLoadLog: return "load_log";
    case LoadResolution::Basis::kBalance: return "balance";
  }
  return "";
}

LoadEvidence read_load_evidence(transport::Transport& card, const std::optional<pboc::LoadLogEntry>& entry,
                                std::uint64_t balance_fen) {
  LoadEvidence out;
  out.balance_fen = balance_fen;
  std::array<std::uint8_t, 64> buffer{};
  if (auto answer = card.transmit(pboc::get_data(0x9F36), buffer); answer.ok() && answer->sw.is_success()) {
    const auto element = tlv::decode(answer->data);
    if (element.ok() && element->tag == 0x9F36 && element->value.size() == 2) {
      out.atc = static_cast<std::uint16_t>((element->value[0] << 8) | element->value[1]);
    }
  }
  if (entry) {
    if (auto log = pboc::read_load_log(card, *entry); log.ok()) out.load_log = std::move(log).value();
  }
  return out;
}

std::pair<LoadResolution::Kind, LoadResolution::Basis> decide_load(const host::EcashLoad& load,
                                                                   std::optional<std::uint16_t> load_atc,
                                                                   const LoadEvidence& card) {
  using Kind = LoadResolution::Kind;
  using Basis = LoadResolution::Basis;
  // [13] 5.8: the card writes a load-log record in the same commit as the PUT DATA that changes 9F79, so the
  // record of this load's ATC is there exactly when its script ran.
  if (card.load_log && card.load_log->has_atc && load_atc) {
    const pboc::LoadLog& log = *card.load_log;
    for (const pboc::LoadRecord& r : log.records) {
      if (r.atc != load_atc) continue;
      const bool agrees = r.tag == 0x9F79 && r.before_fen == load.old_balance_fen &&
                          r.after_fen == load.old_balance_fen + load.amount_fen;
      return {agrees ? Kind::kConfirmed : Kind::kUndecided, agrees ? Basis::kLoadLog : Basis::kNone};
    }
    // No record: the script never ran, provided its transaction is over (the card has counted another one
    // since) and the log still reaches back to it (a full cyclic log may have overwritten the record).
    const bool moved_on = card.atc && *card.atc > *load_atc;
    const bool reaches_back = !log.full || (!log.records.empty() && log.records.back().atc &&
                                            *log.records.back().atc < *load_atc);
    if (moved_on && reaches_back) return {Kind::kReversed, Basis::kLoadLog};
  }
  if (card.balance_fen == load.old_balance_fen + load.amount_fen) return {Kind::kConfirmed, Basis::kBalance};
  if (card.balance_fen == load.old_balance_fen) return {Kind::kReversed, Basis::kBalance};
  return {Kind::kUndecided, Basis::kNone};
}

std::string_view load_state_name(EcashLoadOutcome::State s) {
  switch (s) {
    case EcashLoadOutcome::State::kNotLoaded: return "not_loaded";
    case EcashLoadOutcome::State::kLoaded: return "loaded";
    case EcashLoadOutcome::State::kUnresolved: return "unresolved";
  }
  return "unresolved";
}

std::vector<LoadResolution> resolve_loads(const PaymentKiosk& kiosk, std::string_view pan, const LoadEvidence& card,
                                          const std::optional<wire::IdempotencyKey>& skip) {
  std::vector<LoadResolution> out;
  auto loads = kiosk.journal.unresolved_loads();
  if (!loads.ok()) return out;
  for (const host::EcashLoad& load : *loads) {
    if (load.pan != pan || (skip && load.original_key == *skip)) continue;
    LoadResolution r;
    r.load = load;
    auto original = kiosk.journal.armed_original(load.original_key);
    if (!original.ok()) {
      // Disarmed or activated by an earlier run: nothing is left to decide (a corrupt row stays for an operator).
      if (original.status().code() == Error::kNotFound) {
        (void)kiosk.journal.close_load(load.original_key);
        r.kind = LoadResolution::Kind::kClosed;
        out.push_back(std::move(r));
      }
      continue;
    }
    std::tie(r.kind, r.basis) = decide_load(load, gac1_atc(*original), card);
    PaymentOutcome o;
    if (r.kind == LoadResolution::Kind::kConfirmed) {
      // The script ran: the ARQC of GAC1 is the cryptogram the confirmation can carry now.
      detail::confirm_original(kiosk, *original, {}, o);
      r.follow_up = o.confirmation;
    } else if (r.kind == LoadResolution::Kind::kReversed) {
      auto reversal = kiosk.journal.activate(load.original_key, wire::ReversalReason::kRestart);
      r.follow_up = FollowUp::kPending;
      if (reversal.ok() && host::deliver(kiosk.client, kiosk.journal, *reversal).ok()) r.follow_up = FollowUp::kSent;
    } else {
      out.push_back(std::move(r));
      continue;
    }
    (void)kiosk.journal.close_load(load.original_key);
    out.push_back(std::move(r));
  }
  return out;
}

EcashLoadOutcome load_ecash(const PaymentKiosk& kiosk, transport::Transport& card, hal::PinPad* pinpad,
                            std::uint64_t amount_fen) {
  EcashLoadOutcome out;
  PaymentOutcome& o = out.payment;
  o.amount_fen = amount_fen;
  const auto now = kiosk.clock ? kiosk.clock() : std::chrono::system_clock::now();
  const CstDateTime when = cst_date_time(now);

  // The balance before: the load is decided against it (CONTACTLESS.md §4).
  auto before = read_ecash(card, kiosk.terminal);
  if (!before.ok()) {
    o.record.outcome = pboc::Outcome::kFailed;
    o.record.reason = before.status().code() == Error::kNotFound ? pboc::Reason::kNoApplication
                                                                 : pboc::Reason::kCardCommunication;
    o.record.status = before.status();
    o.message = before.status().code() == Error::kNotFound ? "the card has no electronic cash"
                                                            : "the card's e-cash balance cannot be read";
    return out;
  }
  out.old_balance_fen = before->balance_fen;

  HostAuthoriser authoriser(kiosk.client, kiosk.crypto, kiosk_date(now), &kiosk.journal, kiosk.checkpoint);
  authoriser.ecash_load_with(*out.old_balance_fen);
  pboc::KernelContext context{card, kiosk.crypto, kiosk.terminal, kiosk.ca_keys, pinpad, authoriser};
  pboc::TransactionRequest request;
  request.amount_fen = amount_fen;
  request.transaction_type = kEcashLoadType;
  request.date = when.date;
  request.time = when.time;
  o.record = pboc::run_transaction(context, request);
  detail::checkpoint(kiosk, "after-gac2");

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
      // Without an answer there was no script: the card's balance cannot have moved.
      detail::reverse_armed(kiosk, *original, *armed, wire::ReversalReason::kNoAnswer, o);
      (void)kiosk.journal.close_load(original->key);
    } else if (!authoriser.approved()) {
      (void)kiosk.journal.disarm(original->key);
      (void)kiosk.journal.close_load(original->key);
    } else {
      auto after = read_ecash_balance(card);
      if (after.ok()) {
        out.new_balance_fen = *after;
        detail::checkpoint(kiosk, "after-balance");
      }
      if (after.ok() && *after == *out.old_balance_fen + amount_fen) {
        std::vector<wire::IccItem> final_values;
        if (r.second_gac && r.final_cryptogram == pboc::Cryptogram::kTc) {
          const pboc::GacAnswer& tc = *r.second_gac;
          final_values = {
              {0x9F36, Bytes{static_cast<std::uint8_t>(tc.atc >> 8), static_cast<std::uint8_t>(tc.atc & 0xFF)}},
              {0x9F26, Bytes(tc.cryptogram.begin(), tc.cryptogram.end())},
              {0x9F27, Bytes{tc.cid}},
              {0x9F10, tc.issuer_application_data},
              {0x95, Bytes(r.tvr.array().begin(), r.tvr.array().end())},
          };
        }
        detail::confirm_original(kiosk, *original, final_values, o);
        (void)kiosk.journal.close_load(original->key);
        out.state = EcashLoadOutcome::State::kLoaded;
      } else if (after.ok() && *after == *out.old_balance_fen) {
        detail::reverse_armed(kiosk, *original, *armed,
                              r.final_cryptogram == pboc::Cryptogram::kAac ? wire::ReversalReason::kCardDeclined
                                                                           : wire::ReversalReason::kCardError,
                              o);
        (void)kiosk.journal.close_load(original->key);
      } else {
        out.state = EcashLoadOutcome::State::kUnresolved;  // armed and unresolved until the balance is read again
      }
    }
  } else if (original) {
    (void)kiosk.journal.close_load(original->key);
  }
  // Earlier loads of this card that a crash or a pulled card left unresolved: its load log decides them, or the
  // balance before this load (CONTACTLESS.md §4). Read after this transaction's GPO: the card's ATC has moved.
  if (!r.pan.empty()) {
    bool earlier = false;
    if (auto loads = kiosk.journal.unresolved_loads(); loads.ok()) {
      for (const host::EcashLoad& load : *loads) {
        earlier = earlier || (load.pan == r.pan && load.original_key != o.authorise_key);
      }
    }
    if (earlier) {
      const LoadEvidence evidence = read_load_evidence(card, before->load_log, *out.old_balance_fen);
      out.earlier = resolve_loads(kiosk, r.pan, evidence, o.authorise_key);
    }
  }

  if (out.state == EcashLoadOutcome::State::kLoaded) {
    o.message = "the e-cash balance was loaded";
  } else if (out.state == EcashLoadOutcome::State::kUnresolved) {
    o.message = "the card left before its balance could be read: the load is kept unresolved in the journal "
                "until the card's balance is read again";
  } else {
    o.message = detail::payment_message(o);
    if (authoriser.approved()) o.message = "the card was not loaded; " + o.message;
  }
  return out;
}

}  // namespace sscard::flows

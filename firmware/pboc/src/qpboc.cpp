// The qPBOC terminal kernel ([12] 6.2, 7.8, annex B; CONTACTLESS.md §3): PPSE, the AID, one GPO that returns
// the cryptogram, then READ RECORD and fDDA for an offline approval (or a deferred authorisation), or the
// online step for an ARQC after the card may have left.
#include "sscard/pboc/qpboc.h"

#include <algorithm>
#include <string>

#include "sscard/core/bcd.h"
#include "sscard/core/tlv.h"
#include "sscard/crypto/pin_block.h"
#include "sscard/pboc/commands.h"
#include "sscard/pboc/dol.h"
#include "sscard/pboc/fdda.h"
#include "sscard/pboc/qpboc_gpo.h"
#include "sscard/pboc/selection.h"
#include "sscard/pboc/tag_store.h"

namespace sscard::pboc {
namespace {

// The FF40 contents, in the order of PAYMENT.md §9.1 (the contact kernel's list).
constexpr tlv::Tag kIccDataTags[] = {0x5A,   0x5F34, 0x5F24, 0x82,   0x84,   0x9F36, 0x9F26, 0x9F27,
                                     0x9F10, 0x9F37, 0x95,   0x9A,   0x9F21, 0x9C,   0x9F02, 0x9F03,
                                     0x5F2A, 0x9F1A, 0x9F33, 0x9F34, 0x9F35, 0x9F09};

constexpr std::uint8_t kTransactionLogSfi = 11;  // PAYMENT.md §5.5
constexpr std::size_t kLogRecordSize = 45;
constexpr std::uint8_t kCtqOnlinePin = 0x80;            // CTQ byte 1 bit 8 ([12] annex C, 9F6C)
constexpr std::uint8_t kCtqContactIfOdaFails = 0x10;    // CTQ byte 1 bit 5
constexpr std::uint8_t kTtqDeferred = 0x80;             // TTQ byte 3 bit 8, the sscard extension (§2.2)
constexpr std::uint8_t kTtqFddaVersion01 = 0x80;        // TTQ byte 4 bit 8 ([12] table 3)

struct Tap {
  Tap(ContactlessContext& context, const TransactionRequest& request, TransactionRecord& record)
      : ctx(context), req(request), rec(record) {}

  ContactlessContext& ctx;
  const TransactionRequest& req;
  TransactionRecord& rec;
  std::size_t apdus_before = 0;

  TagStore terminal;  // the terminal's data elements
  TagStore card;      // what the card returned (FCI, GPO answer, records)
  SelectedApplication app;
  std::array<std::uint8_t, 4> ttq{};
  std::array<std::uint8_t, 4> un{};
  QpbocGpoAnswer gpo;
  Bytes static_data;
  bool static_data_invalid = false;
  std::optional<std::array<std::uint8_t, 8>> pin_block;
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};

  Result<apdu::Response> send(const apdu::Command& command) { return ctx.card.transmit(command, buffer); }
  std::size_t apdus_so_far() const { return ctx.card.apdu_count() - apdus_before; }
  void card_may_leave() { rec.apdus_until_card_may_leave = apdus_so_far(); }

  void note(Step step, bool ok, std::string_view text) { rec.steps.push_back(StepRecord{step, ok, text}); }
  bool fail(Step step, Reason reason, std::string_view text, Status status = {}, StatusWord last_sw = {}) {
    note(step, false, text);
    rec.outcome = Outcome::kFailed;
    rec.reason = reason;
    rec.failed_step = step;
    rec.status = status;
    rec.last_sw = last_sw;
    return false;
  }
  bool finish(Outcome outcome, Reason reason, Step step) {
    rec.outcome = outcome;
    rec.reason = reason;
    if (outcome != Outcome::kApproved) rec.failed_step = step;
    note(Step::kCompletion, outcome == Outcome::kApproved, reason_text(reason));
    return false;
  }
  std::optional<ByteSpan> value(tlv::Tag tag) const {
    if (auto v = terminal.find(tag)) return v;
    return card.find(tag);
  }
  void journal(const TornTap& tap) {
    if (ctx.torn_taps != nullptr) (void)ctx.torn_taps->keep(tap);
  }
  void forget_torn() {
    if (ctx.torn_taps != nullptr) (void)ctx.torn_taps->forget();
  }
};

Status put_amount(TagStore& store, tlv::Tag tag, std::uint64_t fen) {
  std::array<std::uint8_t, 6> field{};
  SSCARD_TRY(bcd::encode_n(std::to_string(fen), field));
  return store.put(tag, field);
}

// The terminal data of the GPO (CONTACTLESS.md §3.2) and of FF40.
bool prepare_terminal_data(Tap& t) {
  const TerminalConfig& c = t.ctx.terminal;
  if (t.req.unpredictable_number) {
    t.un = *t.req.unpredictable_number;
  } else if (!t.ctx.crypto.random(t.un).ok()) {
    return t.fail(Step::kSelection, Reason::kInternal, "the random number generator failed", Error::kInternal);
  }
  const std::uint8_t type[] = {c.terminal_type};
  const std::uint8_t exponent[] = {c.currency_exponent};
  const std::uint8_t transaction_type[] = {t.req.transaction_type};
  const std::uint8_t sm[] = {static_cast<std::uint8_t>(c.national_algorithms ? 0x01 : 0x00)};
  const std::array<std::uint8_t, 5> tvr{};
  const std::array<std::uint8_t, 20> no_merchant{};  // 9F4E is not in the contactless PDOL (§3.3)
  const Status statuses[] = {
      put_amount(t.terminal, 0x9F02, t.req.amount_fen),
      put_amount(t.terminal, 0x9F03, t.req.other_amount_fen),
      t.terminal.put(0x9F66, t.ttq),
      t.terminal.put(0x9F1A, c.country_code),
      t.terminal.put(0x5F2A, c.currency_code),
      t.terminal.put(0x5F36, exponent),
      t.terminal.put(0x9A, t.req.date),
      t.terminal.put(0x9F21, t.req.time),
      t.terminal.put(0x9C, transaction_type),
      t.terminal.put(0x9F37, t.un),
      t.terminal.put(0x95, tvr),
      t.terminal.put(0x9F33, c.capabilities),
      t.terminal.put(0x9F35, type),
      t.terminal.put(0x9F40, c.additional_capabilities),
      t.terminal.put(0x9F09, c.application_version),
      t.terminal.put(0x9F1C, c.terminal_id),
      t.terminal.put(0x9F4E, no_merchant),
      t.terminal.put(0xDF69, sm),
  };
  for (const Status& st : statuses) {
    if (!st.ok()) return t.fail(Step::kSelection, Reason::kInternal, "the transaction data is out of range", st);
  }
  return true;
}

// SELECT PPSE, then the first listed AID the terminal accepts ([12] 6.4.3).
bool select(Tap& t) {
  const auto ppse = t.send(select_by_name(kPpseName));
  if (!ppse.ok()) return t.fail(Step::kSelection, Reason::kCardCommunication, "the card exchange failed", ppse.status());
  if (!ppse->sw.is_success()) {
    return t.fail(Step::kSelection, Reason::kNoApplication, "the card has no PPSE", {}, ppse->sw);
  }
  const auto listed = parse_ppse_fci(ppse->data);
  if (!listed.ok()) {
    return t.fail(Step::kSelection, Reason::kNoApplication, "the PPSE directory is malformed", listed.error());
  }
  std::vector<Candidate> candidates;
  for (const Candidate& c : *listed) {
    if (terminal_accepts_aid(t.ctx.terminal, c.aid)) candidates.push_back(c);
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return (a.priority == 0 ? 16 : a.priority) < (b.priority == 0 ? 16 : b.priority);
  });
  bool blocked_seen = false;
  auto selected = select_first_candidate(t.ctx.card, candidates, blocked_seen);
  if (!selected.ok()) {
    const SelectionError& e = selected.error();
    if (e.failure == SelectionFailure::kCardCommunication) {
      return t.fail(Step::kSelection, Reason::kCardCommunication, "the card exchange failed", e.status);
    }
    if (e.failure == SelectionFailure::kApplicationBlocked) {
      t.note(Step::kSelection, false, "payment application blocked");
      return t.finish(Outcome::kDeclined, Reason::kApplicationBlocked, Step::kSelection);
    }
    return t.fail(Step::kSelection, Reason::kNoApplication, "no payment application");
  }
  t.app = std::move(*selected);
  t.rec.aid = t.app.aid;
  t.rec.application_label = t.app.label;
  if (const Status st = t.card.add(0x84, t.app.aid); !st.ok()) {
    return t.fail(Step::kSelection, Reason::kInternal, "the card data store failed", st);
  }
  t.note(Step::kSelection, true, "application selected");
  return true;
}

// §3.3: after SELECT, before the GPO, a kept torn tap is looked up in the card's newest log record. Returns
// false when the tap ended here (the torn tap completed, or a card error).
bool resolve_torn_tap(Tap& t) {
  if (t.ctx.torn_taps == nullptr) return true;
  const std::optional<TornTap> torn = t.ctx.torn_taps->torn();
  if (!torn) return true;
  // A tap torn before the GPO answered holds no TC: it can never be approved, and the card undoes any debit
  // at its next SELECT (§2.2 step 2).
  if (!torn->gpo_answered) {
    t.forget_torn();
    return true;
  }
  const auto response = t.send(read_record(kTransactionLogSfi, 1));
  if (!response.ok()) {
    return t.fail(Step::kSelection, Reason::kCardCommunication, "the card exchange failed", response.status());
  }
  bool completed = false;
  if (response->sw.is_success()) {
    ByteSpan log = response->data;
    // The 45 bytes as PAYMENT.md §5.5 lists them; accept them inside a 70 template too.
    if (const auto wrapped = tlv::decode(log);
        wrapped.ok() && wrapped->tag == 0x70 && wrapped->encoded.size() == log.size()) {
      log = wrapped->value;
    }
    std::array<std::uint8_t, 6> amount{};
    const bool amount_ok = bcd::encode_n(std::to_string(torn->amount_fen), amount).ok();
    completed = amount_ok && log.size() == kLogRecordSize && std::equal(torn->date.begin(), torn->date.end(), log.begin()) &&
                std::equal(amount.begin(), amount.end(), log.begin() + 6) &&
                log[43] == static_cast<std::uint8_t>(torn->atc >> 8) &&
                log[44] == static_cast<std::uint8_t>(torn->atc & 0xFF);
  }
  if (!completed) {
    // The card undid it at SELECT: this tap runs normally.
    t.forget_torn();
    t.note(Step::kSelection, true, "an earlier interrupted tap was undone by the card");
    return true;
  }
  // The card completed the torn tap: approve it with its journaled TC; this tap charges nothing.
  t.forget_torn();
  t.card_may_leave();
  t.rec.pan = torn->pan;
  t.rec.atc = torn->atc;
  t.rec.icc_data = torn->icc_data;
  t.rec.final_cryptogram = Cryptogram::kTc;
  t.note(Step::kSelection, true, "the card's log holds the earlier interrupted tap");
  return t.finish(Outcome::kApproved, Reason::kTornTapCompleted, Step::kCompletion);
}

Result<Bytes> build_icc_data(Tap& t) {
  (void)t.terminal.put(0x95, t.rec.tvr.bytes());
  (void)t.terminal.put(0x9F34, t.rec.cvm_results);
  Bytes buffer(1024);
  tlv::Builder builder(buffer);
  for (tlv::Tag tag : kIccDataTags) {
    if (const auto value = t.value(tag)) builder.add(tag, *value);
  }
  SSCARD_TRY(builder.status());
  buffer.resize(builder.size());
  return buffer;
}

// Adds a data element the card sends; the same tag again is accepted only with the same value (the GPO answer
// and the packed contactless records both carry e.g. 5F34).
Status add_card_element(TagStore& store, tlv::Tag tag, ByteSpan value) {
  if (const auto existing = store.find(tag)) {
    return std::equal(existing->begin(), existing->end(), value.begin(), value.end()) ? kOk
                                                                                       : Status(Error::kMalformed);
  }
  return store.add(tag, value);
}

bool run_gpo(Tap& t) {
  const auto pdol_length = dol_data_length(t.app.pdol);
  if (!pdol_length.ok()) {
    return t.fail(Step::kInitiation, Reason::kMalformedCardData, "the card's PDOL is malformed", pdol_length.error());
  }
  Bytes pdol_data(*pdol_length);
  const auto built = build_dol_data(t.app.pdol, [&t](tlv::Tag tag) { return t.value(tag); }, pdol_data);
  if (!built.ok()) {
    return t.fail(Step::kInitiation, Reason::kMalformedCardData, "the card's PDOL is malformed", built.error());
  }
  pdol_data.resize(*built);
  // The card picks the SM data set when the PDOL asked for DF69 and got 01 (P5, [17] 10.3.3).
  bool sm_requested = false;
  DolParser parser(t.app.pdol);
  while (true) {
    const auto entry = parser.next();
    if (!entry.ok() || !entry->has_value()) break;
    if ((*entry)->tag == 0xDF69 && (*entry)->length >= 1) sm_requested = t.ctx.terminal.national_algorithms;
  }
  t.rec.data_set = sm_requested ? DataSet::kSm : DataSet::kRsa;

  std::array<std::uint8_t, 255> field{};
  const auto command = get_processing_options(pdol_data, field);
  if (!command.ok()) return t.fail(Step::kInitiation, Reason::kMalformedCardData, "the PDOL data is too long");

  // §3.3: journal the tap before the card can debit anything.
  TornTap tap;
  tap.amount_fen = t.req.amount_fen;
  tap.date = t.req.date;
  tap.unpredictable_number = t.un;
  t.journal(tap);

  const auto response = t.send(*command);
  if (!response.ok()) {
    return t.fail(Step::kInitiation, Reason::kCardCommunication, "the card exchange failed", response.status());
  }
  if (response->sw == sw::kConditionsNotSatisfied) {
    t.forget_torn();
    return t.fail(Step::kInitiation, Reason::kConditionsNotSatisfied, "the card refused the GPO (69 85)", {},
                  response->sw);
  }
  if (!response->sw.is_success()) {
    t.forget_torn();
    return t.fail(Step::kInitiation, Reason::kUnexpectedStatus, "the card answered an unexpected status word", {},
                  response->sw);
  }
  const Bytes data(response->data.begin(), response->data.end());
  auto parsed = parse_qpboc_gpo(data);
  Status stored = parsed.ok() ? Status(kOk) : parsed.status();
  if (parsed.ok()) {
    const auto answer = tlv::decode(data);
    tlv::Elements elements(answer->value);
    for (const tlv::Element& e : elements) {
      if (stored.ok()) stored = t.card.add(e.tag, e.value);
    }
    if (stored.ok()) stored = elements.status();
  }
  if (!stored.ok()) {
    t.forget_torn();
    return t.fail(Step::kInitiation, Reason::kMalformedCardData, "the GPO answer is malformed", stored);
  }
  t.gpo = std::move(*parsed);
  const QpbocGpoAnswer& g = t.gpo;
  t.rec.aip = g.aip;
  t.rec.pan = g.pan;
  t.rec.atc = g.atc;
  if (g.pan_sequence_number) t.rec.pan_sequence_number = *g.pan_sequence_number;
  t.rec.first_gac = GacAnswer{g.cid(), g.atc, g.cryptogram, g.issuer_application_data};
  t.rec.final_cryptogram = g.type;
  t.rec.ecash_balance_fen = g.available_offline_fen ? g.available_offline_fen
                                                    : ecash_balance_from_iad(g.issuer_application_data);
  // qPBOC answers carry no 9F27 ([12] tables 11, 12): FF40 gets the contact CID of the type read in 9F10.
  const std::uint8_t cid[] = {g.cid()};
  Status derived = t.card.put(0x9F27, cid);
  if (!t.card.has(0x5A)) {
    std::array<std::uint8_t, 10> pan{};
    const std::size_t pan_bytes = (g.pan.size() + 1) / 2;
    if (derived.ok()) derived = bcd::encode_cn(g.pan, MutableByteSpan(pan.data(), pan_bytes));
    if (derived.ok()) derived = t.card.put(0x5A, ByteSpan(pan.data(), pan_bytes));
  }
  if (!derived.ok()) return t.fail(Step::kInitiation, Reason::kInternal, "the card data store failed", derived);
  t.note(Step::kInitiation, true, cryptogram_name(g.type));
  return true;
}

// READ RECORD each AFL record ([12] 7.7.19); the card may leave after the last answer.
bool read_records(Tap& t) {
  const Bytes& afl = t.gpo.afl;
  for (std::size_t i = 0; i < afl.size(); i += 4) {
    const std::uint8_t sfi = static_cast<std::uint8_t>(afl[i] >> 3);
    const std::uint8_t first = afl[i + 1];
    const std::uint8_t last = afl[i + 2];
    const std::uint8_t oda_count = afl[i + 3];
    if (sfi < 1 || sfi > 30 || (afl[i] & 0x07) != 0 || first < 1 || last < first || oda_count > last - first + 1) {
      return t.fail(Step::kReadRecords, Reason::kMalformedCardData, "the AFL is malformed", Error::kMalformed);
    }
    for (unsigned record = first; record <= last; ++record) {
      const auto response = t.send(read_record(sfi, static_cast<std::uint8_t>(record)));
      if (!response.ok()) {
        return t.fail(Step::kReadRecords, Reason::kCardCommunication, "the card left before the last record",
                      response.status());
      }
      if (!response->sw.is_success()) {
        return t.fail(Step::kReadRecords, Reason::kUnexpectedStatus, "the card answered an unexpected status word",
                      {}, response->sw);
      }
      const Bytes data(response->data.begin(), response->data.end());
      const auto element = tlv::decode(data);
      const bool is_template = element.ok() && element->tag == 0x70 && element->encoded.size() == data.size();
      if (record < first + oda_count) {
        if (sfi > 10) {
          t.static_data.insert(t.static_data.end(), data.begin(), data.end());
        } else if (is_template) {
          t.static_data.insert(t.static_data.end(), element->value.begin(), element->value.end());
        } else {
          t.static_data_invalid = true;
        }
      }
      if (sfi > 10) continue;
      if (!is_template) {
        return t.fail(Step::kReadRecords, Reason::kMalformedCardData, "a record is not a valid 70 template",
                      Error::kMalformed);
      }
      tlv::Elements elements(element->value);
      Status stored = kOk;
      for (const tlv::Element& e : elements) {
        if (stored.ok()) stored = add_card_element(t.card, e.tag, e.value);
      }
      if (stored.ok()) stored = elements.status();
      if (!stored.ok()) {
        return t.fail(Step::kReadRecords, Reason::kMalformedCardData,
                      "a record holds malformed TLV or a conflicting tag", stored);
      }
    }
  }
  t.card_may_leave();
  // The card cleared its torn flag with the last answer (§2.2 step 6): nothing is torn any more.
  t.forget_torn();
  if (const auto tag_list = t.card.find(0x9F4A)) {
    if (tag_list->size() == 1 && (*tag_list)[0] == 0x82) {
      t.static_data.insert(t.static_data.end(), t.rec.aip.begin(), t.rec.aip.end());
    } else {
      t.static_data_invalid = true;
    }
  }
  t.note(Step::kReadRecords, true, "application data read");
  return true;
}

// fDDA of the GPO answer's 9F4B (§3.2). Returns false when the tap ended (declined).
bool authenticate(Tap& t) {
  t.rec.tsi.set(TsiBit::kOdaPerformed);
  // [12] B.2: the version is the first byte of the card's 9F69 (absent: 00); we announced 01 by TTQ 4.8.
  const auto card_auth = t.card.find(0x9F69);
  const std::uint8_t version = card_auth && !card_auth->empty() ? (*card_auth)[0] : 0x00;
  const bool version_01 = version == 0x01;
  const bool version_known = version == 0x00 || (version_01 && (t.ttq[3] & kTtqFddaVersion01) != 0);
  Status status = kOk;
  t.rec.oda_method = t.rec.data_set == DataSet::kSm ? OdaMethod::kSm2Fdda : OdaMethod::kFdda;
  // [12] B.2: fDDA fails when the AIP does not announce DDA (byte 1 bit 6), data is missing or the
  // version is not one this terminal runs.
  if (t.static_data_invalid || t.gpo.signed_dynamic_data.empty() || (t.rec.aip[0] & 0x20) == 0 || !version_known) {
    status = Error::kSecurity;
  } else {
    const auto terminal_data = fdda_terminal_dynamic_data(
        version_01, t.un, t.terminal.find(0x9F02).value_or(ByteSpan{}), t.terminal.find(0x5F2A).value_or(ByteSpan{}),
        t.card.find(0x9F69).value_or(ByteSpan{}));
    if (!terminal_data.ok()) {
      status = terminal_data.status();
    } else {
      const FddaInput input{t.rec.aid,       t.card, t.rec.pan, t.req.date, t.static_data, t.gpo.signed_dynamic_data,
                            *terminal_data, t.gpo.atc};
      status = verify_fdda(t.ctx.crypto, t.ctx.ca_keys, input, t.rec.data_set == DataSet::kSm, t.rec.oda_method);
    }
  }
  if (status.ok()) {
    t.rec.oda_result = OdaResult::kSucceeded;
    t.note(Step::kOfflineDataAuthentication, true, "fast dynamic data authentication succeeded");
    return true;
  }
  t.rec.oda_result = OdaResult::kFailed;
  t.rec.tvr.set(TvrBit::kDdaFailed);
  t.note(Step::kOfflineDataAuthentication, false, "fast dynamic data authentication failed");
  const bool use_contact = t.gpo.ctq && ((*t.gpo.ctq)[0] & kCtqContactIfOdaFails) != 0;
  return t.finish(Outcome::kDeclined, use_contact ? Reason::kUseContactInterface : Reason::kFddaFailed,
                  Step::kOfflineDataAuthentication);
}

// Online PIN when the card's CTQ asks for it (§3.2): the format 0 block under the kiosk's PEK, as contact
// (PAYMENT.md §6.9). A missing keypad or key, or no entry, is a bypass the issuer sees in the TVR.
void online_pin(Tap& t) {
  if (!t.gpo.ctq || ((*t.gpo.ctq)[0] & kCtqOnlinePin) == 0) {
    t.rec.cvm = Cvm::kNone;
    t.rec.cvm_results = {0x3F, 0x00, 0x00};
    return;
  }
  t.rec.tsi.set(TsiBit::kCardholderVerificationPerformed);
  t.rec.cvm_results = {0x02, 0x00, 0x01};  // online PIN, always, failed (until entered below)
  t.rec.cvm = Cvm::kFailed;
  if (t.ctx.pinpad == nullptr || !t.ctx.terminal.pin_encryption_key) {
    t.rec.tvr.set(TvrBit::kPinPadMissing);
    t.note(Step::kCardholderVerification, false, "online PIN asked for, but no keypad or PIN key");
    return;
  }
  hal::PinBuffer pin;
  const hal::PinPadError error = t.ctx.pinpad->read_pin(hal::PinPrompt::kPin, pin);
  if (error != hal::PinPadError::kNone) {
    t.rec.tvr.set(error == hal::PinPadError::kNotConnected ? TvrBit::kPinPadMissing : TvrBit::kPinNotEntered);
    t.note(Step::kCardholderVerification, false, "no PIN entered");
    return;
  }
  std::array<std::uint8_t, crypto::kPinBlockSize> block{};
  const auto built = crypto::build_pin_block(crypto::PinBlockFormat::kFormat0, pin.digits(), t.rec.pan, {}, block);
  pin.clear();
  std::array<std::uint8_t, 8> enciphered{};
  Status status = built.ok() ? Status(kOk) : built.status();
  if (status.ok()) {
    status = t.ctx.crypto.encrypt_ecb(crypto::Cipher::kTdes, *t.ctx.terminal.pin_encryption_key, block, enciphered);
  }
  secure_wipe(block);
  if (!status.ok()) {
    t.rec.tvr.set(TvrBit::kPinNotEntered);
    t.note(Step::kCardholderVerification, false, "the PIN block could not be built");
    return;
  }
  t.pin_block = enciphered;
  t.rec.tvr.set(TvrBit::kOnlinePinEntered);
  t.rec.cvm = Cvm::kOnlinePin;
  t.rec.cvm_results = {0x02, 0x00, 0x00};
  t.note(Step::kCardholderVerification, true, "online PIN entered");
}

bool approving_code(const std::array<char, 2>& code) {
  return (code[0] == '0' && code[1] == '0') || (code[0] == '1' && (code[1] == '0' || code[1] == '1'));
}

// ARQC: the online request after the card may have left; no GAC2, no scripts (§3.2).
void go_online(Tap& t) {
  if (t.ctx.authoriser != nullptr) online_pin(t);
  else t.rec.cvm_results = {0x3F, 0x00, 0x00};
  const auto data = build_icc_data(t);
  if (!data.ok()) {
    if (t.pin_block) secure_wipe(*t.pin_block);
    t.fail(Step::kOnline, Reason::kInternal, "the ICC data does not fit", data.error());
    return;
  }
  t.rec.icc_data = *data;
  if (t.ctx.authoriser == nullptr) {
    // A deferred authorisation (a transit validator): the caller sends the ARQC later.
    t.rec.deferred_authorisation = true;
    if (t.rec.oda_result == OdaResult::kSucceeded) {
      t.finish(Outcome::kApproved, Reason::kDeferredAuthorisation, Step::kOnline);
    } else {
      t.finish(Outcome::kDeclined, Reason::kUnableToGoOnline, Step::kOnline);
    }
    return;
  }
  t.rec.online_attempted = true;
  AuthorisationRequest request{t.rec.icc_data, t.req.amount_fen, t.rec.pan, t.pin_block};
  auto answer = t.ctx.authoriser->authorise(request);
  if (t.pin_block) secure_wipe(*t.pin_block);
  if (request.enciphered_pin_block) secure_wipe(*request.enciphered_pin_block);
  if (!answer.ok()) {
    t.rec.online_failure = answer.error();
    t.note(Step::kOnline, false, "unable to go online");
    t.finish(Outcome::kDeclined, Reason::kUnableToGoOnline, Step::kOnline);
    return;
  }
  t.rec.online = true;
  t.rec.response_code = answer->response_code;
  t.note(Step::kOnline, true, "the issuer answered");
  if (approving_code(answer->response_code)) {
    t.finish(Outcome::kApproved, Reason::kApprovedOnline, Step::kOnline);
  } else {
    t.finish(Outcome::kDeclined, Reason::kDeclinedByIssuer, Step::kOnline);
  }
}

void run(Tap& t) {
  const auto ttq = terminal_transaction_qualifiers(t.ctx.contactless, t.req.amount_fen);
  if (!ttq) {
    // [12] 6.2.2: at or over the contactless limit nothing is sent to the card.
    t.note(Step::kInitiation, false, "the amount is at or over the contactless limit");
    t.finish(Outcome::kDeclined, Reason::kUseContactInterface, Step::kInitiation);
    return;
  }
  t.ttq = *ttq;
  if (!prepare_terminal_data(t)) return;
  if (!select(t)) return;
  if (!resolve_torn_tap(t)) return;
  if (!run_gpo(t)) return;

  const Cryptogram type = t.gpo.type;
  const bool deferred = type == Cryptogram::kArqc && !t.gpo.afl.empty() && (t.ttq[2] & kTtqDeferred) != 0;
  if (type == Cryptogram::kTc) {
    if (t.gpo.afl.empty()) {
      t.forget_torn();
      t.fail(Step::kInitiation, Reason::kMalformedCardData, "a TC came without an AFL", Error::kMalformed);
      return;
    }
    // The card has debited its e-cash with its torn flag set: journal what a completed tap needs.
    const auto data = build_icc_data(t);
    TornTap tap;
    tap.amount_fen = t.req.amount_fen;
    tap.date = t.req.date;
    tap.unpredictable_number = t.un;
    tap.pan = t.rec.pan;
    tap.atc = t.gpo.atc;
    if (data.ok()) tap.icc_data = *data;
    tap.gpo_answered = true;
    t.journal(tap);
  } else {
    t.forget_torn();
  }
  if (type == Cryptogram::kAac) {
    t.card_may_leave();
    t.finish(Outcome::kDeclined, Reason::kDeclinedOffline, Step::kInitiation);
    return;
  }
  if (type == Cryptogram::kTc || deferred) {
    if (!read_records(t)) return;
    if (!authenticate(t)) return;
  } else {
    t.card_may_leave();  // an online ARQC: after the GPO
  }
  if (type == Cryptogram::kTc) {
    const auto data = build_icc_data(t);
    if (data.ok()) t.rec.icc_data = *data;
    t.finish(Outcome::kApproved, Reason::kApprovedOffline, Step::kCompletion);
    return;
  }
  go_online(t);
}

}  // namespace

std::optional<std::array<std::uint8_t, 4>> terminal_transaction_qualifiers(const ContactlessConfig& config,
                                                                           std::uint64_t amount_fen) {
  if (config.transaction_limit_fen != 0 && amount_fen >= config.transaction_limit_fen) return std::nullopt;
  std::array<std::uint8_t, 4> ttq = config.ttq;
  // Byte 1 bit 4: offline only; byte 2 bits 8 and 7 come from the checks; byte 3 bit 8: deferred.
  ttq[0] = static_cast<std::uint8_t>(config.offline_only ? (ttq[0] | 0x08) : (ttq[0] & ~0x08));
  ttq[1] = static_cast<std::uint8_t>(ttq[1] & ~0xC0);
  if (config.cvm_limit_fen != 0 && amount_fen >= config.cvm_limit_fen) ttq[1] |= 0x40;
  if (amount_fen > config.floor_limit_fen || (amount_fen == 0 && !config.offline_only)) ttq[1] |= 0x80;
  ttq[2] = static_cast<std::uint8_t>(config.deferred_authorisation ? (ttq[2] | kTtqDeferred) : (ttq[2] & ~kTtqDeferred));
  return ttq;
}

TransactionRecord run_contactless_transaction(ContactlessContext& context, const TransactionRequest& request) {
  TransactionRecord record;
  record.card_interface = CardInterface::kContactless;
  const std::size_t before = context.card.apdu_count();
  {
    Tap tap(context, request, record);
    tap.apdus_before = before;
    run(tap);
  }
  record.apdus = context.card.apdu_count() - before;
  // A tap that ended early lets the card go at once.
  if (record.apdus_until_card_may_leave == 0) record.apdus_until_card_may_leave = record.apdus;
  return record;
}

}  // namespace sscard::pboc

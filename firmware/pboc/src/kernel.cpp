#include "sscard/pboc/kernel.h"

#include <algorithm>
#include <string>

#include "sscard/core/bcd.h"
#include "sscard/core/gbk.h"
#include "sscard/core/tlv.h"
#include "sscard/pboc/commands.h"
#include "sscard/pboc/dol.h"
#include "session.h"

namespace sscard::pboc {
namespace detail {
namespace {

constexpr std::size_t kMerchantNameSize = 20;

// 9F4E: GBK, cut after the last whole character within 20 bytes, 00-filled (P45, [4] 5.3 c)).
Result<std::array<std::uint8_t, kMerchantNameSize>> merchant_name_field(const std::string& utf8) {
  std::array<std::uint8_t, kMerchantNameSize> field{};
  SSCARD_TRY_ASSIGN(const Bytes gbk_name, gbk::from_utf8(utf8));
  std::size_t used = 0;
  for (std::size_t i = 0; i < gbk_name.size();) {
    const std::size_t width = gbk_name[i] >= 0x81 ? 2 : 1;
    if (i + width > gbk_name.size() || used + width > field.size()) break;
    for (std::size_t k = 0; k < width; ++k) field[used++] = gbk_name[i + k];
    i += width;
  }
  return field;
}

Status put_amount(TagStore& store, tlv::Tag tag, std::uint64_t fen) {
  std::array<std::uint8_t, 6> field{};
  SSCARD_TRY(bcd::encode_n(std::to_string(fen), field));
  return store.put(tag, field);
}

// The terminal's own data elements ([6] table 40; PAYMENT.md §8.1), fixed for the transaction.
bool prepare_terminal_data(Session& s) {
  const TerminalConfig& t = s.ctx.terminal;
  TagStore& store = s.terminal;
  std::array<std::uint8_t, 4> un{};
  if (s.req.unpredictable_number) {
    un = *s.req.unpredictable_number;
  } else if (!s.ctx.crypto.random(un).ok()) {
    return s.fail(Step::kSelection, Reason::kInternal, "the random number generator failed", Error::kInternal);
  }
  const auto merchant = merchant_name_field(t.merchant_name);
  if (!merchant.ok()) {
    return s.fail(Step::kSelection, Reason::kInternal, "the merchant name cannot be written in GBK",
                  merchant.error());
  }
  const std::uint8_t sm_indicator = t.national_algorithms ? 0x01 : 0x00;
  const std::uint8_t type[] = {t.terminal_type};
  const std::uint8_t exponent[] = {t.currency_exponent};
  const std::uint8_t transaction_type[] = {s.req.transaction_type};
  const std::uint8_t sm[] = {sm_indicator};
  Status status = put_amount(store, 0x9F02, s.req.amount_fen);
  if (status.ok()) status = put_amount(store, 0x9F03, s.req.other_amount_fen);
  const Status statuses[] = {
      status,
      store.put(0x9F1A, t.country_code),
      store.put(0x5F2A, t.currency_code),
      store.put(0x5F36, exponent),
      store.put(0x9A, s.req.date),
      store.put(0x9F21, s.req.time),
      store.put(0x9C, transaction_type),
      store.put(0x9F37, un),
      store.put(0x9F33, t.capabilities),
      store.put(0x9F35, type),
      store.put(0x9F40, t.additional_capabilities),
      store.put(0x9F09, t.application_version),
      store.put(0x9F1C, t.terminal_id),
      store.put(0x9F4E, *merchant),
      store.put(0xDF69, sm),
  };
  for (const Status& st : statuses) {
    if (!st.ok()) return s.fail(Step::kSelection, Reason::kInternal, "the transaction data is out of range", st);
  }
  return true;
}

bool select(Session& s) {
  auto selected = select_application(s.ctx.card, s.ctx.terminal);
  if (!selected.ok()) {
    const SelectionError& e = selected.error();
    switch (e.failure) {
      case SelectionFailure::kCardCommunication: return s.communication_failure(Step::kSelection, e.status);
      case SelectionFailure::kApplicationBlocked:
        s.note(Step::kSelection, false, "payment application blocked");
        s.rec.outcome = Outcome::kDeclined;
        s.rec.reason = Reason::kApplicationBlocked;
        s.rec.failed_step = Step::kSelection;
        return false;
      case SelectionFailure::kCardBlocked:
        return s.fail(Step::kSelection, Reason::kNoApplication, "the card is blocked", {}, e.last_sw);
      case SelectionFailure::kNoApplication: break;
    }
    return s.fail(Step::kSelection, Reason::kNoApplication, "no payment application");
  }
  s.app = std::move(*selected);
  s.rec.aid = s.app.aid;
  // 84, the DF name, goes online in FF40 (§9.1).
  if (const Status st = s.card.add(0x84, s.app.aid); !st.ok()) {
    return s.fail(Step::kSelection, Reason::kInternal, "the card data store failed", st);
  }
  s.rec.application_label = s.app.label;
  s.note(Step::kSelection, true, "application selected");
  return true;
}

// The static data of an ODA record ([7] 5.1.1 / [5] 9.2.2): SFI 1-10, the value of the 70 template; 11-30,
// the whole record.
void add_static_data(Session& s, std::uint8_t sfi, ByteSpan record, const tlv::Element* template70) {
  if (sfi <= 10) {
    if (template70 == nullptr) {
      s.static_data_invalid = true;
      return;
    }
    s.static_data.insert(s.static_data.end(), template70->value.begin(), template70->value.end());
  } else {
    s.static_data.insert(s.static_data.end(), record.begin(), record.end());
  }
}

// Stores the elements of a record's 70 template. kMalformed for broken TLV or a repeated tag.
Status store_record(Session& s, ByteSpan value) {
  tlv::Elements elements(value);
  for (const tlv::Element& e : elements) {
    SSCARD_TRY(s.card.add(e.tag, e.value));
  }
  return elements.status();
}

}  // namespace

void Session::refresh_terminal_data() {
  (void)terminal.put(0x95, rec.tvr.bytes());
  (void)terminal.put(0x9B, rec.tsi.bytes());
  (void)terminal.put(0x9F34, rec.cvm_results);
  const std::uint8_t arc[] = {static_cast<std::uint8_t>(rec.arc_sent[0]), static_cast<std::uint8_t>(rec.arc_sent[1])};
  (void)terminal.put(0x8A, arc);
}

std::optional<ByteSpan> Session::dol_value(tlv::Tag tag) const {
  if (auto value = terminal.find(tag)) return value;
  return card.find(tag);
}

Result<Bytes> Session::build_dol(ByteSpan dol) {
  refresh_terminal_data();
  SSCARD_TRY_ASSIGN(const std::size_t length, dol_data_length(dol));
  Bytes out(length);
  SSCARD_TRY_ASSIGN(const std::size_t used,
                    build_dol_data(dol, [this](tlv::Tag tag) { return dol_value(tag); }, out));
  out.resize(used);
  return out;
}

std::uint32_t digits_value(std::string_view digits) {
  std::uint32_t v = 0;
  for (char c : digits) v = v * 10 + static_cast<std::uint32_t>(c - '0');
  return v;
}

std::optional<std::uint32_t> card_date(ByteSpan yymmdd) {
  if (yymmdd.size() != 3) return std::nullopt;
  const auto digits = bcd::decode_n(yymmdd);
  if (!digits.ok()) return std::nullopt;
  const std::uint32_t value = digits_value(*digits);
  const std::uint32_t yy = value / 10000;
  const std::uint32_t month = value / 100 % 100;
  const std::uint32_t day = value % 100;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  return (yy < 50 ? 20000000u : 19000000u) + value;
}

bool initiate(Session& s) {
  const auto pdol_data = s.build_dol(s.app.pdol);
  if (!pdol_data.ok()) {
    return s.fail(Step::kInitiation, Reason::kMalformedCardData, "the card's PDOL is malformed", pdol_data.error());
  }
  s.pdol_data = *pdol_data;
  // The card picks the SM data set when the PDOL asked for DF69 and got 01 (P5, [17] 10.3.3).
  bool sm_requested = false;
  DolParser parser(s.app.pdol);
  while (true) {
    const auto entry = parser.next();
    if (!entry.ok() || !entry->has_value()) break;
    if ((*entry)->tag == 0xDF69 && (*entry)->length >= 1) sm_requested = s.ctx.terminal.national_algorithms;
  }
  s.rec.data_set = sm_requested ? DataSet::kSm : DataSet::kRsa;

  std::array<std::uint8_t, 255> field{};
  const auto command = get_processing_options(s.pdol_data, field);
  if (!command.ok()) return s.fail(Step::kInitiation, Reason::kMalformedCardData, "the PDOL data is too long");
  const auto response = s.send(*command);
  if (!response.ok()) return s.communication_failure(Step::kInitiation, response.status());
  if (response->sw == sw::kConditionsNotSatisfied) {
    return s.fail(Step::kInitiation, Reason::kConditionsNotSatisfied, "the card refused the GPO (69 85)", {},
                  response->sw);
  }
  if (!response->sw.is_success()) return s.unexpected_status(Step::kInitiation, response->sw);

  // Format 1: 80 AIP || AFL; format 2: 77 { 82, 94, ... } ([5] B.8.4).
  const auto answer = tlv::decode(response->data);
  ByteSpan aip;
  ByteSpan afl;
  bool well_formed = answer.ok() && answer->encoded.size() == response->data.size();
  if (well_formed && answer->tag == 0x80 && answer->value.size() >= 2) {
    aip = answer->value.first(2);
    afl = answer->value.subspan(2);
  } else if (well_formed && answer->tag == 0x77) {
    tlv::Elements elements(answer->value);
    for (const tlv::Element& e : elements) {
      if (!s.card.add(e.tag, e.value).ok()) well_formed = false;
    }
    well_formed = well_formed && elements.status().ok();
    if (well_formed) {
      aip = s.card.find(0x82).value_or(ByteSpan{});
      afl = s.card.find(0x94).value_or(ByteSpan{});
    }
  } else {
    well_formed = false;
  }
  if (!well_formed || aip.size() != 2 || afl.empty() || afl.size() % 4 != 0) {
    return s.fail(Step::kInitiation, Reason::kMalformedCardData, "the GPO answer is malformed", Error::kMalformed);
  }
  if (answer->tag == 0x80 && (!s.card.add(0x82, aip).ok() || !s.card.add(0x94, afl).ok())) {
    return s.fail(Step::kInitiation, Reason::kMalformedCardData, "the GPO answer is malformed", Error::kMalformed);
  }
  std::copy(aip.begin(), aip.end(), s.rec.aip.begin());
  s.note(Step::kInitiation, true, "processing options received");
  return true;
}

bool read_application_data(Session& s) {
  const ByteSpan afl = *s.card.find(0x94);
  // Copy: the store may move nothing, but the AFL is read while records are added.
  const Bytes entries(afl.begin(), afl.end());
  for (std::size_t i = 0; i < entries.size(); i += 4) {
    const std::uint8_t sfi = static_cast<std::uint8_t>(entries[i] >> 3);
    const std::uint8_t first = entries[i + 1];
    const std::uint8_t last = entries[i + 2];
    const std::uint8_t oda_count = entries[i + 3];
    // [6] 7.4: SFI 1..30, first record >= 1, last >= first, ODA records within the range.
    if (sfi < 1 || sfi > 30 || (entries[i] & 0x07) != 0 || first < 1 || last < first ||
        oda_count > last - first + 1) {
      return s.fail(Step::kReadRecords, Reason::kMalformedCardData, "the AFL is malformed", Error::kMalformed);
    }
    for (unsigned record = first; record <= last; ++record) {
      const auto response = s.send(read_record(sfi, static_cast<std::uint8_t>(record)));
      if (!response.ok()) return s.communication_failure(Step::kReadRecords, response.status());
      if (!response->sw.is_success()) return s.unexpected_status(Step::kReadRecords, response->sw);
      const Bytes data(response->data.begin(), response->data.end());
      const bool for_oda = record < first + oda_count;
      const auto element = tlv::decode(data);
      const bool is_template = element.ok() && element->tag == 0x70 && element->encoded.size() == data.size();
      if (for_oda) add_static_data(s, sfi, data, is_template ? &*element : nullptr);
      if (sfi > 10) continue;  // records outside 1-10 are not templates of data elements
      if (!is_template) {
        // [5] 9.2.2: an ODA record that is not a 70 template fails ODA; any other such record ends it.
        if (for_oda && element.ok() && element->encoded.size() == data.size()) continue;
        return s.fail(Step::kReadRecords, Reason::kMalformedCardData, "a record is not a valid 70 template",
                      element.ok() ? Status(Error::kMalformed) : element.status());
      }
      const Status stored = store_record(s, element->value);
      if (!stored.ok()) {
        return s.fail(Step::kReadRecords, Reason::kMalformedCardData,
                      "a record holds malformed TLV or a repeated tag", stored);
      }
    }
  }
  // Mandatory data ([6] 7.4, PAYMENT.md §8.2 step 3).
  for (tlv::Tag tag : {tlv::Tag{0x5A}, tlv::Tag{0x5F24}, tlv::Tag{0x8C}, tlv::Tag{0x8D}}) {
    if (!s.card.has(tag)) {
      s.rec.tvr.set(TvrBit::kIccDataMissing);
      return s.fail(Step::kReadRecords, Reason::kMissingCardData, "mandatory card data is missing");
    }
  }
  const auto pan = bcd::decode_cn(*s.card.find(0x5A));
  const bool dates_ok = card_date(*s.card.find(0x5F24)).has_value() &&
                        (!s.card.has(0x5F25) || card_date(*s.card.find(0x5F25)).has_value());
  const bool dols_ok = dol_data_length(*s.card.find(0x8C)).ok() && dol_data_length(*s.card.find(0x8D)).ok();
  if (!pan.ok() || pan->size() < 12 || pan->size() > 19 || !dates_ok || !dols_ok) {
    return s.fail(Step::kReadRecords, Reason::kMalformedCardData, "the PAN, a date or a DOL is malformed",
                  Error::kMalformed);
  }
  s.rec.pan = *pan;
  if (const auto psn = s.card.find(0x5F34); psn && psn->size() == 1) s.rec.pan_sequence_number = (*psn)[0];
  // 9F4A may list only the AIP ([7] 5.1.1).
  if (const auto tag_list = s.card.find(0x9F4A)) {
    if (tag_list->size() == 1 && (*tag_list)[0] == 0x82) {
      s.static_data.insert(s.static_data.end(), s.rec.aip.begin(), s.rec.aip.end());
    } else {
      s.static_data_invalid = true;
    }
  }
  s.note(Step::kReadRecords, true, "application data read");
  return true;
}

// [6] 7.6: application versions, usage control, effective and expiry dates.
void check_restrictions(Session& s) {
  const TerminalConfig& t = s.ctx.terminal;
  if (const auto version = s.card.find(0x9F08)) {
    if (!std::equal(version->begin(), version->end(), t.application_version.begin(), t.application_version.end())) {
      s.rec.tvr.set(TvrBit::kDifferentVersions);
    }
  }
  if (const auto auc = s.card.find(0x9F07); auc && auc->size() == 2) {
    const std::uint8_t b1 = (*auc)[0];
    // An ATM: a financial-institution unattended terminal that dispenses cash ([6] A.1, A.3).
    const bool atm = (t.terminal_type == 0x14 || t.terminal_type == 0x15 || t.terminal_type == 0x16) &&
                     (t.additional_capabilities[0] & 0x80) != 0;
    bool allowed = (b1 & (atm ? 0x02 : 0x01)) != 0;
    if (const auto country = s.card.find(0x5F28); allowed && country && country->size() == 2) {
      const bool domestic = std::equal(country->begin(), country->end(), t.country_code.begin());
      const std::uint8_t type = s.req.transaction_type;
      if (type == 0x01) {
        allowed = (b1 & (domestic ? 0x80 : 0x40)) != 0;  // cash
      } else if (type == 0x00) {
        allowed = (b1 & (domestic ? 0x28 : 0x14)) != 0;  // goods or services
      }
    }
    if (!allowed) s.rec.tvr.set(TvrBit::kServiceNotAllowed);
  }
  const std::uint32_t today = 20000000u + digits_value(bcd::decode_n(s.req.date).value_or(std::string("000000")));
  if (const auto effective = s.card.find(0x5F25)) {
    if (*card_date(*effective) > today) s.rec.tvr.set(TvrBit::kApplicationNotYetEffective);
  }
  if (*card_date(*s.card.find(0x5F24)) < today) s.rec.tvr.set(TvrBit::kExpiredApplication);
  s.note(Step::kProcessingRestrictions, true, "processing restrictions checked");
}

namespace {

void run(Session& s) {
  if (!prepare_terminal_data(s)) return;
  if (!select(s)) return;
  if (!initiate(s)) return;
  if (!read_application_data(s)) return;
  if (!authenticate_offline(s)) return;
  check_restrictions(s);
  if (!verify_cardholder(s)) return;
  if (!manage_terminal_risk(s)) return;
  const std::uint8_t p1 = analyse_terminal_action(s);
  (void)complete_with_card(s, p1);
}

}  // namespace
}  // namespace detail

TransactionRecord run_transaction(KernelContext& context, const TransactionRequest& request) {
  TransactionRecord record;
  const std::size_t apdus_before = context.card.apdu_count();
  {
    detail::Session session(context, request, record);
    detail::run(session);
  }
  record.apdus = context.card.apdu_count() - apdus_before;
  return record;
}

}  // namespace sscard::pboc

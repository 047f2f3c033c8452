// GET PROCESSING OPTIONS on the contactless interface: qPBOC with electronic cash (docs/CONTACTLESS.md §2.2,
// §2.3; JR/T 0025.12 6.5.6, 7.4, 7.7, annex B; JR/T 0025.13 7.4), and the packed records of its AFL.
#include <algorithm>

#include "application.h"
#include "sscard/core/tlv.h"
#include "sscard/sim/pboc/card_cryptogram.h"

namespace sscard::sim::pboc::detail {
namespace {

// Contactless PDOL data (§2.1): 9F66 (4) ‖ the 29 CDOL1-layout bytes ‖ DF69 (1).
constexpr std::size_t kTerminalAt = 4, kDf69At = 33;
// Offsets inside the 29 terminal bytes: 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37.
constexpr std::size_t kAmountAt = 0, kOtherAt = 6, kCountryAt = 12, kCurrencyAt = 19, kDateAt = 21, kTypeAt = 24,
                      kUnAt = 25;
constexpr std::size_t kRsaIccSize = 128;

void append(Bytes& out, ByteSpan b) { out.insert(out.end(), b.begin(), b.end()); }

// The 45-byte log record of a contactless TC (PAYMENT.md §5.5): 9F21 and 9F4E are not in the contactless
// PDOL, so they are zero (CONTACTLESS.md §3.3).
Bytes contactless_log_record(ByteSpan terminal, std::uint16_t atc) {
  Bytes r;
  append(r, terminal.subspan(kDateAt, 3));
  r.insert(r.end(), 3, 0x00);
  append(r, terminal.subspan(kAmountAt, 6));
  append(r, terminal.subspan(kOtherAt, 6));
  append(r, terminal.subspan(kCountryAt, 2));
  append(r, terminal.subspan(kCurrencyAt, 2));
  r.insert(r.end(), 20, 0x00);
  append(r, terminal.subspan(kTypeAt, 1));
  r.push_back(static_cast<std::uint8_t>(atc >> 8));
  r.push_back(static_cast<std::uint8_t>(atc));
  return r;
}

// The track 2 equivalent data (57) of SFI 1 record 1.
Bytes track2_of(const StaticRecords& records) {
  if (records.by_sfi[0].empty()) return {};
  auto outer = tlv::decode(records.by_sfi[0][0]);
  if (!outer.ok()) return {};
  auto t2 = tlv::find(outer->value, 0x57);
  if (!t2.ok()) return {};
  return Bytes(t2->value.begin(), t2->value.end());
}

struct Decision {
  AcType type = AcType::kAac;
  bool online_pin = false;
};

}  // namespace

Result<Bytes> PaymentApplication::fdda_signature(crypto::Crypto& crypto, ByteSpan terminal_dynamic_data) {
  // ICC dynamic data: 02 ‖ ATC ([12] table B.2).
  const std::uint8_t atc[] = {static_cast<std::uint8_t>(session_.atc >> 8), static_cast<std::uint8_t>(session_.atc)};
  if (session_.set == DataSet::kRsa) {
    // The DDA signature of [7] 5.3.5.1: 05 ‖ 01 ‖ 03 ‖ 02 ‖ ATC ‖ BB… in the block, the terminal's dynamic
    // data under the hash only.
    Bytes msg{0x05, 0x01, 0x03, 0x02, atc[0], atc[1]};
    msg.resize(kRsaIccSize - 22, 0xBB);
    append(msg, terminal_dynamic_data);
    return rsa_sign(crypto, msg, kRsaIccSize - 22);
  }
  // [17] 5.2.4.1 format 15: 15 ‖ 03 ‖ 02 ‖ ATC ‖ sig over the same ‖ the terminal's dynamic data.
  if (!data_.sm2) return Error::kInvalidArgument;
  Bytes value{0x15, 0x03, 0x02, atc[0], atc[1]};
  Bytes m = value;
  append(m, terminal_dynamic_data);
  std::uint8_t sig[64];
  SSCARD_TRY(crypto.sm2_sign(data_.sm2->icc_private_key, crypto::kSm2DefaultId, m, sig));
  value.insert(value.end(), std::begin(sig), std::end(sig));
  return value;
}

CommandReply PaymentApplication::qpboc_processing_options(CardOs& card, const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return sw_reply(sw::kIncorrectP1P2);
  // 83 L <34 bytes of PDOL data> (§2.1, §2.2 step 1).
  if (cmd.data.size() != 2 + kContactlessPdolDataSize || cmd.data[1] != kContactlessPdolDataSize) {
    return sw_reply(sw::kWrongLength);
  }
  if (cmd.data[0] != 0x83) return sw_reply(sw::kWrongData);
  if (session_.gpo_done) return sw_reply(sw::kConditionsNotSatisfied);
  const ByteSpan pdol = cmd.data.subspan(2);
  const ByteSpan ttq = pdol.first(4);
  // TTQ 1.6 clear: not a qPBOC terminal, and the card has no other contactless path ([12] 6.5.6).
  if ((ttq[0] & 0x20) == 0) return sw_reply(sw::kConditionsNotSatisfied);
  const ByteSpan terminal = pdol.subspan(kTerminalAt, kCdol1DataSize);
  const std::optional<std::uint64_t> amount = from_n12(terminal.subspan(kAmountAt, 6));
  if (!amount) return sw_reply(sw::kWrongData);
  crypto::Crypto* crypto = card.crypto();
  if (crypto == nullptr) return sw_reply(sw::kConditionsNotSatisfied);

  // ATC + 1, written before anything else, shared with the contact interface (step 3).
  const std::uint16_t atc = store_.atc();
  if (atc == 0xFFFF) return sw_reply(sw::kConditionsNotSatisfied);
  const auto next_atc = static_cast<std::uint16_t>(atc + 1);
  if (const Status s = store_.write_atc(next_atc); !s.ok()) return write_failed(s);
  if (next_atc == 0xFFFF) return sw_reply(sw::kConditionsNotSatisfied);

  const DataSet set = data_.generation >= 3 && pdol[kDf69At] == 0x01 ? DataSet::kSm : DataSet::kRsa;
  session_.gpo_done = true;
  session_.contactless = true;
  session_.set = set;
  session_.atc = next_atc;
  session_.pdol_data.assign(pdol.begin(), pdol.end());

  // The decision of step 5, first match wins.
  const PersistentState now = store_.state();
  const std::uint8_t tries = store_.pin_tries();
  const bool offline_only = (ttq[0] & 0x08) != 0;  // TTQ 1.4
  const Decision online_or_decline{offline_only ? AcType::kAac : AcType::kArqc, false};
  const std::string date = to_hex(terminal.subspan(kDateAt, 3));
  const bool expired = date > data_.expiry;  // both YYMMDD
  const bool domestic = terminal[kCurrencyAt] == 0x01 && terminal[kCurrencyAt + 1] == 0x56;
  Decision decision{AcType::kTc, false};
  if (blocked() || expired) {
    decision = {AcType::kAac, false};
  } else if (!domestic) {
    decision = online_or_decline;
  } else if ((ttq[1] & 0x80) != 0) {  // TTQ 2.8: online cryptogram required
    decision = online_or_decline;
  } else if ((ttq[1] & 0x40) != 0) {  // TTQ 2.7: CVM required, online PIN
    decision = offline_only ? Decision{AcType::kAac, false} : Decision{AcType::kArqc, true};
  } else if (!data_.ecash || *amount > now.ecash_balance || *amount > now.ecash_single_limit || tries == 0 ||
             now.issuer_auth_failed || now.script_failed) {  // [13] 7.4.2
    decision = online_or_decline;
  }
  const bool tc = decision.type == AcType::kTc;
  const bool deferred = (ttq[2] & 0x80) != 0;  // TTQ 3.8, the sscard extension for validators
  const bool with_afl = tc || (decision.type == AcType::kArqc && deferred);
  const std::uint64_t balance_after = tc ? now.ecash_balance - *amount : now.ecash_balance;

  // CVR (PAYMENT.md §5.2, §5.3): 2.8-7 = 10 (no second GAC), 2.6-5 the cryptogram type ([12] 7.8.1).
  std::array<std::uint8_t, 4>& cvr = session_.cvr;
  cvr = {0x03, 0x80, 0x00, 0x00};
  if (decision.type == AcType::kArqc) cvr[1] |= 0x20;
  if (tc) cvr[1] |= 0x10;
  if (tries == 0) cvr[2] |= 0x40;
  if (now.last_online_atc == 0) cvr[2] |= 0x10;
  if (now.issuer_auth_failed) cvr[2] |= 0x08;
  if (now.script_failed) cvr[3] |= 0x08;
  const std::array<std::uint8_t, 2> ctq{static_cast<std::uint8_t>(decision.online_pin ? 0x80 : 0x00), 0x00};

  auto ac = card_cryptogram(*crypto, set, keys().ac, terminal, next_atc, cvr);
  if (!ac.ok()) return sw_reply(sw::kConditionsNotSatisfied);
  Bytes iad{0x07, 0x01, 0x01, cvr[0], cvr[1], cvr[2], cvr[3], static_cast<std::uint8_t>(set == DataSet::kSm ? 0x04 : 0x01)};
  if (data_.ecash) {
    auto idd = ecash_idd(*crypto, set, keys().mac, next_atc, balance_after);
    if (!idd.ok()) return sw_reply(sw::kConditionsNotSatisfied);
    append(iad, *idd);
  }

  Bytes signature;
  std::vector<Bytes> records;
  if (with_afl) {
    // 9F69 ([12] annex C): 01 ‖ card unpredictable number ‖ CTQ ‖ 00, fresh per GPO.
    std::uint8_t auth[8] = {0x01, 0, 0, 0, 0, ctq[0], ctq[1], 0x00};
    if (!crypto->random(MutableByteSpan(auth).subspan(1, 4)).ok()) return sw_reply(sw::kConditionsNotSatisfied);
    // Terminal dynamic data: version 01 (TTQ 4.8) 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69, version 00 9F37 alone (§2.3).
    Bytes tdd(terminal.begin() + kUnAt, terminal.begin() + kUnAt + 4);
    if ((ttq[3] & 0x80) != 0) {
      append(tdd, terminal.subspan(kAmountAt, 6));
      append(tdd, terminal.subspan(kCurrencyAt, 2));
      append(tdd, auth);
    }
    auto sig = fdda_signature(*crypto, tdd);
    auto made = contactless_records(records_, set, auth);
    if (!sig.ok() || !made.ok()) return sw_reply(sw::kConditionsNotSatisfied);
    signature = std::move(*sig);
    records = std::move(*made);
  }

  // Offline approval: balance, log record and the torn flag with what undoes them, in one commit (step 6).
  if (tc) {
    PersistentState next = now;
    next.ecash_balance = balance_after;
    next.torn = true;
    next.torn_amount = *amount;
    next.torn_log_head = now.log_head;
    next.torn_log_count = now.log_count;
    const Bytes record = contactless_log_record(terminal, next_atc);
    if (const Status s = store_.commit(next, ByteSpan(record)); !s.ok()) return write_failed(s);
    session_.clears_torn_flag = true;
  }
  session_.contactless_records = std::move(records);

  // Format 2 in the order of [12] tables 11 and 12.
  const std::uint8_t atc_bytes[] = {static_cast<std::uint8_t>(next_atc >> 8), static_cast<std::uint8_t>(next_atc)};
  const auto aip_bytes = aip(set);
  const std::uint8_t psn[] = {data_.psn};
  const Bytes track2 = track2_of(records_);
  const auto available = to_n12(balance_after);
  std::uint8_t buffer[apdu::kMaxShortNe];
  tlv::Builder b(buffer);
  b.open(0x77);
  b.add(0x82, aip_bytes);
  if (with_afl) {
    b.add(0x94, contactless_afl(set));
    b.add(0x9F36, atc_bytes);
    b.add(0x9F26, *ac);
    b.add(0x9F10, iad);
    b.add(0x57, track2);
    b.add(0x5F34, psn);
    b.add(0x9F4B, signature);
  } else {
    b.add(0x9F36, atc_bytes);
    b.add(0x57, track2);
    b.add(0x9F10, iad);
    b.add(0x9F26, *ac);
    b.add(0x5F34, psn);
  }
  b.add(0x9F6C, ctq);
  if (data_.ecash) b.add(0x9F5D, available);
  b.close();
  if (!b.status().ok()) return sw_reply(sw::kConditionsNotSatisfied);
  return data_reply(Bytes(b.bytes().begin(), b.bytes().end()));
}

CommandReply PaymentApplication::read_contactless_record(std::uint8_t sfi, std::size_t number) {
  // Only the set's SFI, after a contactless GPO that gave an AFL in this selection (§2.2).
  const std::uint8_t expected = session_.set == DataSet::kSm ? kContactlessSfiSm : kContactlessSfiRsa;
  const std::vector<Bytes>& list = session_.contactless_records;
  if (list.empty() || sfi != expected) return sw_reply(sw::kConditionsNotSatisfied);
  if (number == 0 || number > list.size()) return sw_reply(sw::kRecordNotFound);
  if (number == list.size() && session_.clears_torn_flag) {
    // The answer to the last record completes the tap ([12] 7.7.19): the flag goes, in its own commit.
    PersistentState next = store_.state();
    next.torn = false;
    next.torn_amount = 0;
    if (const Status s = store_.commit(next); !s.ok()) return write_failed(s);
    session_.clears_torn_flag = false;
  }
  return data_reply(list[number - 1]);
}

}  // namespace sscard::sim::pboc::detail

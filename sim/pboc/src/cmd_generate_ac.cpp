// GENERATE AC with card risk management (JR/T 0025.5 14, 16; PAYMENT.md §5.2, §5.3), EXTERNAL AUTHENTICATE
// (.5 15.4.3) and INTERNAL AUTHENTICATE (DDA, §7.2 / §7.3).
#include <algorithm>

#include "application.h"
#include "sscard/crypto/cryptogram.h"
#include "sscard/sim/pboc/card_cryptogram.h"

namespace sscard::sim::pboc::detail {
namespace {

constexpr std::size_t kSha1Size = 20;
constexpr std::size_t kRsaIccSize = 128;

// CDOL1 data offsets (§4.3: 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37).
constexpr std::size_t kAmountAt = 0, kOtherAt = 6, kCountryAt = 12, kTvrAt = 14, kCurrencyAt = 19, kDateAt = 21,
                      kTypeAt = 24, kUnAt = 25;

bool approving_arc(ByteSpan arc) {
  // 00, 10, 11: the issuer approved (.5 16.6).
  return arc[0] == '0' ? arc[1] == '0' : (arc[0] == '1' && (arc[1] == '0' || arc[1] == '1'));
}

bool unable_to_go_online(ByteSpan arc) { return (arc[0] == 'Y' || arc[0] == 'Z') && arc[1] == '3'; }

void append(Bytes& out, ByteSpan b) { out.insert(out.end(), b.begin(), b.end()); }

// The 45-byte log record (.5 18, P29): 9A 9F21 9F02 9F03 9F1A 5F2A 9F4E 9C 9F36.
Bytes log_record(ByteSpan terminal, ByteSpan pdol, int generation, std::uint16_t atc) {
  const std::size_t at = generation >= 3 ? 1 : 0;  // DF69 first in generation 3's PDOL
  Bytes r;
  append(r, terminal.subspan(kDateAt, 3));
  append(r, pdol.subspan(at, 3));
  append(r, terminal.subspan(kAmountAt, 6));
  append(r, terminal.subspan(kOtherAt, 6));
  append(r, terminal.subspan(kCountryAt, 2));
  append(r, terminal.subspan(kCurrencyAt, 2));
  append(r, pdol.subspan(at + 3, 20));
  append(r, terminal.subspan(kTypeAt, 1));
  r.push_back(static_cast<std::uint8_t>(atc >> 8));
  r.push_back(static_cast<std::uint8_t>(atc));
  return r;
}

// TVR byte 1 (.6 A.7): b7 SDA failed, b4 DDA failed, b3 CDA failed (.5 14.5.1 step 2, 16.7.2.1).
void note_oda_failures(ByteSpan terminal, PersistentState& s) {
  const std::uint8_t tvr1 = terminal[kTvrAt];
  if ((tvr1 & 0x40) != 0) s.sda_failed = true;
  if ((tvr1 & 0x0C) != 0) s.dda_failed = true;
}

}  // namespace

Result<Bytes> PaymentApplication::rsa_sign(crypto::Crypto& crypto, ByteSpan msg, std::size_t covered) {
  // X = 6A ‖ MSG1 ‖ SHA-1(MSG) ‖ BC, MSG1 the first N − 22 bytes of MSG (JR/T 0025.7 11.2.1).
  const ByteSpan n = data_.rsa.icc_modulus;
  if (n.size() != kRsaIccSize || covered != n.size() - 22 || msg.size() < covered) return Error::kInvalidArgument;
  Bytes x(n.size());
  x[0] = 0x6A;
  std::copy(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(covered), x.begin() + 1);
  SSCARD_TRY(crypto.digest(crypto::Hash::kSha1, msg, MutableByteSpan(x).subspan(1 + covered, kSha1Size)).status());
  x.back() = 0xBC;
  Bytes signature(n.size());
  SSCARD_TRY(crypto.rsa_private(n, data_.rsa.icc_private_exponent, x, signature).status());
  return signature;
}

CommandReply PaymentApplication::internal_authenticate(CardOs& card, const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return sw_reply(sw::kIncorrectP1P2);
  if (cmd.data.size() != 4) return sw_reply(sw::kWrongLength);  // DDOL 9F3704
  if (!session_.gpo_done) return sw_reply(sw::kConditionsNotSatisfied);
  crypto::Crypto* crypto = card.crypto();
  if (crypto == nullptr) return sw_reply(sw::kConditionsNotSatisfied);
  const std::uint8_t atc[] = {static_cast<std::uint8_t>(session_.atc >> 8), static_cast<std::uint8_t>(session_.atc)};
  Bytes value;
  if (session_.set == DataSet::kRsa) {
    // 05 ‖ 01 ‖ 03 ‖ 02 ‖ ATC ‖ BB×100, then the UN under the hash only (§7.2).
    Bytes msg{0x05, 0x01, 0x03, 0x02, atc[0], atc[1]};
    msg.resize(106, 0xBB);
    append(msg, cmd.data);
    auto sig = rsa_sign(*crypto, msg, 106);
    if (!sig.ok()) return sw_reply(sw::kConditionsNotSatisfied);
    value = std::move(*sig);
  } else {
    // 15 ‖ 03 ‖ 02 ‖ ATC ‖ sig over the same ‖ UN (§7.3).
    Bytes m{0x15, 0x03, 0x02, atc[0], atc[1]};
    const Bytes shown = m;
    append(m, cmd.data);
    Bytes sig(64);
    if (!data_.sm2 || !crypto->sm2_sign(data_.sm2->icc_private_key, crypto::kSm2DefaultId, m, sig).ok()) {
      return sw_reply(sw::kConditionsNotSatisfied);
    }
    value = shown;
    append(value, sig);
  }
  session_.dynamic_signature = true;
  // Format 1: 80 L ‖ the 9F4B value (JR/T 0025.5 B.9.4).
  Bytes out{0x80};
  if (value.size() > 127) out.push_back(0x81);
  out.push_back(static_cast<std::uint8_t>(value.size()));
  append(out, value);
  return data_reply(std::move(out));
}

CommandReply PaymentApplication::generate_ac(CardOs& card, const apdu::Command& cmd) {
  const auto requested = static_cast<std::uint8_t>(cmd.p1 & 0xC0);
  if (cmd.p2 != 0x00 || (cmd.p1 & 0x2F) != 0 || requested == 0xC0) return sw_reply(sw::kIncorrectP1P2);
  if (!session_.gpo_done || session_.gac_count >= 2) return sw_reply(sw::kConditionsNotSatisfied);
  if (session_.contactless) return sw_reply(sw::kConditionsNotSatisfied);  // qPBOC has no GENERATE AC
  const bool first = session_.gac_count == 0;
  if (!first && session_.gac1_type != AcType::kArqc) return sw_reply(sw::kConditionsNotSatisfied);
  if (cmd.data.size() != (first ? kCdol1DataSize : kCdol2DataSize)) return sw_reply(sw::kWrongLength);
  if (!first && requested == 0x80) return sw_reply(sw::kIncorrectP1P2);  // no ARQC at the second GAC
  crypto::Crypto* crypto = card.crypto();
  if (crypto == nullptr) return sw_reply(sw::kConditionsNotSatisfied);

  const ByteSpan terminal = first ? cmd.data : cmd.data.subspan(2);
  const PersistentState now = store_.state();
  PersistentState next = now;
  const std::uint8_t tries = store_.pin_tries();
  const std::uint16_t since_online = static_cast<std::uint16_t>(session_.atc - now.last_online_atc);
  std::array<std::uint8_t, 4>& cvr = session_.cvr;
  AcType result = AcType::kAac;
  bool write_log = false;

  if (first) {
    bool online = false;
    bool decline = false;
    cvr[1] = static_cast<std::uint8_t>((cvr[1] & 0x06) | 0x80);  // 2.8-7 = 10: no second GAC yet
    if (now.online_authorisation) {  // .5 14.4.3.1
      online = true;
      cvr[2] |= 0x80;
    }
    if (now.issuer_auth_failed) {  // 14.4.3.2
      cvr[2] |= 0x08;
      if ((kAdaByte1 & 0x80) != 0) online = true;
    }
    if (now.sda_failed) cvr[2] |= 0x01;  // 14.4.3.3
    if (now.dda_failed) cvr[3] |= 0x04;  // 14.4.3.4
    cvr[3] = static_cast<std::uint8_t>((cvr[3] & 0x0F) | (std::min<std::uint8_t>(now.script_counter, 15) << 4));
    if (now.script_failed) {  // 14.4.3.5
      cvr[3] |= 0x08;
      if ((kAdaByte2 & 0x08) != 0) online = true;
    }
    if (since_online > now.lower_limit) {  // 14.4.3.6 (9F58)
      cvr[2] |= 0x20;
      online = true;
    }
    if (now.last_online_atc == 0) {  // 14.4.3.11
      cvr[2] |= 0x10;
      if ((kAdaByte1 & 0x02) != 0) online = true;
    }
    if (!session_.verify_received && tries == 0) {  // 14.4.3.12
      cvr[2] |= 0x40;
      if ((kAdaByte2 & 0x40) != 0) decline = true;
      if ((kAdaByte2 & 0x20) != 0) online = true;
    }
    if (tries == 0) cvr[2] |= 0x40;
    // Table 33: the card may only lower the terminal's request; a blocked application declines (17.5).
    if (requested == 0x00 || decline || blocked()) result = AcType::kAac;
    else if (requested == 0x80 || online) result = AcType::kArqc;
    else result = AcType::kTc;

    if (result == AcType::kAac) {
      note_oda_failures(terminal, next);  // 14.5.1 step 2
    } else if (result == AcType::kArqc) {
      next.online_authorisation = true;  // 14.5.2
    } else {
      write_log = true;  // 14.5.3
    }
    cvr[1] = static_cast<std::uint8_t>(cvr[1] | (result == AcType::kArqc ? 0x20 : result == AcType::kTc ? 0x10 : 0x00));
  } else {
    const ByteSpan cdol_arc = cmd.data.first(2);
    cvr[1] = static_cast<std::uint8_t>(cvr[1] & 0x3F);  // 2.8-7 = 00 (AAC) unless TC below
    bool tc = false;
    if (unable_to_go_online(cdol_arc)) {
      // .5 16.7: risk management for a transaction that could not go online.
      cvr[1] |= 0x01;
      bool decline = blocked();
      if (since_online > now.upper_limit) {  // 16.7.1.1 (9F59)
        cvr[2] |= 0x20;
        decline = true;
      }
      if (now.last_online_atc == 0) {  // 16.7.1.2
        cvr[2] |= 0x10;
        if ((kAdaByte1 & 0x01) != 0) decline = true;
      }
      if (!session_.verify_received && tries == 0 && (kAdaByte2 & 0x10) != 0) {  // 16.7.1.3
        cvr[2] |= 0x40;
        decline = true;
      }
      tc = requested == 0x40 && !decline;
      if (tc) write_log = true;  // 16.7.2.2
      else note_oda_failures(terminal, next);  // 16.7.2.1
    } else {
      // .5 16.6: online. The ARC of EXTERNAL AUTHENTICATE when it ran, else the CDOL2's.
      const ByteSpan arc = session_.external_auth_done ? ByteSpan(session_.arc) : cdol_arc;
      const bool performed = session_.external_auth_done;
      const bool succeeded = performed && session_.external_auth_ok;
      if (!performed) cvr[2] |= 0x04;  // issuer authentication supported but not performed
      if (requested == 0x40 && approving_arc(arc) && !blocked()) {
        // 16.6.2: ADA b7 (failed → decline) and b6 (mandatory, no ARPC → decline) with 9F56 mandatory.
        const bool accept = succeeded || (performed && (kAdaByte1 & 0x40) == 0) ||
                            (!performed && (kAdaByte1 & 0x20) == 0);
        if (accept) {
          tc = true;
          write_log = true;
          if (succeeded || !performed) {  // 16.6.2.1 b)
            next.online_authorisation = false;
            next.sda_failed = false;
            next.dda_failed = false;
            next.script_counter = 0;
            next.script_failed = false;
            next.last_online_atc = session_.atc;
          }
        } else if (kIssuerAuthMandatory) {  // 16.6.2.2
          next.issuer_auth_failed = true;
        }
      } else {
        // 16.6.1: decline after online authorisation.
        if (!performed && kIssuerAuthMandatory) next.issuer_auth_failed = true;
        if (succeeded) {
          next.online_authorisation = false;
          next.sda_failed = false;
          next.dda_failed = false;
          next.script_counter = 0;
          next.script_failed = false;
        }
      }
    }
    if (tc) cvr[1] |= 0x40;
    result = tc ? AcType::kTc : AcType::kAac;
  }

  // CDA: the RSA set only, asked for and not with an AAC (.5 14.5.4, 16.8); CVR 4.2 is set before the AC.
  const bool cda = (cmd.p1 & 0x10) != 0 && session_.set == DataSet::kRsa && result != AcType::kAac;
  if (cda) session_.dynamic_signature = true;
  if (session_.dynamic_signature) cvr[3] |= 0x02;

  auto ac = card_cryptogram(*crypto, session_.set, keys().ac, terminal, session_.atc, cvr);
  if (!ac.ok()) return sw_reply(sw::kConditionsNotSatisfied);

  const auto cid = static_cast<std::uint8_t>(result);
  const std::uint8_t atc[] = {static_cast<std::uint8_t>(session_.atc >> 8), static_cast<std::uint8_t>(session_.atc)};
  Bytes iad{0x07, 0x01, 0x01, cvr[0], cvr[1], cvr[2], cvr[3],
             static_cast<std::uint8_t>(session_.set == DataSet::kSm ? 0x04 : 0x01)};
  // An e-cash load (9C = 60 in the CDOL1 data) carries the balance and its MAC (CONTACTLESS.md §2.2, §4).
  const ByteSpan cdol1 = first ? cmd.data : ByteSpan(session_.cdol1_data);
  if (data_.ecash && cdol1[kTypeAt] == 0x60) {
    auto idd = ecash_idd(*crypto, session_.set, keys().mac, session_.atc, store_.state().ecash_balance);
    if (!idd.ok()) return sw_reply(sw::kConditionsNotSatisfied);
    append(iad, *idd);
  }
  const auto iad_size = static_cast<std::uint8_t>(iad.size());
  Bytes out;
  if (cda) {
    // TDH over PDOL data ‖ CDOL1 data ‖ (CDOL2 data) ‖ the answer's TLVs but 9F4B (JR/T 0025.7 5.3.6.1).
    Bytes hashed = session_.pdol_data;
    append(hashed, first ? cmd.data : ByteSpan(session_.cdol1_data));
    if (!first) append(hashed, cmd.data);
    const Bytes tlvs_before{0x9F, 0x27, 0x01, cid, 0x9F, 0x36, 0x02, atc[0], atc[1]};
    append(hashed, tlvs_before);
    append(hashed, Bytes{0x9F, 0x10, iad_size});
    append(hashed, iad);
    std::uint8_t tdh[kSha1Size];
    if (!crypto->digest(crypto::Hash::kSha1, hashed, tdh).ok()) return sw_reply(sw::kConditionsNotSatisfied);
    Bytes msg{0x05, 0x01, 0x20, 0x02, atc[0], atc[1], cid};
    append(msg, *ac);
    append(msg, tdh);
    msg.resize(106, 0xBB);
    append(msg, terminal.subspan(kUnAt, 4));
    auto sdad = rsa_sign(*crypto, msg, 106);
    if (!sdad.ok()) return sw_reply(sw::kConditionsNotSatisfied);
    Bytes inner = tlvs_before;
    append(inner, Bytes{0x9F, 0x4B, 0x81, static_cast<std::uint8_t>(sdad->size())});
    append(inner, *sdad);
    append(inner, Bytes{0x9F, 0x10, iad_size});
    append(inner, iad);
    out = {0x77, 0x81, static_cast<std::uint8_t>(inner.size())};
    append(out, inner);
  } else {
    out = {0x80, static_cast<std::uint8_t>(11 + iad.size()), cid, atc[0], atc[1]};
    append(out, *ac);
    append(out, iad);
  }

  // The state of this GAC, with its log record, in one commit before the answer (.5 18; §5.5).
  if (write_log || !(next == now)) {
    const Bytes record = log_record(terminal, session_.pdol_data, data_.generation, session_.atc);
    const Status s = write_log ? store_.commit(next, ByteSpan(record)) : store_.commit(next);
    if (!s.ok()) return write_failed(s);
  }
  ++session_.gac_count;
  if (first) {
    session_.gac1_type = result;
    session_.gac1_ac = *ac;
    session_.cdol1_data.assign(cmd.data.begin(), cmd.data.end());
  }
  return data_reply(std::move(out));
}

CommandReply PaymentApplication::external_authenticate(CardOs& card, const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return sw_reply(sw::kIncorrectP1P2);
  if (cmd.data.size() != 10) return sw_reply(sw::kWrongLength);
  // Once, after a GAC1 ARQC, before GAC2 (.5 15.4.3, P22).
  if (session_.gac_count != 1 || session_.gac1_type != AcType::kArqc) return sw_reply(sw::kConditionsNotSatisfied);
  PersistentState next = store_.state();
  if (session_.external_auth_done) {
    next.issuer_auth_failed = true;
    session_.external_auth_ok = false;
    if (const Status s = store_.commit(next); !s.ok()) return write_failed(s);
    return sw_reply(sw::kConditionsNotSatisfied);
  }
  crypto::Crypto* crypto = card.crypto();
  if (crypto == nullptr) return sw_reply(sw::kConditionsNotSatisfied);
  session_.external_auth_done = true;
  std::copy_n(cmd.data.begin() + 8, 2, session_.arc.begin());
  auto key = session_key_of(*crypto, session_.set, keys().ac, session_.atc);
  std::uint8_t arpc[8];
  bool ok = key.ok() &&
            crypto::arpc_method1(*crypto, cipher_of(session_.set), *key, session_.gac1_ac, session_.arc, arpc).ok() &&
            constant_time_equal(arpc, cmd.data.first(8));
  if (key.ok()) secure_wipe(*key);
  session_.external_auth_ok = ok;
  next.issuer_auth_failed = !ok;
  if (!ok) {
    session_.cvr[1] |= 0x08;
    session_.script_refused = true;
  }
  if (!(next == store_.state())) {
    if (const Status s = store_.commit(next); !s.ok()) return write_failed(s);
  }
  return sw_reply(ok ? sw::kSuccess : sw::kStateChangedNoInfo);
}

}  // namespace sscard::sim::pboc::detail

// GENERATE AC 1, the online request, issuer authentication, GENERATE AC 2 and scripts ([6] 7.10–7.13;
// PAYMENT.md §8.2 steps 9–13).
#include <algorithm>
#include <array>

#include "sscard/core/tlv.h"
#include "sscard/pboc/commands.h"
#include "session.h"

namespace sscard::pboc::detail {
namespace {

// The FF40 contents, in this order (PAYMENT.md §9.1, P48).
constexpr tlv::Tag kIccDataTags[] = {0x5A,   0x5F34, 0x5F24, 0x82,   0x84,   0x9F36, 0x9F26, 0x9F27,
                                     0x9F10, 0x9F37, 0x95,   0x9A,   0x9F21, 0x9C,   0x9F02, 0x9F03,
                                     0x5F2A, 0x9F1A, 0x9F33, 0x9F34, 0x9F35, 0x9F09};

int rank(Cryptogram c) {
  switch (c) {
    case Cryptogram::kAac: return 0;
    case Cryptogram::kArqc: return 1;
    case Cryptogram::kTc: return 2;
    case Cryptogram::kNone: break;
  }
  return -1;
}

Cryptogram requested(std::uint8_t p1) {
  switch (p1 & 0xC0) {
    case kGacTc: return Cryptogram::kTc;
    case kGacArqc: return Cryptogram::kArqc;
    default: return Cryptogram::kAac;
  }
}

// Parses a GENERATE AC answer ([5] B.6.4; [7] 5.3.6.1). `signed_template` receives the format 2 template's
// value for CDA. kMalformed for anything else.
Result<GacAnswer> parse_gac(ByteSpan data, ByteSpan& signed_template, bool& has_signature) {
  SSCARD_TRY_ASSIGN(const tlv::Element answer, tlv::decode(data));
  if (answer.encoded.size() != data.size()) return Error::kMalformed;
  GacAnswer out;
  has_signature = false;
  if (answer.tag == 0x80) {
    if (answer.value.size() < 11 || answer.value.size() > 11 + 32) return Error::kMalformed;
    out.cid = answer.value[0];
    out.atc = static_cast<std::uint16_t>((answer.value[1] << 8) | answer.value[2]);
    std::copy(answer.value.begin() + 3, answer.value.begin() + 11, out.cryptogram.begin());
    out.issuer_application_data.assign(answer.value.begin() + 11, answer.value.end());
  } else if (answer.tag == 0x77) {
    bool cid = false;
    bool atc = false;
    bool ac = false;
    tlv::Elements elements(answer.value);
    for (const tlv::Element& e : elements) {
      if (e.tag == 0x9F27 && e.value.size() == 1 && !cid) {
        out.cid = e.value[0];
        cid = true;
      } else if (e.tag == 0x9F36 && e.value.size() == 2 && !atc) {
        out.atc = static_cast<std::uint16_t>((e.value[0] << 8) | e.value[1]);
        atc = true;
      } else if (e.tag == 0x9F26 && e.value.size() == 8 && !ac) {
        std::copy(e.value.begin(), e.value.end(), out.cryptogram.begin());
        ac = true;
      } else if (e.tag == 0x9F10 && e.value.size() <= 32) {
        out.issuer_application_data.assign(e.value.begin(), e.value.end());
      } else if (e.tag == 0x9F4B) {
        has_signature = true;
      } else if (e.tag == 0x9F27 || e.tag == 0x9F36 || e.tag == 0x9F26) {
        return Error::kMalformed;
      }
    }
    SSCARD_TRY(elements.status());
    if (!cid || !atc || (!ac && !has_signature)) return Error::kMalformed;
    signed_template = answer.value;
  } else {
    return Error::kMalformed;
  }
  if ((out.cid & 0xC0) == 0xC0) return Error::kMalformed;  // RFU cryptogram type
  return out;
}

void store_gac(Session& s, const GacAnswer& answer) {
  const std::uint8_t cid[] = {answer.cid};
  const std::uint8_t atc[] = {static_cast<std::uint8_t>(answer.atc >> 8), static_cast<std::uint8_t>(answer.atc)};
  (void)s.card.put(0x9F27, cid);
  (void)s.card.put(0x9F36, atc);
  (void)s.card.put(0x9F26, answer.cryptogram);
  (void)s.card.put(0x9F10, answer.issuer_application_data);
  s.rec.atc = answer.atc;
}

// One GENERATE AC. nullopt when the transaction ended (the record says why). `cda_failed` is set when a
// CDA signature was asked for, produced and did not verify.
std::optional<GacAnswer> generate(Session& s, Step step, std::uint8_t p1, ByteSpan cdol_data, bool& cda_failed) {
  cda_failed = false;
  const auto response = s.send(generate_ac(p1, cdol_data));
  if (!response.ok()) {
    s.communication_failure(step, response.status());
    return std::nullopt;
  }
  if (!response->sw.is_success()) {
    s.unexpected_status(step, response->sw);
    return std::nullopt;
  }
  const Bytes data(response->data.begin(), response->data.end());
  ByteSpan signed_template;
  bool has_signature = false;
  auto answer = parse_gac(data, signed_template, has_signature);
  if (!answer.ok()) {
    s.fail(step, Reason::kMalformedCardData, "the GENERATE AC answer is malformed", answer.error());
    return std::nullopt;
  }
  if (rank(answer->type()) > rank(requested(p1))) {
    s.fail(step, Reason::kMalformedCardData, "the card answered a cryptogram it was not asked for",
           Error::kMalformed);
    return std::nullopt;
  }
  const bool cda_expected = (p1 & kGacCdaRequested) != 0 && answer->type() != Cryptogram::kAac;
  if (cda_expected) {
    if (!has_signature || !verify_cda(s, signed_template, *answer, step == Step::kSecondGenerateAc)) {
      s.rec.tvr.set(TvrBit::kCdaFailed);
      s.rec.oda_result = OdaResult::kFailed;
      cda_failed = true;
    } else {
      s.rec.oda_result = OdaResult::kSucceeded;
    }
  }
  store_gac(s, *answer);
  return *answer;
}

Result<Bytes> icc_data(Session& s) {
  s.refresh_terminal_data();
  Bytes buffer(1024);
  tlv::Builder builder(buffer);
  for (tlv::Tag tag : kIccDataTags) {
    if (const auto value = s.dol_value(tag)) builder.add(tag, *value);
  }
  SSCARD_TRY(builder.status());
  buffer.resize(builder.size());
  return buffer;
}

bool approving_code(const std::array<char, 2>& code) {
  return (code[0] == '0' && code[1] == '0') || (code[0] == '1' && (code[1] == '0' || code[1] == '1'));
}

bool any_bit(const Tvr& tvr, const std::array<std::uint8_t, 5>& a, ByteSpan b) {
  for (std::size_t i = 0; i < 5; ++i) {
    const std::uint8_t issuer = b.size() == 5 ? b[i] : 0xFF;
    if ((tvr.array()[i] & (a[i] | issuer)) != 0) return true;
  }
  return false;
}

void finish(Session& s, Outcome outcome, Reason reason, Cryptogram final_cryptogram) {
  s.rec.outcome = outcome;
  s.rec.reason = reason;
  s.rec.final_cryptogram = final_cryptogram;
  s.note(Step::kCompletion, outcome == Outcome::kApproved, reason_text(reason));
}

}  // namespace

bool complete_with_card(Session& s, std::uint8_t gac1_p1) {
  // ---- GENERATE AC 1 (CDOL1) ----
  std::uint8_t p1 = gac1_p1;
  if (p1 != kGacAac && s.cda_requested) p1 |= kGacCdaRequested;  // P43: never with an AAC
  const auto cdol1 = s.build_dol(*s.card.find(0x8C));
  if (!cdol1.ok()) {
    return s.fail(Step::kFirstGenerateAc, Reason::kMalformedCardData, "CDOL1 is malformed", cdol1.error());
  }
  s.cdol1_data = *cdol1;
  bool cda_failed = false;
  const auto first = generate(s, Step::kFirstGenerateAc, p1, s.cdol1_data, cda_failed);
  if (!first) return false;
  s.rec.first_gac = *first;
  s.rec.tsi.set(TsiBit::kCardRiskManagementPerformed);
  s.note(Step::kFirstGenerateAc, !cda_failed, cryptogram_name(first->type()));

  std::uint8_t p2 = kGacAac;
  bool issuer_approved = false;
  if (cda_failed) {
    // [6] 7.11.4.1: no online request; the second GENERATE AC asks for an AAC with Z1.
    s.rec.arc_sent = {'Z', '1'};
    s.rec.reason = Reason::kCdaFailed;
  } else if (first->type() == Cryptogram::kTc) {
    finish(s, Outcome::kApproved, Reason::kApprovedOffline, Cryptogram::kTc);
    return true;
  } else if (first->type() == Cryptogram::kAac) {
    finish(s, Outcome::kDeclined, Reason::kDeclinedOffline, Cryptogram::kAac);
    return true;
  } else {
    // ---- Online ----
    s.rec.online_attempted = true;
    const auto data = icc_data(s);
    if (!data.ok()) return s.fail(Step::kOnline, Reason::kInternal, "the ICC data does not fit", data.error());
    s.rec.icc_data = *data;
    AuthorisationRequest request{s.rec.icc_data, s.req.amount_fen, s.rec.pan, s.online_pin_block};
    auto answer = s.ctx.authoriser.authorise(request);
    if (s.online_pin_block) secure_wipe(*s.online_pin_block);
    if (request.enciphered_pin_block) secure_wipe(*request.enciphered_pin_block);
    if (!answer.ok()) {
      s.rec.online_failure = answer.error();
      s.note(Step::kOnline, false, "unable to go online");
      s.rec.reason = Reason::kUnableToGoOnline;
      if (is_online_only(s.ctx.terminal)) {
        // P41: an online-only terminal never approves offline; no default comparison.
        s.rec.arc_sent = {'Z', '3'};
      } else if (any_bit(s.rec.tvr, s.ctx.terminal.tac_default, s.card.find(0x9F0D).value_or(ByteSpan{}))) {
        s.rec.arc_sent = {'Z', '3'};
      } else {
        s.rec.arc_sent = {'Y', '3'};
        p2 = kGacTc;
      }
    } else {
      s.rec.online = true;
      s.rec.response_code = answer->response_code;
      s.rec.arc_sent = answer->response_code;
      s.note(Step::kOnline, true, "the issuer answered");
      if (answer->issuer_authentication_data && (s.rec.aip[0] & 0x04) != 0) {
        // ---- Issuer authentication ([6] 7.11.4.3) ----
        s.rec.tsi.set(TsiBit::kIssuerAuthenticationPerformed);
        s.rec.issuer_authentication_performed = true;
        const auto response = s.send(external_authenticate(*answer->issuer_authentication_data));
        if (!response.ok()) {
          s.rec.approved_online_but_not_completed = approving_code(answer->response_code);
          return s.communication_failure(Step::kIssuerAuthentication, response.status());
        }
        s.rec.issuer_authentication_ok = response->sw.is_success();
        if (!s.rec.issuer_authentication_ok) s.rec.tvr.set(TvrBit::kIssuerAuthenticationFailed);
        s.note(Step::kIssuerAuthentication, s.rec.issuer_authentication_ok,
               s.rec.issuer_authentication_ok ? "issuer authenticated" : "issuer authentication failed");
      }
      issuer_approved = approving_code(answer->response_code);
      s.rec.reason = issuer_approved ? Reason::kApprovedOnline : Reason::kDeclinedByIssuer;
      if (issuer_approved) p2 = kGacTc;
    }
    // Kept for after the second GENERATE AC.
    if (answer.ok()) s.scripts = std::move(answer->scripts);
  }

  // ---- GENERATE AC 2 (CDOL2) ----
  if (p2 == kGacTc && s.cda_requested && !cda_failed) p2 |= kGacCdaRequested;
  const auto cdol2 = s.build_dol(*s.card.find(0x8D));
  if (!cdol2.ok()) {
    s.rec.approved_online_but_not_completed = issuer_approved;
    return s.fail(Step::kSecondGenerateAc, Reason::kMalformedCardData, "CDOL2 is malformed", cdol2.error());
  }
  s.cdol2_data = *cdol2;
  bool cda2_failed = false;
  const auto second = generate(s, Step::kSecondGenerateAc, p2, s.cdol2_data, cda2_failed);
  if (!second) {
    s.rec.approved_online_but_not_completed = issuer_approved;
    return false;
  }
  s.rec.second_gac = *second;
  s.note(Step::kSecondGenerateAc, !cda2_failed, cryptogram_name(second->type()));
  const bool approved = second->type() == Cryptogram::kTc && !cda2_failed;
  const Reason reason = s.rec.reason;

  // ---- Scripts after the final GENERATE AC (P46) ----
  if (s.rec.online && !s.scripts.empty()) run_scripts(s, s.scripts);

  if (approved) {
    finish(s, Outcome::kApproved, reason == Reason::kApprovedOnline ? Reason::kApprovedOnline : Reason::kApprovedOffline,
           Cryptogram::kTc);
  } else {
    s.rec.approved_online_but_not_completed = issuer_approved;
    const Reason why = cda2_failed ? Reason::kCdaFailed
                       : issuer_approved ? Reason::kDeclinedByCard
                       : reason == Reason::kNone ? Reason::kDeclinedByCard
                                                 : reason;
    finish(s, Outcome::kDeclined, why, Cryptogram::kAac);
    s.rec.final_cryptogram = second->type() == Cryptogram::kTc ? Cryptogram::kTc : Cryptogram::kAac;
  }
  return true;
}

}  // namespace sscard::pboc::detail

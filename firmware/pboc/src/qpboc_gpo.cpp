// The qPBOC answers' parsers (qpboc_gpo.h).
#include "sscard/pboc/qpboc_gpo.h"

#include <algorithm>

#include "sscard/core/bcd.h"
#include "sscard/core/tlv.h"

namespace sscard::pboc {
namespace {

std::string label_text(ByteSpan label) {
  std::string s;
  for (std::uint8_t c : label) s.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  return s;
}

std::optional<std::uint64_t> bcd_value(ByteSpan bcd) {
  const auto digits = bcd::decode_n(bcd);
  if (!digits.ok()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : *digits) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

// Track 2 equivalent data (57): PAN digits, D, YYMM, service code, ... ([5] A.1 tag 57).
Status parse_track2(ByteSpan track2, QpbocGpoAnswer& out) {
  std::string nibbles;
  for (std::uint8_t b : track2) {
    for (int shift : {4, 0}) {
      const int n = (b >> shift) & 0x0F;
      nibbles.push_back(static_cast<char>(n < 10 ? '0' + n : 'A' + n - 10));
    }
  }
  const auto separator = nibbles.find('D');
  if (separator == std::string::npos || separator < 12 || separator > 19 || nibbles.size() < separator + 5) {
    return Error::kMalformed;
  }
  out.pan = nibbles.substr(0, separator);
  if (!std::all_of(out.pan.begin(), out.pan.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Error::kMalformed;
  }
  const std::string yymm = nibbles.substr(separator + 1, 4);
  if (!std::all_of(yymm.begin(), yymm.end(), [](char c) { return c >= '0' && c <= '9'; })) return Error::kMalformed;
  out.track2_expiry = {static_cast<std::uint8_t>(((yymm[0] - '0') << 4) | (yymm[1] - '0')),
                       static_cast<std::uint8_t>(((yymm[2] - '0') << 4) | (yymm[3] - '0'))};
  return kOk;
}

}  // namespace

Result<std::vector<Candidate>> parse_ppse_fci(ByteSpan fci) {
  SSCARD_TRY_ASSIGN(const tlv::Element top, tlv::decode(fci));
  if (top.tag != 0x6F || top.encoded.size() != fci.size()) return Status(Error::kMalformed);
  SSCARD_TRY_ASSIGN(const tlv::Element name, tlv::find(top.value, 0x84));
  if (name.value.empty()) return Status(Error::kMalformed);
  SSCARD_TRY_ASSIGN(const tlv::Element proprietary, tlv::find(top.value, 0xA5));
  SSCARD_TRY_ASSIGN(const tlv::Element directory, tlv::find(proprietary.value, 0xBF0C));
  std::vector<Candidate> out;
  tlv::Elements entries(directory.value);
  for (const tlv::Element& entry : entries) {
    if (entry.tag != 0x61) continue;
    const auto aid = tlv::find(entry.value, 0x4F);
    if (!aid.ok() || aid->value.size() < 5 || aid->value.size() > 16) continue;
    Candidate candidate;
    candidate.aid.assign(aid->value.begin(), aid->value.end());
    if (const auto label = tlv::find(entry.value, 0x50); label.ok()) candidate.label = label_text(label->value);
    if (const auto priority = tlv::find(entry.value, 0x87); priority.ok() && priority->value.size() == 1) {
      candidate.priority = static_cast<std::uint8_t>(priority->value[0] & 0x0F);
    }
    out.push_back(std::move(candidate));
  }
  SSCARD_TRY(entries.status());
  return out;
}

Cryptogram cryptogram_type_from_iad(ByteSpan iad) {
  if (iad.size() < 5) return Cryptogram::kNone;
  switch ((iad[4] >> 4) & 0x03) {
    case 0x02: return Cryptogram::kArqc;
    case 0x01: return Cryptogram::kTc;
    case 0x00: return Cryptogram::kAac;
    default: return Cryptogram::kNone;
  }
}

std::optional<std::uint64_t> ecash_balance_from_iad(ByteSpan iad) {
  if (iad.size() < 19 || iad[8] != 0x0A || iad[9] != 0x01) return std::nullopt;
  return bcd_value(iad.subspan(10, 5));
}

std::optional<std::uint64_t> amount_from_n12(ByteSpan n12) {
  if (n12.size() != 6) return std::nullopt;
  return bcd_value(n12);
}

std::uint8_t QpbocGpoAnswer::cid() const {
  switch (type) {
    case Cryptogram::kArqc: return 0x80;
    case Cryptogram::kTc: return 0x40;
    case Cryptogram::kAac:
    case Cryptogram::kNone: break;
  }
  return 0x00;
}

Result<QpbocGpoAnswer> parse_qpboc_gpo(ByteSpan data) {
  SSCARD_TRY_ASSIGN(const tlv::Element answer, tlv::decode(data));
  if (answer.tag != 0x77 || answer.encoded.size() != data.size()) return Status(Error::kMalformed);
  QpbocGpoAnswer out;
  std::vector<tlv::Tag> seen;
  bool aip = false, atc = false, track2 = false, iad = false, ac = false;
  tlv::Elements elements(answer.value);
  for (const tlv::Element& e : elements) {
    if (std::find(seen.begin(), seen.end(), e.tag) != seen.end()) return Status(Error::kMalformed);
    seen.push_back(e.tag);
    const ByteSpan v = e.value;
    switch (e.tag) {
      case 0x82:
        if (v.size() != 2) return Status(Error::kMalformed);
        out.aip = {v[0], v[1]};
        aip = true;
        break;
      case 0x94:
        if (v.empty() || v.size() % 4 != 0) return Status(Error::kMalformed);
        out.afl.assign(v.begin(), v.end());
        break;
      case 0x9F36:
        if (v.size() != 2) return Status(Error::kMalformed);
        out.atc = static_cast<std::uint16_t>((v[0] << 8) | v[1]);
        atc = true;
        break;
      case 0x57:
        if (v.size() > 19) return Status(Error::kMalformed);
        out.track2.assign(v.begin(), v.end());
        SSCARD_TRY(parse_track2(v, out));
        track2 = true;
        break;
      case 0x9F10:
        if (v.size() < 5 || v.size() > 32) return Status(Error::kMalformed);
        out.issuer_application_data.assign(v.begin(), v.end());
        iad = true;
        break;
      case 0x9F26:
        if (v.size() != 8) return Status(Error::kMalformed);
        std::copy(v.begin(), v.end(), out.cryptogram.begin());
        ac = true;
        break;
      case 0x5F34:
        if (v.size() != 1) return Status(Error::kMalformed);
        out.pan_sequence_number = v[0];
        break;
      case 0x9F4B: out.signed_dynamic_data.assign(v.begin(), v.end()); break;
      case 0x9F6C:
        if (v.size() != 2) return Status(Error::kMalformed);
        out.ctq = std::array<std::uint8_t, 2>{v[0], v[1]};
        break;
      case 0x9F5D:
        out.available_offline_fen = amount_from_n12(v);
        if (!out.available_offline_fen) return Status(Error::kMalformed);
        break;
      default: break;  // other data elements are kept by the caller's store, not here
    }
  }
  SSCARD_TRY(elements.status());
  if (!aip || !atc || !track2 || !iad || !ac) return Status(Error::kMalformed);
  out.type = cryptogram_type_from_iad(out.issuer_application_data);
  if (out.type == Cryptogram::kNone) return Status(Error::kMalformed);
  return out;
}

}  // namespace sscard::pboc

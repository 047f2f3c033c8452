// The fixed data of the PBOC debit application, byte for byte as docs/PAYMENT.md §4 lays it out.
#include "sscard/sim/pboc/records.h"

#include <string>
#include <string_view>

#include "sscard/core/bcd.h"
#include "sscard/core/tlv.h"

namespace sscard::sim::pboc {
namespace {

Bytes hex_constant(std::string_view text) {
  auto b = from_hex(text);
  return b.ok() ? *b : Bytes{};
}

// The lists and codes of §4.3 (chosen within JR/T 0025.5 A.1 and .6 7.9).
constexpr std::string_view kCdol1 = "9F02069F03069F1A0295055F2A029A039C019F3704";
constexpr std::string_view kCdol2 = "8A029F02069F03069F1A0295055F2A029A039C019F3704";
constexpr std::string_view kDdol = "9F3704";
constexpr std::string_view kIacDefault = "FCF8FCF800";
constexpr std::string_view kIacDenial = "0010800000";
constexpr std::string_view kIacOnline = "FCF8FCF800";
constexpr std::string_view kCvmListRsa = "00000000000000004403010302031F00";
constexpr std::string_view kCvmListSm = "0000000000000000010302031F00";
constexpr std::string_view kCountry = "0156";

// Wraps `inner` (already TLV-encoded elements) in a 70 template.
Result<Bytes> template70(ByteSpan inner) {
  Bytes out(inner.size() + 4);
  tlv::Builder b(out);
  b.add(0x70, inner);
  SSCARD_TRY(b.status());
  out.resize(b.size());
  return out;
}

// Builds the elements of one record, then its 70 template.
class RecordBuilder {
 public:
  RecordBuilder& add(tlv::Tag tag, ByteSpan value) {
    b_.add(tag, value);
    return *this;
  }
  Result<Bytes> finish() {
    SSCARD_TRY(b_.status());
    return template70(b_.bytes());
  }

 private:
  std::uint8_t buffer_[512] = {};
  tlv::Builder b_{buffer_};
};

bool digits_only(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// YYMMDD as 3 BCD bytes.
Result<Bytes> yymmdd(std::string_view date) {
  if (date.size() != 6 || !digits_only(date)) return Error::kInvalidArgument;
  Bytes out(3);
  SSCARD_TRY(bcd::encode_n(date, out));
  return out;
}

// A digit string and a separator as compressed numeric, F-padded to `size` bytes.
Result<Bytes> cn(std::string_view digits, std::size_t size) {
  Bytes out(size, 0xFF);
  SSCARD_TRY(bcd::encode_cn(digits, out));
  return out;
}

Result<Bytes> track2(const PaymentCard& card) {
  // PAN ‖ D ‖ YYMM ‖ service code 220 ‖ 00000 (§3), 32 nibbles.
  std::string nibbles = card.pan + "D" + card.expiry.substr(0, 4) + "220" + "00000";
  if (nibbles.size() % 2 != 0) nibbles += "F";
  return from_hex(nibbles);
}

bool sized(const Bytes& b, std::size_t n) { return b.size() == n; }

}  // namespace

Bytes payment_aid() { return hex_constant("A000000333010101"); }

Bytes pse_name() { return Bytes{'1', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'}; }

Bytes pse_fci_proprietary() { return hex_constant("880101"); }

Bytes adf_fci_proprietary(int generation, bool load_log) {
  // 50 label, 87 priority, 9F38 PDOL, BF0C { 9F4D log entry: SFI 11, 10 records } (§4.1), and for a card with
  // electronic cash DF4D, the load-log entry: SFI 12, 10 records ([13] 5.8: returned in BF0C at SELECT).
  const std::string head = generation >= 3 ? "500A50424F43204445424954870101" "9F3809DF69019F21039F4E14"
                                           : "500A50424F43204445424954870101" "9F38069F21039F4E14";
  return hex_constant(head + (load_log ? "BF0C0A9F4D020B0ADF4D020C0A" : "BF0C059F4D020B0A"));
}

Bytes ppse_name() { return Bytes{'2', 'P', 'A', 'Y', '.', 'S', 'Y', 'S', '.', 'D', 'D', 'F', '0', '1'}; }

Bytes ppse_fci_proprietary() {
  // BF0C { 61 { 4F AID, 50 "PBOC DEBIT", 87 01 } } (CONTACTLESS.md §2.1).
  return hex_constant("BF0C1B61194F08A000000333010101500A50424F43204445424954870101");
}

Bytes adf_fci_proprietary_contactless(bool load_log) {
  // As the contact FCI of generation 3, with the contactless PDOL (CONTACTLESS.md §2.1): 9F66 9F02 9F03 9F1A 95
  // 5F2A 9A 9C 9F37 DF69, 34 bytes of data.
  return hex_constant(std::string("500A50424F43204445424954870101"
                                  "9F381B9F66049F02069F03069F1A0295055F2A029A039C019F3704DF6901") +
                      (load_log ? "BF0C0A9F4D020B0ADF4D020C0A" : "BF0C059F4D020B0A"));
}

Bytes contactless_afl(DataSet set) {
  return set == DataSet::kSm ? hex_constant("38010301") : hex_constant("30010301");
}

Result<std::vector<Bytes>> contactless_records(const StaticRecords& records, DataSet set, ByteSpan auth_data) {
  if (auth_data.size() != 8) return Error::kInvalidArgument;
  const std::size_t cvm_sfi = set == DataSet::kSm ? 3 : 2;
  const std::vector<Bytes>& keys = records.by_sfi[cvm_sfi];
  const std::size_t needed = set == DataSet::kSm ? 5 : 6;
  if (records.by_sfi[1].size() < 2 || keys.size() < needed) return Error::kInvalidArgument;
  // The values inside the 70 of each fixed record, in record order.
  auto values = [](const std::vector<const Bytes*>& list) -> Result<Bytes> {
    Bytes out;
    for (const Bytes* r : list) {
      SSCARD_TRY_ASSIGN(tlv::Element e, tlv::decode(*r));
      out.insert(out.end(), e.value.begin(), e.value.end());
    }
    return out;
  };
  // RSA 6.2: 8F 9F32 92 ‖ 90, 6.3: 9F46 ‖ 9F47 9F48; SM 7.2: 8F ‖ 90, 7.3: 9F46; then 9F69 last (annex B step 8).
  std::vector<const Bytes*> icc_records{&keys[4]};
  if (set == DataSet::kRsa) icc_records.push_back(&keys[5]);
  SSCARD_TRY_ASSIGN(Bytes oda, values({&records.by_sfi[1][0], &records.by_sfi[1][1], &keys[0]}));
  SSCARD_TRY_ASSIGN(Bytes issuer, values({&keys[1], &keys[2]}));
  SSCARD_TRY_ASSIGN(Bytes icc, values(icc_records));
  icc.insert(icc.end(), {0x9F, 0x69, 0x08});
  icc.insert(icc.end(), auth_data.begin(), auth_data.end());
  std::vector<Bytes> out;
  for (const Bytes* inner : {&oda, &issuer, &icc}) {
    SSCARD_TRY_ASSIGN(Bytes r, template70(*inner));
    out.push_back(std::move(r));
  }
  return out;
}

Bytes directory_record() { return hex_constant("701B61194F08A000000333010101500A50424F43204445424954870101"); }

std::size_t pdol_data_size(int generation) { return generation >= 3 ? 24 : 23; }

std::array<std::uint8_t, 2> aip(DataSet set) {
  // 7D: SDA, DDA, cardholder verification, terminal risk management, issuer authentication, CDA; the SM set
  // has no CDA (P7).
  if (set == DataSet::kSm) return {0x7C, 0x00};
  return {0x7D, 0x00};
}

Bytes afl(DataSet set) {
  if (set == DataSet::kSm) return hex_constant("08010100100102022001050128010100");
  return hex_constant("08010100100102021801060128010100");
}

Bytes velocity_record(std::uint8_t lower, std::uint8_t upper) {
  return Bytes{0x70, 0x08, 0x9F, 0x14, 0x01, lower, 0x9F, 0x23, 0x01, upper};
}

Result<StaticRecords> build_static_records(const PaymentCard& card) {
  if (card.pan.size() != 19 || !digits_only(card.pan)) return Error::kInvalidArgument;
  if (card.generation != 2 && card.generation != 3) return Error::kInvalidArgument;
  SSCARD_TRY_ASSIGN(Bytes expiry, yymmdd(card.expiry));
  SSCARD_TRY_ASSIGN(Bytes effective, yymmdd(card.effective));
  SSCARD_TRY_ASSIGN(Bytes pan, cn(card.pan, 10));
  SSCARD_TRY_ASSIGN(Bytes t2, track2(card));
  const RsaObjects& rsa = card.rsa;
  if (!sized(rsa.issuer_certificate, 176) || !sized(rsa.issuer_remainder, 4) || !sized(rsa.issuer_exponent, 1) ||
      !sized(rsa.ssad, 144) || !sized(rsa.icc_certificate, 144) || !sized(rsa.icc_remainder, 26) ||
      !sized(rsa.icc_exponent, 1)) {
    return Error::kInvalidArgument;
  }
  const bool dual = card.generation == 3;
  if (dual && (!card.sm2 || !sized(card.sm2->issuer_certificate, 142) || !sized(card.sm2->ssad, 67) ||
               !sized(card.sm2->icc_certificate, 148))) {
    return Error::kInvalidArgument;
  }

  StaticRecords out;
  const std::uint8_t psn[] = {card.psn};
  const Bytes holder{'S', 'S', 'C', ' ', 'H', 'O', 'L', 'D', 'E', 'R'};
  {
    SSCARD_TRY_ASSIGN(Bytes r, RecordBuilder().add(0x57, t2).add(0x5F20, holder).finish());
    out.by_sfi[0].push_back(std::move(r));
  }
  {
    SSCARD_TRY_ASSIGN(Bytes r, RecordBuilder()
                                   .add(0x5A, pan)
                                   .add(0x5F34, psn)
                                   .add(0x5F24, expiry)
                                   .add(0x5F25, effective)
                                   .add(0x9F07, hex_constant("AB00"))
                                   .add(0x5F28, hex_constant(kCountry))
                                   .add(0x9F08, hex_constant("0030"))
                                   .add(0x9F42, hex_constant(kCountry))
                                   .add(0x9F0D, hex_constant(kIacDefault))
                                   .add(0x9F0E, hex_constant(kIacDenial))
                                   .add(0x9F0F, hex_constant(kIacOnline))
                                   .finish());
    out.by_sfi[1].push_back(std::move(r));
    SSCARD_TRY_ASSIGN(Bytes r2, RecordBuilder()
                                    .add(0x8C, hex_constant(kCdol1))
                                    .add(0x8D, hex_constant(kCdol2))
                                    .add(0x9F49, hex_constant(kDdol))
                                    .add(0x9F4A, hex_constant("82"))
                                    .finish());
    out.by_sfi[1].push_back(std::move(r2));
  }
  {
    std::vector<Bytes>& sfi3 = out.by_sfi[2];
    SSCARD_TRY_ASSIGN(Bytes r1, RecordBuilder().add(0x8E, hex_constant(kCvmListRsa)).finish());
    SSCARD_TRY_ASSIGN(Bytes r2, RecordBuilder()
                                    .add(0x8F, hex_constant("E0"))
                                    .add(0x9F32, rsa.issuer_exponent)
                                    .add(0x92, rsa.issuer_remainder)
                                    .finish());
    SSCARD_TRY_ASSIGN(Bytes r3, RecordBuilder().add(0x90, rsa.issuer_certificate).finish());
    SSCARD_TRY_ASSIGN(Bytes r4, RecordBuilder().add(0x93, rsa.ssad).finish());
    SSCARD_TRY_ASSIGN(Bytes r5, RecordBuilder().add(0x9F46, rsa.icc_certificate).finish());
    SSCARD_TRY_ASSIGN(Bytes r6, RecordBuilder().add(0x9F47, rsa.icc_exponent).add(0x9F48, rsa.icc_remainder).finish());
    sfi3 = {r1, r2, r3, r4, r5, r6};
  }
  if (dual) {
    const Sm2Objects& sm2 = *card.sm2;
    SSCARD_TRY_ASSIGN(Bytes r1, RecordBuilder().add(0x8E, hex_constant(kCvmListSm)).finish());
    SSCARD_TRY_ASSIGN(Bytes r2, RecordBuilder().add(0x8F, hex_constant("E1")).finish());
    SSCARD_TRY_ASSIGN(Bytes r3, RecordBuilder().add(0x90, sm2.issuer_certificate).finish());
    SSCARD_TRY_ASSIGN(Bytes r4, RecordBuilder().add(0x93, sm2.ssad).finish());
    SSCARD_TRY_ASSIGN(Bytes r5, RecordBuilder().add(0x9F46, sm2.icc_certificate).finish());
    out.by_sfi[3] = {r1, r2, r3, r4, r5};
  }
  return out;
}

Result<Bytes> static_data_to_authenticate(const StaticRecords& records, DataSet set) {
  const std::size_t cvm_sfi = set == DataSet::kSm ? 3 : 2;  // index of SFI 4 / SFI 3
  if (records.by_sfi[1].size() < 2 || records.by_sfi[cvm_sfi].empty()) return Error::kInvalidArgument;
  Bytes out;
  for (const Bytes* r : {&records.by_sfi[1][0], &records.by_sfi[1][1], &records.by_sfi[cvm_sfi][0]}) {
    SSCARD_TRY_ASSIGN(tlv::Element e, tlv::decode(*r));
    out.insert(out.end(), e.value.begin(), e.value.end());
  }
  const auto a = aip(set);
  out.insert(out.end(), a.begin(), a.end());
  return out;
}

}  // namespace sscard::sim::pboc

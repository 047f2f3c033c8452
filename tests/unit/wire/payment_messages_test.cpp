// The payment operations 06-0B of docs/PAYMENT.md §9.1: bytes on the wire (written out by hand from the tag
// tables), which fields each operation must, may and must not carry, ICC data and totals.
#include <gtest/gtest.h>

#include <algorithm>

#include "samples.h"
#include "sscard/core/tlv.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/payment.h"

namespace sscard::wire {
namespace {

using sscard::test::hex;
using test::encoded;

IdempotencyKey key_from(std::uint8_t first) {
  IdempotencyKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(first + i);
  return k;
}

// The common part of every payment request of these tests.
Request payment_request(Operation op) {
  Request r;
  r.operation = op;
  r.key = key_from(0xA0);
  r.terminal = "500152000101";
  r.serving_province = "500000";
  r.card_region = "510107";
  r.date = "20261204";
  return r;
}

// 5A (PAN of the Chengdu card, F-padded) and 9F36 (ATC 0001).
const char* const kShortIcc = "5A0A6200515101008092011F9F36020001";

Request authorise() {
  Request r = payment_request(Operation::kAuthorise);
  r.icc_data = hex(kShortIcc);
  r.pin_block = PinBlock{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
  return r;
}

Request reverse() {
  Request r = payment_request(Operation::kReverse);
  r.original_key = key_from(0xB0);
  r.reversal_reason = ReversalReason::kNoAnswer;
  return r;
}

Request confirm() {
  Request r = payment_request(Operation::kConfirm);
  r.original_key = key_from(0xB0);
  r.icc_data = hex(kShortIcc);
  return r;
}

Request settle_quote() {
  Request r = test::sample_request(Operation::kSettleQuote);
  r.bill_total_fen = 35678;
  r.category = SettleCategory::kOutpatient;
  return r;
}

Request settle(std::uint64_t card_fen) {
  Request r = settle_quote();
  r.operation = Operation::kSettle;
  r.insured_fen = 12839;
  r.medical_fen = 22839 - card_fen;
  r.card_fen = card_fen;
  if (card_fen > 0) r.icc_data = hex(kShortIcc);
  return r;
}

Totals some_totals() {
  return Totals{3, 30000, 1, 1234, 2, 5000, 700, 1, 2500, 0};
}

Request totals() {
  Request r = payment_request(Operation::kTotals);
  r.card_region = "510000";
  r.business_date = "20261204";
  r.kiosk_totals = some_totals();
  return r;
}

// DF01 .. DF05 and DF09 of payment_request(op), as the bytes §9.1 and HOST-PROTOCOL.md define.
std::string head(const std::string& op, const std::string& region_hex = "353130313037") {
  return "DF0101" + op + "DF0210A0A1A2A3A4A5A6A7A8A9AAABACADAEAF" + "DF030C353030313532303030313031" +
         "DF0406353030303030" + "DF0506" + region_hex;
}
const std::string kDate = "DF09083230323631323034";
// DF61 .. DF68, DF6A, DF6B of some_totals(), 11 bytes each: 110 = 6E.
const std::string kTotalsBody =
    "DF61080000000000000003DF62080000000000007530DF63080000000000000001DF640800000000000004D2"
    "DF65080000000000000002DF66080000000000001388DF670800000000000002BC DF68080000000000000001"
    "DF6A0800000000000009C4DF6B080000000000000000";

std::string no_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

TEST(PaymentMessages, AuthoriseRequestBytes) {
  const std::string expected = head("06") + kDate + "FF4011" + kShortIcc + "DF41081112131415161718";
  EXPECT_EQ(to_hex(encoded(authorise())), expected);
  auto back = decode_request(hex(expected));
  ASSERT_TRUE(back.ok()) << back.status().name();
  EXPECT_EQ(*back, authorise());
}

TEST(PaymentMessages, ReverseConfirmAndTotalsRequestBytes) {
  const std::string original = "DF4210B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF";
  EXPECT_EQ(to_hex(encoded(reverse())), head("07") + kDate + original + "DF430101");
  EXPECT_EQ(to_hex(encoded(confirm())), head("0A") + kDate + "FF4011" + kShortIcc + original);
  EXPECT_EQ(to_hex(encoded(totals())),
            head("0B", "353130303030") + kDate + "DF4A083230323631323034" + "FF4B6E" + no_spaces(kTotalsBody));
  for (const Request& r : {reverse(), confirm(), totals()}) {
    auto back = decode_request(encoded(r));
    ASSERT_TRUE(back.ok()) << operation_name(r.operation);
    EXPECT_EQ(*back, r);
  }
}

TEST(PaymentMessages, SettleRequestsCarryTheHolderAndTheQuote) {
  const Request quote = settle_quote();
  const std::string holder_part = to_hex(encoded(test::sample_request(Operation::kQuery))).substr(8);
  // Same DF02 .. DF09 as the query sample, then DF44 (35678 = 8B5E) and DF45; the card part's FF40 comes
  // first, as the fields follow the order of the tag table.
  EXPECT_EQ(to_hex(encoded(quote)), "DF010108" + holder_part + "DF4408000000000000" "8B5E" "DF450101");
  const std::string with_card = to_hex(encoded(settle(1000)));
  EXPECT_EQ(with_card, "DF010109" + holder_part + "FF4011" + kShortIcc + "DF4408000000000000" "8B5E" "DF450101" +
                           "DF4608000000000000" "3227" "DF4708000000000000" "554F" +
                           "DF4808000000000000" "03E8");
  for (const Request& r : {quote, settle(0), settle(1000)}) {
    auto back = decode_request(encoded(r));
    ASSERT_TRUE(back.ok()) << operation_name(r.operation);
    EXPECT_EQ(*back, r);
  }
}

// A medical code of the electronic card (docs/ESSC.md): 08 and 09 name the holder by DF0B and DF0C, and the 09
// carries no FF40 or DF41 although the holder's account pays a card share (DF48 > 0).
TEST(PaymentMessages, SettlementsMayNameTheHolderByAnElectronicCard) {
  const auto by_code = [](Request r) {
    r.ssn.clear();
    r.card_number.clear();
    r.card_id.clear();
    r.essc_reference = std::array<std::uint8_t, 16>{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                                    0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};
    r.essc_nonce = std::array<std::uint8_t, 8>{0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28};
    r.icc_data.reset();
    r.pin_block.reset();
    return r;
  };
  for (const Request& r : {by_code(settle_quote()), by_code(settle(0)), by_code(settle(12839))}) {
    SCOPED_TRACE(operation_name(r.operation));
    const Bytes bytes = encoded(r);
    const Bytes reference = hex("DF0B10" "101112131415161718191A1B1C1D1E1F" "DF0C08" "2122232425262728");
    EXPECT_NE(std::search(bytes.begin(), bytes.end(), reference.begin(), reference.end()), bytes.end());
    auto back = decode_request(bytes);
    ASSERT_TRUE(back.ok()) << back.status().name();
    EXPECT_EQ(*back, r);
  }
  Bytes out;
  Request with_icc = by_code(settle(12839));
  with_icc.icc_data = hex(kShortIcc);  // a cryptogram no card made
  EXPECT_EQ(encode(with_icc, out), Error::kInvalidArgument);
  Request with_card = by_code(settle(12839));
  with_card.ssn = test::sample_request(Operation::kSettle).ssn;
  EXPECT_EQ(encode(with_card, out), Error::kInvalidArgument);
  for (Operation op : {Operation::kAuthorise, Operation::kReverse, Operation::kConfirm}) {
    Request other = by_code(op == Operation::kAuthorise ? authorise() : op == Operation::kReverse ? reverse() : confirm());
    other.icc_data = hex(kShortIcc);
    EXPECT_EQ(encode(other, out), Error::kInvalidArgument) << operation_name(op);
  }
  EXPECT_TRUE(out.empty());
  // A card's settlement with a card share still needs its FF40.
  Request card = settle(12839);
  card.icc_data.reset();
  EXPECT_EQ(encode(card, out), Error::kInvalidArgument);
}

TEST(PaymentMessages, ResponseBytes) {
  Response a;
  a.home_issuer = "510000";
  a.served_by = "500000";
  a.response_code = "00";
  a.issuer_authentication = IssuerAuthentication{0x85, 0x90, 0x73, 0x8A, 0x25, 0xDD, 0x02, 0x26, 0x30, 0x30};
  const std::string common = "DF210100DF2206353130303030DF2306353030303030";
  EXPECT_EQ(to_hex(encoded(a)), common + "DF50023030" + "DF510A8590738A25DD02263030");

  Response rev;
  rev.home_issuer = "510000";
  rev.served_by = "500000";
  rev.reversal_status = ReversalStatus::kAlreadyReversed;
  rev.duplicate = true;
  EXPECT_EQ(to_hex(encoded(rev)), common + "DF2B0101" + "DF530104");

  Response t;
  t.home_issuer = "510000";
  t.served_by = "500000";
  t.issuer_totals = some_totals();
  t.totals_comparison = TotalsComparison::kOutOfBalance;
  EXPECT_EQ(to_hex(encoded(t)), common + "FF586E" + no_spaces(kTotalsBody) + "DF590101");

  Response s;
  s.home_issuer = "510000";
  s.served_by = "500000";
  s.result = ResultCode::kQuoteChanged;
  s.medical_balance_fen = 96830;
  s.insured_fen = 120000;
  s.medical_share_fen = 96830;
  s.card_share_fen = 33170;
  s.response_code = "51";
  s.scripts = hex("7209841E000004AABBCCDD");
  EXPECT_EQ(to_hex(encoded(s)), "DF210108DF2206353130303030DF2306353030303030" "DF2808000000000001" "7A3E" +
                                    std::string("DF50023531") + "DF520B7209841E000004AABBCCDD" +
                                    "DF5408000000000001D4C0" "DF5508000000000001" "7A3E" +
                                    "DF56080000000000008192");
  for (const Response& r : {a, rev, t, s}) {
    auto back = decode_response(encoded(r));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, r);
  }
}

Bytes add_field(Bytes payload, std::string_view tlv_hex) {
  const Bytes extra = hex(tlv_hex);
  payload.insert(payload.end(), extra.begin(), extra.end());
  return payload;
}

Bytes without(ByteSpan payload, tlv::Tag tag) {
  Bytes out;
  ByteSpan rest = payload;
  while (!rest.empty()) {
    auto e = tlv::decode(rest);
    EXPECT_TRUE(e.ok());
    if (!e.ok()) return {};
    rest = rest.subspan(e->encoded.size());
    if (e->tag != tag) out.insert(out.end(), e->encoded.begin(), e->encoded.end());
  }
  return out;
}

TEST(PaymentMessages, EveryRequiredFieldOfEachOperationIsRequired) {
  const std::vector<std::pair<Request, std::vector<tlv::Tag>>> cases = {
      {authorise(), {0xDF01, 0xDF02, 0xDF03, 0xDF04, 0xDF05, 0xDF09, 0xFF40}},
      {reverse(), {0xDF01, 0xDF02, 0xDF03, 0xDF04, 0xDF05, 0xDF09, 0xDF42, 0xDF43}},
      {confirm(), {0xDF01, 0xDF02, 0xDF03, 0xDF04, 0xDF05, 0xDF09, 0xDF42, 0xFF40}},
      {totals(), {0xDF01, 0xDF02, 0xDF03, 0xDF04, 0xDF05, 0xDF09, 0xDF4A, 0xFF4B}},
      {settle_quote(), {0xDF06, 0xDF07, 0xDF08, 0xDF44, 0xDF45}},
      {settle(1000), {0xDF06, 0xDF44, 0xDF45, 0xDF46, 0xDF47, 0xDF48, 0xFF40}},
  };
  for (const auto& [request, tags] : cases) {
    const Bytes good = encoded(request);
    ASSERT_TRUE(decode_request(good).ok()) << operation_name(request.operation);
    for (tlv::Tag tag : tags) {
      EXPECT_EQ(decode_request(without(good, tag)).status(), Error::kMalformed)
          << operation_name(request.operation) << " " << std::hex << tag;
    }
  }
}

TEST(PaymentMessages, FieldsThatDoNotBelongToTheOperationAreRefused) {
  const std::vector<std::pair<Request, std::string>> cases = {
      {authorise(), "DF4210B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"},
      {authorise(), "DF430101"},
      {authorise(), "DF4A083230323631323034"},
      {reverse(), "DF41081112131415161718"},
      {confirm(), "DF430101"},
      {totals(), "DF0612" "3531303130373139393030363131303032" "58"},
      {totals(), "FF4011" + std::string(kShortIcc)},
      {test::sample_request(Operation::kQuery), "FF4011" + std::string(kShortIcc)},
      {test::sample_request(Operation::kActivate), "DF4408000000000000" "8B5E"},
      {settle(0), "FF4011" + std::string(kShortIcc)},    // no card part, no ICC data
      {settle_quote(), "DF4808000000000000" "03E8"},
  };
  for (const auto& [request, extra] : cases) {
    EXPECT_EQ(decode_request(add_field(encoded(request), extra)).status(), Error::kMalformed)
        << operation_name(request.operation) << " + " << extra;
  }
  // The encoder refuses the same shapes and appends nothing.
  Request r = authorise();
  r.reversal_reason = ReversalReason::kRestart;
  Bytes out;
  EXPECT_EQ(encode(r, out), Error::kInvalidArgument);
  r = settle(1000);
  r.icc_data.reset();
  EXPECT_EQ(encode(r, out), Error::kInvalidArgument);
  r = settle(0);
  r.pin_block = PinBlock{};
  EXPECT_EQ(encode(r, out), Error::kInvalidArgument);
  r = totals();
  r.card_region = "510107";  // totals name an issuer, not a card region
  EXPECT_EQ(encode(r, out), Error::kInvalidArgument);
  EXPECT_TRUE(out.empty());
}

TEST(PaymentMessages, BadPaymentValuesAreMalformed) {
  const std::vector<std::pair<Request, std::pair<tlv::Tag, std::string>>> cases = {
      {authorise(), {0xDF41, "11121314151617"}},
      {authorise(), {0xFF40, "5A0A6200515101008092011F5A0A6200515101008092011F"}},  // repeated tag
      {authorise(), {0xFF40, "5A0A6200515101008092011F00"}},                        // padding
      {authorise(), {0xFF40, "700301020300"}},                                      // constructed
      {authorise(), {0xFF40, "5A0A62005151"}},                                      // truncated inside
      {reverse(), {0xDF42, "B0B1B2B3B4B5B6B7B8B9BABBBCBDBE"}},
      {reverse(), {0xDF43, "05"}},
      {reverse(), {0xDF43, "00"}},
      {settle_quote(), {0xDF45, "04"}},
      {settle_quote(), {0xDF44, "8B5E"}},
      {totals(), {0xDF4A, "3230323631333034"}},
      {totals(), {0xFF4B, "DF61080000000000000003"}},  // counters missing
  };
  for (const auto& [request, field] : cases) {
    const Bytes good = encoded(request);
    const Bytes bad = add_field(without(good, field.first),
                                to_hex(std::array<std::uint8_t, 2>{static_cast<std::uint8_t>(field.first >> 8),
                                                                   static_cast<std::uint8_t>(field.first)}) +
                                    to_hex(std::array<std::uint8_t, 1>{
                                        static_cast<std::uint8_t>(field.second.size() / 2)}) +
                                    field.second);
    EXPECT_EQ(decode_request(bad).status(), Error::kMalformed) << std::hex << field.first << " " << field.second;
  }
  Response ok;
  ok.home_issuer = "510000";
  ok.served_by = "500000";
  const Bytes good = encoded(ok);
  for (const char* extra : {"DF500130", "DF5002300A", "DF50023030DF50023030", "DF51083030303030303030",
                                   "DF53 0105", "DF530100", "DF590102", "DF520370010A", "DF5200", "DF540700000000000000"}) {
    EXPECT_EQ(decode_response(add_field(good, no_spaces(extra))).status(), Error::kMalformed) << extra;
  }
}

TEST(PaymentMessages, EveryPrefixOfAPaymentRequestIsAnError) {
  Request without_pin = authorise();
  without_pin.pin_block.reset();  // DF41 is optional and last: the prefix without it is a whole request
  for (const Request& r : {without_pin, reverse(), confirm(), totals(), settle(1000)}) {
    const Bytes whole = encoded(r);
    for (std::size_t n = 0; n < whole.size(); ++n) {
      const sscard::test::HeapCopy prefix(ByteSpan(whole).first(n));
      EXPECT_FALSE(decode_request(prefix.span()).ok()) << operation_name(r.operation) << " " << n;
    }
  }
}

TEST(PaymentMessages, IccData) {
  const Bytes bytes = hex(kShortIcc);
  auto icc = IccData::parse(bytes);
  ASSERT_TRUE(icc.ok());
  EXPECT_EQ(to_hex(*icc->get(0x5A)), "6200515101008092011F");
  EXPECT_EQ(to_hex(*icc->get(0x9F36)), "0001");
  EXPECT_FALSE(icc->get(0x9F26).has_value());
  EXPECT_TRUE(icc->has_all(std::array<tlv::Tag, 2>{0x9F36, 0x5A}));
  EXPECT_FALSE(icc->has_all(kReversalIccTags));

  const std::vector<IccItem> items = {{0x5A, hex("6200515101008092011F")}, {0x9F36, {0x00, 0x01}}};
  auto built = build_icc_data(items);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(to_hex(*built), kShortIcc);
  const std::vector<IccItem> constructed = {{0x70, {0x01}}};
  EXPECT_EQ(build_icc_data(constructed).status(), Error::kInvalidArgument);
}

TEST(PaymentMessages, TotalsBalanceApprovedMinusReversed) {
  const Totals kiosk{3, 30000, 1, 1234, 2, 5000, 700, 1, 2500, 0};
  EXPECT_TRUE(totals_balance(kiosk, kiosk));
  // Same nets, different gross: the issuer saw one more approval and its reversal.
  EXPECT_TRUE(totals_balance(kiosk, Totals{4, 31000, 2, 2234, 2, 5000, 700, 1, 2500, 0}));
  Totals off = kiosk;
  off.approved_fen += 1;
  EXPECT_FALSE(totals_balance(kiosk, off));
  off = kiosk;
  off.settle_reversed_card_fen = 1;
  EXPECT_FALSE(totals_balance(kiosk, off));
  const Totals negative{1, 100, 2, 200, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(totals_balance(negative, negative));
}

TEST(PaymentMessages, Names) {
  EXPECT_EQ(operation_name(Operation::kAuthorise), "authorise");
  EXPECT_EQ(operation_name(Operation::kSettleQuote), "settle-quote");
  EXPECT_EQ(operation_name(Operation::kTotals), "totals");
  EXPECT_EQ(result_name(ResultCode::kQuoteChanged), "quote_changed");
  EXPECT_EQ(reversal_status_name(ReversalStatus::kUnknownOriginal), "unknown_original");
  EXPECT_TRUE(changes_state(Operation::kAuthorise));
  EXPECT_TRUE(changes_state(Operation::kConfirm));
  EXPECT_FALSE(changes_state(Operation::kSettleQuote));
  EXPECT_FALSE(changes_state(Operation::kTotals));
  EXPECT_TRUE(is_payment(Operation::kReverse));
  EXPECT_FALSE(is_payment(Operation::kCertify));
}

}  // namespace
}  // namespace sscard::wire

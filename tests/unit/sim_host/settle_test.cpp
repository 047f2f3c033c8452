// Medical settlement at the home issuer (docs/PAYMENT.md §11): settle_quote and settle with the rule of the
// insured's home province, one SQLite transaction for the medical share and the card part, quote_changed,
// a declined card part that applies nothing, a reversal that gives both shares back, and 异地就医 through the hub.
// Expected shares are the worked examples of §11 and the rule table's arithmetic done by hand; balances come
// from the bundled profiles (cards/*.json `benefits`).
#include <gtest/gtest.h>

#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "vector_file.h"
#include "world.h"

namespace sscard::sim::host {
namespace {

using testing::key_of;
using testing::World;
using wire::Operation;
using wire::ResultCode;
using wire::SettleCategory;

const std::string kCqKiosk = "500152000101";
const std::string kScKiosk = "510900000101";
const std::string kLiangshanPan = "6200515134019050512";  // PAYMENT.md §2
const std::string kChengduPan = "6200515101008092011";

Bytes hx(std::string_view s) {
  auto b = from_hex(s);
  EXPECT_TRUE(b.ok()) << s;
  return b.ok() ? *b : Bytes();
}

// The FF40 a gen 2 card of Sichuan sends for `amount` (n12) at ATC `atc`, with its ARQC (§6.2, §6.3, 3DES).
Bytes card_part(const std::string& pan, const std::string& expiry, const std::string& amount, std::uint16_t atc) {
  const std::string date = "261204";
  const Bytes aip = {0x7D, 0x00};
  const std::string cvr = "03A00000";
  auto keys = testing::payment_keys(wire::kSichuan);
  auto crypto = crypto::make_openssl_crypto();
  std::array<std::uint8_t, 8> y{}, ac{};
  std::array<std::uint8_t, 16> udk{}, sk{};
  EXPECT_TRUE(crypto::udk_factor(pan, 1, y).ok());
  EXPECT_TRUE(crypto::diversify(*crypto, crypto::Cipher::kTdes, keys->tdes.ac, y, udk).ok());
  EXPECT_TRUE(crypto::session_key(*crypto, crypto::Cipher::kTdes, udk, atc, sk).ok());
  Bytes data = hx(amount + "000000000000" "0156" "0000008000" "0156" + date + "00" "1A2B3C4D");
  data.insert(data.end(), aip.begin(), aip.end());
  data.push_back(static_cast<std::uint8_t>(atc >> 8));
  data.push_back(static_cast<std::uint8_t>(atc));
  const Bytes cvr_bytes = hx(cvr);
  data.insert(data.end(), cvr_bytes.begin(), cvr_bytes.end());
  EXPECT_TRUE(crypto::application_cryptogram(*crypto, crypto::Cipher::kTdes, sk, data, ac).ok());
  Bytes iad = {0x07, 0x01, 0x01};
  iad.insert(iad.end(), cvr_bytes.begin(), cvr_bytes.end());
  iad.push_back(0x01);
  std::string padded = pan;
  while (padded.size() < 20) padded.push_back('F');
  const std::vector<wire::IccItem> items = {
      {0x5A, hx(padded)},         {0x5F34, {0x01}},
      {0x5F24, hx(expiry)},       {0x82, aip},
      {0x84, hx("A000000333010101")},
      {0x9F36, {static_cast<std::uint8_t>(atc >> 8), static_cast<std::uint8_t>(atc)}},
      {0x9F26, Bytes(ac.begin(), ac.end())},
      {0x9F27, {0x80}},           {0x9F10, iad},
      {0x9F37, hx("1A2B3C4D")},   {0x95, hx("0000008000")},
      {0x9A, hx(date)},           {0x9F21, hx("101500")},
      {0x9C, {0x00}},             {0x9F02, hx(amount)},
      {0x9F03, hx("000000000000")}, {0x5F2A, hx("0156")},
      {0x9F1A, hx("0156")},       {0x9F33, hx("20D8C8")},
      {0x9F34, hx("420300")},     {0x9F35, {0x14}},
      {0x9F09, hx("0030")},
  };
  auto built = wire::build_icc_data(items);
  EXPECT_TRUE(built.ok());
  return built.ok() ? *built : Bytes();
}

wire::Request quote_request(const std::string& card, const std::string& terminal, std::uint64_t total,
                            SettleCategory category) {
  wire::Request r = testing::request_for(card, Operation::kSettleQuote, key_of(0x80), terminal);
  r.bill_total_fen = total;
  r.category = category;
  return r;
}

wire::Request settle_request(const std::string& card, const std::string& terminal, std::uint8_t key,
                             std::uint64_t total, SettleCategory category, std::uint64_t insured,
                             std::uint64_t medical, std::uint64_t card_fen) {
  wire::Request r = testing::request_for(card, Operation::kSettle, key_of(key), terminal);
  r.bill_total_fen = total;
  r.category = category;
  r.insured_fen = insured;
  r.medical_fen = medical;
  r.card_fen = card_fen;
  return r;
}

// The Sichuan worked example: inpatient 2500.00 yuan for Liangshan (medical balance 968.30), card part 331.70.
wire::Request sichuan_example(std::uint8_t key, const std::string& terminal = kScKiosk, std::uint16_t atc = 1) {
  wire::Request r = settle_request("sc-liangshan-longname-gen2", terminal, key, 250000, SettleCategory::kInpatient,
                                   120000, 96830, 33170);
  r.icc_data = card_part(kLiangshanPan, "290505", "000000033170", atc);
  return r;
}

wire::Request reverse_of(const wire::Request& original, std::uint8_t key) {
  wire::Request r;
  r.operation = Operation::kReverse;
  r.key = key_of(key);
  r.terminal = original.terminal;
  r.serving_province = original.serving_province;
  r.card_region = original.card_region;
  r.date = original.date;
  r.original_key = original.key;
  r.reversal_reason = wire::ReversalReason::kCardDeclined;
  return r;
}

wire::Response ask(testing::Kiosk& kiosk, IssuerHost& host, const wire::Request& r) {
  auto answer = kiosk.open(host.handle_message(kiosk.seal(r)), host.id());
  EXPECT_TRUE(answer.has_value());
  return answer.value_or(wire::Response{});
}

std::uint64_t account(HolderStore& store, const std::string& pan) {
  auto a = store.find_account(pan);
  EXPECT_TRUE(a.ok() && a->has_value()) << pan;
  return a.ok() && a->has_value() ? (*a)->balance_fen : 0;
}

void set_account(HolderStore& store, const std::string& pan, std::uint64_t fen) {
  auto a = store.find_account(pan);
  ASSERT_TRUE(a.ok() && a->has_value());
  (*a)->balance_fen = fen;
  ASSERT_TRUE(store.update_account(**a).ok());
}

std::uint64_t medical(World& w, HolderStore& store, const std::string& card) {
  return w.holder(store, card).medical_balance_fen;
}

TEST(Settlement, QuotesAreTheWorkedExamplesOfSection11) {
  World w;
  const wire::Response cq =
      ask(w.cq_kiosk, *w.cq, quote_request("cq-yuzhong-gen2", kCqKiosk, 35678, SettleCategory::kOutpatient));
  EXPECT_EQ(cq.result, ResultCode::kOk);
  EXPECT_EQ(cq.home_issuer, "500000");
  EXPECT_EQ(cq.insured_fen, 12839u);
  EXPECT_EQ(cq.medical_share_fen, 22839u);  // personal 22839, all of it from the balance of 12840.50
  EXPECT_EQ(cq.card_share_fen, 0u);
  EXPECT_EQ(cq.medical_balance_fen, 1284050u);
  EXPECT_EQ(cq.response_code, "");

  const wire::Response sc = ask(
      w.sc_kiosk, *w.sc, quote_request("sc-liangshan-longname-gen2", kScKiosk, 250000, SettleCategory::kInpatient));
  EXPECT_EQ(sc.result, ResultCode::kOk);
  EXPECT_EQ(sc.insured_fen, 120000u);
  EXPECT_EQ(sc.medical_share_fen, 96830u);
  EXPECT_EQ(sc.card_share_fen, 33170u);
  EXPECT_EQ(sc.medical_balance_fen, 96830u);
  // A quote changes nothing and is not stored.
  EXPECT_EQ(*w.sc_store->request_count(), 0u);
}

// "key=value key=value" -> the value of `key` ("" when absent).
std::string field(const std::string& text, const std::string& key) {
  const std::string tag = key + "=";
  std::size_t at = 0;
  while ((at = text.find(tag, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == ' ') {
      const std::size_t end = text.find(' ', at);
      return text.substr(at + tag.size(), end == std::string::npos ? std::string::npos : end - at - tag.size());
    }
    at += tag.size();
  }
  return {};
}

// tests/data/pboc/medical.txt (tools/payment-vectors.py): each line's balance is put on a holder of its
// province, and the home issuer's quote must be the line's shares.
TEST(Settlement, QuotesAreTheSharesOfTheVectorFile) {
  const auto vectors = test::load_vector_file("pboc", "medical.txt", 4);
  ASSERT_GE(vectors.size(), 2u);
  World w;
  for (const auto& v : vectors) {
    SCOPED_TRACE(v[0]);
    const std::string province = field(v[2], "province");
    const bool cq = province == "500000";
    const std::string card = cq ? "cq-yuzhong-gen2" : "sc-chengdu-gen2";
    HolderStore& store = cq ? *w.cq_store : *w.sc_store;
    HolderRecord holder = w.holder(store, card);
    holder.medical_balance_fen = std::stoull(field(v[2], "balance"));
    ASSERT_TRUE(store.update_holder(holder).ok());
    const std::string name = field(v[2], "category");
    const SettleCategory category = name == "outpatient" ? SettleCategory::kOutpatient
                                    : name == "pharmacy" ? SettleCategory::kPharmacy
                                                         : SettleCategory::kInpatient;
    const std::uint64_t total = std::stoull(field(v[2], "total"));
    const wire::Response q = cq ? ask(w.cq_kiosk, *w.cq, quote_request(card, kCqKiosk, total, category))
                                : ask(w.sc_kiosk, *w.sc, quote_request(card, kScKiosk, total, category));
    ASSERT_EQ(q.result, ResultCode::kOk);
    EXPECT_EQ(q.insured_fen, std::stoull(field(v.expected(), "insured")));
    EXPECT_EQ(q.medical_share_fen, std::stoull(field(v.expected(), "medical")));
    EXPECT_EQ(q.card_share_fen, std::stoull(field(v.expected(), "card")));
  }
}

TEST(Settlement, EachRowOfTheRuleTable) {
  World w;
  struct Row {
    const char* card;
    SettleCategory category;
    std::uint64_t total, insured;
  };
  // At or under the deductible nothing is insured; pharmacy is never insured; fractions of a fen go down.
  const Row rows[] = {
      {"cq-yuzhong-gen2", SettleCategory::kOutpatient, 10000, 0},
      {"cq-yuzhong-gen2", SettleCategory::kOutpatient, 10003, 1},        // 3 x 50 % = 1.5
      {"cq-yuzhong-gen2", SettleCategory::kPharmacy, 50000, 0},
      {"cq-yuzhong-gen2", SettleCategory::kInpatient, 180001, 85000},    // 100001 x 85 % = 85000.85
      {"sc-chengdu-gen2", SettleCategory::kOutpatient, 15001, 0},        // 1 x 60 % = 0.6
      {"sc-chengdu-gen2", SettleCategory::kOutpatient, 25000, 6000},
      {"sc-chengdu-gen2", SettleCategory::kPharmacy, 12345, 0},
      {"sc-chengdu-gen2", SettleCategory::kInpatient, 100000, 0},
  };
  for (const Row& row : rows) {
    const bool cq = std::string(row.card).starts_with("cq");
    const wire::Response q = cq ? ask(w.cq_kiosk, *w.cq, quote_request(row.card, kCqKiosk, row.total, row.category))
                                : ask(w.sc_kiosk, *w.sc, quote_request(row.card, kScKiosk, row.total, row.category));
    EXPECT_EQ(q.insured_fen, row.insured) << row.card << " " << row.total;
    EXPECT_EQ(*q.medical_share_fen + *q.card_share_fen, row.total - row.insured) << row.card << " " << row.total;
  }
}

TEST(Settlement, ChongqingExampleIsPaidFromTheMedicalAccountAlone) {
  World w;
  const wire::Request r = settle_request("cq-yuzhong-gen2", kCqKiosk, 1, 35678, SettleCategory::kOutpatient, 12839,
                                         22839, 0);
  const wire::Response a = ask(w.cq_kiosk, *w.cq, r);
  EXPECT_EQ(a.result, ResultCode::kOk);
  EXPECT_EQ(a.response_code, "00");
  EXPECT_FALSE(a.issuer_authentication.has_value());  // no card part, nothing for a card to check
  EXPECT_EQ(a.medical_balance_fen, 1284050u - 22839u);
  EXPECT_EQ(medical(w, *w.cq_store, "cq-yuzhong-gen2"), 1261211u);
  EXPECT_EQ(account(*w.cq_store, "6200505001035060118"), 150000u);
  // Once per key.
  const wire::Response again = ask(w.cq_kiosk, *w.cq, r);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.medical_balance_fen, 1261211u);
  EXPECT_EQ(medical(w, *w.cq_store, "cq-yuzhong-gen2"), 1261211u);
}

TEST(Settlement, SichuanExampleTakesBothSharesInOneDecision) {
  World w;
  set_account(*w.sc_store, kLiangshanPan, 50000);
  const wire::Response a = ask(w.sc_kiosk, *w.sc, sichuan_example(1));
  EXPECT_EQ(a.result, ResultCode::kOk);
  EXPECT_EQ(a.response_code, "00");
  ASSERT_TRUE(a.issuer_authentication.has_value());
  EXPECT_EQ((*a.issuer_authentication)[8], '0');
  EXPECT_EQ(a.insured_fen, 120000u);
  EXPECT_EQ(a.medical_share_fen, 96830u);
  EXPECT_EQ(a.card_share_fen, 33170u);
  EXPECT_EQ(a.medical_balance_fen, 0u);
  EXPECT_EQ(medical(w, *w.sc_store, "sc-liangshan-longname-gen2"), 0u);
  EXPECT_EQ(account(*w.sc_store, kLiangshanPan), 50000u - 33170u);
}

TEST(Settlement, DeclinedCardPartAppliesNothing) {
  World w;  // Liangshan's account holds 200.00 yuan, less than the card part of 331.70
  const wire::Response a = ask(w.sc_kiosk, *w.sc, sichuan_example(1));
  EXPECT_EQ(a.result, ResultCode::kOk);
  EXPECT_EQ(a.response_code, "51");
  EXPECT_EQ(a.medical_balance_fen, 96830u);
  EXPECT_EQ(medical(w, *w.sc_store, "sc-liangshan-longname-gen2"), 96830u);
  EXPECT_EQ(account(*w.sc_store, kLiangshanPan), 20000u);
  // Its reversal has nothing to give back.
  const wire::Response rev = ask(w.sc_kiosk, *w.sc, reverse_of(sichuan_example(1), 2));
  EXPECT_EQ(rev.reversal_status, wire::ReversalStatus::kNothingToReverse);
  EXPECT_EQ(medical(w, *w.sc_store, "sc-liangshan-longname-gen2"), 96830u);
}

TEST(Settlement, AStaleQuoteIsQuoteChangedAndNothingIsApplied) {
  World w;
  set_account(*w.sc_store, kLiangshanPan, 100000);
  ASSERT_EQ(ask(w.sc_kiosk, *w.sc, sichuan_example(1)).response_code, "00");
  // The same bill quoted on the old balance of 968.30: now the balance is 0 and the card would pay 1300.00.
  const wire::Response stale = ask(w.sc_kiosk, *w.sc, sichuan_example(2, kScKiosk, 2));
  EXPECT_EQ(stale.result, ResultCode::kQuoteChanged);
  EXPECT_EQ(stale.response_code, "");
  EXPECT_EQ(stale.medical_share_fen, 0u);
  EXPECT_EQ(stale.card_share_fen, 130000u);
  EXPECT_EQ(account(*w.sc_store, kLiangshanPan), 100000u - 33170u);
  EXPECT_EQ(medical(w, *w.sc_store, "sc-liangshan-longname-gen2"), 0u);
  // Shares that do not add up are not this issuer's quote either.
  const wire::Request wrong = settle_request("cq-yuzhong-gen2", kCqKiosk, 3, 35678, SettleCategory::kOutpatient,
                                             12840, 22838, 0);
  EXPECT_EQ(ask(w.cq_kiosk, *w.cq, wrong).result, ResultCode::kQuoteChanged);
  EXPECT_EQ(medical(w, *w.cq_store, "cq-yuzhong-gen2"), 1284050u);
  // Answered, so known: its reversal finds nothing to give back.
  EXPECT_EQ(ask(w.cq_kiosk, *w.cq, reverse_of(wrong, 4)).reversal_status, wire::ReversalStatus::kNothingToReverse);
  EXPECT_EQ(medical(w, *w.cq_store, "cq-yuzhong-gen2"), 1284050u);
}

TEST(Settlement, ACardPartOtherThanTheQuoteOrAnotherHoldersCardIsInvalid) {
  World w;
  set_account(*w.sc_store, kLiangshanPan, 100000);
  wire::Request amount = sichuan_example(1);
  amount.icc_data = card_part(kLiangshanPan, "290505", "000000033171", 1);  // 9F02 != DF48
  EXPECT_EQ(ask(w.sc_kiosk, *w.sc, amount).response_code, "12");
  wire::Request other = sichuan_example(2);
  other.icc_data = card_part(kChengduPan, "280920", "000000033170", 1);  // Chengdu's card for Liangshan's bill
  EXPECT_EQ(ask(w.sc_kiosk, *w.sc, other).response_code, "12");
  EXPECT_EQ(account(*w.sc_store, kLiangshanPan), 100000u);
  EXPECT_EQ(account(*w.sc_store, kChengduPan), 80000u);
  EXPECT_EQ(medical(w, *w.sc_store, "sc-liangshan-longname-gen2"), 96830u);
}

TEST(Settlement, AReversalGivesBothSharesBack) {
  World w;
  set_account(*w.sc_store, kLiangshanPan, 50000);
  const wire::Request original = sichuan_example(1);
  ASSERT_EQ(ask(w.sc_kiosk, *w.sc, original).response_code, "00");
  const wire::Response rev = ask(w.sc_kiosk, *w.sc, reverse_of(original, 2));
  EXPECT_EQ(rev.reversal_status, wire::ReversalStatus::kReversed);
  EXPECT_EQ(account(*w.sc_store, kLiangshanPan), 50000u);
  EXPECT_EQ(medical(w, *w.sc_store, "sc-liangshan-longname-gen2"), 96830u);
  // Once: another reversal key finds it reversed.
  EXPECT_EQ(ask(w.sc_kiosk, *w.sc, reverse_of(original, 3)).reversal_status, wire::ReversalStatus::kAlreadyReversed);
  EXPECT_EQ(medical(w, *w.sc_store, "sc-liangshan-longname-gen2"), 96830u);

  // Without a card part: the medical share alone comes back.
  const wire::Request cq = settle_request("cq-yuzhong-gen2", kCqKiosk, 4, 35678, SettleCategory::kOutpatient, 12839,
                                          22839, 0);
  ASSERT_EQ(ask(w.cq_kiosk, *w.cq, cq).response_code, "00");
  EXPECT_EQ(ask(w.cq_kiosk, *w.cq, reverse_of(cq, 5)).reversal_status, wire::ReversalStatus::kReversed);
  EXPECT_EQ(medical(w, *w.cq_store, "cq-yuzhong-gen2"), 1284050u);
  EXPECT_EQ(account(*w.cq_store, "6200505001035060118"), 150000u);
}

TEST(Settlement, ASettlementReversedBeforeItArrivesIsNeverApplied) {
  World w;
  const wire::Request cq = settle_request("cq-yuzhong-gen2", kCqKiosk, 1, 35678, SettleCategory::kOutpatient, 12839,
                                          22839, 0);
  EXPECT_EQ(ask(w.cq_kiosk, *w.cq, reverse_of(cq, 2)).reversal_status, wire::ReversalStatus::kUnknownOriginal);
  EXPECT_EQ(ask(w.cq_kiosk, *w.cq, cq).response_code, "12");
  EXPECT_EQ(medical(w, *w.cq_store, "cq-yuzhong-gen2"), 1284050u);
}

TEST(Settlement, AnotherProvincesCardSettlesAtItsHomeIssuerThroughTheHub) {
  World w;
  set_account(*w.sc_store, kLiangshanPan, 50000);
  const std::uint64_t cq_medical = medical(w, *w.cq_store, "cq-yuzhong-gen2");
  const wire::Response q = ask(
      w.cq_kiosk, *w.cq, quote_request("sc-liangshan-longname-gen2", kCqKiosk, 250000, SettleCategory::kInpatient));
  EXPECT_EQ(q.home_issuer, "510000");
  EXPECT_EQ(q.served_by, "500000");
  EXPECT_EQ(q.card_share_fen, 33170u);  // Sichuan's rule, not Chongqing's (which would insure 144500)
  const wire::Response a = ask(w.cq_kiosk, *w.cq, sichuan_example(1, kCqKiosk));
  EXPECT_EQ(a.response_code, "00");
  EXPECT_EQ(a.home_issuer, "510000");
  EXPECT_EQ(a.served_by, "500000");
  EXPECT_EQ(medical(w, *w.sc_store, "sc-liangshan-longname-gen2"), 0u);
  EXPECT_EQ(account(*w.sc_store, kLiangshanPan), 16830u);
  // Only the home issuer keeps anything.
  EXPECT_EQ(*w.sc_store->request_count(), 1u);
  EXPECT_EQ(*w.cq_store->request_count(), 0u);
  EXPECT_EQ(medical(w, *w.cq_store, "cq-yuzhong-gen2"), cq_medical);
  // The Chongqing store knows no settlement under that key.
  auto cq_record = w.cq_store->find_settlement(key_of(1));
  ASSERT_TRUE(cq_record.ok());
  EXPECT_FALSE(cq_record->has_value());
  auto sc_record = w.sc_store->find_settlement(key_of(1));
  ASSERT_TRUE(sc_record.ok() && sc_record->has_value());
  EXPECT_EQ((*sc_record)->medical_fen, 96830u);
}

TEST(Settlement, TotalsCountBothSharesOfSettlementsAndOfTheirReversals) {
  World w;
  set_account(*w.sc_store, kLiangshanPan, 50000);
  ASSERT_EQ(ask(w.sc_kiosk, *w.sc, sichuan_example(1)).response_code, "00");
  // Chengdu, outpatient 250.00 yuan: insured (25000 - 15000) x 60 % = 6000, the rest from the medical account.
  const wire::Request chengdu = settle_request("sc-chengdu-gen2", kScKiosk, 2, 25000, SettleCategory::kOutpatient,
                                               6000, 19000, 0);
  ASSERT_EQ(ask(w.sc_kiosk, *w.sc, chengdu).response_code, "00");
  ASSERT_EQ(ask(w.sc_kiosk, *w.sc, reverse_of(chengdu, 3)).reversal_status, wire::ReversalStatus::kReversed);

  wire::Totals expected;
  expected.settled_count = 2;
  expected.settled_medical_fen = 96830 + 19000;
  expected.settled_card_fen = 33170;
  expected.settle_reversed_count = 1;
  expected.settle_reversed_medical_fen = 19000;
  expected.settle_reversed_card_fen = 0;
  wire::Request totals;
  totals.operation = Operation::kTotals;
  totals.key = key_of(4);
  totals.terminal = kScKiosk;
  totals.serving_province = std::string(wire::kSichuan);
  totals.card_region = std::string(wire::kSichuan);
  totals.date = "20261127";
  totals.business_date = "20261127";  // DF09 of testing::request_for
  totals.kiosk_totals = expected;
  const wire::Response t = ask(w.sc_kiosk, *w.sc, totals);
  ASSERT_TRUE(t.issuer_totals.has_value());
  EXPECT_EQ(*t.issuer_totals, expected);
  EXPECT_EQ(t.totals_comparison, wire::TotalsComparison::kBalanced);
}

TEST(Settlement, AnUnknownHolderIsUnknownCard) {
  World w;
  wire::Request r = quote_request("sc-liangshan-longname-gen2", kScKiosk, 250000, SettleCategory::kInpatient);
  r.card_number = "LS0000000";
  EXPECT_EQ(ask(w.sc_kiosk, *w.sc, r).result, ResultCode::kUnknownCard);
  wire::Request s = sichuan_example(1);
  s.card_id[0] ^= 0x01;
  EXPECT_EQ(ask(w.sc_kiosk, *w.sc, s).result, ResultCode::kUnknownCard);
  EXPECT_EQ(medical(w, *w.sc_store, "sc-liangshan-longname-gen2"), 96830u);
}

}  // namespace
}  // namespace sscard::sim::host

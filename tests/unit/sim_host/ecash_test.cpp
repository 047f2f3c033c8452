// The home issuer's e-cash side (docs/CONTACTLESS.md §2.2, §2.4, §7): a 19-byte IAD is accepted only when its
// IDD MAC verifies; ecash_load (0C) checks the limit 9F77, debits the bank account, credits the e-cash account
// and answers with the PUT DATA 9F79 script; a retry gets the stored answer; a reversal undoes both sides.
// The IDD MACs below were computed with the openssl command line from the MAC session keys of the worked
// example of PAYMENT.md §6.6 (ATC 0001):
//   printf 0001000000500000 | xxd -r -p | openssl enc -des-ede-ecb -K D69A44FB1D696AC10223AD222DC16A8F -nopad
//   printf 00010000005000008000000000000000 | xxd -r -p | openssl enc -sm4-ecb -K D48B5D8406BEE5592EEB6422F6B54CE8 -nopad
#include <gtest/gtest.h>

#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/secure_messaging.h"
#include "sscard/sim/host/population.h"
#include "world.h"

namespace sscard::sim::host {
namespace {

using testing::key_of;
using testing::World;
using wire::Operation;
using wire::ResultCode;

const std::string kKiosk = "510900000101";
const std::string kChengduPan = "6200515101008092011";
const std::string kSuiningPan = "6200515109004011018";
// MAC session keys at ATC 0001 (PAYMENT.md §6.6).
const std::string kChengduMacSession = "D69A44FB1D696AC10223AD222DC16A8F";
const std::string kSuiningMacSession = "D48B5D8406BEE5592EEB6422F6B54CE8";

Bytes hx(std::string_view s) {
  auto b = from_hex(s);
  EXPECT_TRUE(b.ok()) << s;
  return b.ok() ? *b : Bytes();
}

struct Txn {
  std::string pan = kSuiningPan;
  std::string expiry = "340110";
  crypto::Cipher cipher = crypto::Cipher::kSm4;
  Bytes aip = {0x7C, 0x00};
  std::uint8_t type = 0x60;              // 9C
  std::string amount = "000000010000";  // 100.00
  std::string idd;                       // "" for an 8-byte IAD, else 0A 01 ‖ balance ‖ MAC as hex
};

Txn chengdu() {
  Txn t;
  t.pan = kChengduPan;
  t.expiry = "280920";
  t.cipher = crypto::Cipher::kTdes;
  t.aip = {0x7D, 0x00};
  return t;
}

// The ARQC the card computes at ATC 0001 (PAYMENT.md §6.3), with the transaction type and amount of `t`.
Bytes arqc_of(const Txn& t) {
  auto keys = testing::payment_keys(wire::kSichuan);
  auto crypto = crypto::make_openssl_crypto();
  std::array<std::uint8_t, 8> y{}, ac{};
  std::array<std::uint8_t, 16> udk{}, sk{};
  const auto& imk = t.cipher == crypto::Cipher::kSm4 ? keys->sm4.ac : keys->tdes.ac;
  EXPECT_TRUE(crypto::udk_factor(t.pan, 1, y).ok());
  EXPECT_TRUE(crypto::diversify(*crypto, t.cipher, imk, y, udk).ok());
  EXPECT_TRUE(crypto::session_key(*crypto, t.cipher, udk, 1, sk).ok());
  Bytes data = hx(t.amount + "000000000000" "0156" "0000008000" "0156" "261204");
  data.push_back(t.type);
  const Bytes tail = hx("1A2B3C4D");
  data.insert(data.end(), tail.begin(), tail.end());
  data.insert(data.end(), t.aip.begin(), t.aip.end());
  data.push_back(0x00);
  data.push_back(0x01);
  const Bytes cvr = hx("03A00000");
  data.insert(data.end(), cvr.begin(), cvr.end());
  EXPECT_TRUE(crypto::application_cryptogram(*crypto, t.cipher, sk, data, ac).ok());
  return Bytes(ac.begin(), ac.end());
}

wire::Request request(const Txn& t, Operation op, std::uint8_t key) {
  std::string pan = t.pan;
  while (pan.size() < 20) pan.push_back('F');
  Bytes iad = hx("07010103A00000");
  iad.push_back(t.cipher == crypto::Cipher::kSm4 ? 0x04 : 0x01);
  const Bytes idd = hx(t.idd);
  iad.insert(iad.end(), idd.begin(), idd.end());
  const std::vector<wire::IccItem> items = {
      {0x5A, hx(pan)},
      {0x5F34, {0x01}},
      {0x5F24, hx(t.expiry)},
      {0x82, t.aip},
      {0x84, hx("A000000333010101")},
      {0x9F36, {0x00, 0x01}},
      {0x9F26, arqc_of(t)},
      {0x9F27, {0x80}},
      {0x9F10, iad},
      {0x9F37, hx("1A2B3C4D")},
      {0x95, hx("0000008000")},
      {0x9A, hx("261204")},
      {0x9F21, hx("101500")},
      {0x9C, {t.type}},
      {0x9F02, hx(t.amount)},
      {0x9F03, hx("000000000000")},
      {0x5F2A, hx("0156")},
      {0x9F1A, hx("0156")},
      {0x9F33, hx("20D8C8")},
      {0x9F34, hx("420300")},
      {0x9F35, {0x14}},
      {0x9F09, hx("0030")},
  };
  auto icc = wire::build_icc_data(items);
  EXPECT_TRUE(icc.ok());
  wire::Request r;
  r.operation = op;
  r.key = key_of(key);
  r.terminal = kKiosk;
  r.serving_province = "510000";
  r.card_region = t.pan.substr(6, 6);
  r.date = "20261204";
  r.icc_data = icc.ok() ? *icc : Bytes();
  return r;
}

wire::Request reversal_of(const wire::Request& original, std::uint8_t key) {
  wire::Request r;
  r.operation = Operation::kReverse;
  r.key = key_of(key);
  r.terminal = original.terminal;
  r.serving_province = original.serving_province;
  r.card_region = original.card_region;
  r.date = original.date;
  r.original_key = original.key;
  r.reversal_reason = wire::ReversalReason::kCardError;
  return r;
}

wire::Response at_sc(World& w, const wire::Request& r) {
  auto answer = w.sc_kiosk.open(w.sc->handle_message(w.sc_kiosk.seal(r)), w.sc->id());
  EXPECT_TRUE(answer.has_value());
  return answer.value_or(wire::Response{});
}

std::uint64_t bank(World& w, const std::string& pan) {
  auto a = w.sc_store->find_account(pan);
  EXPECT_TRUE(a.ok() && a->has_value());
  return a.ok() && a->has_value() ? (*a)->balance_fen : 0;
}

std::uint64_t ecash(World& w, const std::string& pan) {
  auto a = w.sc_store->find_ecash(pan);
  EXPECT_TRUE(a.ok() && a->has_value());
  return a.ok() && a->has_value() ? (*a)->account_fen : 0;
}

// Suining at ATC 0001: balance 50.00 and 995.00 with their SM4 IDD MACs; Chengdu 50.00 with its 3DES one.
const std::string kSuiningIdd5000 = "0A01" "0000005000" "1F51CA2C";
const std::string kSuiningIdd99500 = "0A01" "0000099500" "042B4134";
const std::string kChengduIdd5000 = "0A01" "0000005000" "A9973613";

TEST(EcashIssuer, GenerationThreeCardsGetAnEcashAccountWithTheProfileLimit) {
  World w;
  auto suining = w.sc_store->find_ecash(kSuiningPan);
  ASSERT_TRUE(suining.ok() && suining->has_value());
  EXPECT_EQ((*suining)->account_fen, 5000u);           // the card's personalised 50.00 (CONTACTLESS.md §2.4)
  EXPECT_EQ((*suining)->balance_limit_fen, 100000u);   // 1000.00
  EXPECT_FALSE(w.sc_store->find_ecash(kChengduPan)->has_value());  // generation 2: no e-cash
}

TEST(EcashIssuer, A19ByteIadIsAcceptedWhenItsIddMacVerifies) {
  for (const auto& [txn, idd] : {std::pair{Txn{}, kSuiningIdd5000}, std::pair{chengdu(), kChengduIdd5000}}) {
    World w;
    Txn t = txn;
    t.type = 0x00;
    t.amount = "000000001234";
    t.idd = idd;
    const std::uint64_t before = bank(w, t.pan);
    const wire::Response a = at_sc(w, request(t, Operation::kAuthorise, 1));
    EXPECT_EQ(a.result, ResultCode::kOk);
    EXPECT_EQ(a.response_code, "00") << t.pan;
    EXPECT_EQ(bank(w, t.pan), before - 1234u);
  }
}

TEST(EcashIssuer, A19ByteIadWithAWrongIddMacOrFormatIs05) {
  for (const std::string& idd : {std::string("0A01" "0000005000" "1F51CA2D"),   // MAC off by one bit
                                 std::string("0A01" "0000005001" "1F51CA2C"),   // another balance
                                 std::string("0B01" "0000005000" "1F51CA2C"),   // wrong length byte
                                 std::string("0A01" "00000050" "1F51CA2C00")}) {  // a balance that is not BCD
    World w;
    Txn t;
    t.type = 0x00;
    t.amount = "000000001234";
    t.idd = idd;
    const wire::Response a = at_sc(w, request(t, Operation::kAuthorise, 1));
    EXPECT_EQ(a.response_code, "05") << idd;
    EXPECT_FALSE(a.issuer_authentication.has_value());
    EXPECT_EQ(bank(w, kSuiningPan), 500000u);
  }
  World w;
  Txn t;
  t.type = 0x00;
  t.idd = "0A01" "0000005000" "1F51CA";  // 17 bytes: neither 8 nor 19
  EXPECT_EQ(at_sc(w, request(t, Operation::kAuthorise, 1)).response_code, "05");
}

TEST(EcashIssuer, ALoadIsApprovedWithThePutDataScriptAndMovesTheMoneyOnce) {
  World w;
  Txn t;
  t.idd = kSuiningIdd5000;
  const wire::Request r = request(t, Operation::kEcashLoad, 1);
  const wire::Response a = at_sc(w, r);
  EXPECT_EQ(a.result, ResultCode::kOk);
  EXPECT_EQ(a.response_code, "00");
  ASSERT_TRUE(a.issuer_authentication.has_value());
  EXPECT_EQ(bank(w, kSuiningPan), 500000u - 10000u);
  EXPECT_EQ(ecash(w, kSuiningPan), 5000u + 10000u);

  // 72 L ‖ 9F18 04 00000000 ‖ 86 0F ‖ 04 DA 9F 79 0A ‖ 000000015000 ‖ MAC (CONTACTLESS.md §2.4).
  ASSERT_TRUE(a.scripts.has_value());
  const std::string script = to_hex(*a.scripts);
  ASSERT_EQ(a.scripts->size(), 26u) << script;
  EXPECT_EQ(script.substr(0, 2 * 22), "72189F1804000000008" "60F04DA9F790A000000015000");
  // The MAC as the card checks it (PAYMENT.md §6.5): header, ATC, ARQC, data under the MAC session key.
  auto crypto = crypto::make_openssl_crypto();
  const Bytes header = hx("04DA9F790A");
  const Bytes data = hx("000000015000");
  const Bytes arqc = arqc_of(t);
  EXPECT_TRUE(crypto::verify_script_mac(*crypto, crypto::Cipher::kSm4, hx(kSuiningMacSession), header, 1, arqc, data,
                                        ByteSpan(*a.scripts).last(4))
                  .ok());

  // The retry under the same key: the stored answer and script, nothing moved again.
  const wire::Response again = at_sc(w, r);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.response_code, "00");
  EXPECT_EQ(again.scripts, a.scripts);
  EXPECT_EQ(bank(w, kSuiningPan), 500000u - 10000u);
  EXPECT_EQ(ecash(w, kSuiningPan), 15000u);
}

TEST(EcashIssuer, ALoadPastTheBalanceLimitIs61AndMovesNothing) {
  World w;
  Txn t;
  t.idd = kSuiningIdd99500;  // 995.00 + 100.00 > 1000.00
  const wire::Response a = at_sc(w, request(t, Operation::kEcashLoad, 1));
  EXPECT_EQ(a.response_code, "61");
  ASSERT_TRUE(a.issuer_authentication.has_value());
  EXPECT_EQ(to_hex(ByteSpan(*a.issuer_authentication).last(2)), "3631");
  EXPECT_FALSE(a.scripts.has_value());
  EXPECT_EQ(bank(w, kSuiningPan), 500000u);
  EXPECT_EQ(ecash(w, kSuiningPan), 5000u);
}

TEST(EcashIssuer, ALoadUpToTheLimitExactlyIsApproved) {
  World w;
  Txn t;
  t.idd = kSuiningIdd99500;
  t.amount = "000000000500";  // 995.00 + 5.00 = 1000.00
  EXPECT_EQ(at_sc(w, request(t, Operation::kEcashLoad, 1)).response_code, "00");
  EXPECT_EQ(ecash(w, kSuiningPan), 5500u);
}

TEST(EcashIssuer, ALoadNeedsTheIddAndType60) {
  World w;
  Txn t;  // no IDD: 8-byte IAD
  EXPECT_EQ(at_sc(w, request(t, Operation::kEcashLoad, 1)).response_code, "05");
  t.idd = kSuiningIdd5000;
  t.type = 0x00;
  EXPECT_EQ(at_sc(w, request(t, Operation::kEcashLoad, 2)).response_code, "12");
  EXPECT_EQ(bank(w, kSuiningPan), 500000u);
  EXPECT_EQ(ecash(w, kSuiningPan), 5000u);
}

TEST(EcashIssuer, AReversedLoadGivesTheBankMoneyBackAndTakesTheCreditBack) {
  World w;
  Txn t;
  t.idd = kSuiningIdd5000;
  const wire::Request load = request(t, Operation::kEcashLoad, 1);
  ASSERT_EQ(at_sc(w, load).response_code, "00");
  const wire::Response rev = at_sc(w, reversal_of(load, 2));
  EXPECT_EQ(rev.result, ResultCode::kOk);
  EXPECT_EQ(rev.reversal_status, wire::ReversalStatus::kReversed);
  EXPECT_EQ(bank(w, kSuiningPan), 500000u);
  EXPECT_EQ(ecash(w, kSuiningPan), 5000u);
  // A second reversal (another key) finds it reversed; nothing moves.
  EXPECT_EQ(at_sc(w, reversal_of(load, 3)).reversal_status, wire::ReversalStatus::kAlreadyReversed);
  EXPECT_EQ(bank(w, kSuiningPan), 500000u);
  EXPECT_EQ(ecash(w, kSuiningPan), 5000u);
}

TEST(EcashIssuer, ALoadCountsWithTheAuthorisationsInTotals) {
  World w;
  Txn t;
  t.idd = kSuiningIdd5000;
  ASSERT_EQ(at_sc(w, request(t, Operation::kEcashLoad, 1)).response_code, "00");
  auto totals = w.sc_store->payment_totals(kKiosk, "20261204");
  ASSERT_TRUE(totals.ok());
  EXPECT_EQ(totals->approved_count, 1u);
  EXPECT_EQ(totals->approved_fen, 10000u);
}

}  // namespace
}  // namespace sscard::sim::host

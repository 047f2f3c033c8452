// Payments at the home issuer (docs/PAYMENT.md §9.2, §10): authorise with ARQC, ATC, funds and ARPC; reverse
// once; confirm; totals; hub routing by PAN region; a database failure or a restart between request and answer.
// The ARQCs are made here as a card makes them (§6.2, §6.3); the worked example of §6.3 pins them down.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>  // mkdtemp

#include <filesystem>

#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/pin_block.h"
#include "sscard/sim/host/population.h"
#include "world.h"

namespace sscard::sim::host {
namespace {

using testing::key_of;
using testing::World;
using wire::Operation;
using wire::ResultCode;
using wire::ReversalStatus;

const std::string kCqKiosk = "500152000101";
const std::string kScKiosk = "510900000101";
const std::string kChengduPan = "6200515101008092011";
const std::string kSuiningPan = "6200515109004011018";

Bytes hx(std::string_view s) {
  auto b = from_hex(s);
  EXPECT_TRUE(b.ok()) << s;
  return b.ok() ? *b : Bytes();
}

// One transaction of a card, with the values of the worked example of PAYMENT.md §6.3 unless changed.
struct CardTxn {
  std::string pan = kChengduPan;
  std::string expiry = "280920";
  crypto::Cipher cipher = crypto::Cipher::kTdes;
  std::uint16_t atc = 1;
  std::string amount = "000000001234";  // n12, fen
  std::string date = "261204";
  std::string cvr = "03A00000";
  Bytes aip = {0x7D, 0x00};
  bool tamper = false;
};

Bytes pan_bcd(const std::string& pan) {
  std::string padded = pan;
  while (padded.size() < 20) padded.push_back('F');
  return hx(padded);
}

// The ARQC a card of `province` computes for `t` (the AC UDK from the issuer's master key).
Bytes arqc_of(const CardTxn& t, std::string_view province) {
  auto keys = testing::payment_keys(province);
  auto crypto = crypto::make_openssl_crypto();
  std::array<std::uint8_t, 8> y{};
  std::array<std::uint8_t, 16> udk{}, sk{};
  std::array<std::uint8_t, 8> ac{};
  const auto& imk = t.cipher == crypto::Cipher::kSm4 ? keys->sm4.ac : keys->tdes.ac;
  EXPECT_TRUE(crypto::udk_factor(t.pan, 1, y).ok());
  EXPECT_TRUE(crypto::diversify(*crypto, t.cipher, imk, y, udk).ok());
  EXPECT_TRUE(crypto::session_key(*crypto, t.cipher, udk, t.atc, sk).ok());
  Bytes data = hx(t.amount + "000000000000" "0156" "0000008000" "0156" + t.date + "00" "1A2B3C4D");
  data.insert(data.end(), t.aip.begin(), t.aip.end());
  data.push_back(static_cast<std::uint8_t>(t.atc >> 8));
  data.push_back(static_cast<std::uint8_t>(t.atc));
  const Bytes cvr = hx(t.cvr);
  data.insert(data.end(), cvr.begin(), cvr.end());
  EXPECT_TRUE(crypto::application_cryptogram(*crypto, t.cipher, sk, data, ac).ok());
  if (t.tamper) ac[7] ^= 0x01;
  return Bytes(ac.begin(), ac.end());
}

// FF40 of an authorise (§9.1 order).
Bytes icc_of(const CardTxn& t, std::string_view province) {
  const std::uint8_t alg = t.cipher == crypto::Cipher::kSm4 ? 0x04 : 0x01;
  Bytes iad = {0x07, 0x01, 0x01};
  const Bytes cvr = hx(t.cvr);
  iad.insert(iad.end(), cvr.begin(), cvr.end());
  iad.push_back(alg);
  const std::vector<wire::IccItem> items = {
      {0x5A, pan_bcd(t.pan)},
      {0x5F34, {0x01}},
      {0x5F24, hx(t.expiry)},
      {0x82, t.aip},
      {0x84, hx("A000000333010101")},
      {0x9F36, {static_cast<std::uint8_t>(t.atc >> 8), static_cast<std::uint8_t>(t.atc)}},
      {0x9F26, arqc_of(t, province)},
      {0x9F27, {0x80}},
      {0x9F10, iad},
      {0x9F37, hx("1A2B3C4D")},
      {0x95, hx("0000008000")},
      {0x9A, hx(t.date)},
      {0x9F21, hx("101500")},
      {0x9C, {0x00}},
      {0x9F02, hx(t.amount)},
      {0x9F03, hx("000000000000")},
      {0x5F2A, hx("0156")},
      {0x9F1A, hx("0156")},
      {0x9F33, hx("20D8C8")},
      {0x9F34, hx("420300")},
      {0x9F35, {0x14}},
      {0x9F09, hx("0030")},
  };
  auto built = wire::build_icc_data(items);
  EXPECT_TRUE(built.ok());
  return built.ok() ? *built : Bytes();
}

wire::Request authorise(const CardTxn& t, std::uint8_t key, const std::string& terminal) {
  wire::Request r;
  r.operation = Operation::kAuthorise;
  r.key = key_of(key);
  r.terminal = terminal;
  r.serving_province = terminal.substr(0, 2) + "0000";
  r.card_region = t.pan.substr(6, 6);
  r.date = "20" + t.date;
  r.icc_data = icc_of(t, t.pan.substr(4, 2) == "50" ? wire::kChongqing : wire::kSichuan);
  return r;
}

wire::Request reverse(const wire::Request& original, std::uint8_t key) {
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

// At the card's own province's kiosk.
wire::Response at_sc(World& w, const wire::Request& r) { return ask(w.sc_kiosk, *w.sc, r); }

std::uint64_t balance(HolderStore& store, const std::string& pan) {
  auto a = store.find_account(pan);
  EXPECT_TRUE(a.ok() && a->has_value()) << pan;
  return a.ok() && a->has_value() ? (*a)->balance_fen : 0;
}

std::string auth_hex(const wire::Response& r) {
  return r.issuer_authentication ? to_hex(*r.issuer_authentication) : std::string("none");
}

TEST(Payments, TheKeyFileHoldsTheMasterKeysOfSection61) {
  auto crypto = crypto::make_openssl_crypto();
  for (std::string_view province : {wire::kChongqing, wire::kSichuan}) {
    auto keys = testing::payment_keys(province);
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->dki, 0x01);
    const std::pair<const char*, const IssuerMasterKeys*> families[] = {{"3des", &keys->tdes}, {"sm4", &keys->sm4}};
    for (const auto& [family, k] : families) {
      const std::pair<const char*, const SymmetricKey*> roles[] = {{"ac", &k->ac}, {"mac", &k->mac}, {"enc", &k->enc}};
      for (const auto& [role, key] : roles) {
        const std::string label =
            "sscard test payment key " + std::string(province) + " " + family + " " + role;
        std::array<std::uint8_t, 32> digest{};
        ASSERT_TRUE(crypto->digest(crypto::Hash::kSha256, as_bytes(label), digest).ok());
        EXPECT_EQ(to_hex(*key), to_hex(ByteSpan(digest).first(16))) << label;
      }
    }
  }
  EXPECT_EQ(to_hex(testing::payment_keys(wire::kSichuan)->tdes.ac), "286F56768ABE7A8CA8826F47A90B9A98");
  EXPECT_EQ(to_hex(*testing::payment_keys(wire::kSichuan)->pin_master), "0059BDF236EC072A32704FCEBBEFB0D3");
}

TEST(Payments, AccountsAreSeededFromTheProfiles) {
  auto store = testing::seeded_store(wire::kSichuan);
  auto chengdu = store->find_account(kChengduPan);
  ASSERT_TRUE(chengdu.ok() && chengdu->has_value());
  EXPECT_EQ((*chengdu)->balance_fen, 80000u);
  EXPECT_EQ((*chengdu)->expiry, "280920");
  EXPECT_EQ((*chengdu)->psn, 1);
  EXPECT_FALSE((*chengdu)->sm);
  EXPECT_EQ((*chengdu)->pin, "246810");
  EXPECT_EQ((*chengdu)->last_atc, 0);
  auto suining = store->find_account(kSuiningPan);
  ASSERT_TRUE(suining.ok() && suining->has_value());
  EXPECT_EQ((*suining)->balance_fen, 500000u);
  EXPECT_TRUE((*suining)->sm);
  EXPECT_EQ((*suining)->pin, "258369");
  EXPECT_EQ(*store->account_count(), 3u);  // Chengdu, Liangshan, Suining; Mianyang is generation 1
  EXPECT_FALSE(store->find_account("6200505001521523017")->has_value());  // a Chongqing card
}

TEST(Payments, TheWorkedExampleIsApprovedAndDebitedOnce) {
  World w;
  const CardTxn t;
  EXPECT_EQ(to_hex(arqc_of(t, wire::kSichuan)), "C60B7C86D99D9E16");  // §6.3
  const wire::Request r = authorise(t, 1, kScKiosk);
  const wire::Response a = at_sc(w, r);
  EXPECT_EQ(a.result, ResultCode::kOk);
  EXPECT_EQ(a.home_issuer, "510000");
  EXPECT_EQ(a.response_code, "00");
  EXPECT_EQ(auth_hex(a), "8590738A25DD02263030");  // ARPC of §6.3 || "00"
  EXPECT_FALSE(a.duplicate);
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u - 1234u);

  // The same request again (a retry with its key): the stored answer, no second debit.
  const wire::Response again = at_sc(w, r);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.response_code, "00");
  EXPECT_EQ(auth_hex(again), "8590738A25DD02263030");
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u - 1234u);
  EXPECT_EQ(w.sc_store->find_account(kChengduPan)->value().last_atc, 1);
}

TEST(Payments, ATamperedArqcIsDeclinedWithoutADebitOrAnArpc) {
  World w;
  CardTxn t;
  t.tamper = true;
  const wire::Response a = at_sc(w, authorise(t, 1, kScKiosk));
  EXPECT_EQ(a.result, ResultCode::kOk);
  EXPECT_EQ(a.response_code, "05");
  EXPECT_FALSE(a.issuer_authentication.has_value());
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
  EXPECT_EQ(w.sc_store->find_account(kChengduPan)->value().last_atc, 0);  // step 5 comes before the ATC
}

TEST(Payments, AReplayedOrOlderAtcIsRefused94) {
  World w;
  CardTxn t;
  t.atc = 5;
  EXPECT_EQ(at_sc(w, authorise(t, 1, kScKiosk)).response_code, "00");
  for (std::uint16_t atc : {std::uint16_t{5}, std::uint16_t{4}}) {
    t.atc = atc;
    const wire::Response replay = at_sc(w, authorise(t, static_cast<std::uint8_t>(10 + atc), kScKiosk));
    EXPECT_EQ(replay.response_code, "94") << atc;
    EXPECT_FALSE(replay.issuer_authentication.has_value());
  }
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u - 1234u);
}

TEST(Payments, InsufficientFundsIs51AndTheAtcStillMoves) {
  World w;
  CardTxn t;
  t.amount = "000000080001";
  const wire::Response a = at_sc(w, authorise(t, 1, kScKiosk));
  EXPECT_EQ(a.response_code, "51");
  ASSERT_TRUE(a.issuer_authentication.has_value());
  EXPECT_EQ(to_hex(ByteSpan(*a.issuer_authentication).last(2)), "3531");
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
  EXPECT_EQ(w.sc_store->find_account(kChengduPan)->value().last_atc, 1);
  t.amount = "000000080000";
  t.atc = 2;
  EXPECT_EQ(at_sc(w, authorise(t, 2, kScKiosk)).response_code, "00");
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 0u);
}

TEST(Payments, InconsistentRequestsAre12And14) {
  World w;
  CardTxn t;
  wire::Request r = authorise(t, 1, kScKiosk);
  r.card_region = "510108";  // not PAN digits 7-12
  EXPECT_EQ(at_sc(w, r).response_code, "12");
  t.expiry = "290920";  // not the issuer's record
  EXPECT_EQ(at_sc(w, authorise(t, 2, kScKiosk)).response_code, "12");
  t = CardTxn{};
  t.pan = "6200515101008092012";  // bad Luhn
  EXPECT_EQ(at_sc(w, authorise(t, 3, kScKiosk)).response_code, "12");
  t.pan = "6200515101008092029";  // good Luhn, no such card
  EXPECT_EQ(at_sc(w, authorise(t, 4, kScKiosk)).response_code, "14");
  t = CardTxn{};
  t.amount = "000000000000";
  EXPECT_EQ(at_sc(w, authorise(t, 5, kScKiosk)).response_code, "12");
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
}

TEST(Payments, CardStateAndExpiryDecline) {
  World w;
  HolderRecord h = w.holder(*w.sc_store, "sc-chengdu-gen2");
  h.card_state = wire::CardState::kLossReported;
  ASSERT_TRUE(w.sc_store->update_holder(h).ok());
  CardTxn t;
  EXPECT_EQ(at_sc(w, authorise(t, 1, kScKiosk)).response_code, "41");
  h.card_state = wire::CardState::kBlocked;
  ASSERT_TRUE(w.sc_store->update_holder(h).ok());
  t.atc = 2;
  EXPECT_EQ(at_sc(w, authorise(t, 2, kScKiosk)).response_code, "62");
  h.card_state = wire::CardState::kActive;
  ASSERT_TRUE(w.sc_store->update_holder(h).ok());
  t.atc = 3;
  t.date = "281001";  // after the card's expiry 280920
  EXPECT_EQ(at_sc(w, authorise(t, 3, kScKiosk)).response_code, "54");
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
}

TEST(Payments, Sm4CardsOfGeneration3) {
  World w;
  CardTxn t;
  t.pan = kSuiningPan;
  t.expiry = "340110";
  t.cipher = crypto::Cipher::kSm4;
  t.aip = {0x7C, 0x00};
  const wire::Response a = at_sc(w, authorise(t, 1, kScKiosk));
  EXPECT_EQ(a.response_code, "00");
  EXPECT_EQ(balance(*w.sc_store, kSuiningPan), 500000u - 1234u);
  // The 3DES family claimed with an SM4 cryptogram does not verify.
  t.atc = 2;
  wire::Request r = authorise(t, 2, kScKiosk);
  auto icc = wire::IccData::parse(*r.icc_data);
  ASSERT_TRUE(icc.ok());
  Bytes swapped = *r.icc_data;
  const auto iad = icc->get(0x9F10);
  swapped[static_cast<std::size_t>(iad->data() - r.icc_data->data()) + 7] = 0x01;
  r.icc_data = swapped;
  EXPECT_EQ(at_sc(w, r).response_code, "05");
}

// ---- Online PIN (§6.9) ----

std::array<std::uint8_t, 8> online_pin(const std::string& pin, const std::string& pan, const std::string& terminal) {
  auto crypto = crypto::make_openssl_crypto();
  auto keys = testing::payment_keys(wire::kSichuan);
  std::array<std::uint8_t, 8> factor{};
  for (std::size_t i = 0; i < 6; ++i) {
    factor[i] = static_cast<std::uint8_t>(((terminal[2 * i] - '0') << 4) | (terminal[2 * i + 1] - '0'));
  }
  factor[6] = factor[7] = 0xFF;
  std::array<std::uint8_t, 16> pek{};
  std::array<std::uint8_t, 8> clear{}, out{};
  EXPECT_TRUE(crypto::diversify(*crypto, crypto::Cipher::kSm4, *keys->pin_master, factor, pek).ok());
  EXPECT_TRUE(crypto::build_pin_block(crypto::PinBlockFormat::kFormat0, pin, pan, {}, clear).ok());
  EXPECT_TRUE(crypto->encrypt_ecb(crypto::Cipher::kTdes, pek, clear, out).ok());
  return out;
}

TEST(Payments, OnlinePinRightWrongAndExhausted) {
  World w;
  CardTxn t;
  wire::Request r = authorise(t, 1, kScKiosk);
  r.pin_block = online_pin("246810", kChengduPan, kScKiosk);
  EXPECT_EQ(at_sc(w, r).response_code, "00");
  const std::vector<std::string> expected = {"55", "55", "75", "75"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    t.atc = static_cast<std::uint16_t>(2 + i);
    r = authorise(t, static_cast<std::uint8_t>(2 + i), kScKiosk);
    r.pin_block = online_pin(i < 3 ? "135790" : "246810", kChengduPan, kScKiosk);
    EXPECT_EQ(at_sc(w, r).response_code, expected[i]) << i;
  }
  EXPECT_EQ(w.sc_store->find_account(kChengduPan)->value().pin_tries, 0);
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u - 1234u);
}

// ---- Reversal (§10) ----

TEST(Payments, AReversalIsAppliedOnceAndARepeatGetsTheSameAnswer) {
  World w;
  const wire::Request original = authorise(CardTxn{}, 1, kScKiosk);
  ASSERT_EQ(at_sc(w, original).response_code, "00");
  const wire::Request rev = reverse(original, 2);
  const wire::Response first = at_sc(w, rev);
  EXPECT_EQ(first.result, ResultCode::kOk);
  EXPECT_EQ(first.reversal_status, ReversalStatus::kReversed);
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
  const wire::Response repeat = at_sc(w, rev);
  EXPECT_TRUE(repeat.duplicate);
  EXPECT_EQ(repeat.reversal_status, ReversalStatus::kReversed);
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
  // Another reversal key for the same original.
  EXPECT_EQ(at_sc(w, reverse(original, 3)).reversal_status, ReversalStatus::kAlreadyReversed);
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
  // The ATC is never undone.
  EXPECT_EQ(w.sc_store->find_account(kChengduPan)->value().last_atc, 1);
}

TEST(Payments, ReversalOfADeclinedOrUnknownOriginal) {
  World w;
  CardTxn t;
  t.amount = "000000090000";
  const wire::Request declined = authorise(t, 1, kScKiosk);
  ASSERT_EQ(at_sc(w, declined).response_code, "51");
  EXPECT_EQ(at_sc(w, reverse(declined, 2)).reversal_status, ReversalStatus::kNothingToReverse);

  // The reversal overtakes its original: tombstoned, and the late original is refused 12 without a debit.
  t = CardTxn{};
  t.atc = 2;
  const wire::Request late = authorise(t, 3, kScKiosk);
  EXPECT_EQ(at_sc(w, reverse(late, 4)).reversal_status, ReversalStatus::kUnknownOriginal);
  const wire::Response a = at_sc(w, late);
  EXPECT_EQ(a.response_code, "12");
  EXPECT_FALSE(a.issuer_authentication.has_value());
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
  EXPECT_EQ(at_sc(w, reverse(late, 5)).reversal_status, ReversalStatus::kUnknownOriginal);
}

TEST(Payments, AReversalKeyReusedForAnotherRequestIsAConflict) {
  World w;
  const wire::Request original = authorise(CardTxn{}, 1, kScKiosk);
  ASSERT_EQ(at_sc(w, original).response_code, "00");
  wire::Request rev = reverse(original, 1);  // the original's own key
  EXPECT_EQ(at_sc(w, rev).result, ResultCode::kKeyConflict);
  // A reversal naming the original with another card's PAN.
  rev = reverse(original, 2);
  rev.icc_data = wire::build_icc_data(std::vector<wire::IccItem>{{0x5A, pan_bcd(kSuiningPan)},
                                                                 {0x5F34, {0x01}},
                                                                 {0x9F36, {0x00, 0x01}},
                                                                 {0x9F02, hx("000000001234")}})
                     .value();
  EXPECT_EQ(at_sc(w, rev).result, ResultCode::kKeyConflict);
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u - 1234u);
}

// ---- Across the border ----

TEST(Payments, ASichuanCardAtAChongqingKioskChangesOnlySichuan) {
  World w;
  const wire::Request r = authorise(CardTxn{}, 1, kCqKiosk);
  const wire::Response a = ask(w.cq_kiosk, *w.cq, r);
  EXPECT_EQ(a.result, ResultCode::kOk);
  EXPECT_EQ(a.home_issuer, "510000");
  EXPECT_EQ(a.served_by, "500000");
  EXPECT_EQ(a.response_code, "00");
  EXPECT_EQ(auth_hex(a), "8590738A25DD02263030");
  EXPECT_EQ(w.hub_hop.messages, 1);
  EXPECT_EQ(w.sc_hop.messages, 1);
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u - 1234u);
  EXPECT_EQ(*w.sc_store->request_count(), 1u);
  EXPECT_EQ(*w.cq_store->request_count(), 0u);
  EXPECT_EQ(balance(*w.cq_store, "6200505001521523017"), 300000u);
  EXPECT_EQ(balance(*w.cq_store, "6200505001035060118"), 150000u);

  const wire::Response rev = ask(w.cq_kiosk, *w.cq, reverse(r, 2));
  EXPECT_EQ(rev.reversal_status, ReversalStatus::kReversed);
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
}

TEST(Payments, HostsWithoutPaymentKeysAnswerUnavailable) {
  World w;
  IssuerHost bare(std::string(wire::kSichuan), *w.sc_store, w.crypto, w.master, nullptr);
  const wire::Response a = ask(w.sc_kiosk, bare, authorise(CardTxn{}, 1, kScKiosk));
  EXPECT_EQ(a.result, ResultCode::kIssuerUnavailable);
  EXPECT_EQ(balance(*w.sc_store, kChengduPan), 80000u);
}

// ---- Confirmation and totals ----

wire::Request confirm_of(const wire::Request& original, std::uint8_t key) {
  wire::Request c = reverse(original, key);
  c.operation = Operation::kConfirm;
  c.reversal_reason.reset();
  auto icc = wire::IccData::parse(*original.icc_data);
  EXPECT_TRUE(icc.ok());
  std::vector<wire::IccItem> items;
  for (tlv::Tag tag : wire::kConfirmIccTags) {
    const ByteSpan v = *icc->get(tag);
    items.push_back({tag, Bytes(v.begin(), v.end())});
  }
  items.push_back({0x9F5B, hx("2000000001")});
  c.icc_data = wire::build_icc_data(items).value();
  return c;
}

TEST(Payments, ConfirmationsAreRecordedForApprovedOriginalsOnly) {
  World w;
  const wire::Request original = authorise(CardTxn{}, 1, kScKiosk);
  ASSERT_EQ(at_sc(w, original).response_code, "00");
  EXPECT_EQ(at_sc(w, confirm_of(original, 2)).result, ResultCode::kOk);
  EXPECT_TRUE(at_sc(w, confirm_of(original, 2)).duplicate);
  EXPECT_EQ(*w.sc_store->confirmation_count(), 1u);
  EXPECT_TRUE(w.sc_store->find_payment(original.key)->value().confirmed);
  ASSERT_EQ(at_sc(w, reverse(original, 3)).reversal_status, ReversalStatus::kReversed);
  EXPECT_EQ(at_sc(w, confirm_of(original, 4)).result, ResultCode::kInvalidState);
  wire::Request unknown = confirm_of(original, 5);
  unknown.original_key = key_of(99);
  EXPECT_EQ(at_sc(w, unknown).result, ResultCode::kInvalidState);
  EXPECT_EQ(*w.sc_store->confirmation_count(), 1u);
}

wire::Request totals_request(const std::string& terminal, std::string_view issuer, const wire::Totals& kiosk) {
  wire::Request r;
  r.operation = Operation::kTotals;
  r.key = key_of(200);
  r.terminal = terminal;
  r.serving_province = terminal.substr(0, 2) + "0000";
  r.card_region = std::string(issuer);
  r.date = "20261204";
  r.business_date = "20261204";
  r.kiosk_totals = kiosk;
  return r;
}

TEST(Payments, TotalsAreApprovedMinusReversed) {
  World w;
  CardTxn t;
  std::uint64_t approved_fen = 0;
  std::vector<wire::Request> approved;
  for (std::uint16_t i = 1; i <= 3; ++i) {
    t.atc = i;
    t.amount = "00000000100" + std::to_string(i);
    approved.push_back(authorise(t, static_cast<std::uint8_t>(i), kCqKiosk));
    ASSERT_EQ(ask(w.cq_kiosk, *w.cq, approved.back()).response_code, "00");
    approved_fen += 1000 + i;
  }
  t.atc = 4;
  t.amount = "000009000000";
  ASSERT_EQ(ask(w.cq_kiosk, *w.cq, authorise(t, 4, kCqKiosk)).response_code, "51");  // not counted
  ASSERT_EQ(ask(w.cq_kiosk, *w.cq, reverse(approved[1], 5)).reversal_status, ReversalStatus::kReversed);

  const wire::Totals expected{3, approved_fen, 1, 1002, 0, 0, 0, 0, 0, 0};
  const wire::Response balanced = ask(w.cq_kiosk, *w.cq, totals_request(kCqKiosk, wire::kSichuan, expected));
  EXPECT_EQ(balanced.result, ResultCode::kOk);
  EXPECT_EQ(balanced.home_issuer, "510000");
  EXPECT_EQ(balanced.issuer_totals, expected);
  EXPECT_EQ(balanced.totals_comparison, wire::TotalsComparison::kBalanced);
  // The kiosk never learned of the reversal's success: out of balance.
  const wire::Totals kiosk{3, approved_fen, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(ask(w.cq_kiosk, *w.cq, totals_request(kCqKiosk, wire::kSichuan, kiosk)).totals_comparison,
            wire::TotalsComparison::kOutOfBalance);
  // The other issuer saw nothing of this kiosk.
  const wire::Response cq = ask(w.cq_kiosk, *w.cq, totals_request(kCqKiosk, wire::kChongqing, wire::Totals{}));
  EXPECT_EQ(cq.home_issuer, "500000");
  EXPECT_EQ(cq.issuer_totals, wire::Totals{});
  EXPECT_EQ(cq.totals_comparison, wire::TotalsComparison::kBalanced);
}

// ---- Failures between request and answer ----

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sscard-pay-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void sql(const std::filesystem::path& db, const char* statement) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(h, statement, nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(h);
}

TEST(Payments, AFailureBeforeTheAnswerIsStoredLeavesNoDebit) {
  TempDir dir;
  const auto file = dir.path() / "sc.db";
  auto opened = open_seeded_store(file.string(), testing::kCards, wire::kSichuan);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<HolderStore> store = std::move(*opened);
  auto crypto = std::shared_ptr<crypto::Crypto>(crypto::make_openssl_crypto());
  const MasterKey master = testing::test_master();
  testing::Kiosk kiosk(kScKiosk, master, crypto);
  const wire::Request r = authorise(CardTxn{}, 1, kScKiosk);
  {
    IssuerHost host(std::string(wire::kSichuan), *store, crypto, master, nullptr,
                    testing::with_payments(wire::kSichuan));
    // The last write of the transaction (the stored answer) fails: everything before it is rolled back.
    sql(file, "CREATE TRIGGER fail_answer BEFORE INSERT ON requests BEGIN SELECT RAISE(ABORT, 'disk gone'); END");
    EXPECT_EQ(ask(kiosk, host, r).result, ResultCode::kIssuerUnavailable);
    EXPECT_EQ(balance(*store, kChengduPan), 80000u);
    EXPECT_FALSE(store->find_payment(r.key)->has_value());
    EXPECT_EQ(store->find_account(kChengduPan)->value().last_atc, 0);
    sql(file, "DROP TRIGGER fail_answer");
  }
  // Restart: the host and its database are opened again; the kiosk's retry (same key) is applied once.
  store.reset();
  opened = open_seeded_store(file.string(), testing::kCards, wire::kSichuan);
  ASSERT_TRUE(opened.ok());
  store = std::move(*opened);
  IssuerHost host(std::string(wire::kSichuan), *store, crypto, master, nullptr, testing::with_payments(wire::kSichuan));
  EXPECT_EQ(ask(kiosk, host, r).response_code, "00");
  EXPECT_EQ(balance(*store, kChengduPan), 80000u - 1234u);
}

TEST(Payments, AnAnswerLostInARestartIsAnsweredAgainFromTheDatabase) {
  TempDir dir;
  const auto file = dir.path() / "sc.db";
  auto crypto = std::shared_ptr<crypto::Crypto>(crypto::make_openssl_crypto());
  const MasterKey master = testing::test_master();
  testing::Kiosk kiosk(kScKiosk, master, crypto);
  const wire::Request r = authorise(CardTxn{}, 1, kScKiosk);
  {
    auto store = open_seeded_store(file.string(), testing::kCards, wire::kSichuan);
    ASSERT_TRUE(store.ok());
    IssuerHost host(std::string(wire::kSichuan), **store, crypto, master, nullptr,
                    testing::with_payments(wire::kSichuan));
    (void)host.handle_message(kiosk.seal(r));  // applied; the host dies before its answer leaves
  }
  auto store = open_seeded_store(file.string(), testing::kCards, wire::kSichuan);
  ASSERT_TRUE(store.ok());
  IssuerHost host(std::string(wire::kSichuan), **store, crypto, master, nullptr, testing::with_payments(wire::kSichuan));
  const wire::Response again = ask(kiosk, host, r);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.response_code, "00");
  EXPECT_EQ(auth_hex(again), "8590738A25DD02263030");
  EXPECT_EQ(balance(**store, kChengduPan), 80000u - 1234u);
  // The restarted host still knows the ATC.
  EXPECT_EQ(ask(kiosk, host, authorise(CardTxn{}, 2, kScKiosk)).response_code, "94");
}

}  // namespace
}  // namespace sscard::sim::host

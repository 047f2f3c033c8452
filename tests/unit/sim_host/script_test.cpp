// Issuer scripts at the home issuer (docs/PAYMENT.md §9.3): queued per PAN, built with the transaction's ATC
// and ARQC (§6.5, §6.6), sent in DF52 with an authenticated answer, each once. The ARQCs are made here as a
// card makes them (§6.2, §6.3); the worked examples of §6.3 and §6.6 pin the bytes down.
#include <gtest/gtest.h>

#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/secure_messaging.h"
#include "world.h"

namespace sscard::sim::host {
namespace {

using testing::key_of;
using testing::World;

const std::string kKiosk = "510900000101";
const std::string kChengduPan = "6200515101008092011";
const std::string kSuiningPan = "6200515109004011018";

Bytes hx(std::string_view s) {
  auto b = from_hex(s);
  EXPECT_TRUE(b.ok()) << s;
  return b.ok() ? *b : Bytes();
}

// A card's transaction with the data of the worked example of §6.3 (amount 12.34, 2026-12-04, UN 1A2B3C4D).
struct Card {
  std::string pan = kChengduPan;
  std::string expiry = "280920";
  crypto::Cipher cipher = crypto::Cipher::kTdes;
  Bytes aip = {0x7D, 0x00};
  bool tamper = false;
};

Card suining() { return Card{kSuiningPan, "340110", crypto::Cipher::kSm4, {0x7C, 0x00}, false}; }

Bytes arqc_of(const Card& c, std::uint16_t atc) {
  auto keys = testing::payment_keys(wire::kSichuan);
  auto crypto = crypto::make_openssl_crypto();
  std::array<std::uint8_t, 8> y{}, ac{};
  std::array<std::uint8_t, 16> udk{}, sk{};
  const auto& imk = c.cipher == crypto::Cipher::kSm4 ? keys->sm4.ac : keys->tdes.ac;
  EXPECT_TRUE(crypto::udk_factor(c.pan, 1, y).ok());
  EXPECT_TRUE(crypto::diversify(*crypto, c.cipher, imk, y, udk).ok());
  EXPECT_TRUE(crypto::session_key(*crypto, c.cipher, udk, atc, sk).ok());
  Bytes data = hx("000000001234" "000000000000" "0156" "0000008000" "0156" "261204" "00" "1A2B3C4D");
  data.insert(data.end(), c.aip.begin(), c.aip.end());
  data.push_back(static_cast<std::uint8_t>(atc >> 8));
  data.push_back(static_cast<std::uint8_t>(atc));
  const Bytes cvr = hx("03A00000");
  data.insert(data.end(), cvr.begin(), cvr.end());
  EXPECT_TRUE(crypto::application_cryptogram(*crypto, c.cipher, sk, data, ac).ok());
  if (c.tamper) ac[7] ^= 0x01;
  return Bytes(ac.begin(), ac.end());
}

wire::Request authorise(const Card& c, std::uint16_t atc, std::uint8_t key) {
  std::string pan = c.pan;
  while (pan.size() < 20) pan.push_back('F');
  Bytes iad = hx("07010103A00000");
  iad.push_back(c.cipher == crypto::Cipher::kSm4 ? 0x04 : 0x01);
  const std::vector<wire::IccItem> items = {
      {0x5A, hx(pan)},
      {0x5F34, {0x01}},
      {0x5F24, hx(c.expiry)},
      {0x82, c.aip},
      {0x84, hx("A000000333010101")},
      {0x9F36, {static_cast<std::uint8_t>(atc >> 8), static_cast<std::uint8_t>(atc)}},
      {0x9F26, arqc_of(c, atc)},
      {0x9F27, {0x80}},
      {0x9F10, iad},
      {0x9F37, hx("1A2B3C4D")},
      {0x95, hx("0000008000")},
      {0x9A, hx("261204")},
      {0x9F21, hx("101500")},
      {0x9C, {0x00}},
      {0x9F02, hx("000000001234")},
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
  r.operation = wire::Operation::kAuthorise;
  r.key = key_of(key);
  r.terminal = kKiosk;
  r.serving_province = "510000";
  r.card_region = c.pan.substr(6, 6);
  r.date = "20261204";
  r.icc_data = icc.ok() ? *icc : Bytes();
  return r;
}

wire::Response at_sc(World& w, const wire::Request& r) {
  auto answer = w.sc_kiosk.open(w.sc->handle_message(w.sc_kiosk.seal(r)), w.sc->id());
  EXPECT_TRUE(answer.has_value());
  return answer.value_or(wire::Response{});
}

std::string scripts_hex(const wire::Response& r) { return r.scripts ? to_hex(*r.scripts) : std::string("none"); }

std::size_t pending(HolderStore& store, const std::string& pan) {
  auto p = store.pending_scripts(pan);
  EXPECT_TRUE(p.ok());
  return p.ok() ? p->size() : 0;
}

TEST(IssuerScripts, AppBlockCarriesTheMacOfTheWorkedExample) {
  World w;
  auto seq = w.sc_store->queue_script(kChengduPan, ScriptKind::kAppBlock, "");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 1u);
  EXPECT_EQ(to_hex(arqc_of(Card{}, 1)), "C60B7C86D99D9E16");  // §6.3
  const wire::Response a = at_sc(w, authorise(Card{}, 1, 1));
  EXPECT_EQ(a.response_code, "00");
  // §6.6: APPLICATION BLOCK 841E000004, MAC 62804732; script id 9F18 = sequence 1.
  EXPECT_EQ(scripts_hex(a), "72129F180400000001" "8609841E000004" "62804732");
  EXPECT_EQ(pending(*w.sc_store, kChengduPan), 0u);
}

TEST(IssuerScripts, PinChangeOnAnSm4CardIsTheWorkedExample) {
  World w;
  ASSERT_TRUE(w.sc_store->queue_script(kSuiningPan, ScriptKind::kPinChange, "135246").ok());
  EXPECT_EQ(to_hex(arqc_of(suining(), 1)), "4583FB4E37715311");  // §6.3
  const wire::Response a = at_sc(w, authorise(suining(), 1, 1));
  EXPECT_EQ(a.response_code, "00");
  // §6.6: ENC 87D4A0EDAD61AC9DAF09A1FD990892BA, MAC D98257F9.
  EXPECT_EQ(scripts_hex(a), "72229F180400000001" "86198424000214" "87D4A0EDAD61AC9DAF09A1FD990892BA" "D98257F9");
}

TEST(IssuerScripts, AQueuedScriptIsDeliveredOnce) {
  World w;
  ASSERT_TRUE(w.sc_store->queue_script(kChengduPan, ScriptKind::kAppUnblock, "").ok());
  const wire::Request first = authorise(Card{}, 1, 1);
  const wire::Response a = at_sc(w, first);
  ASSERT_TRUE(a.scripts.has_value());
  EXPECT_EQ(to_hex(ByteSpan(*a.scripts).subspan(9, 7)), "8609841800000" "4");  // 84 18: APPLICATION UNBLOCK
  // A retry of the same request gets the stored answer, scripts and all; a new transaction gets none.
  const wire::Response again = at_sc(w, first);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(scripts_hex(again), scripts_hex(a));
  const wire::Response next = at_sc(w, authorise(Card{}, 2, 2));
  EXPECT_EQ(next.response_code, "00");
  EXPECT_FALSE(next.scripts.has_value());
}

TEST(IssuerScripts, AnAnswerThatFailedTheArqcOrAtcCarriesNone) {
  World w;
  ASSERT_TRUE(w.sc_store->queue_script(kChengduPan, ScriptKind::kPinUnblock, "").ok());
  Card tampered;
  tampered.tamper = true;
  const wire::Response bad = at_sc(w, authorise(tampered, 1, 1));
  EXPECT_EQ(bad.response_code, "05");
  EXPECT_FALSE(bad.scripts.has_value());
  ASSERT_TRUE(w.sc_store->find_account(kChengduPan).ok());
  EXPECT_EQ(pending(*w.sc_store, kChengduPan), 1u);
  // A replayed ATC (94) after one accepted transaction: the script went with the accepted one only.
  const wire::Response ok = at_sc(w, authorise(Card{}, 3, 2));
  EXPECT_EQ(ok.response_code, "00");
  EXPECT_TRUE(ok.scripts.has_value());
  ASSERT_TRUE(w.sc_store->queue_script(kChengduPan, ScriptKind::kPinUnblock, "").ok());
  const wire::Response replay = at_sc(w, authorise(Card{}, 3, 3));
  EXPECT_EQ(replay.response_code, "94");
  EXPECT_FALSE(replay.scripts.has_value());
  EXPECT_EQ(pending(*w.sc_store, kChengduPan), 1u);
}

TEST(IssuerScripts, AtMost128BytesPerAnswerInQueueOrder) {
  World w;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w.sc_store->queue_script(kSuiningPan, ScriptKind::kPinChange, "1234").ok());
  const wire::Response a = at_sc(w, authorise(suining(), 1, 1));
  ASSERT_TRUE(a.scripts.has_value());
  EXPECT_EQ(a.scripts->size(), 3u * 36u);  // a fourth 36-byte script would pass 128
  EXPECT_EQ(to_hex(ByteSpan(*a.scripts).subspan(72, 9)), "72229F180400000003");
  EXPECT_EQ(pending(*w.sc_store, kSuiningPan), 2u);
  const wire::Response b = at_sc(w, authorise(suining(), 2, 2));
  ASSERT_TRUE(b.scripts.has_value());
  EXPECT_EQ(b.scripts->size(), 2u * 36u);
  EXPECT_EQ(to_hex(ByteSpan(*b.scripts).first(9)), "72229F180400000004");
}

TEST(IssuerScripts, VelocityScriptsHaveTheLayoutsOfSection66) {
  World w;
  ASSERT_TRUE(w.sc_store->queue_script(kChengduPan, ScriptKind::kTerminalVelocity, "3,9").ok());
  ASSERT_TRUE(w.sc_store->queue_script(kChengduPan, ScriptKind::kCardVelocity, "2,250").ok());
  const wire::Response a = at_sc(w, authorise(Card{}, 1, 1));
  ASSERT_TRUE(a.scripts.has_value());
  const std::string s = to_hex(*a.scripts);
  // Script 1: 72 1C 9F18 00000001 86 13 UPDATE RECORD with its 70 template, then the MAC (30 bytes in all).
  EXPECT_EQ(s.substr(0, 2 * 26), "721C9F180400000001" "8613" "04DC012C0E" "70089F1401039F230109");
  // Script 2: two PUT DATA, 9F58 = 02 and 9F59 = FA.
  const std::string second = s.substr(2 * 30);
  EXPECT_EQ(second.substr(0, 18), "721F9F180400000002");
  EXPECT_EQ(second.substr(18, 16), "860A04DA9F580502");
  EXPECT_EQ(second.substr(18 + 24, 16), "860A04DA9F5905FA");
  // Each MAC checks with the card's MAC session key of ATC 0001 (§6.5).
  auto keys = testing::payment_keys(wire::kSichuan);
  auto crypto = crypto::make_openssl_crypto();
  std::array<std::uint8_t, 8> y{};
  std::array<std::uint8_t, 16> udk{}, sk{};
  ASSERT_TRUE(crypto::udk_factor(kChengduPan, 1, y).ok());
  ASSERT_TRUE(crypto::diversify(*crypto, crypto::Cipher::kTdes, keys->tdes.mac, y, udk).ok());
  EXPECT_EQ(to_hex(udk), "EDC666D0BC814D3F3900246961FAF97B");  // §6.6
  ASSERT_TRUE(crypto::session_key(*crypto, crypto::Cipher::kTdes, udk, 1, sk).ok());
  const Bytes arqc = hx("C60B7C86D99D9E16");
  const Bytes& b = *a.scripts;
  EXPECT_TRUE(crypto::verify_script_mac(*crypto, crypto::Cipher::kTdes, sk, ByteSpan(b).subspan(11, 5), 1, arqc,
                                        ByteSpan(b).subspan(16, 10), ByteSpan(b).subspan(26, 4))
                  .ok());
}

TEST(IssuerScripts, BadQueueRequestsAreRefusedAndQueueNothing) {
  World w;
  EXPECT_FALSE(w.sc_store->queue_script("6200505001521523017", ScriptKind::kAppBlock, "").ok());  // not its card
  EXPECT_FALSE(w.sc_store->queue_script(kChengduPan, ScriptKind::kAppBlock, "1").ok());
  EXPECT_FALSE(w.sc_store->queue_script(kChengduPan, ScriptKind::kPinChange, "12a4").ok());
  EXPECT_FALSE(w.sc_store->queue_script(kChengduPan, ScriptKind::kPinChange, "123").ok());
  EXPECT_FALSE(w.sc_store->queue_script(kChengduPan, ScriptKind::kTerminalVelocity, "9,3").ok());
  EXPECT_FALSE(w.sc_store->queue_script(kChengduPan, ScriptKind::kCardVelocity, "1,256").ok());
  EXPECT_FALSE(w.sc_store->queue_script(kChengduPan, ScriptKind::kCardVelocity, "1;2").ok());
  EXPECT_EQ(pending(*w.sc_store, kChengduPan), 0u);
  EXPECT_EQ(script_kind_from_name("card-velocity"), ScriptKind::kCardVelocity);
  EXPECT_FALSE(script_kind_from_name("app-lock").has_value());
}

}  // namespace
}  // namespace sscard::sim::host

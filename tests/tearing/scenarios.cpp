#include "scenarios.h"

#include <gtest/gtest.h>

#include <string>

#include "qpboc_test_util.h"
#include "security_test_util.h"
#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/mac.h"
#include "sscard/crypto/openssl.h"
#include "sscard/crypto/pin_block.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/security.h"

namespace sscard::sim::tearing {
namespace {

constexpr SpendsTry kSsse = SpendsTry::kSocialSecurity;
constexpr SpendsTry kPayment = SpendsTry::kPayment;

// ---- Commands ----

// The commands of the simulated cards' own tests: SELECTs, GPOs, the CDOL1 of PAYMENT.md §6.3 and the
// contactless tap of CONTACTLESS.md §2.1.
const std::string kSelectSsse = sim::testing::kSelectSsseNoFci;
const std::string kSelectPayment = pboc::testing::kSelectAid;
const std::string kGpoGen2 = pboc::testing::kPdolGen2;
const std::string kCdol1 = pboc::testing::kCdol1;
const std::string kTapGpo = pboc::testing::Tap{}.gpo();
using pboc::testing::gpo_gen3;
// CDOL1 data of an e-cash load (9C = 60) of 100.00 on 2026-12-04.
constexpr const char* kLoadCdol1 = "000000010000000000000000015600000000000156261204601A2B3C4D";

std::string sw_of(const std::string& answer) { return answer.size() >= 4 ? answer.substr(answer.size() - 4) : answer; }

Bytes bytes_of(std::string_view hex_text) {
  auto b = from_hex(hex_text);
  return b.ok() ? *b : Bytes{};
}

// The data of an answer without its status word.
Bytes data_of(const std::string& answer) { return answer.size() >= 4 ? bytes_of(answer.substr(0, answer.size() - 4)) : Bytes{}; }

std::string hex_byte(std::size_t v) { return to_hex(Bytes{static_cast<std::uint8_t>(v)}); }

HolderProfile bundled(const std::string& name) {
  auto p = load_profile(std::string(SSCARD_CARDS_DIR) + "/" + name + ".json");
  EXPECT_TRUE(p.ok()) << name << ": " << (p.ok() ? "" : p.error().to_string());
  return p.ok() ? std::move(p).value() : HolderProfile{};
}

// A command with the 4-byte MAC of SECURITY.md "MACs": GET CHALLENGE for R4, then the MAC over the header
// (Lc counting the MAC) and the data under the card's key of `key_class`.
std::string with_card_mac(Session& s, const HolderProfile& p, KeyClass key_class, const std::string& header_and_data) {
  const std::string r4 = s.expect("0084000004", "9000", "GET CHALLENGE");
  const Bytes challenge = data_of(r4);
  Bytes iv(mac_iv_size(p.keys.cipher), 0x00);
  std::copy(challenge.begin(), challenge.end(), iv.begin());
  std::uint8_t mac[4] = {};
  (void)command_mac4(s.crypto(), p.keys.cipher, p.keys.key(key_class), iv, bytes_of(header_and_data), mac);
  return header_and_data + to_hex(mac);
}

// EXTERNAL AUTHENTICATE with the card's key of `key_class` (id `kid`) over a fresh challenge (CARD.md).
void external_authenticate(Session& s, const HolderProfile& p, KeyClass key_class, const char* kid) {
  const Bytes challenge = data_of(s.expect("0084000008", "9000", "GET CHALLENGE"));
  std::uint8_t a[8] = {};
  (void)enc8(s.crypto(), p.keys.cipher, p.keys.key(key_class), challenge, a);
  const bool sm4 = p.keys.cipher == crypto::Cipher::kSm4;
  s.expect(std::string("008200") + kid + (sm4 ? "11" : "10") + to_hex(a) + to_hex(challenge) + (sm4 ? "01" : ""),
           "9000", "EXTERNAL AUTHENTICATE");
}

// An issuer script command with its MAC (PAYMENT.md §6.5): header ‖ ATC ‖ ARQC ‖ data under the MAC session key.
std::string script_command(Session& s, const pboc::CardKeySet& keys, bool sm, std::uint16_t atc, const Bytes& arqc,
                           const std::string& header_and_data) {
  Bytes sk(16);
  const crypto::Cipher cipher = sm ? crypto::Cipher::kSm4 : crypto::Cipher::kTdes;
  (void)crypto::session_key(s.crypto(), cipher, keys.mac, atc, sk);
  const Bytes apdu = bytes_of(header_and_data);
  Bytes input(apdu.begin(), apdu.begin() + 5);
  input.push_back(static_cast<std::uint8_t>(atc >> 8));
  input.push_back(static_cast<std::uint8_t>(atc));
  input.insert(input.end(), arqc.begin(), arqc.end());
  input.insert(input.end(), apdu.begin() + 5, apdu.end());
  std::uint8_t mac[4] = {};
  (void)crypto::command_mac(s.crypto(), sm ? crypto::MacScheme::kSm4 : crypto::MacScheme::kRetail, sk, {}, input, mac);
  return header_and_data + to_hex(mac);
}

// VERIFY of the payment application's offline PIN in plaintext (format 2 block, PAYMENT.md §8).
std::string payment_verify(std::string_view pin) {
  std::uint8_t block[8] = {};
  (void)crypto::build_pin_block(crypto::PinBlockFormat::kFormat2, pin, {}, {}, block);
  return "0020008008" + to_hex(block);
}

// The ARQC in a format 1 GENERATE AC answer: 80 L CID ATC(2) AC(8).
Bytes arqc_of(const std::string& answer) {
  const Bytes d = data_of(answer);
  return d.size() >= 13 ? Bytes(d.begin() + 5, d.begin() + 13) : Bytes{};
}

// ---- Probes ----

std::optional<std::uint64_t> get_data_value(CardOs& card, const char* tag) {
  Bytes cmd = bytes_of(std::string("80CA") + tag + "00");
  const Bytes r = card.process(cmd);
  if (r.size() < 5 || r[r.size() - 2] != 0x90 || r[r.size() - 1] != 0x00) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 3; i < r.size() - 2; ++i) {
    // BCD amounts read as their digits in hex: only their equality and order matter here.
    v = (v << 8) | r[i];
  }
  return v;
}

std::string newest_record(CardOs& card, std::uint8_t sfi) {
  const Bytes r = card.process(Bytes{0x00, 0xB2, 0x01, static_cast<std::uint8_t>((sfi << 3) | 4), 0x00});
  Bytes answer = r;
  if (r.size() == 2 && r[0] == 0x6C) answer = card.process(Bytes{0x00, 0xB2, 0x01, static_cast<std::uint8_t>((sfi << 3) | 4), r[1]});
  if (answer.size() < 2 || answer[answer.size() - 2] != 0x90) return {};
  return to_hex(answer);
}

bool selects(CardOs& card, const std::string& apdu) {
  Bytes r = card.process(bytes_of(apdu));
  if (r.size() == 2 && r[0] == 0x61) r = card.process(Bytes{0x00, 0xC0, 0x00, 0x00, r[1]});
  const std::string sw = sw_of(to_hex(r));
  return sw == "9000" || sw == "6283";  // 6283: the application is blocked, and says so
}

Probe probe_bundled(CardOs& card) {
  Probe p;
  p.ssse_pin_tries = card.pin_tries_left();
  p.answers = selects(card, kSelectSsse) && selects(card, kSelectPayment);
  if (auto atc = get_data_value(card, "9F36")) p.atc = static_cast<std::uint16_t>(*atc);
  p.ecash_balance = get_data_value(card, "9F79");
  if (auto tries = get_data_value(card, "9F17")) p.payment_pin_tries = static_cast<std::uint8_t>(*tries);
  p.newest_log = newest_record(card, 11);
  p.newest_load_log = newest_record(card, 12);
  return p;
}

std::function<std::unique_ptr<CardOs>()> factory(const HolderProfile& p) {
  return [p] { return make_card_os(p, crypto::make_openssl_crypto()); };
}

// ---- Social-security application ----

Scenario ssse_pins(const std::string& name) {
  const HolderProfile p = bundled(name);
  return {"ssse-pins/" + name, factory(p), [p](Session& s) {
            const std::size_t max = p.pin_max_tries;
            const std::string old_pin = p.pin;  // 6 digits: 3 bytes of BCD
            s.expect_try("0020000002FFFF", "63C" + std::string(1, "0123456789ABCDEF"[max - 1]), "VERIFY (wrong PIN)", kSsse);
            s.expect_try("00200000" + hex_byte(old_pin.size() / 2) + old_pin, "9000", "VERIFY (right PIN)", kSsse);
            s.expect_try("805E0100" + hex_byte(old_pin.size() / 2 + 1 + 3) + old_pin + "FF123456", "9000", "CHANGE PIN", kSsse);
            s.expect(with_card_mac(s, p, KeyClass::kPrk, "805E000007654321"), "9000", "PIN RELOAD");
            for (std::size_t i = 1; i <= max; ++i) {
              s.expect_try("0020000002FFFF", i == max ? "63C0" : "63C" + std::string(1, "0123456789ABCDEF"[max - i]),
                       i == max ? "VERIFY (wrong PIN, the last try)" : "VERIFY (wrong PIN)", kSsse);
            }
            s.expect("0020000003654321", "6983", "VERIFY (blocked PIN)");
            s.expect(with_card_mac(s, p, KeyClass::kPuk, "8424000004"), "9000", "PIN UNBLOCK");
            s.expect_try("0020000003654321", "9000", "VERIFY (right PIN)", kSsse);
          },
          probe_bundled};
}

Scenario ssse_records(const std::string& name) {
  const HolderProfile p = bundled(name);
  return {"ssse-records/" + name, factory(p), [p](Session& s) {
            s.expect(kSelectSsse, "9000", "SELECT SSSE");
            external_authenticate(s, p, KeyClass::kEak04, "04");
            s.expect("00DC0A30030A0131", "9000", "UPDATE RECORD (00 DC, after EXTERNAL AUTHENTICATE)");
            s.expect(with_card_mac(s, p, KeyClass::kStk, "84DC0A30070A0132"), "9000", "UPDATE RECORD (84 DC, MAC)");
          },
          probe_bundled};
}

Scenario ssse_block(const std::string& name) {
  const HolderProfile p = bundled(name);
  return {"ssse-block/" + name, factory(p), [p](Session& s) {
            s.expect(kSelectSsse, "9000", "SELECT SSSE");
            s.expect(with_card_mac(s, p, KeyClass::kStk, "841E000004"), "9000", "APPLICATION BLOCK (temporary)");
            s.expect(kSelectSsse, "6283", "SELECT SSSE (blocked)");
            s.expect(with_card_mac(s, p, KeyClass::kStk, "8418000004"), "9000", "APPLICATION UNBLOCK");
            s.expect(kSelectSsse, "9000", "SELECT SSSE");
            s.expect(with_card_mac(s, p, KeyClass::kStk, "841E000104"), "9000", "APPLICATION BLOCK (permanent)");
          },
          probe_bundled};
}

// A card with one binary EF of 160 bytes behind the PIN, in 16-byte pages: an UPDATE BINARY of 150 bytes
// changes ten pages, more than any command of the bundled cards.
Scenario binary_update() {
  auto make = [] {
    CardConfig config;
    config.protocol = CardProtocol::kT0;
    config.atr = bytes_of("3B02AABB");
    config.page_size = 16;
    auto card = std::make_unique<CardOs>(config);
    Bytes contents(160);
    for (std::size_t i = 0; i < contents.size(); ++i) contents[i] = static_cast<std::uint8_t>(i);
    (void)card->file_system().add_transparent_ef(
        kMfNode, EfSpec{0x0015, 21, AccessCondition::always(), AccessCondition::pin()}, contents, contents.size());
    (void)card->set_pin("123456", 3);
    return card;
  };
  auto probe = [](CardOs& card) {
    Probe p;
    p.ssse_pin_tries = card.pin_tries_left();
    p.answers = sw_of(to_hex(card.process(bytes_of("00B0950004")))) == "9000";
    return p;
  };
  return {"binary/test-card", make, [](Session& s) {
            s.expect_try("0020000003123456", "9000", "VERIFY (right PIN)", kSsse);
            std::string data;
            for (std::size_t i = 0; i < 150; ++i) data += hex_byte(0xFF - i);
            s.expect("00D6950596" + data, "9000", "UPDATE BINARY (150 bytes, 10 pages)");
          },
          probe};
}

// ---- Payment application ----

// A generation 2 card (3DES, RSA): GPO, offline PIN, GENERATE AC, issuer authentication, scripts, the TC.
Scenario payment_contact() {
  const HolderProfile p = bundled("sc-chengdu-gen2");
  return {"payment-contact/sc-chengdu-gen2", factory(p), [p](Session& s) {
            const pboc::CardKeySet& keys = p.payment->card.tdes;
            s.expect(kSelectPayment, "9000", "SELECT payment");
            const Bytes gpo = data_of(s.expect(kGpoGen2, "9000", "GET PROCESSING OPTIONS"));
            s.expect_try(payment_verify("000000"), "63C" + std::to_string(p.payment->card.pin_max_tries - 1),
                         "VERIFY offline PIN (wrong)", kPayment);
            s.expect_try(payment_verify(p.payment->card.pin), "9000", "VERIFY offline PIN (right)", kPayment);
            const std::string gac1 = s.expect(std::string("80AE80001D") + kCdol1 + "00", "9000", "GENERATE AC 1 (ARQC)");
            const Bytes arqc = arqc_of(gac1);
            const Bytes d = data_of(gac1);
            const auto atc = static_cast<std::uint16_t>(d.size() >= 5 ? (d[3] << 8 | d[4]) : 0);
            Bytes sk(16);
            (void)crypto::session_key(s.crypto(), crypto::Cipher::kTdes, keys.ac, atc, sk);
            std::uint8_t arpc[8] = {};
            (void)crypto::arpc_method1(s.crypto(), crypto::Cipher::kTdes, sk, arqc, bytes_of("3030"), arpc);
            s.expect("008200000A" + to_hex(arpc) + "3030", "9000", "EXTERNAL AUTHENTICATE (ARPC)");
            s.expect(script_command(s, keys, false, atc, arqc, "04DA9F580502"), "9000", "script PUT DATA 9F58");
            s.expect(script_command(s, keys, false, atc, arqc, "04DC012C0E70089F1401029F230104"), "9000",
                     "script UPDATE RECORD");
            s.expect(std::string("80AE40001F3030") + kCdol1 + "00", "9000", "GENERATE AC 2 (TC, the log)");
            // A second transaction whose script blocks the application.
            s.expect(kSelectPayment, "9000", "SELECT payment");
            s.expect(kGpoGen2, "9000", "GET PROCESSING OPTIONS");
            const std::string again = s.expect(std::string("80AE80001D") + kCdol1 + "00", "9000", "GENERATE AC 1 (ARQC)");
            const Bytes d2 = data_of(again);
            const auto atc2 = static_cast<std::uint16_t>(d2.size() >= 5 ? (d2[3] << 8 | d2[4]) : 0);
            s.expect(script_command(s, keys, false, atc2, arqc_of(again), "841E000004"), "9000",
                     "script APPLICATION BLOCK");
            (void)gpo;
          },
          probe_bundled};
}

// A generation 3 card's SM set: the PIN change script of the worked example of PAYMENT.md §6.6 (ATC 0001).
Scenario payment_pin_change() {
  const HolderProfile p = bundled("sc-suining-gen3");
  return {"payment-pin-change/sc-suining-gen3", factory(p), [p](Session& s) {
            s.expect(kSelectPayment, "9000", "SELECT payment");
            s.expect(gpo_gen3("01"), "9000", "GET PROCESSING OPTIONS (SM set)");
            const std::string gac1 = s.expect(std::string("80AE80001D") + kCdol1 + "00", "9000", "GENERATE AC 1 (ARQC)");
            s.expect(script_command(s, *p.payment->card.sm4, true, 1, arqc_of(gac1),
                                    "842400021487D4A0EDAD61AC9DAF09A1FD990892BA"),
                     "9000", "script PIN CHANGE");
            s.expect(kSelectPayment, "9000", "SELECT payment");
            s.expect(gpo_gen3("01"), "9000", "GET PROCESSING OPTIONS (SM set)");
            s.expect_try(payment_verify("135246"), "9000", "VERIFY offline PIN (the new PIN)", kPayment);
          },
          probe_bundled};
}

// An e-cash load (CONTACTLESS.md §4): GAC1 of type 60, the PUT DATA 9F79 script, GAC2.
Scenario ecash_load() {
  const HolderProfile p = bundled("sc-suining-gen3");
  return {"ecash-load/sc-suining-gen3", factory(p), [p](Session& s) {
            s.expect(kSelectPayment, "9000", "SELECT payment");
            s.expect(gpo_gen3("00"), "9000", "GET PROCESSING OPTIONS");
            const std::string gac1 = s.expect(std::string("80AE80001D") + kLoadCdol1 + "00", "9000", "GENERATE AC 1 (load ARQC)");
            s.expect(script_command(s, p.payment->card.tdes, false, 1, arqc_of(gac1), "04DA9F790A000000010000"), "9000",
                     "script PUT DATA 9F79 (the load)");
            s.expect(std::string("80AE40001F3030") + kLoadCdol1 + "00", "9000", "GENERATE AC 2 (load TC)");
          },
          probe_bundled};
}

// Offline taps (CONTACTLESS.md §2): a whole one, then one the card leaves before its last record, undone at
// the next SELECT.
Scenario ecash_tap() {
  const HolderProfile p = bundled("sc-suining-gen3");
  return {"ecash-tap/sc-suining-gen3", factory(p), [](Session& s) {
            s.tap();
            s.expect(kSelectPayment, "9000", "SELECT payment");
            s.expect(kTapGpo, "9000", "GET PROCESSING OPTIONS (offline tap: the debit)");
            s.expect("00B2013400", "9000", "READ RECORD 1");
            s.expect("00B2023400", "9000", "READ RECORD 2");
            s.expect("00B2033400", "9000", "READ RECORD 3 (the tap's last record: the tap is whole)");
            s.tap();
            s.expect(kSelectPayment, "9000", "SELECT payment");
            s.expect(kTapGpo, "9000", "GET PROCESSING OPTIONS (offline tap: the debit)");
            s.expect("00B2013400", "9000", "READ RECORD 1");
            s.tap();
            s.expect(kSelectPayment, "9000", "SELECT payment (undoes the torn tap)");
          },
          probe_bundled};
}

}  // namespace

std::vector<Scenario> all_scenarios() {
  std::vector<Scenario> out;
  for (const char* card : {"cq-yuzhong-gen2", "sc-suining-gen3"}) {
    out.push_back(ssse_pins(card));
    out.push_back(ssse_records(card));
    out.push_back(ssse_block(card));
  }
  out.push_back(binary_update());
  out.push_back(payment_contact());
  out.push_back(payment_pin_change());
  out.push_back(ecash_load());
  out.push_back(ecash_tap());
  return out;
}

}  // namespace sscard::sim::tearing

// The simulated electronic-card platform (sim/platform, docs/ESSC.md): its key file, the card references it
// shares with the provinces' issuers, the codes it issues, and the issuer hosts answering queries made with a
// code ("Online check").
#include <gtest/gtest.h>

#include <fstream>

#include "sscard/essc/code.h"
#include "sscard/sim/platform/card_reference.h"
#include "sscard/sim/platform/code_issuer.h"
#include "world.h"

namespace sscard::sim::host {
namespace {

using testing::key_of;
using testing::Kiosk;
using testing::World;
using wire::CardState;
using wire::Operation;
using wire::ResultCode;

const std::string kCqKiosk = "500152000101";
constexpr std::int64_t kNow = 1'796'000'000;  // 2026-12-01, some time in the kiosks' working day

const platform::PlatformKeys& keys() {
  static const auto loaded = testing::platform_keys();
  return *loaded;
}

ByteSpan reference_key(const std::string& province) { return keys().reference_key(province)->span(); }

TEST(PlatformKeys, TheBundledFileHasKeyOneAndAReferenceKeyPerProvince) {
  ASSERT_EQ(keys().platform, "000000");
  ASSERT_EQ(keys().signing_keys.size(), 1u);
  const platform::SigningKey* k = keys().signing_key(1);
  ASSERT_NE(k, nullptr);
  // The public key in the file is the private key's: checked here with the backend.
  auto crypto = crypto::make_openssl_crypto();
  std::array<std::uint8_t, 64> derived{};
  ASSERT_TRUE(crypto->sm2_public_key(k->private_key.span(), derived).ok());
  EXPECT_EQ(derived, k->public_key);
  EXPECT_EQ(to_hex(keys().reference_key("500000")->span()), "924928447881043E62E53E19F30EEB14");
  EXPECT_EQ(to_hex(keys().reference_key("510000")->span()), "09CB8CE9689063F84C3164014EE625C3");
  EXPECT_EQ(keys().reference_key("110000"), nullptr);
  EXPECT_EQ(keys().signing_key(2), nullptr);
}

TEST(PlatformKeys, ABadFileNamesTheField) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "sscard-platform-keys-test.json";
  auto error_of = [&](const std::string& text) {
    std::ofstream(file) << text;
    auto loaded = platform::load_platform_keys(file);
    std::filesystem::remove(file);
    return loaded.ok() ? std::string("loaded") : loaded.error().message;
  };
  const std::string key = R"({"index": 1, "private_key": ")" + std::string(64, 'A') + R"(", "public_key": ")" +
                          std::string(128, 'B') + R"("})";
  EXPECT_EQ(error_of(R"({"format": "sscard-platform-keys/1", "platform": "000000", "signing_keys": [)" + key + "," +
                     key + R"(], "reference_keys": {}})"),
            file.string() + ": signing_keys[1].index: index 1 appears twice");
  EXPECT_EQ(error_of(R"({"format": "sscard-platform-keys/1", "platform": "000000", "signing_keys": [)" + key +
                     R"(], "reference_keys": {"110000": "00112233445566778899AABBCCDDEEFF"}})"),
            file.string() + ": reference_keys.110000: a reference key is for province 500000 or 510000");
  EXPECT_EQ(error_of(R"({"format": "sscard-platform-keys/1", "platform": "000000", "signing_keys": [],
                         "reference_keys": {}})"),
            file.string() + ": signing_keys: must be a non-empty array");
  EXPECT_EQ(error_of(R"({"format": "sscard-link-keys/1"})"),
            file.string() + ": format: must be \"sscard-platform-keys/1\", not \"sscard-link-keys/1\"");
}

TEST(CardReference, EveryBundledHolderOpensBackAtItsHomeIssuerOnly) {
  auto crypto = crypto::make_openssl_crypto();
  for (const char* ssn : {"500223198807150019", "50010319620315422X", "510107199006110026", "510902195503020033"}) {
    const std::string home = std::string(ssn, 2) == "50" ? "500000" : "510000";
    const std::string other = home == "500000" ? "510000" : "500000";
    auto reference = platform::make_reference(*crypto, reference_key(home), ssn);
    ASSERT_TRUE(reference.ok()) << ssn;
    auto opened = platform::open_reference(*crypto, reference_key(home), *reference);
    ASSERT_TRUE(opened.ok()) << ssn;
    EXPECT_EQ(*opened, ssn);
    EXPECT_EQ(platform::open_reference(*crypto, reference_key(other), *reference).status(), Error::kNotFound) << ssn;
    // The SSN's digits are not in the reference.
    EXPECT_EQ(to_hex(*reference).find(std::string(ssn).substr(0, 12)), std::string::npos);
  }
}

TEST(CardReference, TwoCodesOfOneHolderCarryDifferentReferences) {
  auto crypto = crypto::make_openssl_crypto();
  auto a = platform::make_reference(*crypto, reference_key("510000"), "510107199006110026");
  auto b = platform::make_reference(*crypto, reference_key("510000"), "510107199006110026");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST(CardReference, TheLayoutIsTheDocumentedBlock) {
  auto crypto = crypto::make_openssl_crypto();
  auto reference = platform::make_reference(*crypto, reference_key("500000"), "50010319620315422X");
  ASSERT_TRUE(reference.ok());
  std::array<std::uint8_t, 16> block{};
  ASSERT_TRUE(crypto->decrypt_ecb(crypto::Cipher::kSm4, reference_key("500000"), *reference, block).ok());
  // 01 ‖ SSN in BCD with X as A ‖ 4 random bytes ‖ 00 00
  EXPECT_EQ(to_hex(ByteSpan(block.data(), 10)), "0150010319620315422A");
  EXPECT_EQ(block[14], 0x00);
  EXPECT_EQ(block[15], 0x00);
  // A block of another layout does not open.
  std::array<std::uint8_t, 16> forged = block;
  forged[15] = 0x01;
  essc::Reference sealed{};
  ASSERT_TRUE(crypto->encrypt_ecb(crypto::Cipher::kSm4, reference_key("500000"), forged, sealed).ok());
  EXPECT_EQ(platform::open_reference(*crypto, reference_key("500000"), sealed).status(), Error::kNotFound);
  EXPECT_EQ(platform::make_reference(*crypto, reference_key("500000"), "5001031962031542").status(),
            Error::kInvalidArgument);
  EXPECT_EQ(platform::make_reference(*crypto, reference_key("500000"), "5001031962031542Y2").status(),
            Error::kInvalidArgument);
}

TEST(CodeIssuer, ACodeCarriesTheRequestAndVerifiesUnderThePlatformKey) {
  auto crypto = crypto::make_openssl_crypto();
  platform::CodeRequest request{"510107199006110026", "510100", essc::Purpose::kMedical, kNow, 5, 1};
  auto code = platform::issue_code(*crypto, keys(), request);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->purpose, essc::Purpose::kMedical);
  EXPECT_EQ(code->platform, "000000");
  EXPECT_EQ(code->key_index, 1);
  EXPECT_EQ(code->region, "510100");
  EXPECT_EQ(code->issued_at, static_cast<std::uint32_t>(kNow));
  EXPECT_EQ(code->validity_minutes, 5);
  EXPECT_TRUE(essc::verify(*crypto, keys().signing_key(1)->public_key, *code).ok());
  auto opened = platform::open_reference(*crypto, reference_key("510000"), code->reference);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "510107199006110026");
  // Two codes differ in nonce and reference.
  auto again = platform::issue_code(*crypto, keys(), request);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->nonce, code->nonce);
  EXPECT_NE(again->reference, code->reference);
}

TEST(CodeIssuer, RequestsOutsideTheRulesAreRefused) {
  auto crypto = crypto::make_openssl_crypto();
  const platform::CodeRequest good{"510107199006110026", "510100", essc::Purpose::kQuery, kNow, 2, 1};
  platform::CodeRequest r = good;
  r.region = "110105";  // Beijing: no home issuer shares a reference key with this platform
  EXPECT_EQ(platform::issue_code(*crypto, keys(), r).status(), Error::kInvalidArgument);
  r = good;
  r.validity_minutes = 11;
  EXPECT_EQ(platform::issue_code(*crypto, keys(), r).status(), Error::kInvalidArgument);
  r = good;
  r.key_index = 2;
  EXPECT_EQ(platform::issue_code(*crypto, keys(), r).status(), Error::kInvalidArgument);
  r = good;
  r.now = -1;
  EXPECT_EQ(platform::issue_code(*crypto, keys(), r).status(), Error::kInvalidArgument);
}

// ---- The online check at the issuer hosts ----

wire::Request code_query(const essc::Code& code, const std::string& terminal, std::uint8_t key) {
  wire::Request r;
  r.operation = Operation::kQuery;
  r.key = key_of(key);
  r.terminal = terminal;
  r.serving_province = terminal.substr(0, 2) + "0000";
  r.card_region = code.region;
  r.essc_reference = code.reference;
  r.essc_nonce = code.nonce;
  r.date = "20261201";
  return r;
}

essc::Code code_for(const std::string& card, const platform::PlatformKeys& with = keys()) {
  auto crypto = crypto::make_openssl_crypto();
  const HolderProfile& p = testing::profile(card);
  auto code = platform::issue_code(*crypto, with, {p.holder.ssn, p.issuer.region, essc::Purpose::kQuery, kNow, 2, 1});
  EXPECT_TRUE(code.ok());
  return code.ok() ? *code : essc::Code{};
}

wire::Response ask_cq(World& w, const wire::Request& r) {
  auto answer = w.cq_kiosk.open(w.cq->handle_message(w.cq_kiosk.seal(r)), w.cq->id());
  EXPECT_TRUE(answer.has_value());
  return answer.value_or(wire::Response{});
}

TEST(IssuerHostCode, ASichuanCodeAtAChongqingKioskIsAnsweredBySichuanAsTheCardIs) {
  World w;
  const wire::Response by_code = ask_cq(w, code_query(code_for("sc-chengdu-gen2"), kCqKiosk, 1));
  const wire::Response by_card =
      ask_cq(w, testing::request_for("sc-chengdu-gen2", Operation::kQuery, key_of(2), kCqKiosk));
  EXPECT_EQ(by_code.result, ResultCode::kOk);
  EXPECT_EQ(by_code.home_issuer, "510000");
  EXPECT_EQ(by_code.served_by, "500000");
  EXPECT_EQ(by_code.name, "陈静");
  EXPECT_EQ(by_code.card_state, CardState::kActive);
  EXPECT_EQ(by_code.medical_balance_fen, by_card.medical_balance_fen);
  EXPECT_EQ(by_code.contributions, by_card.contributions);
  EXPECT_EQ(w.hub_hop.messages, 2);
  EXPECT_EQ(*w.sc_store->request_count(), 0u);  // a query is not stored, whoever asks
}

// `sscard read --essc` has no card to read: the home issuer says who the code stands for, the SSN masked.
TEST(IssuerHostCode, ACodesAnswerCarriesTheHoldersIdentityAndACardsDoesNot) {
  World w;
  const wire::Response sc = ask_cq(w, code_query(code_for("sc-chengdu-gen2"), kCqKiosk, 1));
  ASSERT_EQ(sc.result, ResultCode::kOk);
  EXPECT_EQ(sc.ssn_masked, "51**************26");
  EXPECT_EQ(sc.sex, '2');
  EXPECT_EQ(sc.birth_date, "19900611");
  const wire::Response cq = ask_cq(w, code_query(code_for("cq-yuzhong-gen2"), kCqKiosk, 2));
  ASSERT_EQ(cq.result, ResultCode::kOk);
  EXPECT_EQ(cq.ssn_masked, "50**************2X");
  EXPECT_EQ(cq.sex, '2');
  EXPECT_EQ(cq.birth_date, "19620315");
  EXPECT_EQ(cq.name, "李秀英");
  // The kiosk that read the card has all of it already: a card's query answer stays as it was.
  const wire::Response by_card =
      ask_cq(w, testing::request_for("sc-chengdu-gen2", Operation::kQuery, key_of(3), kCqKiosk));
  ASSERT_EQ(by_card.result, ResultCode::kOk);
  EXPECT_FALSE(by_card.ssn_masked.has_value());
  EXPECT_FALSE(by_card.sex.has_value());
  EXPECT_FALSE(by_card.birth_date.has_value());
}

TEST(IssuerHostCode, ALostCardsCodeGetsItsStateAndNoHolderData) {
  World w;
  ask_cq(w, testing::request_for("cq-yuzhong-gen2", Operation::kReportLoss, key_of(1), kCqKiosk));
  const wire::Response r = ask_cq(w, code_query(code_for("cq-yuzhong-gen2"), kCqKiosk, 2));
  EXPECT_EQ(r.result, ResultCode::kInvalidState);
  EXPECT_EQ(r.card_state, CardState::kLossReported);
  EXPECT_FALSE(r.name.has_value());
  EXPECT_FALSE(r.medical_balance_fen.has_value());
  EXPECT_TRUE(r.contributions.empty());
  EXPECT_FALSE(r.ssn_masked.has_value());
  EXPECT_FALSE(r.birth_date.has_value());
}

TEST(IssuerHostCode, AReferenceTheHomeIssuerCannotOpenIsAnUnknownCard) {
  World w;
  essc::Code code = code_for("cq-yuzhong-gen2");
  code.reference[3] ^= 0x40;  // the kiosk's offline check would refuse this; the issuer must too
  EXPECT_EQ(ask_cq(w, code_query(code, kCqKiosk, 1)).result, ResultCode::kUnknownCard);
  // A Sichuan reference presented as a Chongqing card's region.
  essc::Code moved = code_for("sc-chengdu-gen2");
  moved.region = "500103";
  EXPECT_EQ(ask_cq(w, code_query(moved, kCqKiosk, 2)).result, ResultCode::kUnknownCard);
}

// A medical code's settlement (docs/ESSC.md "At the kiosk"): 08 and 09 by the reference, no FF40; the home
// issuer takes the medical share and debits the card share from the holder's account in one decision, and a
// reversal gives both back. Sichuan inpatient 14000.00 for Chengdu: insured 10400.00, medical 3524.18, 75.82.
wire::Request code_settlement(const essc::Code& code, Operation op, std::uint8_t key) {
  wire::Request r = code_query(code, kCqKiosk, key);
  r.operation = op;
  r.bill_total_fen = 1400000;
  r.category = wire::SettleCategory::kInpatient;
  if (op == Operation::kSettle) {
    r.insured_fen = 1040000;
    r.medical_fen = 352418;
    r.card_fen = 7582;
  }
  return r;
}

TEST(IssuerHostCode, AMedicalCodesSettlementTakesBothSharesAndItsReversalGivesThemBack) {
  World w;
  const essc::Code code = code_for("sc-chengdu-gen2");
  const wire::Response quote = ask_cq(w, code_settlement(code, Operation::kSettleQuote, 1));
  ASSERT_EQ(quote.result, ResultCode::kOk);
  EXPECT_EQ(quote.insured_fen, 1040000u);
  EXPECT_EQ(quote.medical_share_fen, 352418u);
  EXPECT_EQ(quote.card_share_fen, 7582u);

  const wire::Request settle = code_settlement(code, Operation::kSettle, 2);
  const wire::Response done = ask_cq(w, settle);
  ASSERT_EQ(done.result, ResultCode::kOk);
  EXPECT_EQ(done.response_code, "00");
  EXPECT_FALSE(done.issuer_authentication.has_value());  // no cryptogram to answer
  EXPECT_EQ(done.medical_balance_fen, 0u);
  EXPECT_EQ(w.holder(*w.sc_store, "sc-chengdu-gen2").medical_balance_fen, 0u);
  EXPECT_EQ((*w.sc_store->find_account("6200515101008092011"))->balance_fen, 80000u - 7582u);
  // The same key again: the stored answer, nothing taken twice.
  const wire::Response again = ask_cq(w, settle);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ((*w.sc_store->find_account("6200515101008092011"))->balance_fen, 80000u - 7582u);

  wire::Request reverse = code_query(code, kCqKiosk, 3);
  reverse.operation = Operation::kReverse;
  reverse.essc_reference.reset();
  reverse.essc_nonce.reset();
  reverse.original_key = settle.key;
  reverse.reversal_reason = wire::ReversalReason::kNoAnswer;
  const wire::Response reversed = ask_cq(w, reverse);
  EXPECT_EQ(reversed.reversal_status, wire::ReversalStatus::kReversed);
  EXPECT_EQ(w.holder(*w.sc_store, "sc-chengdu-gen2").medical_balance_fen, 352418u);
  EXPECT_EQ((*w.sc_store->find_account("6200515101008092011"))->balance_fen, 80000u);
}

TEST(IssuerHostCode, ALostCardsMedicalCodeIsRefusedAndNothingTaken) {
  World w;
  ask_cq(w, testing::request_for("sc-chengdu-gen2", Operation::kReportLoss, key_of(1), kCqKiosk));
  const essc::Code code = code_for("sc-chengdu-gen2");
  const wire::Response quote = ask_cq(w, code_settlement(code, Operation::kSettleQuote, 2));
  EXPECT_EQ(quote.result, ResultCode::kInvalidState);
  EXPECT_EQ(quote.card_state, CardState::kLossReported);
  EXPECT_FALSE(quote.card_share_fen.has_value());
  const wire::Response settle = ask_cq(w, code_settlement(code, Operation::kSettle, 3));
  EXPECT_EQ(settle.result, ResultCode::kInvalidState);
  EXPECT_EQ(w.holder(*w.sc_store, "sc-chengdu-gen2").medical_balance_fen, 352418u);
  EXPECT_EQ((*w.sc_store->find_account("6200515101008092011"))->balance_fen, 80000u);
  // A reference that does not open is nobody's.
  essc::Code forged = code;
  forged.reference[0] ^= 0x01;
  EXPECT_EQ(ask_cq(w, code_settlement(forged, Operation::kSettleQuote, 4)).result, ResultCode::kUnknownCard);
}

TEST(IssuerHostCode, AHostWithoutThePlatformsKeysKnowsNoCode) {
  World w;
  IssuerHostOptions options;  // no platform keys
  IssuerHost bare(std::string(wire::kChongqing), *w.cq_store, w.crypto, w.master, nullptr, options);
  auto answer = w.cq_kiosk.open(bare.handle_message(w.cq_kiosk.seal(code_query(code_for("cq-yuzhong-gen2"),
                                                                               kCqKiosk, 1))),
                                bare.id());
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->result, ResultCode::kUnknownCard);
}

}  // namespace
}  // namespace sscard::sim::host

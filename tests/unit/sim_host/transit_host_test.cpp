// The contactless host operations (docs/CONTACTLESS.md §7): ecash_clear (0D) at the home issuer, transit_batch
// (0E) at the validator's acquirer routed per ride to the home issuer (through the hub for the other province),
// deny_list (0F) merged from both provinces. Expected values come from the contract and the openssl command
// line, not from the code under test:
//   IDD MAC of the Suining card, ATC 0001, balance after 48.00 (MAC session key of PAYMENT.md §6.6):
//     printf 00010000004800008000000000000000 | xxd -r -p | openssl enc -sm4-ecb -K D48B5D8406BEE5592EEB6422F6B54CE8 -nopad
//   deny digests: printf 'sscard-deny/1<PAN>' | openssl dgst -sm3 (leftmost 16 bytes).
#include <gtest/gtest.h>

#include <algorithm>

#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "world.h"

namespace sscard::sim::host {
namespace {

using testing::key_of;
using testing::World;
using wire::Operation;
using wire::ResultCode;

const std::string kSuiningPan = "6200515109004011018";
const std::string kTongnanPan = "6200505001521523017";
const std::string kValidator = "500103020101";  // a Chongqing bus validator (cards/validators/cq-bus-0101.json)
const std::string kIdd4800 = "0A01" "0000004800" "C8273666";
const std::string kSuiningDigest = "047AA2C5226B792F57253095ECCB5571";
const std::string kTongnanDigest = "4EE28656A3C36DDA4CEB558D17EC94A1";

Bytes hx(std::string_view s) {
  auto b = from_hex(s);
  EXPECT_TRUE(b.ok()) << s;
  return b.ok() ? *b : Bytes();
}

// The TC the Suining card computes at ATC 0001 for a 2.00 fare (PAYMENT.md §6.3 with the contactless
// terminal data of CONTACTLESS.md §2.1; CVR byte 2 bits 6-5 = 01: TC).
constexpr std::string_view kCvrTc = "03900000";

Bytes tc_of(std::string_view cvr) {
  auto keys = testing::payment_keys(wire::kSichuan);
  auto crypto = crypto::make_openssl_crypto();
  std::array<std::uint8_t, 8> y{}, ac{};
  std::array<std::uint8_t, 16> udk{}, sk{};
  EXPECT_TRUE(crypto::udk_factor(kSuiningPan, 1, y).ok());
  EXPECT_TRUE(crypto::diversify(*crypto, crypto::Cipher::kSm4, keys->sm4.ac, y, udk).ok());
  EXPECT_TRUE(crypto::session_key(*crypto, crypto::Cipher::kSm4, udk, 1, sk).ok());
  Bytes data = hx("000000000200" "000000000000" "0156" "0000000000" "0156" "261205" "00" "11223344" "7C00" "0001");
  const Bytes c = hx(cvr);
  data.insert(data.end(), c.begin(), c.end());
  EXPECT_TRUE(crypto::application_cryptogram(*crypto, crypto::Cipher::kSm4, sk, data, ac).ok());
  return Bytes(ac.begin(), ac.end());
}

Bytes clearing_icc(std::string_view idd = kIdd4800, std::string_view cvr = kCvrTc) {
  Bytes iad = hx("070101");
  const Bytes c = hx(cvr);
  iad.insert(iad.end(), c.begin(), c.end());
  iad.push_back(0x04);  // SM4
  const Bytes d = hx(idd);
  iad.insert(iad.end(), d.begin(), d.end());
  const std::vector<wire::IccItem> items = {
      {0x5A, hx(kSuiningPan + "F")}, {0x5F34, {0x01}},           {0x5F24, hx("340110")},
      {0x82, hx("7C00")},            {0x84, hx("A000000333010101")}, {0x9F36, {0x00, 0x01}},
      {0x9F26, tc_of(cvr)},          {0x9F27, {0x40}},           {0x9F10, iad},
      {0x9F37, hx("11223344")},      {0x95, hx("0000000000")},   {0x9A, hx("261205")},
      {0x9F21, hx("081500")},        {0x9C, {0x00}},             {0x9F02, hx("000000000200")},
      {0x9F03, hx("000000000000")},  {0x5F2A, hx("0156")},       {0x9F1A, hx("0156")},
      {0x9F33, hx("20D8C8")},        {0x9F34, hx("3F0000")},     {0x9F35, {0x25}},
      {0x9F09, hx("0030")},
  };
  auto icc = wire::build_icc_data(items);
  EXPECT_TRUE(icc.ok());
  return icc.ok() ? *icc : Bytes();
}

wire::Request clearing(std::uint8_t key, Bytes icc = clearing_icc()) {
  wire::Request r;
  r.operation = Operation::kEcashClear;
  r.key = key_of(key);
  r.terminal = "510900000101";
  r.serving_province = "510000";
  r.card_region = "510900";
  r.date = "20261205";
  r.icc_data = std::move(icc);
  return r;
}

std::uint64_t ecash(HolderStore& store, const std::string& pan) {
  auto a = store.find_ecash(pan);
  EXPECT_TRUE(a.ok() && a->has_value());
  return a.ok() && a->has_value() ? (*a)->account_fen : 0;
}

wire::Response at_sc(World& w, const wire::Request& r) {
  auto answer = w.sc_kiosk.open(w.sc->handle_message(w.sc_kiosk.seal(r)), w.sc->id());
  EXPECT_TRUE(answer.has_value());
  return answer.value_or(wire::Response{});
}

TEST(EcashClear, AVerifiedTcDebitsTheEcashAccountExactlyOnce) {
  World w;
  ASSERT_EQ(ecash(*w.sc_store, kSuiningPan), 5000u);  // the personalised 50.00
  const wire::Request r = clearing(1);
  const wire::Response a = at_sc(w, r);
  EXPECT_EQ(a.result, ResultCode::kOk);
  EXPECT_EQ(a.response_code, "00");
  EXPECT_EQ(a.home_issuer, "510000");
  EXPECT_FALSE(a.duplicate);
  EXPECT_EQ(ecash(*w.sc_store, kSuiningPan), 4800u);

  const wire::Response again = at_sc(w, r);  // a retry: the stored answer
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.response_code, "00");
  EXPECT_EQ(ecash(*w.sc_store, kSuiningPan), 4800u);
}

TEST(EcashClear, TheSameTcUnderAnotherKeyIs94AndMovesNothing) {
  World w;
  EXPECT_EQ(at_sc(w, clearing(1)).response_code, "00");
  EXPECT_EQ(at_sc(w, clearing(2)).response_code, "94");
  EXPECT_EQ(ecash(*w.sc_store, kSuiningPan), 4800u);
}

TEST(EcashClear, AWrongIddMacOrAnArqcOrAnEightByteIadIs05) {
  for (const auto& [idd, cvr] : {std::pair<std::string, std::string>{"0A01" "0000004800" "C8273667", "03900000"},
                                 std::pair<std::string, std::string>{"0A01" "0000004900" "C8273666", "03900000"},
                                 std::pair<std::string, std::string>{kIdd4800, "03A00000"},  // an ARQC
                                 std::pair<std::string, std::string>{"", "03900000"}}) {
    World w;
    const wire::Response a = at_sc(w, clearing(1, clearing_icc(idd, cvr)));
    EXPECT_EQ(a.result, ResultCode::kOk);
    EXPECT_EQ(a.response_code, "05") << idd << " " << cvr;
    EXPECT_EQ(ecash(*w.sc_store, kSuiningPan), 5000u);
  }
}

TEST(EcashClear, ARegionThatIsNotThePansIs12) {
  World w;
  wire::Request r = clearing(1);
  r.card_region = "510100";  // another Sichuan region: reaches the issuer, inconsistent with the PAN
  EXPECT_EQ(at_sc(w, r).response_code, "12");
  EXPECT_EQ(ecash(*w.sc_store, kSuiningPan), 5000u);
}

// A Chongqing validator's batch with one Sichuan ride: the CQ host sends the clearing through the hub.
wire::Request batch(std::uint8_t key, std::uint64_t ride) {
  wire::Request r;
  r.operation = Operation::kTransitBatch;
  r.key = key_of(key);
  r.terminal = kValidator;
  r.serving_province = "500000";
  r.card_region = "500000";
  r.date = "20261205";
  r.rides = {wire::Ride{ride, wire::RideKind::kOffline, clearing_icc()}};
  return r;
}

TEST(TransitBatch, ASichuanRideAtAChongqingValidatorSettlesAtTheSichuanIssuerThroughTheHubOnce) {
  World w;
  testing::Kiosk validator(kValidator, w.master, w.crypto);
  const int hub_before = w.hub_hop.messages;
  auto a = validator.open(w.cq->handle_message(validator.seal(batch(1, 7))), w.cq->id());
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->result, ResultCode::kOk);
  ASSERT_EQ(a->rides.size(), 1u);
  EXPECT_EQ(a->rides[0].number, 7u);
  EXPECT_EQ(a->rides[0].result, ResultCode::kOk);
  EXPECT_EQ(a->rides[0].home_issuer, "510000");
  EXPECT_EQ(a->rides[0].response_code, "00");
  EXPECT_FALSE(a->rides[0].duplicate);
  EXPECT_EQ(w.hub_hop.messages, hub_before + 1);
  EXPECT_EQ(ecash(*w.sc_store, kSuiningPan), 4800u);

  // The same ride in a new batch (new batch key): the home issuer's stored answer under the ride's key.
  auto again = validator.open(w.cq->handle_message(validator.seal(batch(2, 7))), w.cq->id());
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->rides.size(), 1u);
  EXPECT_TRUE(again->rides[0].duplicate);
  EXPECT_EQ(again->rides[0].response_code, "00");
  EXPECT_EQ(ecash(*w.sc_store, kSuiningPan), 4800u);
  // The ride's key is (terminal, ride number): "TR" ‖ 50 01 03 02 01 01 ‖ 00..07.
  EXPECT_EQ(to_hex(wire::transit_ride_key(kValidator, 7)), "5452500103020101" "0000000000000007");
}

TEST(TransitBatch, TheHubDownLeavesTheRideUnansweredAndNothingMoved) {
  World w;
  w.hub_hop.mode = testing::Hop::kDown;
  testing::Kiosk validator(kValidator, w.master, w.crypto);
  auto a = validator.open(w.cq->handle_message(validator.seal(batch(1, 7))), w.cq->id());
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(a->rides.size(), 1u);
  EXPECT_EQ(a->rides[0].result, ResultCode::kIssuerUnavailable);
  EXPECT_EQ(ecash(*w.sc_store, kSuiningPan), 5000u);
}

TEST(TransitBatch, ARideOfNeitherProvinceIsUnknownRegionAndABatchFromTheHubIsRefused) {
  World w;
  testing::Kiosk validator(kValidator, w.master, w.crypto);
  wire::Request r = batch(1, 3);
  auto beijing = wire::build_icc_data(std::vector<wire::IccItem>{{0x5A, hx("6200111101051234567F")}});
  ASSERT_TRUE(beijing.ok());
  r.rides.push_back(wire::Ride{4, wire::RideKind::kDeferred, *beijing});
  auto a = validator.open(w.cq->handle_message(validator.seal(r)), w.cq->id());
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(a->rides.size(), 2u);
  EXPECT_EQ(a->rides[0].response_code, "00");
  EXPECT_EQ(a->rides[1].number, 4u);
  EXPECT_EQ(a->rides[1].result, ResultCode::kUnknownRegion);
  EXPECT_TRUE(a->rides[1].home_issuer.empty());

  // A batch is a terminal's own request: from the hub it is refused as malformed.
  testing::Kiosk hub(std::string(wire::kHubId), w.master, w.crypto);
  r.serving_province = "500000";
  EXPECT_EQ(testing::refusal_of(w.cq->handle_message(hub.seal(r))), wire::RefusalReason::kMalformed);
}

std::string digest_hex(const wire::DenyDigest& d) { return to_hex(d); }

TEST(DenyList, BothProvincesLostCardsAreMergedThroughTheHub) {
  World w;
  HolderRecord suining = w.holder(*w.sc_store, "sc-suining-gen3");
  suining.card_state = wire::CardState::kLossReported;
  ASSERT_TRUE(w.sc_store->update_holder(suining).ok());
  HolderRecord tongnan = w.holder(*w.cq_store, "cq-tongnan-gen3");
  tongnan.card_state = wire::CardState::kLossReported;
  ASSERT_TRUE(w.cq_store->update_holder(tongnan).ok());

  wire::Request r;
  r.operation = Operation::kDenyList;
  r.key = key_of(9);
  r.terminal = "500152000101";
  r.serving_province = "500000";
  r.card_region = "500000";
  r.date = "20261205";
  auto a = w.cq_kiosk.open(w.cq->handle_message(w.cq_kiosk.seal(r)), w.cq->id());
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->result, ResultCode::kOk);
  ASSERT_TRUE(a->deny_list.has_value());
  std::vector<std::string> got;
  for (const auto& d : *a->deny_list) got.push_back(digest_hex(d));
  std::vector<std::string> want = {kSuiningDigest, kTongnanDigest};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);

  // Without the hub the list would be half: the host says so instead.
  w.hub_hop.mode = testing::Hop::kDown;
  r.key = key_of(10);
  auto half = w.cq_kiosk.open(w.cq->handle_message(w.cq_kiosk.seal(r)), w.cq->id());
  ASSERT_TRUE(half.has_value());
  EXPECT_EQ(half->result, ResultCode::kIssuerUnavailable);
  EXPECT_FALSE(half->deny_list.has_value());
}

TEST(DenyList, NoLostCardsIsAnEmptyList) {
  World w;
  wire::Request r;
  r.operation = Operation::kDenyList;
  r.key = key_of(9);
  r.terminal = "510900000101";
  r.serving_province = "510000";
  r.card_region = "510000";
  r.date = "20261205";
  const wire::Response a = at_sc(w, r);
  EXPECT_EQ(a.result, ResultCode::kOk);
  ASSERT_TRUE(a.deny_list.has_value());
  EXPECT_TRUE(a.deny_list->empty());
}

}  // namespace
}  // namespace sscard::sim::host

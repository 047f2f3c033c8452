// The codec of the contactless host operations (CONTACTLESS.md §7): 0D, 0E with its rides (FF4C) and answers
// (FF5A), 0F with its deny list (DF5B); the bytes checked against the layout written out by hand.
#include <gtest/gtest.h>

#include "sscard/wire/messages.h"

namespace sscard::wire {
namespace {

Request batch() {
  Request r;
  r.operation = Operation::kTransitBatch;
  r.key.fill(0x11);
  r.terminal = "500103020101";
  r.serving_province = "500000";
  r.card_region = "500000";
  r.date = "20261205";
  r.rides = {Ride{7, RideKind::kOffline, Bytes{0x9F, 0x36, 0x02, 0x00, 0x01}}};
  return r;
}

TEST(TransitWire, ABatchEncodesItsRidesAfterTheCommonFields) {
  Bytes out;
  ASSERT_TRUE(encode(batch(), out).ok());
  const std::string hex = to_hex(out);
  // FF4C 19 ‖ E2 17 ‖ DF4D 08 0000000000000007 ‖ DF4E 01 01 ‖ FF40 05 9F36020001
  EXPECT_NE(hex.find("FF4C19E217DF4D080000000000000007DF4E0101FF40059F36020001"), std::string::npos) << hex;
  EXPECT_EQ(hex.substr(0, 8), "DF01010E");
  auto back = decode_request(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, batch());
  EXPECT_EQ(operation_name(Operation::kTransitBatch), "transit-batch");
  EXPECT_FALSE(changes_state(Operation::kTransitBatch));
  EXPECT_FALSE(changes_state(Operation::kDenyList));
  EXPECT_TRUE(changes_state(Operation::kEcashClear));
  EXPECT_TRUE(is_payment(Operation::kEcashClear));
}

TEST(TransitWire, ABatchNeedsRidesAndOnlyABatchCarriesThem) {
  Bytes out;
  Request empty = batch();
  empty.rides.clear();
  EXPECT_EQ(encode(empty, out).code(), Error::kInvalidArgument);
  Request twice = batch();
  twice.rides.push_back(twice.rides[0]);  // the same ride number twice
  EXPECT_EQ(encode(twice, out).code(), Error::kInvalidArgument);
  Request region = batch();
  region.card_region = "500103";  // a batch names the acquirer's province
  EXPECT_EQ(encode(region, out).code(), Error::kInvalidArgument);
  Request deny = batch();
  deny.operation = Operation::kDenyList;
  EXPECT_EQ(encode(deny, out).code(), Error::kInvalidArgument);
  deny.rides.clear();
  EXPECT_TRUE(encode(deny, out).ok());
  Request holder = batch();
  holder.ssn = "510902195503020033";
  EXPECT_EQ(encode(holder, out).code(), Error::kInvalidArgument);
}

TEST(TransitWire, RideAnswersAndTheDenyListRoundTrip) {
  Response r;
  r.home_issuer = "500000";
  r.served_by = "500000";
  r.rides = {RideAnswer{7, ResultCode::kOk, "510000", "00", true},
             RideAnswer{8, ResultCode::kIssuerUnavailable, "510000", "", false}};
  DenyDigest a{};
  a.fill(0xAB);
  r.deny_list = std::vector<DenyDigest>{a};
  Bytes out;
  ASSERT_TRUE(encode(r, out).ok());
  const std::string hex = to_hex(out);
  EXPECT_NE(hex.find("E221DF4D080000000000000007DF210100DF2206353130303030DF50023030DF2B0101"), std::string::npos)
      << hex;
  EXPECT_NE(hex.find("DF5B10ABABABABABABABABABABABABABABABAB"), std::string::npos) << hex;
  auto back = decode_response(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);

  Response none = r;
  none.rides.clear();
  none.deny_list = std::vector<DenyDigest>{};
  out.clear();
  ASSERT_TRUE(encode(none, out).ok());
  auto empty = decode_response(out);
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE(empty->deny_list.has_value());
  EXPECT_TRUE(empty->deny_list->empty());
}

TEST(TransitWire, ADenyListThatIsNotWholeDigestsIsMalformed) {
  // DF21 01 00 ‖ DF23 06 "500000" ‖ DF5B 03 010203
  const Bytes bad = {0xDF, 0x21, 0x01, 0x00, 0xDF, 0x23, 0x06, '5', '0', '0', '0', '0', '0', 0xDF, 0x5B, 0x03, 1, 2, 3};
  EXPECT_EQ(decode_response(bad).status().code(), Error::kMalformed);
}

}  // namespace
}  // namespace sscard::wire

// Valid issuer-host messages of every operation (01-0F) and answers of every shape, with fixed values: the
// seeds of fuzz_wire (wire_seeds.cpp) and the requests the journal seeds are made of (card_seeds.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "sscard/wire/messages.h"
#include "sscard/wire/payment.h"

namespace sscard::fuzz {

// A request of `op` with the holder fields its operation needs (the card services' set).
inline wire::Request sample_request(wire::Operation op) {
  wire::Request r;
  r.operation = op;
  for (std::size_t i = 0; i < r.key.size(); ++i) r.key[i] = static_cast<std::uint8_t>(0xA0 + i);
  r.terminal = "500152000101";
  r.serving_province = "500000";
  r.card_region = op == wire::Operation::kQuery ? "510900" : "500152";
  r.ssn = "51090019800101123X";
  r.card_number = "C12345678";
  for (std::uint8_t i = 0; i < 16; ++i) r.card_id.push_back(static_cast<std::uint8_t>(0x11 * (i % 15 + 1)));
  r.date = "20261204";
  if (op == wire::Operation::kCertify) r.residence = "510100";
  return r;
}

// The FF40 value of a payment: PAN, amount, ATC, cryptogram and its information, all invented.
inline Bytes sample_icc_data(std::uint8_t cid = 0x80) {
  const std::vector<wire::IccItem> items = {
      {0x5A, {0x62, 0x00, 0x51, 0x51, 0x01, 0x00, 0x80, 0x92, 0x01, 0x1F}},
      {0x9F02, {0x00, 0x00, 0x00, 0x00, 0x12, 0x34}},
      {0x9F36, {0x00, 0x05}},
      {0x9F26, {0xC6, 0x0B, 0x7C, 0x86, 0xD9, 0x9D, 0x9E, 0x16}},
      {0x9F27, {cid}},
      {0x9F10, {0x07, 0x01, 0x01, 0x03, 0xA0, 0x00, 0x00, 0x01}},
  };
  auto built = wire::build_icc_data(items);
  return built.ok() ? *built : Bytes{};
}

inline wire::IdempotencyKey sample_key(std::uint8_t first) {
  wire::IdempotencyKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(first + i);
  return k;
}

// Requests of the payment and contactless operations 06-0F, each as its operation requires.
inline std::vector<wire::Request> sample_payment_requests() {
  using wire::Operation;
  std::vector<wire::Request> out;
  auto base = [](Operation op, std::uint8_t key) {
    wire::Request r = sample_request(op);
    r.key = sample_key(key);
    return r;
  };
  auto no_holder = [](wire::Request& r, const char* province) {
    r.ssn.clear();
    r.card_number.clear();
    r.card_id.clear();
    r.card_region = province;
  };
  wire::Request authorise = base(Operation::kAuthorise, 0x10);
  authorise.icc_data = sample_icc_data();
  authorise.pin_block = wire::PinBlock{0x0D, 0x1E, 0x2F, 0x30, 0x41, 0x52, 0x63, 0x74};
  out.push_back(authorise);

  wire::Request reverse = base(Operation::kReverse, 0x20);
  reverse.original_key = authorise.key;
  reverse.reversal_reason = wire::ReversalReason::kNoAnswer;
  reverse.icc_data = sample_icc_data();
  out.push_back(reverse);

  wire::Request quote = base(Operation::kSettleQuote, 0x30);
  quote.bill_total_fen = 25800;
  quote.category = wire::SettleCategory::kOutpatient;
  out.push_back(quote);

  wire::Request settle = base(Operation::kSettle, 0x40);
  settle.bill_total_fen = 25800;
  settle.category = wire::SettleCategory::kPharmacy;
  settle.insured_fen = 20000;
  settle.medical_fen = 15000;
  settle.card_fen = 10800;
  settle.icc_data = sample_icc_data();
  out.push_back(settle);

  wire::Request confirm = base(Operation::kConfirm, 0x50);
  confirm.original_key = authorise.key;
  confirm.icc_data = sample_icc_data(0x40);
  out.push_back(confirm);

  wire::Request totals = base(Operation::kTotals, 0x60);
  no_holder(totals, "510000");
  totals.business_date = "20261204";
  totals.kiosk_totals = wire::Totals{3, 3702, 1, 1234, 1, 15000, 10800, 0, 0, 0};
  out.push_back(totals);

  wire::Request load = base(Operation::kEcashLoad, 0x70);
  load.icc_data = sample_icc_data();
  out.push_back(load);

  wire::Request clear = base(Operation::kEcashClear, 0x80);
  clear.icc_data = sample_icc_data(0x40);
  out.push_back(clear);

  wire::Request batch = base(Operation::kTransitBatch, 0x90);
  no_holder(batch, "500000");
  batch.key = wire::transit_ride_key("500152000101", 7);
  batch.rides = {{7, wire::RideKind::kOffline, sample_icc_data(0x40)},
                 {8, wire::RideKind::kDeferred, sample_icc_data(0x80)}};
  out.push_back(batch);

  wire::Request deny = base(Operation::kDenyList, 0xA0);
  no_holder(deny, "500000");
  out.push_back(deny);
  return out;
}

inline std::vector<wire::Response> sample_responses() {
  wire::Response full;
  full.result = wire::ResultCode::kOk;
  full.home_issuer = "510000";
  full.served_by = "500000";
  full.name = "\xE5\xBC\xA0\xE4\xB8\x89";  // UTF-8 of an invented two-character name
  full.card_state = wire::CardState::kActive;
  full.pension_status = wire::PensionStatus::kReceiving;
  full.pension_monthly_fen = 312050;
  full.medical_balance_fen = 98765;
  full.contributions = {{"202611", wire::ContributionKind::kPension, 45600},
                        {"202611", wire::ContributionKind::kMedical, 12300}};
  full.last_certification = "20260315";

  wire::Response changed;
  changed.result = wire::ResultCode::kOk;
  changed.home_issuer = "500000";
  changed.served_by = "500000";
  changed.card_state = wire::CardState::kLossReported;
  changed.duplicate = true;

  wire::Response unknown;
  unknown.result = wire::ResultCode::kUnknownCard;
  unknown.served_by = "510000";
  return {full, changed, unknown};
}

// Answers to the payment and contactless operations.
inline std::vector<wire::Response> sample_payment_responses() {
  std::vector<wire::Response> out;
  wire::Response approved;
  approved.home_issuer = "510000";
  approved.served_by = "500000";
  approved.response_code = "00";
  approved.issuer_authentication = wire::IssuerAuthentication{0x9A, 0x8B, 0x7C, 0x6D, 0x5E, 0x4F, 0x30, 0x21,
                                                              '0', '0'};
  // One issuer script template 72 with one command (86): an APPLICATION BLOCK with its MAC.
  approved.scripts = Bytes{0x72, 0x12, 0x9F, 0x18, 0x04, 0x00, 0x00, 0x00, 0x01, 0x86, 0x09,
                           0x84, 0x1E, 0x00, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44};
  out.push_back(approved);

  wire::Response reversed;
  reversed.home_issuer = "510000";
  reversed.served_by = "500000";
  reversed.response_code = "00";
  reversed.reversal_status = wire::ReversalStatus::kReversed;
  out.push_back(reversed);

  wire::Response quote;
  quote.home_issuer = "500000";
  quote.served_by = "500000";
  quote.response_code = "00";
  quote.insured_fen = 20000;
  quote.medical_share_fen = 15000;
  quote.card_share_fen = 10800;
  out.push_back(quote);

  wire::Response totals;
  totals.home_issuer = "510000";
  totals.served_by = "510000";
  totals.issuer_totals = wire::Totals{3, 3702, 1, 1234, 1, 15000, 10800, 0, 0, 0};
  totals.totals_comparison = wire::TotalsComparison::kBalanced;
  out.push_back(totals);

  wire::Response rides;
  rides.served_by = "500000";
  rides.rides = {{7, wire::ResultCode::kOk, "510000", "00", false},
                 {8, wire::ResultCode::kOk, "500000", "51", true}};
  out.push_back(rides);

  wire::Response deny;
  deny.served_by = "500000";
  std::vector<wire::DenyDigest> digests(2);
  for (std::size_t i = 0; i < 16; ++i) {
    digests[0][i] = static_cast<std::uint8_t>(i);
    digests[1][i] = static_cast<std::uint8_t>(0xF0 - i);
  }
  deny.deny_list = digests;
  out.push_back(deny);
  return out;
}

}  // namespace sscard::fuzz

// Valid requests and responses shared by the host wire tests, and the vector-file field notation.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "sscard/crypto/default_crypto.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/wire.h"
#include "vector_file.h"

namespace sscard::wire::test {

inline Request sample_request(Operation op = Operation::kQuery) {
  Request r;
  r.operation = op;
  for (std::size_t i = 0; i < r.key.size(); ++i) r.key[i] = static_cast<std::uint8_t>(0xA0 + i);
  r.terminal = "500152000101";
  r.serving_province = "500000";
  r.card_region = "510107";
  r.ssn = "51010719900611002X";
  r.card_number = "CD1809201";
  r.card_id = Bytes{0x51, 0x01, 0x07, 0x86, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  r.date = "20241231";
  if (op == Operation::kCertify) r.residence = "500103";
  return r;
}

inline Response sample_response(ResultCode result = ResultCode::kOk) {
  Response r;
  r.result = result;
  r.home_issuer = "510000";
  r.served_by = "500000";
  r.name = "王秀英";
  r.card_state = CardState::kActive;
  r.pension_status = PensionStatus::kReceiving;
  r.pension_monthly_fen = 325000;
  r.medical_balance_fen = 0xFFFFFFFFFFFFFFFFull;
  r.contributions = {{"202410", ContributionKind::kPension, 85000}, {"202410", ContributionKind::kMedical, 0}};
  r.last_certification = "20240301";
  return r;
}

inline Bytes encoded(const Request& r) {
  Bytes out;
  EXPECT_EQ(encode(r, out), kOk);
  return out;
}

inline Bytes encoded(const Response& r) {
  Bytes out;
  EXPECT_EQ(encode(r, out), kOk);
  return out;
}

inline crypto::Crypto& test_crypto() {
  static std::unique_ptr<crypto::Crypto> c = crypto::make_default_crypto();
  if (!c) std::abort();
  return *c;
}

// "name=value; name=value" of the vector files.
inline std::vector<std::pair<std::string, std::string>> spec_fields(const std::string& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const auto semi = spec.find(';', start);
    const std::string item = sscard::test::trim(
        std::string_view(spec).substr(start, semi == std::string::npos ? std::string::npos : semi - start));
    const auto eq = item.find('=');
    if (eq != std::string::npos) out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  return out;
}

inline std::uint8_t hex_byte(const std::string& text) {
  return static_cast<std::uint8_t>(std::stoul(text, nullptr, 16));
}

}  // namespace sscard::wire::test

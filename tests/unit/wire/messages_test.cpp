// Payload codec (docs/HOST-PROTOCOL.md "Payload"): vectors, round trips, every prefix, strictness.
#include <gtest/gtest.h>

#include <algorithm>

#include "samples.h"
#include "sscard/core/tlv.h"

namespace sscard::wire {
namespace {

using sscard::test::hex;
using sscard::test::HeapCopy;
using sscard::test::Vector;
using test::encoded;
using test::sample_request;
using test::sample_response;

std::vector<Vector> vectors(std::string_view type) {
  return sscard::test::where(sscard::test::load_vector_file("host", "frames.txt", 5),
                             [&](const Vector& v) { return v[1] == type; });
}

Request request_from(const std::string& spec) {
  Request r;
  for (const auto& [name, value] : test::spec_fields(spec)) {
    if (name == "op") r.operation = static_cast<Operation>(test::hex_byte(value));
    else if (name == "key") {
      const Bytes k = hex(value);
      EXPECT_EQ(k.size(), r.key.size());
      std::copy_n(k.begin(), std::min(k.size(), r.key.size()), r.key.begin());
    } else if (name == "terminal") r.terminal = value;
    else if (name == "serving") r.serving_province = value;
    else if (name == "region") r.card_region = value;
    else if (name == "ssn") r.ssn = value;
    else if (name == "card") r.card_number = value;
    else if (name == "card_id") r.card_id = hex(value);
    else if (name == "date") r.date = value;
    else if (name == "residence") r.residence = value;
    else ADD_FAILURE() << "unknown request field " << name;
  }
  return r;
}

Response response_from(const std::string& spec) {
  Response r;
  for (const auto& [name, value] : test::spec_fields(spec)) {
    if (name == "result") r.result = static_cast<ResultCode>(test::hex_byte(value));
    else if (name == "home") r.home_issuer = value;
    else if (name == "served") r.served_by = value;
    else if (name == "name") r.name = value;
    else if (name == "state") r.card_state = static_cast<CardState>(test::hex_byte(value));
    else if (name == "pension_status") r.pension_status = static_cast<PensionStatus>(test::hex_byte(value));
    else if (name == "monthly") r.pension_monthly_fen = std::stoull(value);
    else if (name == "medical") r.medical_balance_fen = std::stoull(value);
    else if (name == "certified") r.last_certification = value;
    else if (name == "duplicate") r.duplicate = value == "01";
    else if (name == "contrib") {
      const auto a = value.find('/');
      const auto b = value.find('/', a + 1);
      r.contributions.push_back({value.substr(0, a),
                                 static_cast<ContributionKind>(test::hex_byte(value.substr(a + 1, b - a - 1))),
                                 std::stoull(value.substr(b + 1))});
    } else {
      ADD_FAILURE() << "unknown response field " << name;
    }
  }
  return r;
}

// An ok answer with only the fields every answer carries.
Response bare_ok() {
  Response r;
  r.home_issuer = "500000";
  r.served_by = "500000";
  return r;
}

class RequestVectors : public testing::TestWithParam<Vector> {};
TEST_P(RequestVectors, EncodesToTheBytesAndBack) {
  const Vector& v = GetParam();
  const Request r = request_from(v[2]);
  EXPECT_EQ(to_hex(encoded(r)), v.expected_value());
  auto back = decode_request(hex(v.expected_value()));
  ASSERT_TRUE(back.ok()) << back.status().name();
  EXPECT_EQ(*back, r);
}
INSTANTIATE_TEST_SUITE_P(Frames, RequestVectors, testing::ValuesIn(vectors("request")), sscard::test::vector_name);

class ResponseVectors : public testing::TestWithParam<Vector> {};
TEST_P(ResponseVectors, EncodesToTheBytesAndBack) {
  const Vector& v = GetParam();
  const Response r = response_from(v[2]);
  EXPECT_EQ(to_hex(encoded(r)), v.expected_value());
  auto back = decode_response(hex(v.expected_value()));
  ASSERT_TRUE(back.ok()) << back.status().name();
  EXPECT_EQ(*back, r);
}
INSTANTIATE_TEST_SUITE_P(Frames, ResponseVectors, testing::ValuesIn(vectors("response")), sscard::test::vector_name);

class BadRequestVectors : public testing::TestWithParam<Vector> {};
TEST_P(BadRequestVectors, AreRefused) {
  const Vector& v = GetParam();
  const HeapCopy payload(hex(v[3]));
  EXPECT_EQ(sscard::test::outcome(decode_request(payload.span()).status()), v.expected());
}
INSTANTIATE_TEST_SUITE_P(Frames, BadRequestVectors, testing::ValuesIn(vectors("decode_request")),
                         sscard::test::vector_name);

class BadResponseVectors : public testing::TestWithParam<Vector> {};
TEST_P(BadResponseVectors, AreRefused) {
  const Vector& v = GetParam();
  const HeapCopy payload(hex(v[3]));
  EXPECT_EQ(sscard::test::outcome(decode_response(payload.span()).status()), v.expected());
}
INSTANTIATE_TEST_SUITE_P(Frames, BadResponseVectors, testing::ValuesIn(vectors("decode_response")),
                         sscard::test::vector_name);

TEST(HostMessages, EveryOperationRoundTrips) {
  for (Operation op : {Operation::kQuery, Operation::kActivate, Operation::kReportLoss, Operation::kCancelLoss,
                       Operation::kCertify}) {
    const Request r = sample_request(op);
    auto back = decode_request(encoded(r));
    ASSERT_TRUE(back.ok()) << operation_name(op);
    EXPECT_EQ(*back, r) << operation_name(op);
    EXPECT_EQ(back->operation, op);
  }
}

TEST(HostMessages, EveryResultCodeRoundTrips) {
  for (std::uint8_t code = 0; code <= 8; ++code) {
    Response r = sample_response(static_cast<ResultCode>(code));
    auto back = decode_response(encoded(r));
    ASSERT_TRUE(back.ok()) << int{code};
    EXPECT_EQ(*back, r);

    Response bare;  // only the fields every answer carries
    bare.result = static_cast<ResultCode>(code);
    bare.served_by = "510000";
    if (bare.result != ResultCode::kUnknownRegion) bare.home_issuer = "500000";
    auto back_bare = decode_response(encoded(bare));
    ASSERT_TRUE(back_bare.ok());
    EXPECT_EQ(*back_bare, bare);
  }
}

TEST(HostMessages, EveryEnumValueRoundTrips) {
  for (CardState s : {CardState::kNotActivated, CardState::kActive, CardState::kLossReported, CardState::kBlocked}) {
    for (PensionStatus p : {PensionStatus::kNotRetired, PensionStatus::kReceiving, PensionStatus::kSuspended}) {
      Response r = sample_response();
      r.card_state = s;
      r.pension_status = p;
      r.duplicate = true;
      auto back = decode_response(encoded(r));
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(*back, r);
    }
  }
}

Response with_contributions(std::size_t n) {
  Response r = sample_response();
  r.contributions.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const auto month = static_cast<int>(12 - i % 12);
    r.contributions.push_back({std::string("2024") + (month < 10 ? "0" : "") + std::to_string(month),
                               i % 2 == 0 ? ContributionKind::kPension : ContributionKind::kMedical,
                               1000000u + i});
  }
  return r;
}

TEST(HostMessages, TwelveContributionsRoundTripThirteenDoNot) {
  const Response twelve = with_contributions(kMaxContributions);
  const Bytes bytes = encoded(twelve);
  auto back = decode_response(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, twelve);
  EXPECT_EQ(back->contributions.size(), kMaxContributions);

  Bytes out = {0xAA};
  EXPECT_EQ(encode(with_contributions(kMaxContributions + 1), out), Error::kInvalidArgument);
  EXPECT_EQ(out, Bytes{0xAA});  // nothing appended

  // Entries built by hand: twelve are read, a thirteenth is refused.
  const Bytes entry = {0xE1, 0x18, 0xDF, 0x2C, 0x06, '2', '0', '2', '3', '0', '1', 0xDF, 0x2D, 0x01, 0x01,
                       0xDF, 0x2E, 0x08, 0, 0, 0, 0, 0, 0, 0, 5};
  const auto with_entries = [&](std::size_t n) {
    Bytes r = encoded(bare_ok());
    const std::size_t size = n * entry.size();
    r.insert(r.end(), {0xFF, 0x29, 0x82, static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)});
    for (std::size_t i = 0; i < n; ++i) r.insert(r.end(), entry.begin(), entry.end());
    return decode_response(r);
  };
  auto ok = with_entries(12);
  ASSERT_TRUE(ok.ok()) << ok.status().name();
  ASSERT_EQ(ok->contributions.size(), 12u);
  EXPECT_EQ(ok->contributions[11], (Contribution{"202301", ContributionKind::kPension, 5}));
  EXPECT_EQ(with_entries(13).status(), Error::kMalformed);
  auto none = with_entries(0);  // an empty FF29 is no contribution
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->contributions.empty());
}

TEST(HostMessages, EveryPrefixOfARequestIsAnError) {
  for (Operation op : {Operation::kQuery, Operation::kCertify}) {
    const Bytes full = encoded(sample_request(op));
    for (std::size_t n = 0; n < full.size(); ++n) {
      const HeapCopy prefix(ByteSpan(full).first(n));
      auto r = decode_request(prefix.span());
      ASSERT_FALSE(r.ok()) << n;
      EXPECT_TRUE(r.status() == Error::kTruncated || r.status() == Error::kMalformed) << n << r.status().name();
    }
  }
}

// A response has no end marker (the frame's length and MAC protect it): a prefix that ends between
// elements after the required ones is a shorter valid response, never the original one.
TEST(HostMessages, EveryPrefixOfAResponseIsAnErrorOrAShorterAnswer) {
  const Response full_response = with_contributions(kMaxContributions);
  const Bytes full = encoded(full_response);
  std::size_t errors = 0;
  for (std::size_t n = 0; n < full.size(); ++n) {
    const HeapCopy prefix(ByteSpan(full).first(n));
    auto r = decode_response(prefix.span());
    if (r.ok()) {
      EXPECT_NE(*r, full_response) << n;
      Bytes again;
      ASSERT_EQ(encode(*r, again), kOk);
      EXPECT_EQ(again, Bytes(full.begin(), full.begin() + static_cast<long>(n))) << n;  // an element boundary
    } else {
      ++errors;
      EXPECT_TRUE(r.status() == Error::kTruncated || r.status() == Error::kMalformed) << n << r.status().name();
    }
  }
  EXPECT_GT(errors, full.size() - 12);  // only the few element boundaries after DF23 decode
}

// Replaces (or, with an empty value, removes) the element `tag` of a top-level TLV sequence.
Bytes with_field(ByteSpan payload, tlv::Tag tag, std::optional<Bytes> value) {
  Bytes out;
  ByteSpan rest = payload;
  while (!rest.empty()) {
    auto e = tlv::decode(rest);
    EXPECT_TRUE(e.ok());
    if (!e.ok()) return {};
    rest = rest.subspan(e->encoded.size());
    if (e->tag != tag) {
      out.insert(out.end(), e->encoded.begin(), e->encoded.end());
      continue;
    }
    if (!value) continue;
    Bytes buf(value->size() + 8);
    tlv::Builder b(buf);
    b.add(tag, *value);
    EXPECT_EQ(b.status(), kOk);
    out.insert(out.end(), b.bytes().begin(), b.bytes().end());
  }
  return out;
}

Bytes text_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(HostMessages, RequestFieldsOfTheWrongSizeOrAlphabetAreMalformed) {
  const Bytes good = encoded(sample_request(Operation::kCertify));
  const std::vector<std::pair<tlv::Tag, Bytes>> bad = {
      {0xDF01, {}},                      {0xDF01, {0x00}},
      {0xDF01, {0x06}},                  {0xDF01, {0x01, 0x01}},
      {0xDF02, Bytes(15, 1)},            {0xDF02, Bytes(17, 1)},
      {0xDF03, text_bytes("50015200010")}, {0xDF03, text_bytes("5001520001011")},
      {0xDF03, text_bytes("50015200010A")}, {0xDF04, text_bytes("50000")},
      {0xDF04, text_bytes("5000 0")},    {0xDF05, text_bytes("5101070")},
      {0xDF05, text_bytes("51O107")},    {0xDF06, text_bytes("51010719900611002")},
      {0xDF06, text_bytes("51010719900611002x")}, {0xDF06, text_bytes("5101071990061100X2")},
      {0xDF06, text_bytes("51010719900611002XX")}, {0xDF07, text_bytes("CD180920")},
      {0xDF07, text_bytes("CD18092011")}, {0xDF07, Bytes{'C', 'D', 0x01, '8', '0', '9', '2', '0', '1'}},
      {0xDF07, Bytes{'C', 'D', 0xC3, 0xA9, '0', '9', '2', '0', '1'}}, {0xDF08, Bytes(15, 2)},
      {0xDF08, Bytes(17, 2)},            {0xDF09, text_bytes("2024123")},
      {0xDF09, text_bytes("20241332")},  {0xDF09, text_bytes("2024-1-1")},
      {0xDF0A, text_bytes("50010")},     {0xDF0A, text_bytes("50010x")},
  };
  for (const auto& [tag, value] : bad) {
    const Bytes payload = with_field(good, tag, value);
    EXPECT_EQ(decode_request(payload).status(), Error::kMalformed) << std::hex << tag << " " << to_hex(value);
  }
}

TEST(HostMessages, EveryMissingRequiredRequestFieldIsMalformed) {
  const Bytes good = encoded(sample_request(Operation::kCertify));
  for (tlv::Tag tag = 0xDF01; tag <= 0xDF0A; ++tag) {
    EXPECT_EQ(decode_request(with_field(good, tag, std::nullopt)).status(), Error::kMalformed) << std::hex << tag;
  }
}

TEST(HostMessages, ResidenceBelongsToCertifyOnly) {
  const Bytes query = encoded(sample_request(Operation::kQuery));
  Bytes with_residence = query;
  const Bytes extra = {0xDF, 0x0A, 0x06, '5', '0', '0', '1', '0', '3'};
  with_residence.insert(with_residence.end(), extra.begin(), extra.end());
  EXPECT_EQ(decode_request(with_residence).status(), Error::kMalformed);

  Request r = sample_request(Operation::kQuery);
  r.residence = "500103";
  Bytes out;
  EXPECT_EQ(encode(r, out), Error::kInvalidArgument);
  r = sample_request(Operation::kCertify);
  r.residence.clear();
  EXPECT_EQ(encode(r, out), Error::kInvalidArgument);
  EXPECT_TRUE(out.empty());
}

// A query made with an electronic card (docs/ESSC.md): DF0B and DF0C instead of DF06-DF08.
Request code_query() {
  Request r = sample_request(Operation::kQuery);
  r.ssn.clear();
  r.card_number.clear();
  r.card_id.clear();
  r.essc_reference = std::array<std::uint8_t, 16>{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                                  0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
  r.essc_nonce = std::array<std::uint8_t, 8>{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  return r;
}

TEST(HostMessages, AnElectronicCardQueryCarriesTheReferenceAndNonce) {
  const Request r = code_query();
  const Bytes bytes = encoded(r);
  const Bytes reference = hex("DF0B10" "00112233445566778899AABBCCDDEEFF");
  const Bytes nonce = hex("DF0C08" "0102030405060708");
  const auto at = std::search(bytes.begin(), bytes.end(), reference.begin(), reference.end());
  ASSERT_NE(at, bytes.end());
  // DF0C follows DF0B directly, after DF09 (the order of HOST-PROTOCOL.md's table).
  EXPECT_TRUE(std::equal(nonce.begin(), nonce.end(), at + static_cast<std::ptrdiff_t>(reference.size())));
  for (const Bytes& holder_tag : {hex("DF06"), hex("DF07"), hex("DF08")}) {
    EXPECT_EQ(std::search(bytes.begin(), bytes.end(), holder_tag.begin(), holder_tag.end()), bytes.end());
  }
  auto back = decode_request(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
}

TEST(HostMessages, TheElectronicCardFieldsGoTogetherInAQueryOnly) {
  Bytes out;
  Request both = code_query();
  both.ssn = sample_request(Operation::kQuery).ssn;  // the card's fields beside the code's
  EXPECT_EQ(encode(both, out), Error::kInvalidArgument);
  Request lone = code_query();
  lone.essc_nonce.reset();
  EXPECT_EQ(encode(lone, out), Error::kInvalidArgument);
  Request other = code_query();
  other.operation = Operation::kReportLoss;
  EXPECT_EQ(encode(other, out), Error::kInvalidArgument);
  EXPECT_TRUE(out.empty());

  // The same on the decoding side: DF0B without DF0C, and DF0B of the wrong size.
  Bytes bytes = encoded(code_query());
  const Bytes nonce = hex("DF0C08" "0102030405060708");
  const auto at = std::search(bytes.begin(), bytes.end(), nonce.begin(), nonce.end());
  ASSERT_NE(at, bytes.end());
  Bytes without_nonce(bytes.begin(), at);
  without_nonce.insert(without_nonce.end(), at + static_cast<std::ptrdiff_t>(nonce.size()), bytes.end());
  EXPECT_EQ(decode_request(without_nonce).status(), Error::kMalformed);
  Bytes short_reference = bytes;
  const Bytes reference_head = hex("DF0B10");
  const auto ref = std::search(short_reference.begin(), short_reference.end(), reference_head.begin(),
                               reference_head.end());
  ASSERT_NE(ref, short_reference.end());
  *(ref + 2) = 0x0F;  // 15 bytes announced: the rest no longer parses as DF0B of 16
  short_reference.erase(ref + 3);
  EXPECT_EQ(decode_request(short_reference).status(), Error::kMalformed);
}

// The holder a code stands for, in the answer to its query (docs/ESSC.md "Online check"): DF2F, DF30, DF31.
TEST(HostMessages, ACodesHolderTravelsMaskedWithSexAndBirthDate) {
  EXPECT_EQ(mask_ssn("510107199006110026"), "51**************26");
  EXPECT_EQ(mask_ssn("50010319620315422X"), "50**************2X");
  EXPECT_EQ(mask_ssn("5101071990061100"), "");
  EXPECT_TRUE(valid_masked_ssn("50**************2X"));
  EXPECT_FALSE(valid_masked_ssn("510107199006110026"));  // the full number is never a DF2F
  EXPECT_FALSE(valid_masked_ssn("51*************026"));
  EXPECT_FALSE(valid_masked_ssn("51**************X6"));

  Response r = sample_response();
  r.ssn_masked = "51**************26";
  r.sex = '2';
  r.birth_date = "19900611";
  const Bytes bytes = encoded(r);
  for (const Bytes& element : {hex("DF2F12" "3531" "2A2A2A2A2A2A2A2A2A2A2A2A2A2A" "3236"), hex("DF300132"),
                               hex("DF3108" "3139393030363131")}) {
    EXPECT_NE(std::search(bytes.begin(), bytes.end(), element.begin(), element.end()), bytes.end())
        << to_hex(element);
  }
  auto back = decode_response(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);

  Bytes out;
  for (auto bad : {+[](Response& x) { x.ssn_masked = "510107199006110026"; },
                   +[](Response& x) { x.sex = '0'; }, +[](Response& x) { x.birth_date = "19901311"; }}) {
    Response broken = r;
    bad(broken);
    EXPECT_EQ(encode(broken, out), Error::kInvalidArgument);
  }
  EXPECT_TRUE(out.empty());
  // Decoding refuses the same values, and a sex of two bytes.
  const Bytes base = encoded(sample_response());
  for (const Bytes& element : {hex("DF2F12" "353130313037313939303036313130303236"), hex("DF300133"),
                               hex("DF30023132"), hex("DF3108" "3139393031333131")}) {
    Bytes with = base;
    with.insert(with.end(), element.begin(), element.end());
    EXPECT_EQ(decode_response(with).status(), Error::kMalformed) << to_hex(element);
  }
}

TEST(HostMessages, DuplicatedTagsAreMalformed) {
  const Bytes request = encoded(sample_request(Operation::kCertify));
  for (tlv::Tag tag = 0xDF01; tag <= 0xDF0A; ++tag) {
    auto e = tlv::find(request, tag);
    ASSERT_TRUE(e.ok());
    Bytes twice = request;
    twice.insert(twice.end(), e->encoded.begin(), e->encoded.end());
    EXPECT_EQ(decode_request(twice).status(), Error::kMalformed) << std::hex << tag;
  }
  Response resp = sample_response();
  resp.duplicate = true;
  const Bytes response = encoded(resp);
  for (tlv::Tag tag : {0xDF21u, 0xDF22u, 0xDF23u, 0xDF24u, 0xDF25u, 0xDF26u, 0xDF27u, 0xDF28u, 0xFF29u, 0xDF2Au,
                       0xDF2Bu}) {
    ByteSpan rest = response;
    Bytes element;
    while (!rest.empty()) {
      auto e = tlv::decode(rest);
      ASSERT_TRUE(e.ok());
      rest = rest.subspan(e->encoded.size());
      if (e->tag == tag) element.assign(e->encoded.begin(), e->encoded.end());
    }
    ASSERT_FALSE(element.empty()) << std::hex << tag;
    Bytes twice = element;
    twice.insert(twice.end(), response.begin(), response.end());
    EXPECT_EQ(decode_response(twice).status(), Error::kMalformed) << std::hex << tag;
  }
  // Inside a contribution entry as well.
  const Bytes entry = {0xE1, 0x1C, 0xDF, 0x2C, 0x06, '2', '0', '2', '4', '1', '0', 0xDF, 0x2D, 0x01, 0x01,
                       0xDF, 0x2E, 0x08, 0, 0, 0, 0, 0, 0, 0, 1, 0xDF, 0x2D, 0x01, 0x02};
  Bytes r = encoded(bare_ok());
  r.insert(r.end(), {0xFF, 0x29, static_cast<std::uint8_t>(entry.size())});
  r.insert(r.end(), entry.begin(), entry.end());
  EXPECT_EQ(decode_response(r).status(), Error::kMalformed);
}

TEST(HostMessages, UnknownTagsAreIgnored) {
  const Request request = sample_request(Operation::kCertify);
  const Bytes good = encoded(request);
  const std::vector<Bytes> unknown = {
      {0xDF, 0x1F, 0x02, 0x01, 0x02},              // a future request field
      {0xDF, 0x21, 0x01, 0x00},                    // a response field in a request
      {0x5F, 0x20, 0x03, 'A', 'B', 'C'},           // another class
      {0xBF, 0x0C, 0x05, 0xDF, 0x01, 0x02, 0x03, 0x04},  // constructed, holding a known tag: not looked into
      {0x9F, 0x7F, 0x00},                          // empty
  };
  for (const Bytes& u : unknown) {
    for (std::size_t at : {std::size_t{0}, std::size_t{4}, good.size()}) {
      Bytes payload = good;
      payload.insert(payload.begin() + static_cast<long>(at), u.begin(), u.end());
      auto back = decode_request(payload);
      ASSERT_TRUE(back.ok()) << to_hex(payload);
      EXPECT_EQ(*back, request);
    }
    // Twice is fine as well: only known tags must be unique.
    Bytes payload = good;
    payload.insert(payload.end(), u.begin(), u.end());
    payload.insert(payload.end(), u.begin(), u.end());
    EXPECT_TRUE(decode_request(payload).ok());
  }
  const Response response = sample_response();
  Bytes payload = encoded(response);
  payload.insert(payload.end(), {0xDF, 0x3E, 0x01, 0x07});  // DF2F-DF31 are an electronic card's holder
  auto back = decode_response(payload);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, response);
  // Unknown tags inside FF29 and E1 too.
  Bytes r = encoded(bare_ok());
  const Bytes inner = {0xDF, 0x40, 0x00,
                       0xE1, 0x1C, 0xDF, 0x2C, 0x06, '2', '0', '2', '4', '1', '0', 0xDF, 0x2D, 0x01, 0x02,
                       0xDF, 0x41, 0x01, 0x09, 0xDF, 0x2E, 0x08, 0, 0, 0, 0, 0, 0, 0, 7};
  r.insert(r.end(), {0xFF, 0x29, static_cast<std::uint8_t>(inner.size())});
  r.insert(r.end(), inner.begin(), inner.end());
  auto c = decode_response(r);
  ASSERT_TRUE(c.ok()) << c.status().name();
  ASSERT_EQ(c->contributions.size(), 1u);
  EXPECT_EQ(c->contributions[0], (Contribution{"202410", ContributionKind::kMedical, 7}));
}

TEST(HostMessages, ResponseFieldsOfTheWrongSizeOrValueAreMalformed) {
  Response base = sample_response();
  base.contributions.clear();
  const Bytes good = encoded(base);
  const std::vector<std::pair<tlv::Tag, Bytes>> bad = {
      {0xDF21, {0x09}},         {0xDF21, {}},       {0xDF21, {0x00, 0x00}},
      {0xDF22, text_bytes("51000")}, {0xDF22, text_bytes("51000A")}, {0xDF23, text_bytes("5000000")},
      {0xDF24, {0xC3, 0x28}},   {0xDF24, {0xED, 0xA0, 0x80}},  {0xDF24, {0xE7, 0x8E}},
      {0xDF25, {0x04}},         {0xDF25, {}},       {0xDF26, {0x03}},
      {0xDF27, Bytes(7, 0)},    {0xDF27, Bytes(9, 0)}, {0xDF28, Bytes(7, 0)},
      {0xDF2A, text_bytes("20240230")}, {0xDF2A, text_bytes("202403")},
  };
  for (const auto& [tag, value] : bad) {
    EXPECT_EQ(decode_response(with_field(good, tag, value)).status(), Error::kMalformed)
        << std::hex << tag << " " << to_hex(value);
  }
  Bytes dup = good;
  dup.insert(dup.end(), {0xDF, 0x2B, 0x01, 0x00});
  EXPECT_EQ(decode_response(dup).status(), Error::kMalformed);
  EXPECT_EQ(decode_response(with_field(good, 0xDF21, std::nullopt)).status(), Error::kMalformed);
  EXPECT_EQ(decode_response(with_field(good, 0xDF23, std::nullopt)).status(), Error::kMalformed);
  auto no_home = decode_response(with_field(good, 0xDF22, std::nullopt));
  ASSERT_TRUE(no_home.ok());
  EXPECT_TRUE(no_home->home_issuer.empty());

  // Contribution entries: each field required, sized and in range.
  const auto entry_with = [&](const Bytes& fields) {
    Bytes r = encoded(bare_ok());
    r.insert(r.end(), {0xFF, 0x29, static_cast<std::uint8_t>(fields.size() + 2), 0xE1,
                       static_cast<std::uint8_t>(fields.size())});
    r.insert(r.end(), fields.begin(), fields.end());
    return decode_response(r).status();
  };
  const Bytes period = {0xDF, 0x2C, 0x06, '2', '0', '2', '4', '1', '0'};
  const Bytes kind = {0xDF, 0x2D, 0x01, 0x01};
  const Bytes amount = {0xDF, 0x2E, 0x08, 0, 0, 0, 0, 0, 0, 0, 1};
  const auto cat = [](std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  EXPECT_EQ(entry_with(cat({period, kind, amount})), kOk);
  EXPECT_EQ(entry_with(cat({kind, amount})), Error::kMalformed);
  EXPECT_EQ(entry_with(cat({period, amount})), Error::kMalformed);
  EXPECT_EQ(entry_with(cat({period, kind})), Error::kMalformed);
  EXPECT_EQ(entry_with(cat({{0xDF, 0x2C, 0x06, '2', '0', '2', '4', '1', '3'}, kind, amount})), Error::kMalformed);
  EXPECT_EQ(entry_with(cat({period, {0xDF, 0x2D, 0x01, 0x03}, amount})), Error::kMalformed);
  EXPECT_EQ(entry_with(cat({period, kind, {0xDF, 0x2E, 0x07, 0, 0, 0, 0, 0, 0, 1}})), Error::kMalformed);
}

TEST(HostMessages, AmountsAreEightBytesBigEndian) {
  Response r = bare_ok();
  r.pension_monthly_fen = 0x0102030405060708ull;
  const Bytes bytes = encoded(r);
  EXPECT_EQ(to_hex(bytes), "DF210100DF2206353030303030DF2306353030303030DF27080102030405060708");
}

TEST(HostMessages, EncodeRefusesBadFieldsAndAppendsNothing) {
  const auto refused = [](const Request& r) {
    Bytes out = {0x42};
    const Status s = encode(r, out);
    return s == Error::kInvalidArgument && out == Bytes{0x42};
  };
  Request r = sample_request();
  r.terminal = "5001520001";
  EXPECT_TRUE(refused(r));
  r = sample_request();
  r.ssn = "51010719900611002Y";
  EXPECT_TRUE(refused(r));
  r = sample_request();
  r.card_id.pop_back();
  EXPECT_TRUE(refused(r));
  r = sample_request();
  r.date = "20240229";
  EXPECT_FALSE(refused(r));  // a leap day
  r.date = "20230229";
  EXPECT_TRUE(refused(r));
  r = sample_request();
  r.operation = static_cast<Operation>(9);
  EXPECT_TRUE(refused(r));

  Response resp = sample_response();
  resp.served_by.clear();
  Bytes out;
  EXPECT_EQ(encode(resp, out), Error::kInvalidArgument);
  resp = sample_response();
  resp.name = std::string("\xFF\xFE");
  EXPECT_EQ(encode(resp, out), Error::kInvalidArgument);
  resp = sample_response();
  resp.contributions[0].period = "202400";
  EXPECT_EQ(encode(resp, out), Error::kInvalidArgument);
  EXPECT_TRUE(out.empty());
}

TEST(HostMessages, EncodeAppends) {
  Bytes out = {0x01, 0x02};
  ASSERT_EQ(encode(sample_request(), out), kOk);
  EXPECT_EQ(out[0], 0x01);
  EXPECT_EQ(Bytes(out.begin() + 2, out.end()), encoded(sample_request()));
}

TEST(HostMessages, LongNamesUseLongLengths) {
  Response r = sample_response();
  r.name = std::string(300, 'a') + "王";
  auto back = decode_response(encoded(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
}

TEST(HostMessages, HomeProvince) {
  EXPECT_EQ(home_province("500152"), "500000");
  EXPECT_EQ(home_province("510107"), "510000");
  EXPECT_EQ(home_province("520100"), std::nullopt);
  EXPECT_EQ(home_province("50015"), std::nullopt);
  EXPECT_EQ(home_province("50a152"), std::nullopt);
}

TEST(HostMessages, Names) {
  EXPECT_EQ(operation_name(Operation::kReportLoss), "report-loss");
  EXPECT_EQ(operation_name(Operation::kCancelLoss), "cancel-loss");
  EXPECT_EQ(result_name(ResultCode::kCardNotActiveForChange), "card_not_active_for_change");
  EXPECT_EQ(result_name(ResultCode::kNotEligible), "not_eligible");
  EXPECT_EQ(card_state_name(CardState::kLossReported), "loss_reported");
  EXPECT_EQ(pension_status_name(PensionStatus::kSuspended), "suspended");
  EXPECT_EQ(contribution_kind_name(ContributionKind::kMedical), "medical");
  EXPECT_FALSE(changes_state(Operation::kQuery));
  EXPECT_TRUE(changes_state(Operation::kCertify));
}

}  // namespace
}  // namespace sscard::wire

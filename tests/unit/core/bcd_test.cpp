// Packed BCD, formats n and cn.
#include "sscard/core/bcd.h"

#include <gtest/gtest.h>

#include <string>

#include "vectors.h"

namespace sscard::bcd {
namespace {

using test::HeapCopy;
using test::Vector;
using test::hex;

std::string render(const Result<std::string>& r) {
  if (!r.ok()) return std::string(r.status().name());
  return r->empty() ? "ok" : "ok " + *r;
}

std::string render(Status s, ByteSpan out) {
  if (!s.ok()) return std::string(s.name());
  return out.empty() ? "ok" : "ok " + to_hex(out);
}

Result<std::string> run_decode(const std::string& op, ByteSpan in) {
  return op == "decode_n" ? decode_n(in) : decode_cn(in);
}

const std::vector<Vector>& all_vectors() {
  static const auto v = test::load_vectors("bcd_vectors.txt", 4);
  return v;
}

bool is_decode(const Vector& v) { return v[0] == "decode_n" || v[0] == "decode_cn"; }

class BcdDecode : public testing::TestWithParam<Vector> {};

TEST_P(BcdDecode, GivesExpectedDigits) {
  const Bytes in = hex(GetParam()[1]);
  HeapCopy copy(in);
  EXPECT_EQ(render(run_decode(GetParam()[0], copy.span())), GetParam()[3]);
}

INSTANTIATE_TEST_SUITE_P(Vectors, BcdDecode, testing::ValuesIn(test::where(all_vectors(), is_decode)),
                         test::vector_name);

class BcdDecodeValid : public testing::TestWithParam<Vector> {};

// A prefix of valid BCD is valid BCD holding the leading digits (cn: its padding may be cut away).
TEST_P(BcdDecodeValid, PrefixesGiveLeadingDigits) {
  const Vector& v = GetParam();
  const Bytes in = hex(v[1]);
  const std::string digits = v[3].size() > 3 ? v[3].substr(3) : "";
  for (std::size_t n = 0; n < in.size(); ++n) {
    HeapCopy prefix(ByteSpan(in).first(n));
    auto r = run_decode(v[0], prefix.span());
    ASSERT_TRUE(r.ok()) << "prefix of " << n << " bytes";
    EXPECT_EQ(*r, digits.substr(0, std::min(2 * n, digits.size())));
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, BcdDecodeValid,
                         testing::ValuesIn(test::only_valid(test::where(all_vectors(), is_decode))),
                         test::vector_name);

class BcdEncode : public testing::TestWithParam<Vector> {};

TEST_P(BcdEncode, GivesExpectedBytes) {
  const Vector& v = GetParam();
  Bytes out(static_cast<std::size_t>(std::stoul(v[2])), 0xEE);
  const Status s = v[0] == "encode_n" ? encode_n(v[1], out) : encode_cn(v[1], out);
  EXPECT_EQ(render(s, out), v[3]);
  if (!s.ok()) {
    EXPECT_EQ(out, Bytes(out.size(), 0xEE)) << "nothing written on error";
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, BcdEncode,
                         testing::ValuesIn(test::where(all_vectors(), [](const Vector& v) { return !is_decode(v); })),
                         test::vector_name);

class BcdEncodeValid : public testing::TestWithParam<Vector> {};

// Encoding then decoding gives the digits back, with format n's zero padding or without cn's F padding.
TEST_P(BcdEncodeValid, DecodesBack) {
  const Vector& v = GetParam();
  Bytes out(static_cast<std::size_t>(std::stoul(v[2])));
  if (v[0] == "encode_n") {
    ASSERT_TRUE(encode_n(v[1], out).ok());
    const std::string padded = std::string(2 * out.size() - v[1].size(), '0') + v[1];
    EXPECT_EQ(*decode_n(out), padded);
  } else {
    ASSERT_TRUE(encode_cn(v[1], out).ok());
    EXPECT_EQ(*decode_cn(out), v[1]);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, BcdEncodeValid,
    testing::ValuesIn(test::only_valid(test::where(all_vectors(), [](const Vector& v) { return !is_decode(v); }))),
    test::vector_name);

TEST(Bcd, PinBlockDigitsForVerify) {
  // VERIFY 00 20 00 00 03 + the 6-digit PIN as BCD (docs/CARD.md).
  std::uint8_t pin[3];
  ASSERT_TRUE(encode_n("123456", pin).ok());
  EXPECT_EQ(to_hex(pin), "123456");
}

}  // namespace
}  // namespace sscard::bcd

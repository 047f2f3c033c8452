// ISO 9564-1 PIN blocks, formats 0 to 3: build, parse, and parse back.
#include "sscard/crypto/pin_block.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "crypto_vectors.h"

namespace sscard::crypto::test {
namespace {

PinBlockFormat format_of(const std::string& f) { return static_cast<PinBlockFormat>(std::stoi(f)); }

std::string pan_of(const std::string& f) { return f == "-" ? std::string() : f; }

std::string render(const Result<std::size_t>& r, const std::array<char, 16>& pin) {
  if (!r.ok()) return std::string(r.status().name());
  return "ok " + std::string(pin.data(), *r);
}

const std::vector<Vector>& build_vectors() {
  static const auto v = load_vectors("pin_block_vectors.txt", 6);
  return v;
}

// description | format | PIN | PAN | random | expected
class PinBlockBuild : public testing::TestWithParam<Vector> {};

TEST_P(PinBlockBuild, BuildsExpectedBlock) {
  const Vector& v = GetParam();
  HeapCopy random(optional_hex(v[4]));
  Bytes out(8);
  EXPECT_EQ(outcome(build_pin_block(format_of(v[1]), v[2], pan_of(v[3]), random.span(), out), out), v.expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, PinBlockBuild, testing::ValuesIn(build_vectors()), vector_name);

class PinBlockBuilt : public testing::TestWithParam<Vector> {};

TEST_P(PinBlockBuilt, ParsesBackToThePin) {
  const Vector& v = GetParam();
  HeapCopy block(hex(v.expected_value()));
  std::array<char, 16> pin{};
  EXPECT_EQ(render(parse_pin_block(format_of(v[1]), block.span(), pan_of(v[3]), pin), pin), "ok " + v[2]);
}

// A block comes from outside (a host, a PIN pad): every truncated one is refused, never read past.
TEST_P(PinBlockBuilt, RefusesEveryTruncatedBlock) {
  const Vector& v = GetParam();
  const Bytes block = hex(v.expected_value());
  std::array<char, 16> pin{};
  for (std::size_t n = 0; n < block.size(); ++n) {
    HeapCopy prefix(ByteSpan(block).first(n));
    EXPECT_EQ(parse_pin_block(format_of(v[1]), prefix.span(), pan_of(v[3]), pin).status(), Error::kInvalidArgument)
        << n << " bytes";
  }
}

TEST_P(PinBlockBuilt, RejectsShortOutputs) {
  const Vector& v = GetParam();
  Bytes out(7);
  EXPECT_EQ(build_pin_block(format_of(v[1]), v[2], pan_of(v[3]), optional_hex(v[4]), out).status(),
            Error::kBufferTooSmall);
  std::array<char, 16> pin{};
  EXPECT_EQ(parse_pin_block(format_of(v[1]), hex(v.expected_value()), pan_of(v[3]),
                            std::span(pin).first(v[2].size() - 1))
                .status(),
            Error::kBufferTooSmall);
}

INSTANTIATE_TEST_SUITE_P(Vectors, PinBlockBuilt,
                         testing::ValuesIn(where(build_vectors(), [](const Vector& v) { return v.expects_ok(); })),
                         vector_name);

// description | format | block | PAN | expected
class PinBlockParse : public testing::TestWithParam<Vector> {};

TEST_P(PinBlockParse, ParsesAsExpected) {
  const Vector& v = GetParam();
  HeapCopy block(hex(v[2]));
  std::array<char, 16> pin{};
  EXPECT_EQ(render(parse_pin_block(format_of(v[1]), block.span(), pan_of(v[3]), pin), pin), v.expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, PinBlockParse, testing::ValuesIn(load_vectors("pin_block_parse_vectors.txt", 5)),
                         vector_name);

// Every PIN length and fill byte value survives a format 3 round trip with the same PAN.
TEST(PinBlock, Format3RoundTripsEveryLength) {
  const std::string digits = "987654321098";
  for (std::size_t n = 4; n <= 12; ++n) {
    for (int seed = 0; seed < 256; seed += 37) {
      Bytes random(pin_block_fill_size(n));
      for (std::size_t i = 0; i < random.size(); ++i) random[i] = static_cast<std::uint8_t>(static_cast<std::size_t>(seed) + 13 * i);
      Bytes block(8);
      const std::string pin = digits.substr(0, n);
      ASSERT_TRUE(build_pin_block(PinBlockFormat::kFormat3, pin, "6214830000000001", random, block).ok());
      std::array<char, 16> out{};
      auto r = parse_pin_block(PinBlockFormat::kFormat3, block, "6214830000000001", out);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(std::string(out.data(), *r), pin);
    }
  }
}

}  // namespace
}  // namespace sscard::crypto::test

// Answer-to-reset (ISO/IEC 7816-3 section 8).
#include "sscard/core/atr.h"

#include <gtest/gtest.h>

#include <string>

#include "vectors.h"

namespace sscard::atr {
namespace {

using test::HeapCopy;
using test::Vector;
using test::hex;

std::string render(const Result<Atr>& r) {
  if (!r.ok()) return std::string(r.status().name());
  return "ok t0=" + std::to_string(r->offers_t0 ? 1 : 0) + " t1=" + std::to_string(r->offers_t1 ? 1 : 0) +
         " tck=" + std::to_string(r->has_tck ? 1 : 0) + " hist=" + to_hex(r->historical);
}

class AtrVectors : public testing::TestWithParam<Vector> {};

TEST_P(AtrVectors, ParseGivesExpectedFields) {
  const Bytes raw = hex(GetParam()[1]);
  HeapCopy copy(raw);
  const auto atr = parse(copy.span());
  EXPECT_EQ(render(atr), GetParam()[2]);
  if (atr.ok() && !atr->historical.empty()) {
    // The historical bytes are a view into the input, ending at the TCK or at the end.
    const std::size_t end = raw.size() - (atr->has_tck ? 1 : 0);
    EXPECT_EQ(atr->historical.data() + atr->historical.size(), copy.span().data() + end);
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, AtrVectors, testing::ValuesIn(test::load_vectors("atr_vectors.txt", 3)),
                         test::vector_name);

class AtrValid : public testing::TestWithParam<Vector> {};

// T0 and the TDi chain fix the length of a valid ATR, so every shorter prefix is truncated.
TEST_P(AtrValid, EveryPrefixIsTruncated) {
  const Bytes raw = hex(GetParam()[1]);
  for (std::size_t n = 0; n < raw.size(); ++n) {
    HeapCopy prefix(ByteSpan(raw).first(n));
    EXPECT_EQ(parse(prefix.span()).status(), Error::kTruncated) << "prefix of " << n << " bytes";
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, AtrValid,
                         testing::ValuesIn(test::only_valid(test::load_vectors("atr_vectors.txt", 3))),
                         test::vector_name);

TEST(Atr, SocialSecurityCardFactorIsTheLastEightHistoricalBytes) {
  // Kiosk code diversifies card keys with the last 8 bytes of the ATR (docs/CARD.md, unconfirmed).
  const Bytes raw = hex("3B6D000000814E43238697159900BF7C7A");
  auto atr = parse(raw);
  ASSERT_TRUE(atr.ok());
  ASSERT_EQ(atr->historical.size(), 13u);
  EXPECT_EQ(to_hex(atr->historical.last(8)), "8697159900BF7C7A");
}

}  // namespace
}  // namespace sscard::atr

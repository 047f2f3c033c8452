// ISO/IEC 9797-1 padding methods 1 and 2 (no backend involved).
#include "sscard/crypto/padding.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto_vectors.h"

namespace sscard::crypto::test {
namespace {

const std::vector<Vector>& vectors() {
  static const auto v = load_vectors("padding_vectors.txt", 5);
  return v;
}

bool is_unpad(const Vector& v) { return v[1] == "unpad2"; }

// description | method | block size | input | expected
class PadVector : public testing::TestWithParam<Vector> {};

TEST_P(PadVector, PadsAsDefined) {
  const Padding method = GetParam()[1] == "m1" ? Padding::kMethod1 : Padding::kMethod2;
  const std::size_t block = std::stoul(GetParam()[2]);
  HeapCopy data(hex(GetParam()[3]));
  Bytes out(padded_size(method, data.span().size(), block));
  EXPECT_EQ(outcome(pad(method, data.span(), block, out), out), GetParam().expected());
  if (!out.empty()) {
    Bytes short_out(out.size() - 1);
    EXPECT_EQ(pad(method, data.span(), block, short_out).status(), Error::kBufferTooSmall);
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, PadVector, testing::ValuesIn(where(vectors(), [](const Vector& v) {
                           return !is_unpad(v);
                         })),
                         vector_name);

class UnpadVector : public testing::TestWithParam<Vector> {};

std::string render(const Result<std::size_t>& r) {
  return r.ok() ? "ok " + std::to_string(*r) : std::string(r.status().name());
}

TEST_P(UnpadVector, FindsDataLength) {
  HeapCopy padded(hex(GetParam()[3]));
  EXPECT_EQ(render(unpad_method2(padded.span(), std::stoul(GetParam()[2]))), GetParam().expected());
}

// Padded data comes from cards and hosts: every prefix is handled (a shorter valid string or kMalformed),
// never read past.
TEST_P(UnpadVector, HandlesEveryPrefix) {
  const Bytes padded = hex(GetParam()[3]);
  const std::size_t block = std::stoul(GetParam()[2]);
  for (std::size_t n = 0; n < padded.size(); ++n) {
    HeapCopy prefix(ByteSpan(padded).first(n));
    auto r = unpad_method2(prefix.span(), block);
    if (r.ok()) {
      EXPECT_LT(*r, n);
      EXPECT_EQ(n % block, 0u);
    } else {
      EXPECT_EQ(r.status(), Error::kMalformed) << n << " bytes";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, UnpadVector, testing::ValuesIn(where(vectors(), is_unpad)), vector_name);

TEST(Padding, RoundTripsEveryLength) {
  for (std::size_t block : {8u, 16u}) {
    for (std::size_t n = 0; n <= 40; ++n) {
      Bytes data(n, 0x80);  // the worst case: data bytes that look like the padding marker
      Bytes out(padded_size(Padding::kMethod2, n, block));
      ASSERT_TRUE(pad(Padding::kMethod2, data, block, out).ok());
      EXPECT_EQ(out.size() % block, 0u);
      auto r = unpad_method2(out, block);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(*r, n);
    }
  }
}

TEST(Padding, ZeroBlockSizeIsRefused) {
  Bytes out(8);
  EXPECT_EQ(pad(Padding::kMethod2, Bytes{1}, 0, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(padded_size(Padding::kMethod1, 5, 0), 0u);
  EXPECT_EQ(unpad_method2(Bytes{0x80}, 0).status(), Error::kMalformed);
}

}  // namespace
}  // namespace sscard::crypto::test

// GBK <-> UTF-8 (names on the card, the SSSE application name).
#include "sscard/core/gbk.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "vectors.h"

namespace sscard::gbk {
namespace {

using test::HeapCopy;
using test::Vector;
using test::hex;

// The UTF-8 column: literal text, or hex:<bytes> for byte sequences that are not valid UTF-8.
std::string utf8_column(const std::string& field) {
  if (field.rfind("hex:", 0) != 0) return field;
  const Bytes b = hex(field.substr(4));
  return std::string(b.begin(), b.end());
}

const std::vector<Vector>& all_vectors() {
  static const auto v = test::load_vectors("gbk_vectors.txt", 4);
  return v;
}

class GbkToUtf8 : public testing::TestWithParam<Vector> {};

TEST_P(GbkToUtf8, GivesExpectedText) {
  const Vector& v = GetParam();
  const Bytes gbk = hex(v[1]);
  HeapCopy copy(gbk);
  const auto text = to_utf8(copy.span());
  EXPECT_EQ(test::outcome(text.status()), v[3]);
  if (v[0] == "both" && text.ok()) {
    EXPECT_EQ(*text, utf8_column(v[2]));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, GbkToUtf8,
    testing::ValuesIn(test::where(all_vectors(), [](const Vector& v) { return v[0] != "from_utf8"; })),
    test::vector_name);

class GbkFromUtf8 : public testing::TestWithParam<Vector> {};

TEST_P(GbkFromUtf8, GivesExpectedBytes) {
  const Vector& v = GetParam();
  const auto gbk = from_utf8(utf8_column(v[2]));
  EXPECT_EQ(test::outcome(gbk.status()), v[3]);
  if (v[0] == "both" && gbk.ok()) {
    EXPECT_EQ(to_hex(*gbk), v[1]);
  }
}

// A prefix that cuts a double-byte character is malformed; one that does not converts to text that
// encodes back to exactly the prefix.
INSTANTIATE_TEST_SUITE_P(
    Vectors, GbkFromUtf8,
    testing::ValuesIn(test::where(all_vectors(), [](const Vector& v) { return v[0] != "to_utf8"; })),
    test::vector_name);

class GbkValid : public testing::TestWithParam<Vector> {};

TEST_P(GbkValid, EveryPrefix) {
  const Vector& v = GetParam();
  const Bytes gbk = hex(v[1]);
  std::size_t i = 0;
  std::vector<bool> boundary(gbk.size() + 1, false);
  while (i < gbk.size()) {  // GBK lead bytes are 81..FE, followed by one trail byte (GBK 1.0)
    boundary[i] = true;
    i += gbk[i] >= 0x81 ? 2u : 1u;
  }
  for (std::size_t n = 0; n < gbk.size(); ++n) {
    HeapCopy prefix(ByteSpan(gbk).first(n));
    const auto text = to_utf8(prefix.span());
    if (!boundary[n]) {
      EXPECT_EQ(text.status(), Error::kMalformed) << "prefix of " << n << " bytes";
      continue;
    }
    ASSERT_TRUE(text.ok()) << "prefix of " << n << " bytes";
    EXPECT_EQ(to_hex(*from_utf8(*text)), to_hex(prefix.span()));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, GbkValid, testing::ValuesIn(test::where(all_vectors(), [](const Vector& v) { return v[0] == "both"; })),
    test::vector_name);

TEST(Gbk, TrimPaddingDropsTrailingZerosAndSpaces) {
  EXPECT_EQ(to_hex(trim_padding(hex("D5C5C8FD 0000 0000"))), "D5C5C8FD");
  EXPECT_EQ(to_hex(trim_padding(hex("41 2020"))), "41");
  EXPECT_EQ(to_hex(trim_padding(hex("D5C5 20 00 20"))), "D5C5");
  EXPECT_EQ(to_hex(trim_padding(hex("00 41 00"))), "0041");  // only trailing padding goes
  EXPECT_TRUE(trim_padding(hex("000000")).empty());
  EXPECT_TRUE(trim_padding({}).empty());
}

TEST(Gbk, NameRecordWithPaddingAndExtension) {
  // EF06 record 2 (tag 09): 30 bytes GBK padded with 00; record 3 (tag 4E) extends it (docs/CARD.md).
  Bytes name = hex("D5C5");
  name.resize(30, 0x00);
  Bytes extension = hex("C8FD");
  extension.resize(20, 0x00);
  Bytes full(trim_padding(name).begin(), trim_padding(name).end());
  const ByteSpan ext = trim_padding(extension);
  full.insert(full.end(), ext.begin(), ext.end());
  EXPECT_EQ(*to_utf8(full), "张三");
  EXPECT_EQ(to_utf8(name).value().size(), 3u + 28u);  // untrimmed, the NULs come through as text
}

TEST(Gbk, ConvertsConcurrently) {
  const Bytes ssse = hex("7378312E73682EC9E7BBE1B1A3D5CF");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto text = to_utf8(ssse);
        if (!text.ok() || *text != "sx1.sh.社会保障") ++failures[t];
        auto back = from_utf8("张三");
        if (!back.ok() || to_hex(*back) != "D5C5C8FD") ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace sscard::gbk

// BER-TLV decoder and builder (ISO/IEC 8825-1, ISO/IEC 7816-4 5.2, EMV Book 3 Annex B).
#include "sscard/core/tlv.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "vectors.h"

namespace sscard::tlv {
namespace {

using test::HeapCopy;
using test::Vector;
using test::hex;

std::string tag_hex(Tag tag) {
  Bytes b;
  for (std::size_t i = tag_size(tag); i > 0; --i) b.push_back(static_cast<std::uint8_t>(tag >> (8 * (i - 1))));
  return to_hex(b);
}

// The depth-first walk of `data` in the vector files' notation, or the first decode error at any depth.
Result<std::string> walk(ByteSpan data) {
  std::string out;
  Parser parser(data);
  while (true) {
    auto e = parser.next();
    if (e.status() == Error::kNotFound) return out;
    if (!e.ok()) return e.status();
    if (!out.empty()) out += ' ';
    out += tag_hex(e->tag);
    if (e->constructed) {
      auto inner = walk(e->value);
      if (!inner.ok()) return inner.status();
      out += "{" + *inner + "}";
    } else {
      out += "=" + to_hex(e->value);
    }
  }
}

std::string render(const Result<std::string>& r) {
  if (!r.ok()) return std::string(r.status().name());
  return r->empty() ? "ok" : "ok " + *r;
}

// Every element in pre-order (the order find_recursive searches in). Only for valid input.
void flatten(ByteSpan data, std::vector<Element>& out) {
  for (const Element& e : Elements(data)) {
    out.push_back(e);
    if (e.constructed) flatten(e.value, out);
  }
}

// Re-encodes the tree of `data` with the Builder.
void rebuild(ByteSpan data, Builder& b) {
  for (const Element& e : Elements(data)) {
    if (e.constructed) {
      b.open(e.tag);
      rebuild(e.value, b);
      b.close();
    } else {
      b.add(e.tag, e.value);
    }
  }
}

std::size_t offset(ByteSpan base, ByteSpan part) { return static_cast<std::size_t>(part.data() - base.data()); }

const std::vector<Vector>& all_vectors() {
  static const auto v = test::load_vectors("tlv_vectors.txt", 3);
  return v;
}

// ---- Valid encodings ----

class TlvValid : public testing::TestWithParam<Vector> {};

TEST_P(TlvValid, WalkMatchesExpectedTree) {
  const Bytes data = hex(GetParam()[1]);
  HeapCopy copy(data);
  EXPECT_EQ(render(walk(copy.span())), GetParam()[2]);
}

// A prefix that stops at the end of a top-level element (or inside padding) is itself a valid sequence;
// a prefix that stops anywhere else cuts an element short and must be reported as truncated.
TEST_P(TlvValid, EveryPrefixIsValidOrTruncated) {
  const Bytes data = hex(GetParam()[1]);
  std::set<std::size_t> clean_ends;
  std::size_t previous_end = 0;
  for (const Element& e : Elements(data)) {
    for (std::size_t i = previous_end; i <= offset(data, e.encoded); ++i) clean_ends.insert(i);
    previous_end = offset(data, e.encoded) + e.encoded.size();
  }
  for (std::size_t i = previous_end; i <= data.size(); ++i) clean_ends.insert(i);

  for (std::size_t n = 0; n < data.size(); ++n) {
    HeapCopy prefix(ByteSpan(data).first(n));
    const auto r = walk(prefix.span());
    if (clean_ends.count(n) != 0) {
      EXPECT_TRUE(r.ok()) << "prefix of " << n << " bytes: " << r.status().name();
    } else {
      EXPECT_EQ(r.status(), Error::kTruncated) << "prefix of " << n << " bytes";
    }
  }
}

TEST_P(TlvValid, ElementsRangeMatchesParser) {
  const Bytes data = hex(GetParam()[1]);
  std::vector<ByteSpan> from_parser;
  Parser parser(data);
  while (!parser.at_end()) {
    auto e = parser.next();
    ASSERT_TRUE(e.ok());
    from_parser.push_back(e->encoded);
  }
  EXPECT_EQ(parser.next().status(), Error::kNotFound);

  Elements range(data);
  std::size_t i = 0;
  for (const Element& e : range) {
    ASSERT_LT(i, from_parser.size());
    EXPECT_EQ(e.encoded.data(), from_parser[i].data());
    EXPECT_EQ(e.encoded.size(), from_parser[i].size());
    ++i;
  }
  EXPECT_EQ(i, from_parser.size());
  EXPECT_TRUE(range.status().ok());
}

// find_recursive() returns the first element with the tag in pre-order; find() only looks at the top level.
TEST_P(TlvValid, FindLocatesEveryTag) {
  const Bytes data = hex(GetParam()[1]);
  std::vector<Element> all;
  flatten(data, all);
  std::set<Tag> top_level;
  for (const Element& e : Elements(data)) top_level.insert(e.tag);
  std::set<Tag> seen;
  for (const Element& e : all) {
    if (!seen.insert(e.tag).second) continue;
    auto found = find_recursive(data, e.tag);
    ASSERT_TRUE(found.ok()) << tag_hex(e.tag);
    EXPECT_EQ(found->encoded.data(), e.encoded.data()) << tag_hex(e.tag);
    EXPECT_EQ(found->value.size(), e.value.size());
    auto top = find(data, e.tag);
    if (top_level.count(e.tag) != 0) {
      ASSERT_TRUE(top.ok());
      EXPECT_EQ(top->tag, e.tag);
    } else {
      EXPECT_EQ(top.status(), Error::kNotFound) << tag_hex(e.tag);
    }
  }
  EXPECT_EQ(find_recursive(data, 0x9F7F).status(), Error::kNotFound);
  EXPECT_EQ(find(data, 0x9F7F).status(), Error::kNotFound);
}

// Builder output decodes back to the same tree, with minimal lengths and no padding.
TEST_P(TlvValid, BuilderRoundTrip) {
  const Bytes data = hex(GetParam()[1]);
  Bytes buffer(data.size() + 16);
  Builder b(buffer);
  rebuild(data, b);
  ASSERT_TRUE(b.status().ok()) << b.status().name();
  EXPECT_LE(b.size(), data.size());
  EXPECT_EQ(render(walk(b.bytes())), GetParam()[2]);
  // Building into a buffer of exactly the output size works too; one byte less does not.
  Bytes exact(b.size());
  Builder fits(exact);
  rebuild(data, fits);
  EXPECT_TRUE(fits.status().ok());
  EXPECT_EQ(to_hex(fits.bytes()), to_hex(b.bytes()));
  if (!exact.empty()) {
    Bytes short_buffer(b.size() - 1);
    Builder too_small(short_buffer);
    rebuild(data, too_small);
    EXPECT_EQ(too_small.status(), Error::kBufferTooSmall);
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, TlvValid, testing::ValuesIn(test::only_valid(all_vectors())),
                         test::vector_name);

// ---- Invalid encodings ----

class TlvInvalid : public testing::TestWithParam<Vector> {};

TEST_P(TlvInvalid, WalkReportsExpectedError) {
  const Bytes data = hex(GetParam()[1]);
  HeapCopy copy(data);
  EXPECT_EQ(render(walk(copy.span())), GetParam()[2]);
}

TEST_P(TlvInvalid, ElementsRangeStopsWithError) {
  const Bytes data = hex(GetParam()[1]);
  Elements range(data);
  for (const Element& e : range) EXPECT_NE(e.tag, 0u);
  Parser parser(data);
  Status top_level_error = kOk;
  while (!parser.at_end()) {
    auto e = parser.next();
    if (!e.ok()) {
      top_level_error = e.status();
      break;
    }
  }
  EXPECT_EQ(range.status(), top_level_error);
}

TEST_P(TlvInvalid, PrefixesNeverReadPastTheEnd) {
  const Bytes data = hex(GetParam()[1]);
  for (std::size_t n = 0; n < data.size(); ++n) {
    HeapCopy prefix(ByteSpan(data).first(n));
    const auto r = walk(prefix.span());
    if (!r.ok()) {
      EXPECT_TRUE(r.status() == Error::kTruncated || r.status() == Error::kMalformed ||
                  r.status() == Error::kUnsupported)
          << r.status().name();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, TlvInvalid, testing::ValuesIn(test::only_invalid(all_vectors())),
                         test::vector_name);

// ---- Decoder details ----

TEST(TlvDecode, ReportsTagConstructedBitAndSpans) {
  const Bytes data = hex("6F 03 84 01 AA 99");
  auto e = decode(data);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->tag, 0x6Fu);
  EXPECT_TRUE(e->constructed);
  EXPECT_EQ(e->value.data(), data.data() + 2);
  EXPECT_EQ(to_hex(e->value), "8401AA");
  EXPECT_EQ(to_hex(e->encoded), "6F038401AA");
}

TEST(TlvDecode, MultiByteTagValues) {
  EXPECT_EQ(decode(hex("9F3800"))->tag, 0x9F38u);
  EXPECT_EQ(decode(hex("BF0C00"))->tag, 0xBF0Cu);
  EXPECT_TRUE(decode(hex("BF0C00"))->constructed);
  EXPECT_FALSE(decode(hex("5F2D00"))->constructed);
  EXPECT_EQ(decode(hex("DF810100"))->tag, 0xDF8101u);
  EXPECT_EQ(decode(hex("9F81800100"))->tag, 0x9F818001u);
}

TEST(TlvDecode, TagZeroIsMalformedAndPaddingIsNotSkipped) {
  EXPECT_EQ(decode(hex("00015A")).status(), Error::kMalformed);
  EXPECT_EQ(decode({}).status(), Error::kTruncated);
}

TEST(TlvParser, ErrorIsSticky) {
  const Bytes data = hex("5A0111 5A80 9F0201AA");
  Parser parser(data);
  auto first = parser.next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->tag, 0x5Au);
  EXPECT_EQ(parser.next().status(), Error::kMalformed);
  EXPECT_FALSE(parser.at_end());  // the bad bytes stay unread
  EXPECT_EQ(parser.next().status(), Error::kMalformed);
}

TEST(TlvParser, CleanEndIsNotFound) {
  const Bytes data = hex("5A0111 FF00");
  Parser parser(data);
  EXPECT_FALSE(parser.at_end());
  EXPECT_TRUE(parser.next().ok());
  EXPECT_TRUE(parser.at_end());
  EXPECT_EQ(parser.next().status(), Error::kNotFound);
  EXPECT_EQ(parser.next().status(), Error::kNotFound);
}

TEST(TlvElements, StatusTellsEndFromError) {
  const Bytes good = hex("5A0111 9F0201AA");
  Elements ok_range(good);
  int count = 0;
  for (const Element& e : ok_range) count += e.tag != 0 ? 1 : 0;
  EXPECT_EQ(count, 2);
  EXPECT_TRUE(ok_range.status().ok());

  const Bytes bad = hex("5A0111 9F0205AA");
  Elements bad_range(bad);
  count = 0;
  for (const Element& e : bad_range) count += e.tag == 0x5A ? 1 : 0;
  EXPECT_EQ(count, 1);
  EXPECT_EQ(bad_range.status(), Error::kTruncated);
  // Iterating again starts over and reaches the same verdict.
  count = 0;
  for (const Element& e : bad_range) count += e.tag == 0x5A ? 1 : 0;
  EXPECT_EQ(count, 1);
  EXPECT_EQ(bad_range.status(), Error::kTruncated);
}

TEST(TlvFind, SsseFciAlgorithmIdentifier) {
  // SELECT sx1.sh.社会保障 answer: 9F0C carries 86 01 <algorithm id> (docs/CARD.md).
  const Bytes fci = hex("6F19 840F7378312E73682EC9E7BBE1B1A3D5CF A506 9F0C03860101");
  EXPECT_EQ(to_hex(find(fci, 0x6F)->value).substr(0, 4), "840F");
  EXPECT_EQ(find(fci, 0x9F0C).status(), Error::kNotFound);
  auto algo = find_recursive(fci, 0x9F0C);
  ASSERT_TRUE(algo.ok());
  EXPECT_EQ(to_hex(algo->value), "860101");
  auto inner = find(algo->value, 0x86);
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(to_hex(inner->value), "01");
  EXPECT_EQ(to_hex(find_recursive(fci, 0x84)->value), "7378312E73682EC9E7BBE1B1A3D5CF");
}

TEST(TlvFind, ErrorBeforeTheTagIsReported) {
  const Bytes data = hex("5A80 9F0201AA");
  EXPECT_EQ(find(data, 0x9F02).status(), Error::kMalformed);
  EXPECT_EQ(find_recursive(data, 0x9F02).status(), Error::kMalformed);
  // An error after the element is never reached.
  const Bytes later = hex("9F0201AA 5A80");
  EXPECT_EQ(to_hex(find(later, 0x9F02)->value), "AA");
}

Bytes nested(int depth) {
  Bytes data = hex("C10101");
  for (int i = 0; i < depth; ++i) {
    Bytes outer = {0xE1, static_cast<std::uint8_t>(data.size())};
    outer.insert(outer.end(), data.begin(), data.end());
    data = outer;
  }
  return data;
}

TEST(TlvFind, RecursionDepthIsBounded) {
  const Bytes deep_ok = nested(16);
  auto found = find_recursive(deep_ok, 0xC1);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(to_hex(found->value), "01");
  EXPECT_EQ(find_recursive(nested(17), 0xC1).status(), Error::kUnsupported);
}

TEST(TlvSizes, TagSize) {
  EXPECT_EQ(tag_size(0x5A), 1u);
  EXPECT_EQ(tag_size(0x9F38), 2u);
  EXPECT_EQ(tag_size(0xBF0C), 2u);
  EXPECT_EQ(tag_size(0x5F2D), 2u);
  EXPECT_EQ(tag_size(0xDF8101), 3u);
  EXPECT_EQ(tag_size(0x9F818001), 4u);
}

TEST(TlvSizes, LengthSize) {
  EXPECT_EQ(length_size(0), 1u);
  EXPECT_EQ(length_size(127), 1u);
  EXPECT_EQ(length_size(128), 2u);
  EXPECT_EQ(length_size(255), 2u);
  EXPECT_EQ(length_size(256), 3u);
  EXPECT_EQ(length_size(65535), 3u);
  EXPECT_EQ(length_size(65536), 4u);
  EXPECT_EQ(length_size(0xFFFFFF), 4u);
  EXPECT_EQ(length_size(0x1000000), 5u);
}

// ---- Builder ----

TEST(TlvBuilder, WritesPrimitiveElements) {
  std::uint8_t buffer[32];
  Builder b(buffer);
  b.add(0x5A, hex("6214830000000001")).add(0x9F02, hex("000000001000")).add(0x9F36, {});
  ASSERT_TRUE(b.status().ok());
  EXPECT_EQ(to_hex(b.bytes()), "5A0862148300000000019F02060000000010009F3600");
}

TEST(TlvBuilder, NestedTemplatesGetTheirLengths) {
  std::uint8_t buffer[64];
  Builder b(buffer);
  b.open(0x6F).add(0x84, hex("7378312E73682EC9E7BBE1B1A3D5CF")).open(0xA5).add(0x9F0C, hex("860101")).close().close();
  ASSERT_TRUE(b.status().ok());
  EXPECT_EQ(to_hex(b.bytes()), "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C03860101");
}

TEST(TlvBuilder, CloseMovesLongValuesForLongLengths) {
  Bytes buffer(400);
  Builder b(buffer);
  const Bytes name(200, 0x41);
  b.open(0x70).add(0x5F20, name).close();
  ASSERT_TRUE(b.status().ok());
  // 5F20 81 C8 <200> = 204 bytes inside 70 81 CC.
  EXPECT_EQ(to_hex(b.bytes().first(7)), "7081CC5F2081C8");
  EXPECT_EQ(b.size(), 3u + 204u);

  Builder big(buffer);
  big.open(0xBF0C).add(0xDF01, Bytes(300, 0x42)).close();
  ASSERT_TRUE(big.status().ok());
  // DF01 82 012C <300> = 305 bytes inside BF0C 82 0131.
  EXPECT_EQ(to_hex(big.bytes().first(10)), "BF0C820131DF0182012C");
  auto e = decode(big.bytes());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->value.size(), 305u);
  EXPECT_EQ(e->encoded.size(), big.size());
}

TEST(TlvBuilder, CloseWithoutRoomForLongLengthFails) {
  Bytes buffer(2 + 4 + 128);  // 70 xx | 5F20 81 80 | 128 bytes: no room for the outer length's 81
  Builder b(buffer);
  b.open(0x70).add(0x5F20, Bytes(128, 0x41)).close();
  EXPECT_EQ(b.status(), Error::kBufferTooSmall);

  Bytes roomy(buffer.size() + 1);
  Builder fits(roomy);
  fits.open(0x70).add(0x5F20, Bytes(128, 0x41)).close();
  ASSERT_TRUE(fits.status().ok());
  EXPECT_EQ(to_hex(fits.bytes().first(6)), "7081845F2081");  // 5F20 81 80 <128> = 132 = 0x84
  EXPECT_EQ(fits.size(), roomy.size());
}

TEST(TlvBuilder, BufferTooSmallIsSticky) {
  std::uint8_t buffer[4];
  Builder b(buffer);
  b.add(0x5A, hex("112233"));
  EXPECT_EQ(b.status(), Error::kBufferTooSmall);
  b.add(0x5A, hex("11"));  // would fit, but the builder has failed
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.status(), Error::kBufferTooSmall);
}

TEST(TlvBuilder, RejectsTagsThatCannotBeEncoded) {
  std::uint8_t buffer[16];
  for (Tag bad : {Tag{0x00}, Tag{0x1F}, Tag{0x9F}, Tag{0x9F8F}, Tag{0x5A01}, Tag{0x9F0181}}) {
    Builder b(buffer);
    b.add(bad, hex("01"));
    EXPECT_EQ(b.status(), Error::kInvalidArgument) << std::hex << bad;
  }
  Builder primitive(buffer);
  primitive.open(0x5A);
  EXPECT_EQ(primitive.status(), Error::kInvalidArgument);
}

TEST(TlvBuilder, UnbalancedNesting) {
  std::uint8_t buffer[32];
  Builder extra_close(buffer);
  extra_close.add(0x5A, hex("11")).close();
  EXPECT_EQ(extra_close.status(), Error::kInvalidArgument);

  Builder still_open(buffer);
  still_open.open(0x70).add(0x5A, hex("11"));
  EXPECT_EQ(still_open.status(), Error::kInvalidArgument);
  still_open.close();
  EXPECT_TRUE(still_open.status().ok());
  EXPECT_EQ(to_hex(still_open.bytes()), "70035A0111");
}

TEST(TlvBuilder, NestingDepthLimit) {
  std::uint8_t buffer[64];
  Builder b(buffer);
  for (int i = 0; i < 8; ++i) b.open(0xE1);
  EXPECT_EQ(b.status(), Error::kInvalidArgument);  // open, not failed
  for (int i = 0; i < 8; ++i) b.close();
  EXPECT_TRUE(b.status().ok());
  EXPECT_EQ(render(walk(b.bytes())), "ok E1{E1{E1{E1{E1{E1{E1{E1{}}}}}}}}");

  Builder too_deep(buffer);
  for (int i = 0; i < 9; ++i) too_deep.open(0xE1);
  for (int i = 0; i < 9; ++i) too_deep.close();
  EXPECT_EQ(too_deep.status(), Error::kInvalidArgument);
}

TEST(TlvBuilder, EmptyBuilderIsOk) {
  Builder b(MutableByteSpan{});
  EXPECT_TRUE(b.status().ok());
  EXPECT_EQ(b.size(), 0u);
  b.add(0x5A, {});
  EXPECT_EQ(b.status(), Error::kBufferTooSmall);
}

}  // namespace
}  // namespace sscard::tlv

// Command and response APDUs (ISO/IEC 7816-3 12.1, ISO/IEC 7816-4 5.1).
#include "sscard/core/apdu.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "vectors.h"

namespace sscard::apdu {
namespace {

using test::HeapCopy;
using test::Vector;
using test::hex;

std::string render(const Result<Command>& r) {
  if (!r.ok()) return std::string(r.status().name());
  std::ostringstream out;
  out << "ok case=" << static_cast<int>(r->apdu_case()) << " nc=" << r->data.size() << " ne=" << r->ne
      << " ext=" << (r->is_extended() ? 1 : 0);
  return out.str();
}

const std::vector<Vector>& all_vectors() {
  static const auto v = test::load_vectors("apdu_vectors.txt", 3);
  return v;
}

class ApduVectors : public testing::TestWithParam<Vector> {};

TEST_P(ApduVectors, ParseGivesExpectedCase) {
  const Bytes raw = hex(GetParam()[1]);
  HeapCopy copy(raw);
  const auto c = parse_command(copy.span());
  EXPECT_EQ(render(c), GetParam()[2]);
  if (c.ok()) {
    EXPECT_EQ(c->cla, raw[0]);
    EXPECT_EQ(c->ins, raw[1]);
    EXPECT_EQ(c->p1, raw[2]);
    EXPECT_EQ(c->p2, raw[3]);
    if (!c->data.empty()) {  // a view into the input
      EXPECT_EQ(c->data.data(), copy.span().data() + (c->is_extended() ? 7 : 5));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, ApduVectors, testing::ValuesIn(all_vectors()), test::vector_name);

class ApduValid : public testing::TestWithParam<Vector> {};

// A valid command encodes back to exactly its bytes.
TEST_P(ApduValid, EncodeRoundTrip) {
  const Bytes raw = hex(GetParam()[1]);
  const auto c = parse_command(raw);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->encoded_size(), raw.size());
  Bytes out(raw.size());
  auto n = c->encode(out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, raw.size());
  EXPECT_EQ(to_hex(out), to_hex(raw));
  EXPECT_EQ(to_hex(c->to_bytes()), to_hex(raw));
}

// A prefix of a command can itself be a valid shorter command (case 1 is every 4-byte prefix); if it
// parses, it must be exactly that command. Otherwise it is an error, and never an over-read.
TEST_P(ApduValid, EveryPrefixIsAnErrorOrItself) {
  const Bytes raw = hex(GetParam()[1]);
  for (std::size_t n = 0; n < raw.size(); ++n) {
    HeapCopy prefix(ByteSpan(raw).first(n));
    const auto c = parse_command(prefix.span());
    if (c.ok()) {
      EXPECT_EQ(to_hex(c->to_bytes()), to_hex(prefix.span())) << "prefix of " << n << " bytes";
    } else {
      EXPECT_TRUE(c.status() == Error::kTruncated || c.status() == Error::kMalformed) << c.status().name();
    }
    if (n < 4) {
      EXPECT_EQ(c.status(), Error::kTruncated);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, ApduValid, testing::ValuesIn(test::only_valid(all_vectors())),
                         test::vector_name);

const Bytes kSsseName = hex("7378312E73682EC9E7BBE1B1A3D5CF");  // sx1.sh.社会保障 in GBK

TEST(ApduEncode, SelectSsseCase3Short) {
  Command select{0x00, 0xA4, 0x04, 0x00, kSsseName, 0, false};
  EXPECT_EQ(select.apdu_case(), Case::k3);
  EXPECT_FALSE(select.is_extended());
  EXPECT_EQ(to_hex(select.to_bytes()), "00A404000F7378312E73682EC9E7BBE1B1A3D5CF");
}

TEST(ApduEncode, Ne256IsLe00InShortForm) {
  Command read{0x00, 0xB2, 0x01, 0x2C, {}, 256, false};
  EXPECT_EQ(read.apdu_case(), Case::k2);
  EXPECT_EQ(to_hex(read.to_bytes()), "00B2012C00");
  Command select{0x00, 0xA4, 0x04, 0x00, kSsseName, 256, false};
  EXPECT_EQ(select.apdu_case(), Case::k4);
  EXPECT_EQ(to_hex(select.to_bytes()), "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00");
}

TEST(ApduEncode, LongDataOrNeSwitchesToExtended) {
  const Bytes data(256, 0xA5);
  Command write{0x00, 0xD6, 0x00, 0x00, data, 0, false};
  EXPECT_TRUE(write.is_extended());
  EXPECT_EQ(to_hex(write.to_bytes()).substr(0, 14), "00D60000000100");
  EXPECT_EQ(write.encoded_size(), 4u + 3u + 256u);

  Command read{0x00, 0xB0, 0x00, 0x00, {}, 257, false};
  EXPECT_EQ(to_hex(read.to_bytes()), "00B00000000101");
  Command read_all{0x00, 0xB0, 0x00, 0x00, {}, kMaxExtendedNe, false};
  EXPECT_EQ(to_hex(read_all.to_bytes()), "00B00000000000");
  const Bytes three = hex("112233");
  Command both{0x00, 0x2A, 0x80, 0x86, three, kMaxExtendedNe, true};
  EXPECT_EQ(to_hex(both.to_bytes()), "002A80860000031122330000");
  Command forced{0x00, 0xB0, 0x00, 0x00, {}, 256, true};
  EXPECT_EQ(to_hex(forced.to_bytes()), "00B00000000100");
}

TEST(ApduEncode, LargestCommandFillsMaxCommandSize) {
  const Bytes data(kMaxExtendedNc, 0x11);
  Command c{0x80, 0xE2, 0x00, 0x00, data, kMaxExtendedNe, false};
  EXPECT_EQ(c.encoded_size(), kMaxCommandSize);
  Bytes out(kMaxCommandSize);
  auto n = c.encode(out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, kMaxCommandSize);
  auto back = parse_command(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->data.size(), kMaxExtendedNc);
  EXPECT_EQ(back->ne, kMaxExtendedNe);
}

TEST(ApduEncode, RejectsOversizedRequests) {
  const Bytes data(kMaxExtendedNc + 1, 0x11);
  Bytes out(kMaxCommandSize + 8);
  Command too_much_data{0x00, 0xD6, 0x00, 0x00, data, 0, false};
  EXPECT_EQ(too_much_data.encode(out).status(), Error::kInvalidArgument);
  EXPECT_TRUE(too_much_data.to_bytes().empty());
  Command too_much_ne{0x00, 0xB0, 0x00, 0x00, {}, kMaxExtendedNe + 1, false};
  EXPECT_EQ(too_much_ne.encode(out).status(), Error::kInvalidArgument);
}

TEST(ApduEncode, BufferTooSmall) {
  const Bytes pin = hex("123456");
  Command c{0x00, 0x20, 0x00, 0x00, pin, 0, false};
  Bytes exact(8);
  EXPECT_EQ(*c.encode(exact), 8u);
  EXPECT_EQ(to_hex(exact), "0020000003123456");
  Bytes short_buffer(7);
  EXPECT_EQ(c.encode(short_buffer).status(), Error::kBufferTooSmall);
}

TEST(ApduResponse, ParseSplitsDataAndStatusWord) {
  const Bytes raw = hex("6F0A8408A000000333010101 9000");
  HeapCopy copy(raw);
  auto r = parse_response(copy.span());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_hex(r->data), "6F0A8408A000000333010101");
  EXPECT_EQ(r->data.data(), copy.span().data());
  EXPECT_TRUE(r->sw.is_success());
}

TEST(ApduResponse, StatusWordOnly) {
  auto r = parse_response(hex("6110"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->data.empty());
  EXPECT_TRUE(r->sw.is_bytes_available());
  EXPECT_EQ(r->sw.sw2(), 0x10);
}

TEST(ApduResponse, TooShortIsTruncated) {
  for (const Bytes& raw : {Bytes{}, Bytes{0x90}}) {
    HeapCopy copy(raw);
    EXPECT_EQ(parse_response(copy.span()).status(), Error::kTruncated);
  }
}

TEST(ApduResponse, EncodeAppendsStatusWord) {
  const Bytes record = hex("0110639900D15600000500BF7C7A48FB4966");
  Bytes out(record.size() + 2);
  auto n = encode_response(record, sw::kSuccess, out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, record.size() + 2);
  EXPECT_EQ(to_hex(out), "0110639900D15600000500BF7C7A48FB49669000");

  Bytes sw_only(2);
  EXPECT_EQ(*encode_response({}, StatusWord(0x6C, 0x12), sw_only), 2u);
  EXPECT_EQ(to_hex(sw_only), "6C12");
  Bytes too_small(record.size() + 1);
  EXPECT_EQ(encode_response(record, sw::kSuccess, too_small).status(), Error::kBufferTooSmall);
}

TEST(ApduResponse, EncodeParseRoundTrip) {
  const Bytes data(kMaxShortNe, 0x5A);
  Bytes out(kMaxShortResponseSize);
  ASSERT_TRUE(encode_response(data, sw::kFileInvalidated, out).ok());
  auto r = parse_response(out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data.size(), kMaxShortNe);
  EXPECT_EQ(r->sw, sw::kFileInvalidated);
}

}  // namespace
}  // namespace sscard::apdu

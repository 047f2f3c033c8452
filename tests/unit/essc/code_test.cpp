// The code as a value, its binary and text forms (tests/data/essc/code-vectors.txt, made with python3 from
// docs/ESSC.md), format errors, and SM2 signing: a signature made with the openssl command line verifies on
// every backend, and a code signed by one backend verifies on the other.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "essc_test_support.h"
#include "sscard/essc/base32.h"
#include "sscard/essc/code.h"
#include "vector_file.h"

namespace sscard::essc {
namespace {

using support::Backend;
using sscard::test::Vector;

template <std::size_t N>
std::array<std::uint8_t, N> array_of(const std::string& hex_text) {
  const Bytes b = sscard::test::hex(hex_text);
  std::array<std::uint8_t, N> out{};
  EXPECT_EQ(b.size(), N) << hex_text;
  std::copy_n(b.begin(), std::min(b.size(), N), out.begin());
  return out;
}

Code code_of(const Vector& v) {
  Code c;
  c.purpose = purpose_from_name(v[1]).value_or(Purpose::kQuery);
  EXPECT_TRUE(purpose_from_name(v[1]).has_value()) << v[1];
  c.platform = v[2];
  c.key_index = static_cast<std::uint8_t>(std::stoul(v[3]));
  c.region = v[4];
  c.reference = array_of<kReferenceSize>(v[5]);
  c.issued_at = static_cast<std::uint32_t>(std::stoul(v[6]));
  c.validity_minutes = static_cast<std::uint8_t>(std::stoul(v[7]));
  c.nonce = array_of<kNonceSize>(v[8]);
  c.signature = array_of<kSignatureSize>(v[9]);
  return c;
}

std::string format_outcome(const Result<Code, FormatError>& r) {
  return r.ok() ? "ok" : std::string(format_error_name(r.error()));
}

const std::vector<Vector>& code_vectors() {
  static const std::vector<Vector> all = support::vectors("code-vectors.txt", 12);
  return all;
}

// ---- The forms, against the vectors ----

class CodeVector : public ::testing::TestWithParam<Vector> {};

TEST_P(CodeVector, EncodesToTheExpectedBytesAndText) {
  const Code code = code_of(GetParam());
  EXPECT_EQ(to_hex(encode_binary(code)), GetParam()[10]);
  EXPECT_EQ(encode_text(code), GetParam()[11]);
  EXPECT_EQ(encode_text(code).size(), kTextSize);
  EXPECT_EQ(to_hex(signed_part(code)), GetParam()[10].substr(0, 2 * kSignedSize));
}

TEST_P(CodeVector, DecodesFromTheBytesAndTheText) {
  const Code code = code_of(GetParam());
  auto from_binary = decode_binary(sscard::test::hex(GetParam()[10]));
  ASSERT_TRUE(from_binary.ok()) << format_error_name(from_binary.error());
  EXPECT_EQ(*from_binary, code);
  auto from_text = parse_text(GetParam()[11]);
  ASSERT_TRUE(from_text.ok()) << format_error_name(from_text.error());
  EXPECT_EQ(*from_text, code);
  EXPECT_TRUE(well_formed(code));
}

// Every shorter prefix of a code, each in a heap block of its own size: a format error, never a read past it.
TEST_P(CodeVector, EveryPrefixIsMalformed) {
  const Bytes binary = sscard::test::hex(GetParam()[10]);
  for (std::size_t n = 0; n < binary.size(); ++n) {
    const sscard::test::HeapCopy prefix(ByteSpan(binary).first(n));
    EXPECT_EQ(format_outcome(decode_binary(prefix.span())), "malformed") << n;
  }
  const std::string text = GetParam()[11];
  for (std::size_t n = 0; n < text.size(); ++n) {
    const std::string expected = n < kTextPrefix.size() ? "not_a_code" : "malformed";
    EXPECT_EQ(format_outcome(parse_text(text.substr(0, n))), expected) << n;
  }
}

TEST_P(CodeVector, TheTextIsInTheQrAlphanumericSet) {
  constexpr std::string_view kQrAlphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  for (char c : GetParam()[11]) EXPECT_NE(kQrAlphanumeric.find(c), std::string_view::npos) << c;
}

INSTANTIATE_TEST_SUITE_P(Vectors, CodeVector, ::testing::ValuesIn(code_vectors()), sscard::test::vector_name);

// ---- Format errors ----

Bytes vector_binary(std::size_t n = 0) { return sscard::test::hex(code_vectors().at(n)[10]); }

std::string text_of(ByteSpan binary) { return std::string(kTextPrefix) + base32_encode(binary); }

TEST(CodeFormat, NamesOfPurposesAndErrors) {
  EXPECT_EQ(purpose_name(Purpose::kQuery), "query");
  EXPECT_EQ(purpose_name(Purpose::kPayment), "payment");
  EXPECT_EQ(purpose_name(Purpose::kMedical), "medical");
  EXPECT_EQ(purpose_from_name("payment"), Purpose::kPayment);
  EXPECT_EQ(purpose_from_name("medical"), Purpose::kMedical);
  EXPECT_EQ(purpose_from_name("Query"), std::nullopt);
  EXPECT_EQ(purpose_from_name(""), std::nullopt);
  EXPECT_EQ(format_error_name(FormatError::kNotACode), "not_a_code");
  EXPECT_EQ(format_error_name(FormatError::kMalformed), "malformed");
  EXPECT_EQ(format_error_name(FormatError::kUnsupportedVersion), "unsupported_version");
}

TEST(CodeFormat, TextWithoutThePrefixIsNotACode) {
  EXPECT_EQ(format_outcome(parse_text("")), "not_a_code");
  EXPECT_EQ(format_outcome(parse_text("HTTPS://EXAMPLE.COM/")), "not_a_code");
  EXPECT_EQ(format_outcome(parse_text("6901234567892")), "not_a_code");  // an EAN-13 barcode
  const std::string text = code_vectors().at(0)[11];
  EXPECT_EQ(format_outcome(parse_text("essc:" + text.substr(5))), "not_a_code");
  EXPECT_EQ(format_outcome(parse_text(" " + text)), "not_a_code");
  EXPECT_EQ(format_outcome(parse_text(text.substr(5))), "not_a_code");
}

TEST(CodeFormat, BadBase32IsMalformed) {
  const std::string text = code_vectors().at(0)[11];
  EXPECT_EQ(format_outcome(parse_text("ESSC:")), "malformed");
  std::string bad = text;
  bad[40] = '1';  // not in the alphabet
  EXPECT_EQ(format_outcome(parse_text(bad)), "malformed");
  ASSERT_EQ(text[40], 'B');
  bad = text;
  bad[40] = 'b';  // lower case
  EXPECT_EQ(format_outcome(parse_text(bad)), "malformed");
  EXPECT_EQ(format_outcome(parse_text(text + "====")), "malformed");  // padding
  EXPECT_EQ(format_outcome(parse_text(text + "\r\n")), "malformed");  // a scanner's line end is the caller's
  // The last character carries 4 fill bits, which must be zero: 'A' -> 'B' sets one.
  ASSERT_EQ(text.back(), 'A');
  bad = text;
  bad.back() = 'B';
  EXPECT_EQ(format_outcome(parse_text(bad)), "malformed");
}

TEST(CodeFormat, WrongLengthIsMalformed) {
  const Bytes binary = vector_binary();
  Bytes longer = binary;
  longer.push_back(0x00);
  EXPECT_EQ(format_outcome(decode_binary(longer)), "malformed");
  EXPECT_EQ(format_outcome(parse_text(text_of(longer))), "malformed");
  const Bytes shorter(binary.begin(), binary.end() - 1);
  EXPECT_EQ(format_outcome(decode_binary(shorter)), "malformed");
  EXPECT_EQ(format_outcome(parse_text(text_of(shorter))), "malformed");
  // One character fewer or more than a code's text: no whole number of bytes, or a byte too many.
  const std::string text = code_vectors().at(0)[11];
  EXPECT_EQ(format_outcome(parse_text(text.substr(0, text.size() - 1))), "malformed");
  EXPECT_EQ(format_outcome(parse_text(text + "AAAAAAAA")), "malformed");
}

// One byte of the binary form replaced; each change is refused both as bytes and as text.
struct FieldChange {
  const char* what;
  std::size_t offset;
  std::uint8_t value;
  const char* expected;
};

TEST(CodeFormat, FieldsOutOfRange) {
  const std::vector<FieldChange> changes = {
      {"purpose 00", 1, 0x00, "malformed"},
      {"purpose 04", 1, 0x04, "malformed"},
      {"purpose FF", 1, 0xFF, "malformed"},
      {"platform digit A", 2, 0x0A, "malformed"},
      {"platform digit F (high nibble)", 4, 0xF0, "malformed"},
      {"region digit B", 6, 0x5B, "malformed"},
      {"region digit E (last)", 8, 0x0E, "malformed"},
      {"validity 0", 29, 0x00, "malformed"},
      {"validity 11", 29, 0x0B, "malformed"},
      {"validity FF", 29, 0xFF, "malformed"},
      {"version 00", 0, 0x00, "unsupported_version"},
      {"version 02", 0, 0x02, "unsupported_version"},
      {"version FF", 0, 0xFF, "unsupported_version"},
      {"validity 1", 29, 0x01, "ok"},
      {"validity 10", 29, 0x0A, "ok"},
      {"purpose 03", 1, 0x03, "ok"},
      {"region 999999", 6, 0x99, "ok"},  // digits: its home issuer is the checks' question, not the format's
  };
  for (const FieldChange& c : changes) {
    Bytes binary = vector_binary();
    binary[c.offset] = c.value;
    EXPECT_EQ(format_outcome(decode_binary(binary)), c.expected) << c.what;
    EXPECT_EQ(format_outcome(parse_text(text_of(binary))), c.expected) << c.what;
  }
}

// docs/ESSC.md "Offline checks": the version is read before the length and every other field, since another
// version may have another layout.
TEST(CodeFormat, TheVersionIsReadBeforeTheLengthAndTheFields) {
  Bytes v2 = {0x02};
  EXPECT_EQ(format_outcome(decode_binary(v2)), "unsupported_version");
  v2.resize(120, 0xEE);  // longer, and with bytes format 1 would refuse
  EXPECT_EQ(format_outcome(decode_binary(v2)), "unsupported_version");
  EXPECT_EQ(format_outcome(parse_text(text_of(v2))), "unsupported_version");
  EXPECT_EQ(format_outcome(decode_binary(Bytes{0x01})), "malformed");
  EXPECT_EQ(format_outcome(decode_binary(Bytes{})), "malformed");
  // Text that is not Base32 is malformed whatever its first characters say.
  EXPECT_EQ(format_outcome(parse_text(text_of(v2) + "!")), "malformed");
}

TEST(CodeFormat, AFieldOutOfRangeIsEncodedSoThatDecodingRefusesIt) {
  Code c = support::sample_code();
  c.platform = "12345";  // five digits
  c.region = "5001O3";   // a letter O
  const Bytes binary = encode_binary(c);
  EXPECT_EQ(to_hex(ByteSpan(binary).subspan(2, 3)), "FFFFFF");
  EXPECT_EQ(to_hex(ByteSpan(binary).subspan(6, 3)), "FFFFFF");
  EXPECT_EQ(format_outcome(decode_binary(binary)), "malformed");
  EXPECT_FALSE(well_formed(c));
}

// ---- Signing ----

class CodeSigning : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    crypto_ = GetParam().make();
    ASSERT_NE(crypto_, nullptr);
  }
  crypto::Crypto& crypto() { return *crypto_; }

 private:
  std::unique_ptr<crypto::Crypto> crypto_;
};

TEST_P(CodeSigning, TheSignatureMadeWithTheOpensslCommandLineVerifies) {
  const support::KeyPair key = support::platform_key();
  const Code code = code_of(code_vectors().at(0));
  EXPECT_EQ(verify(crypto(), key.trusted.public_key, code), kOk);
  EXPECT_EQ(verify(crypto(), support::foreign_key().trusted.public_key, code), Error::kSecurity);
  // The test key's point is the one its private key gives.
  std::array<std::uint8_t, 64> point{};
  ASSERT_EQ(crypto().sm2_public_key(key.private_key, point), kOk);
  EXPECT_EQ(point, key.trusted.public_key);
}

TEST_P(CodeSigning, SignsWhatItVerifies) {
  const support::KeyPair key = support::platform_key();
  Code code = support::sample_code();
  ASSERT_EQ(sign(crypto(), key.private_key, code), kOk);
  EXPECT_NE(code.signature, Signature{});
  EXPECT_EQ(verify(crypto(), key.trusted.public_key, code), kOk);
  // The signature is over the signed part only: the signature field itself is not covered.
  auto parsed = parse_text(encode_text(code));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(verify(crypto(), key.trusted.public_key, *parsed), kOk);
}

TEST_P(CodeSigning, RefusesBadKeysAndCodesOutOfRange) {
  const support::KeyPair key = support::platform_key();
  Code code = support::sample_code();
  EXPECT_EQ(sign(crypto(), ByteSpan(key.private_key).first(31), code), Error::kInvalidArgument);
  EXPECT_EQ(code.signature, Signature{});
  code.validity_minutes = 11;
  EXPECT_EQ(sign(crypto(), key.private_key, code), Error::kInvalidArgument);
  EXPECT_EQ(code.signature, Signature{});
  EXPECT_EQ(verify(crypto(), key.trusted.public_key, code), Error::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, CodeSigning, ::testing::ValuesIn(support::all_backends()),
                         support::backend_name);

// Signed with one backend, verified with another: the two implement one format. Every ordered pair of the
// build's backends (with Mbed TLS built: OpenSSL -> Mbed TLS and Mbed TLS -> OpenSSL).
std::vector<std::pair<Backend, Backend>> backend_pairs() {
  std::vector<std::pair<Backend, Backend>> pairs;
  for (const Backend& a : support::all_backends()) {
    for (const Backend& b : support::all_backends()) {
      if (a.name != b.name || support::all_backends().size() == 1) pairs.emplace_back(a, b);
    }
  }
  return pairs;
}

class CrossBackend : public ::testing::TestWithParam<std::pair<Backend, Backend>> {};

TEST_P(CrossBackend, SignedByOneVerifiedByTheOther) {
  const auto signer = GetParam().first.make();
  const auto verifier = GetParam().second.make();
  ASSERT_NE(signer, nullptr);
  ASSERT_NE(verifier, nullptr);
  const support::KeyPair key = support::platform_key();
  for (std::uint32_t i = 0; i < 8; ++i) {
    Code code = support::sample_code(1765000000 + i);
    code.purpose = static_cast<Purpose>(1 + i % 3);
    code.nonce[0] = static_cast<std::uint8_t>(i);
    ASSERT_EQ(sign(*signer, key.private_key, code), kOk);
    EXPECT_EQ(verify(*verifier, key.trusted.public_key, code), kOk) << i;
    auto parsed = parse_text(encode_text(code));
    ASSERT_TRUE(parsed.ok());
    const CheckContext context{std::span<const TrustedKey>(&key.trusted, 1), code.purpose, code.issued_at + 1};
    EXPECT_EQ(check_code(*verifier, *parsed, context), Refusal::kNone) << i;
    // One changed bit of the signed part, and the other backend refuses it too.
    code.nonce[7] ^= 0x01;
    EXPECT_EQ(verify(*verifier, key.trusted.public_key, code), Error::kSecurity) << i;
  }
}

std::string pair_name(const ::testing::TestParamInfo<std::pair<Backend, Backend>>& param) {
  return param.param.first.name + "_to_" + param.param.second.name;
}

INSTANTIATE_TEST_SUITE_P(Backends, CrossBackend, ::testing::ValuesIn(backend_pairs()), pair_name);

}  // namespace
}  // namespace sscard::essc

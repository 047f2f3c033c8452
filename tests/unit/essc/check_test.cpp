// The kiosk's offline checks (docs/ESSC.md "Offline checks"): each refusal, its boundaries, and the order of the
// table when a code fails more than one check. Every code goes the kiosk's way: text, parse_text, check_code.
// Run on every crypto backend of the build.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "essc_test_support.h"
#include "sscard/essc/base32.h"
#include "sscard/essc/check.h"

namespace sscard::essc {
namespace {

using support::Backend;

constexpr std::uint32_t kIssued = 1765000000;

class OfflineCheck : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    crypto_ = GetParam().make();
    ASSERT_NE(crypto_, nullptr);
    keys_ = {support::platform_key().trusted};
    // Another platform's key, so that a lookup must match the platform and the index.
    TrustedKey sichuan = support::foreign_key().trusted;
    sichuan.platform = "510000";
    sichuan.index = 1;
    keys_.push_back(sichuan);
  }

  crypto::Crypto& crypto() { return *crypto_; }

  // A code of the national platform's key 1, signed with it.
  Code signed_code(Code code = support::sample_code(kIssued)) {
    EXPECT_EQ(sign(crypto(), support::platform_key().private_key, code), kOk);
    return code;
  }

  // What the kiosk decides on a scanned text at `now` in a flow of `purpose`.
  Refusal scan(const std::string& text, std::int64_t now = kIssued + 60, Purpose purpose = Purpose::kQuery) {
    auto code = parse_text(text);
    if (!code.ok()) return refusal_of(code.error());
    return check_code(crypto(), *code, CheckContext{keys_, purpose, now});
  }
  Refusal scan(const Code& code, std::int64_t now = kIssued + 60, Purpose purpose = Purpose::kQuery) {
    return scan(encode_text(code), now, purpose);
  }

  // The binary form of `code` with one byte changed, as text.
  static std::string changed(const Code& code, std::size_t offset, std::uint8_t value) {
    Bytes binary = encode_binary(code);
    binary[offset] = value;
    return std::string(kTextPrefix) + base32_encode(binary);
  }

  std::vector<TrustedKey> keys_;

 private:
  std::unique_ptr<crypto::Crypto> crypto_;
};

TEST_P(OfflineCheck, AGoodCodeIsTaken) {
  EXPECT_EQ(scan(signed_code()), Refusal::kNone);
  // Both provinces' cards, every purpose in its own flow.
  for (const char* region : {"500000", "500152", "510000", "510104", "513436"}) {
    Code c = support::sample_code(kIssued);
    c.region = region;
    EXPECT_EQ(scan(signed_code(c)), Refusal::kNone) << region;
  }
  for (Purpose p : {Purpose::kQuery, Purpose::kPayment, Purpose::kMedical}) {
    Code c = support::sample_code(kIssued);
    c.purpose = p;
    EXPECT_EQ(scan(signed_code(c), kIssued + 60, p), Refusal::kNone) << purpose_name(p);
  }
}

TEST_P(OfflineCheck, NotACode) {
  EXPECT_EQ(scan("HTTPS://WEIXIN.QQ.COM/"), Refusal::kNotACode);
  EXPECT_EQ(scan(""), Refusal::kNotACode);
  EXPECT_EQ(scan("6901234567892"), Refusal::kNotACode);
}

TEST_P(OfflineCheck, Malformed) {
  const Code code = signed_code();
  const std::string text = encode_text(code);
  std::string bad = text;
  bad[60] = '8';  // not Base32
  EXPECT_EQ(scan(bad), Refusal::kMalformed);
  EXPECT_EQ(scan(text.substr(0, text.size() - 1)), Refusal::kMalformed);  // wrong length
  EXPECT_EQ(scan(text + "AAAAAAAA"), Refusal::kMalformed);                 // 107 bytes
  EXPECT_EQ(scan(changed(code, 3, 0x0A)), Refusal::kMalformed);           // platform digit A
  EXPECT_EQ(scan(changed(code, 7, 0xC1)), Refusal::kMalformed);           // region digit C
  EXPECT_EQ(scan(changed(code, 1, 0x00)), Refusal::kMalformed);           // purpose 0
  EXPECT_EQ(scan(changed(code, 1, 0x04)), Refusal::kMalformed);           // purpose 4
  EXPECT_EQ(scan(changed(code, 29, 0x00)), Refusal::kMalformed);          // validity 0
  EXPECT_EQ(scan(changed(code, 29, 0x0B)), Refusal::kMalformed);          // validity 11
  // A code made in memory with a field out of range is refused the same way.
  Code in_memory = code;
  in_memory.validity_minutes = 0;
  EXPECT_EQ(check_code(crypto(), in_memory, CheckContext{keys_, Purpose::kQuery, kIssued + 60}), Refusal::kMalformed);
  in_memory = code;
  in_memory.platform = "0000";
  EXPECT_EQ(check_code(crypto(), in_memory, CheckContext{keys_, Purpose::kQuery, kIssued + 60}), Refusal::kMalformed);
}

TEST_P(OfflineCheck, UnsupportedVersion) {
  const Code code = signed_code();
  EXPECT_EQ(scan(changed(code, 0, 0x02)), Refusal::kUnsupportedVersion);
  EXPECT_EQ(scan(changed(code, 0, 0x00)), Refusal::kUnsupportedVersion);
  // A version 2 code of another length, with bytes a version 1 code could not have.
  Bytes v2(130, 0xEE);
  v2[0] = 0x02;
  EXPECT_EQ(scan(std::string(kTextPrefix) + base32_encode(v2)), Refusal::kUnsupportedVersion);
}

TEST_P(OfflineCheck, UnknownRegion) {
  // Only the Chongqing (50xxxx) and Sichuan (51xxxx) issuers are reachable; a good signature does not help.
  for (const char* region : {"110105", "520102", "000000", "490000", "520000", "999999"}) {
    Code c = support::sample_code(kIssued);
    c.region = region;
    EXPECT_EQ(scan(signed_code(c)), Refusal::kUnknownRegion) << region;
  }
}

TEST_P(OfflineCheck, UnknownKey) {
  Code other_index = support::sample_code(kIssued);
  other_index.key_index = 2;
  EXPECT_EQ(scan(signed_code(other_index)), Refusal::kUnknownKey);
  Code other_platform = support::sample_code(kIssued);
  other_platform.platform = "500000";
  EXPECT_EQ(scan(signed_code(other_platform)), Refusal::kUnknownKey);
  // No key at all.
  const Code code = signed_code();
  EXPECT_EQ(check_code(crypto(), code, CheckContext{{}, Purpose::kQuery, kIssued + 60}), Refusal::kUnknownKey);
  // A configured key that is no point of the curve: the configuration is at fault, not the code.
  std::vector<TrustedKey> broken = {support::platform_key().trusted};
  broken[0].public_key.fill(0);
  EXPECT_EQ(check_code(crypto(), code, CheckContext{broken, Purpose::kQuery, kIssued + 60}), Refusal::kUnknownKey);
}

TEST_P(OfflineCheck, BadSignature) {
  const Code code = signed_code();
  struct Flip {
    const char* field;
    std::size_t offset;
    std::uint8_t bit;
  };
  // A flipped bit in each signed field that stays within its range (and keeps the code's key and a
  // reachable region), and in r and s.
  const std::vector<Flip> flips = {
      {"purpose 01 -> 03", 1, 0x02},  {"region 500103 -> 500102", 8, 0x01}, {"reference first byte", 9, 0x80},
      {"reference last byte", 24, 0x01}, {"issued at, low bit", 28, 0x01}, {"issued at, high bit", 25, 0x80},
      {"validity 5 -> 4", 29, 0x01},  {"nonce first byte", 30, 0x40},     {"nonce last byte", 37, 0x01},
      {"signature r, first byte", 38, 0x01}, {"signature r, last byte", 69, 0x80},
      {"signature s, first byte", 70, 0x10}, {"signature s, last byte", 101, 0x01},
  };
  const Bytes binary = encode_binary(code);
  for (const Flip& f : flips) {
    EXPECT_EQ(scan(changed(code, f.offset, static_cast<std::uint8_t>(binary[f.offset] ^ f.bit))),
              Refusal::kBadSignature)
        << f.field;
  }
  // Signed by a key the platform does not hold, under the platform's name and key index.
  Code forged = support::sample_code(kIssued);
  ASSERT_EQ(sign(crypto(), support::foreign_key().private_key, forged), kOk);
  EXPECT_EQ(scan(forged), Refusal::kBadSignature);
  // No signature at all.
  Code unsigned_code = support::sample_code(kIssued);
  EXPECT_EQ(scan(unsigned_code), Refusal::kBadSignature);
}

TEST_P(OfflineCheck, NotYetValidBeyondTheClockSkew) {
  const std::int64_t now = kIssued;
  const Code code = signed_code();
  EXPECT_EQ(kClockSkewSeconds, 300);
  EXPECT_EQ(scan(code, now - 301), Refusal::kNotYetValid);  // issued 301 s ahead of the kiosk
  EXPECT_EQ(scan(code, now - 300), Refusal::kNone);         // 300 s ahead: still taken
  EXPECT_EQ(scan(code, now), Refusal::kNone);
  EXPECT_EQ(scan(code, 0), Refusal::kNotYetValid);
}

TEST_P(OfflineCheck, ExpiredAtIssuedAtPlusValidity) {
  const Code code = signed_code();  // 5 minutes
  EXPECT_EQ(scan(code, kIssued + 5 * 60 - 1), Refusal::kNone);   // one second before
  EXPECT_EQ(scan(code, kIssued + 5 * 60), Refusal::kExpired);    // exactly at issued-at + validity
  EXPECT_EQ(scan(code, kIssued + 24 * 3600), Refusal::kExpired);
  Code ten = support::sample_code(kIssued);
  ten.validity_minutes = 10;
  ten = signed_code(ten);
  EXPECT_EQ(scan(ten, kIssued + 599), Refusal::kNone);
  EXPECT_EQ(scan(ten, kIssued + 600), Refusal::kExpired);
  // Clocks far from the code's time give an answer, never an overflow.
  EXPECT_EQ(scan(code, INT64_MAX), Refusal::kExpired);
  EXPECT_EQ(scan(code, INT64_MIN), Refusal::kNotYetValid);
}

TEST_P(OfflineCheck, WrongPurpose) {
  const Code query = signed_code();
  EXPECT_EQ(scan(query, kIssued + 60, Purpose::kPayment), Refusal::kWrongPurpose);
  EXPECT_EQ(scan(query, kIssued + 60, Purpose::kMedical), Refusal::kWrongPurpose);
  Code payment = support::sample_code(kIssued);
  payment.purpose = Purpose::kPayment;
  EXPECT_EQ(scan(signed_code(payment), kIssued + 60, Purpose::kQuery), Refusal::kWrongPurpose);
}

// When a code fails several checks, the first of the table's order is the one reported.
TEST_P(OfflineCheck, TheFirstFailingCheckOfTheTableIsReported) {
  Code c = support::sample_code(kIssued);
  c.region = "110105";
  c.key_index = 9;
  EXPECT_EQ(scan(c), Refusal::kUnknownRegion);  // unknown_region before unknown_key (and an unsigned code)
  c = support::sample_code(kIssued);
  c.key_index = 9;
  EXPECT_EQ(scan(c, kIssued + 3600, Purpose::kPayment), Refusal::kUnknownKey);  // before the signature
  c = support::sample_code(kIssued);
  EXPECT_EQ(scan(c, kIssued + 3600, Purpose::kPayment), Refusal::kBadSignature);  // before the time checks
  const Code good = signed_code();
  EXPECT_EQ(scan(good, kIssued - 3600, Purpose::kPayment), Refusal::kNotYetValid);  // before the purpose
  EXPECT_EQ(scan(good, kIssued + 3600, Purpose::kPayment), Refusal::kExpired);      // before the purpose
  // The version before everything the binary form holds.
  Bytes v2 = encode_binary(c);
  v2[0] = 0x02;
  v2[1] = 0x09;
  v2[29] = 0x00;
  EXPECT_EQ(scan(std::string(kTextPrefix) + base32_encode(v2)), Refusal::kUnsupportedVersion);
}

INSTANTIATE_TEST_SUITE_P(Backends, OfflineCheck, ::testing::ValuesIn(support::all_backends()),
                         support::backend_name);

// ---- Names and messages ----

constexpr Refusal kAll[] = {Refusal::kNone,         Refusal::kNotACode,     Refusal::kMalformed,
                            Refusal::kUnsupportedVersion, Refusal::kUnknownRegion, Refusal::kUnknownKey,
                            Refusal::kBadSignature, Refusal::kNotYetValid,  Refusal::kExpired,
                            Refusal::kWrongPurpose, Refusal::kReplayed};

TEST(Refusals, NamesAreTheDocumentedOnes) {
  std::vector<std::string> names;
  for (Refusal r : kAll) names.emplace_back(refusal_name(r));
  EXPECT_EQ(names, (std::vector<std::string>{"none", "not_a_code", "malformed", "unsupported_version",
                                             "unknown_region", "unknown_key", "bad_signature", "not_yet_valid",
                                             "expired", "wrong_purpose", "replayed"}));
}

TEST(Refusals, EachMessageIsOneLineThatSaysWhatToDo) {
  std::set<std::string> seen;
  for (Refusal r : kAll) {
    const std::string m = refusal_message(r);
    EXPECT_FALSE(m.empty()) << refusal_name(r);
    EXPECT_EQ(m.find('\n'), std::string::npos) << refusal_name(r);
    EXPECT_LE(m.size(), 120u) << refusal_name(r);
    if (r != Refusal::kNone) {
      EXPECT_NE(m.find(": "), std::string::npos) << refusal_name(r) << ": " << m;
    }
    EXPECT_TRUE(seen.insert(m).second) << "two refusals share the message " << m;
  }
  EXPECT_EQ(refusal_message(Refusal::kExpired), "the code has expired: show a fresh one");
  EXPECT_EQ(refusal_message(Refusal::kReplayed), "the code has already been used: show a fresh one");
}

TEST(Refusals, FormatErrorsMapToTheirRefusals) {
  EXPECT_EQ(refusal_of(FormatError::kNotACode), Refusal::kNotACode);
  EXPECT_EQ(refusal_of(FormatError::kMalformed), Refusal::kMalformed);
  EXPECT_EQ(refusal_of(FormatError::kUnsupportedVersion), Refusal::kUnsupportedVersion);
  EXPECT_EQ(refusal_name(refusal_of(FormatError::kUnsupportedVersion)),
            format_error_name(FormatError::kUnsupportedVersion));
}

}  // namespace
}  // namespace sscard::essc

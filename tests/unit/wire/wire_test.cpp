// Frames (docs/HOST-PROTOCOL.md "Frame", "MAC", "Link keys", "Refusals"): openssl-computed vectors, MAC
// checks on every bit, every prefix, refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "samples.h"

namespace sscard::wire {
namespace {

using sscard::test::hex;
using sscard::test::HeapCopy;
using sscard::test::Vector;

std::vector<Vector> vectors(std::string_view type) {
  return sscard::test::where(sscard::test::load_vector_file("host", "frames.txt", 5),
                             [&](const Vector& v) { return v[1] == type; });
}

LinkKey key_from(const std::string& text) {
  const Bytes b = hex(text);
  LinkKey k{};
  EXPECT_EQ(b.size(), k.size());
  std::copy_n(b.begin(), std::min(b.size(), k.size()), k.begin());
  return k;
}

template <std::size_t N>
std::array<std::uint8_t, N> array_from(const std::string& text) {
  const Bytes b = hex(text);
  std::array<std::uint8_t, N> a{};
  EXPECT_EQ(b.size(), N);
  std::copy_n(b.begin(), std::min(b.size(), N), a.begin());
  return a;
}

// The frame of a wire message: the bytes after LEN.
ByteSpan frame_of(const Bytes& message) { return ByteSpan(message).subspan(4); }

FrameHeader sample_header(FrameKind kind = FrameKind::kRequest) {
  FrameHeader h;
  h.kind = kind;
  h.sender = "500152000101";
  h.nonce = {1, 2, 3, 4, 5, 6, 7, 8};
  h.timestamp_ms = 1730800000000;
  if (kind == FrameKind::kResponse) h.request_nonce = {9, 8, 7, 6, 5, 4, 3, 2};
  return h;
}

LinkKey kiosk_key() {
  const Bytes master = hex("E60B12111BD782B076C871E58A124F9E");
  auto k = derive_link_key(test::test_crypto(), master, "500152000101");
  EXPECT_TRUE(k.ok());
  return k.ok() ? *k : LinkKey{};
}

Bytes sealed(const FrameHeader& h, ByteSpan payload, const LinkKey& key) {
  auto m = seal(test::test_crypto(), h, payload, key);
  EXPECT_TRUE(m.ok()) << m.status().name();
  return m.ok() ? *m : Bytes{};
}

class LinkKeyVectors : public testing::TestWithParam<Vector> {};
TEST_P(LinkKeyVectors, MatchOpenssl) {
  const Vector& v = GetParam();
  auto k = derive_link_key(test::test_crypto(), hex(v[2]), v[3]);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ("ok " + to_hex(*k), v.expected());
}
INSTANTIATE_TEST_SUITE_P(Frames, LinkKeyVectors, testing::ValuesIn(vectors("link_key")), sscard::test::vector_name);

class SealVectors : public testing::TestWithParam<Vector> {};
TEST_P(SealVectors, MatchOpensslAndOpen) {
  const Vector& v = GetParam();
  FrameHeader h;
  LinkKey key{};
  for (const auto& [name, value] : test::spec_fields(v[2])) {
    if (name == "kind") h.kind = static_cast<FrameKind>(test::hex_byte(value));
    else if (name == "sender") h.sender = value;
    else if (name == "nonce") h.nonce = array_from<8>(value);
    else if (name == "ts") h.timestamp_ms = std::stoull(value);
    else if (name == "rnonce") h.request_nonce = array_from<8>(value);
    else if (name == "key") key = key_from(value);
    else ADD_FAILURE() << name;
  }
  const Bytes payload = hex(v[3]);
  const Bytes message = sealed(h, payload, key);
  EXPECT_EQ("ok " + to_hex(message), v.expected());

  auto opened = open(test::test_crypto(), frame_of(message), key);
  ASSERT_TRUE(opened.ok()) << opened.status().name();
  EXPECT_EQ(opened->payload, payload);
  EXPECT_EQ(opened->header.kind, h.kind);
  EXPECT_EQ(opened->header.sender, h.sender);
  EXPECT_EQ(opened->header.nonce, h.nonce);
  EXPECT_EQ(opened->header.timestamp_ms, h.timestamp_ms);
  EXPECT_EQ(opened->header.request_nonce, h.request_nonce);
}
INSTANTIATE_TEST_SUITE_P(Frames, SealVectors, testing::ValuesIn(vectors("seal")), sscard::test::vector_name);

class OpenVectors : public testing::TestWithParam<Vector> {};
TEST_P(OpenVectors, GiveThePayloadOrTheError) {
  const Vector& v = GetParam();
  const Bytes message = hex(v[3]);
  const HeapCopy frame(frame_of(message));
  auto opened = open(test::test_crypto(), frame.span(), key_from(v[2]));
  EXPECT_EQ(opened.ok() ? sscard::test::outcome(kOk, opened->payload) : std::string(opened.status().name()),
            v.expected());
}
INSTANTIATE_TEST_SUITE_P(Frames, OpenVectors, testing::ValuesIn(vectors("open")), sscard::test::vector_name);

TEST(HostWire, SealLayout) {
  const Bytes payload = {0xDF, 0x01, 0x01, 0x01};
  const Bytes m = sealed(sample_header(), payload, kiosk_key());
  ASSERT_EQ(m.size(), 4 + kMinFrameSize + payload.size());
  EXPECT_EQ(to_hex(ByteSpan(m).first(48)),
            "00000040" "5348" "01" "01" "353030313532303030313031" "0102030405060708" "00000192FBB81C00"
            "0000000000000000" "00000004");
  EXPECT_EQ(Bytes(m.begin() + 48, m.begin() + 52), payload);
}

TEST(HostWire, RoundTripsRequestsAndResponses) {
  const LinkKey key = kiosk_key();
  for (FrameKind kind : {FrameKind::kRequest, FrameKind::kResponse}) {
    const Bytes payload = kind == FrameKind::kRequest ? test::encoded(test::sample_request())
                                                      : test::encoded(test::sample_response());
    const Bytes m = sealed(sample_header(kind), payload, key);
    auto opened = open(test::test_crypto(), frame_of(m), key);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(opened->payload, payload);
    EXPECT_EQ(opened->header.request_nonce, sample_header(kind).request_nonce);
    auto peeked = peek_header(frame_of(m));
    ASSERT_TRUE(peeked.ok());
    EXPECT_EQ(peeked->sender, "500152000101");
    EXPECT_EQ(peeked->kind, kind);
  }
}

TEST(HostWire, EmptyAndLargestPayloads) {
  const LinkKey key = kiosk_key();
  const Bytes empty = sealed(sample_header(), {}, key);
  EXPECT_EQ(empty.size(), 4 + kMinFrameSize);
  EXPECT_TRUE(open(test::test_crypto(), frame_of(empty), key).ok());

  const Bytes largest(kMaxFrameSize - kMinFrameSize, 0x5A);
  const Bytes m = sealed(sample_header(), largest, key);
  EXPECT_EQ(m.size(), 4 + kMaxFrameSize);
  auto opened = open(test::test_crypto(), frame_of(m), key);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->payload, largest);

  const Bytes too_large(kMaxFrameSize - kMinFrameSize + 1, 0x5A);
  EXPECT_EQ(seal(test::test_crypto(), sample_header(), too_large, key).status(), Error::kInvalidArgument);
}

TEST(HostWire, SealRefusesBadHeaders) {
  const LinkKey key = kiosk_key();
  FrameHeader h = sample_header();
  h.sender = "50015200010";
  EXPECT_EQ(seal(test::test_crypto(), h, {}, key).status(), Error::kInvalidArgument);
  h.sender = "50015200010X";
  EXPECT_EQ(seal(test::test_crypto(), h, {}, key).status(), Error::kInvalidArgument);
  h = sample_header();
  h.request_nonce[7] = 1;  // requests carry zeros there
  EXPECT_EQ(seal(test::test_crypto(), h, {}, key).status(), Error::kInvalidArgument);
  h = sample_header();
  h.kind = FrameKind::kRefusal;  // refusal() builds those, unauthenticated
  EXPECT_EQ(seal(test::test_crypto(), h, {}, key).status(), Error::kInvalidArgument);
}

// Every single-bit change is refused: header bytes by their decode rule or the MAC, all else by the MAC.
TEST(HostWire, EveryFlippedBitIsRefused) {
  const LinkKey key = kiosk_key();
  const Bytes m = sealed(sample_header(FrameKind::kResponse), test::encoded(test::sample_response()), key);
  const Bytes frame(m.begin() + 4, m.end());
  for (std::size_t i = 0; i < frame.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = frame;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ (1u << bit));
      const HeapCopy copy(bad);
      auto r = open(test::test_crypto(), copy.span(), key);
      ASSERT_FALSE(r.ok()) << i << "." << bit;
      const Error e = r.status().code();
      if (i < 2) {
        EXPECT_EQ(e, Error::kMalformed) << i;
      } else if (i == 2) {
        EXPECT_EQ(e, Error::kUnsupported);
      } else if (i < 16) {  // kind, sender: still valid values reach the MAC check
        EXPECT_TRUE(e == Error::kMalformed || e == Error::kSecurity) << i << "." << bit;
      } else if (i >= 40 && i < 44) {  // payload length
        EXPECT_TRUE(e == Error::kMalformed || e == Error::kTruncated) << i << "." << bit;
      } else {
        EXPECT_EQ(e, Error::kSecurity) << i << "." << bit;
      }
    }
  }
}

TEST(HostWire, WrongKeyIsASecurityError) {
  const LinkKey key = kiosk_key();
  const Bytes m = sealed(sample_header(), test::encoded(test::sample_request()), key);
  LinkKey other = key;
  other[0] ^= 0x80;
  EXPECT_EQ(open(test::test_crypto(), frame_of(m), other).status(), Error::kSecurity);
  auto host = derive_link_key(test::test_crypto(), hex("E60B12111BD782B076C871E58A124F9E"), kChongqingHostId);
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(open(test::test_crypto(), frame_of(m), *host).status(), Error::kSecurity);
}

TEST(HostWire, EveryPrefixOfAFrameIsTruncated) {
  const LinkKey key = kiosk_key();
  const Bytes m = sealed(sample_header(), test::encoded(test::sample_request()), key);
  const ByteSpan frame = frame_of(m);
  for (std::size_t n = 0; n < frame.size(); ++n) {
    const HeapCopy prefix(frame.first(n));
    EXPECT_EQ(open(test::test_crypto(), prefix.span(), key).status(), Error::kTruncated) << n;
    EXPECT_EQ(peek_header(prefix.span()).status(), Error::kTruncated) << n;
    EXPECT_EQ(refusal_reason(prefix.span()).status(), Error::kMalformed) << n;
  }
  Bytes longer(frame.begin(), frame.end());
  longer.push_back(0);
  EXPECT_EQ(open(test::test_crypto(), longer, key).status(), Error::kMalformed);
}

TEST(HostWire, OtherVersionIsUnsupported) {
  const LinkKey key = kiosk_key();
  const Bytes m = sealed(sample_header(), {}, key);
  Bytes frame(m.begin() + 4, m.end());
  for (std::uint8_t version : {std::uint8_t{0x00}, std::uint8_t{0x02}, std::uint8_t{0xFF}}) {
    frame[2] = version;
    EXPECT_EQ(open(test::test_crypto(), frame, key).status(), Error::kUnsupported);
    EXPECT_EQ(peek_header(frame).status(), Error::kUnsupported);
    EXPECT_EQ(peek_header(ByteSpan(frame).first(3)).status(), Error::kUnsupported);
  }
}

TEST(HostWire, HeaderRules) {
  const LinkKey key = kiosk_key();
  const Bytes m = sealed(sample_header(), {}, key);
  Bytes frame(m.begin() + 4, m.end());
  Bytes bad = frame;
  bad[3] = 0x04;  // kind
  EXPECT_EQ(peek_header(bad).status(), Error::kMalformed);
  bad = frame;
  bad[10] = ' ';  // sender
  EXPECT_EQ(peek_header(bad).status(), Error::kMalformed);
  bad = frame;
  bad[39] = 1;  // request nonce of a request
  EXPECT_EQ(peek_header(bad).status(), Error::kMalformed);
  bad = frame;
  bad[40] = 0x01;  // N far beyond the frame and the size limit
  EXPECT_EQ(peek_header(bad).status(), Error::kMalformed);
  Bytes huge(kMaxFrameSize + 1, 0);
  std::copy(frame.begin(), frame.begin() + 44, huge.begin());
  EXPECT_EQ(peek_header(huge).status(), Error::kMalformed);
}

TEST(HostWire, RefusalsRoundTrip) {
  const Nonce answered = {0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8};
  for (std::uint8_t r = 1; r <= 6; ++r) {
    const auto reason = static_cast<RefusalReason>(r);
    const Bytes m = refusal(kSichuanHostId, answered, reason, 1730800000123);
    ASSERT_EQ(m.size(), 4 + kMinFrameSize + 4);
    EXPECT_EQ(to_hex(ByteSpan(m).first(4)), "00000040");
    EXPECT_EQ(to_hex(ByteSpan(m).subspan(48, 4)), "DF7F010" + std::to_string(r));
    EXPECT_EQ(to_hex(ByteSpan(m).last(16)), std::string(32, '0'));
    auto h = peek_header(frame_of(m));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->kind, FrameKind::kRefusal);
    EXPECT_EQ(h->sender, kSichuanHostId);
    EXPECT_EQ(h->request_nonce, answered);
    EXPECT_EQ(h->timestamp_ms, 1730800000123u);
    auto back = refusal_reason(frame_of(m));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, reason);
    // Never authenticated: open() does not accept it under any key.
    EXPECT_EQ(open(test::test_crypto(), frame_of(m), kiosk_key()).status(), Error::kSecurity);
  }
  EXPECT_EQ(refusal_name(RefusalReason::kUnknownSender), "unknown_sender");
  EXPECT_EQ(refusal_name(RefusalReason::kBadMac), "bad_mac");
  EXPECT_EQ(refusal_name(RefusalReason::kReplay), "replay");
  // A sender that is no id still yields a well-formed frame.
  const Bytes odd = refusal("not an id", answered, RefusalReason::kMalformed, 0);
  EXPECT_TRUE(peek_header(frame_of(odd)).ok());
}

TEST(HostWire, RefusalReasonRefusesOtherFrames) {
  const LinkKey key = kiosk_key();
  EXPECT_EQ(refusal_reason(frame_of(sealed(sample_header(), {}, key))).status(), Error::kMalformed);
  Bytes m = refusal(kHubId, Nonce{}, RefusalReason::kStale, 1);
  m[4 + 44 + 3] = 0x07;  // no such reason
  EXPECT_EQ(refusal_reason(frame_of(m)).status(), Error::kMalformed);
  m[4 + 44 + 3] = 0x00;
  EXPECT_EQ(refusal_reason(frame_of(m)).status(), Error::kMalformed);
  m[4 + 44 + 2] = 0x00;  // DF7F with no value, then a stray byte
  EXPECT_EQ(refusal_reason(frame_of(m)).status(), Error::kMalformed);
}

TEST(HostWire, LinkKeysDependOnTheId) {
  const Bytes master = hex("E60B12111BD782B076C871E58A124F9E");
  std::set<LinkKey> keys;
  for (std::string_view id : {"500152000101", "500152000102", "510900000201", "500000000000", "510000000000",
                              "999999000000"}) {
    auto k = derive_link_key(test::test_crypto(), master, id);
    ASSERT_TRUE(k.ok());
    keys.insert(*k);
  }
  EXPECT_EQ(keys.size(), 6u);
  EXPECT_EQ(derive_link_key(test::test_crypto(), master, "50015200010").status(), Error::kInvalidArgument);
  EXPECT_EQ(derive_link_key(test::test_crypto(), master, "5001520001A1").status(), Error::kInvalidArgument);
  EXPECT_EQ(derive_link_key(test::test_crypto(), ByteSpan(master).first(8), "500152000101").status(),
            Error::kInvalidArgument);
}

TEST(HostWire, NoncesAreFresh) {
  std::set<Nonce> seen;
  for (int i = 0; i < 64; ++i) seen.insert(fresh_nonce(test::test_crypto()));
  EXPECT_EQ(seen.size(), 64u);
  EXPECT_GT(now_ms(), 1700000000000u);
}

}  // namespace
}  // namespace sscard::wire

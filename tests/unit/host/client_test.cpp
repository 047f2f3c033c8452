// HostClient against a fake province host that opens and seals real frames: retries with one key and fresh
// nonces, refusals not retried, answers that fail the MAC, sender or nonce checks.
#include "sscard/host/client.h"

#include <gtest/gtest.h>

#include <set>

#include "host_test_util.h"

namespace sscard::host::testing {
namespace {

class ClientTest : public ::testing::Test {
 protected:
  FakeHost host_{test_crypto(), std::string(wire::kChongqing), kKioskTerminal, test_link_key()};
  wire::FunctionChannel channel_ = host_.channel();
  HostClient client_{test_crypto(), kiosk_identity(), channel_, no_wait()};
};

TEST_F(ClientTest, AnAnsweredQueryCarriesTheHoldersData) {
  auto answer = client_.send(sample_request(wire::Operation::kQuery, key_of(1)));
  ASSERT_TRUE(answer.ok()) << describe(answer.error());
  EXPECT_EQ(answer->result, wire::ResultCode::kOk);
  EXPECT_EQ(answer->home_issuer, "500000");
  EXPECT_EQ(answer->served_by, "500000");
  EXPECT_EQ(answer->name, "张明远");
  EXPECT_EQ(answer->card_state, wire::CardState::kActive);
  EXPECT_EQ(answer->medical_balance_fen, 123456u);
  ASSERT_EQ(host_.seen.size(), 1u);
  EXPECT_EQ(host_.seen[0], sample_request(wire::Operation::kQuery, key_of(1)));
}

TEST_F(ClientTest, RetriesSendTheSameKeyInThreeFramesWithThreeNonces) {
  host_.script({Action::kTimeout, Action::kIo, Action::kIssuerUnavailable});
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(2));
  auto answer = client_.send(request);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, HostError::Kind::kUnreachable);
  EXPECT_TRUE(answer.error().issuer_unavailable);
  EXPECT_EQ(answer.error().status, Error::kTimeout);
  EXPECT_EQ(answer.error().frames_sent, 3);

  ASSERT_EQ(host_.seen.size(), 3u);
  for (const wire::Request& seen : host_.seen) {
    EXPECT_EQ(seen.key, request.key);
    EXPECT_EQ(seen, request);
  }
  const std::set<wire::Nonce> nonces(host_.nonces.begin(), host_.nonces.end());
  EXPECT_EQ(nonces.size(), 3u);
  EXPECT_TRUE(host_.applied.empty());
}

TEST_F(ClientTest, ATimeoutThenAnAnswer) {
  host_.script({Action::kTimeout});
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(3));
  auto answer = client_.send(request);
  ASSERT_TRUE(answer.ok()) << describe(answer.error());
  EXPECT_EQ(answer->result, wire::ResultCode::kOk);
  EXPECT_EQ(answer->card_state, wire::CardState::kLossReported);
  EXPECT_FALSE(answer->duplicate);
  EXPECT_EQ(host_.seen.size(), 2u);
  EXPECT_NE(host_.nonces[0], host_.nonces[1]);
  EXPECT_EQ(host_.applied[request.key], 1);
}

TEST_F(ClientTest, ALostAnswerIsRetriedAndTheIssuerAppliesOnce) {
  host_.script({Action::kApplyThenTimeout, Action::kApplyThenTimeout});
  const wire::Request request = sample_request(wire::Operation::kReportLoss, key_of(4));
  auto answer = client_.send(request);
  ASSERT_TRUE(answer.ok()) << describe(answer.error());
  EXPECT_EQ(answer->result, wire::ResultCode::kOk);
  EXPECT_TRUE(answer->duplicate);
  EXPECT_EQ(answer->card_state, wire::CardState::kLossReported);
  EXPECT_EQ(host_.seen.size(), 3u);
  EXPECT_EQ(host_.applied[request.key], 1);
}

TEST_F(ClientTest, AllAttemptsTimingOutIsUnreachable) {
  host_.script({Action::kTimeout, Action::kTimeout, Action::kTimeout, Action::kAnswer});
  auto answer = client_.send(sample_request(wire::Operation::kQuery, key_of(5)));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, HostError::Kind::kUnreachable);
  EXPECT_EQ(answer.error().status, Error::kTimeout);
  EXPECT_FALSE(answer.error().issuer_unavailable);
  EXPECT_EQ(host_.frames, 3);
}

TEST_F(ClientTest, ARefusalIsReportedAndNotRetried) {
  host_.script({Action::kRefuseStale});
  auto answer = client_.send(sample_request(wire::Operation::kReportLoss, key_of(6)));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, HostError::Kind::kRefused);
  ASSERT_TRUE(answer.error().refusal.has_value());
  EXPECT_EQ(*answer.error().refusal, wire::RefusalReason::kStale);
  EXPECT_EQ(answer.error().frames_sent, 1);
  EXPECT_EQ(host_.frames, 1);
  EXPECT_EQ(describe(answer.error()), "host refused the request: stale");
}

TEST_F(ClientTest, AWrongKioskKeyIsRefusedAsBadMac) {
  HostClient wrong(test_crypto(), kiosk_identity(test_link_key(0x33)), channel_, no_wait());
  auto answer = wrong.send(sample_request(wire::Operation::kQuery, key_of(7)));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, HostError::Kind::kRefused);
  EXPECT_EQ(answer.error().refusal, wire::RefusalReason::kBadMac);
  EXPECT_EQ(host_.frames, 1);
  EXPECT_TRUE(host_.seen.empty());
}

TEST_F(ClientTest, AForgedAnswerIsABadAnswer) {
  host_.script({Action::kForgeMac});
  auto answer = client_.send(sample_request(wire::Operation::kReportLoss, key_of(8)));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, HostError::Kind::kBadAnswer);
  EXPECT_EQ(answer.error().status, Error::kSecurity);
  EXPECT_EQ(host_.frames, 1);
}

TEST_F(ClientTest, AnAnswerToAnotherNonceIsABadAnswer) {
  host_.script({Action::kWrongNonce});
  auto answer = client_.send(sample_request(wire::Operation::kReportLoss, key_of(9)));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, HostError::Kind::kBadAnswer);
  EXPECT_EQ(answer.error().status, Error::kSecurity);
  EXPECT_EQ(host_.frames, 1);
}

TEST_F(ClientTest, AnAnswerFromAnotherHostIsABadAnswer) {
  host_.script({Action::kWrongSender});
  auto answer = client_.send(sample_request(wire::Operation::kQuery, key_of(10)));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().kind, HostError::Kind::kBadAnswer);
  EXPECT_EQ(answer.error().status, Error::kSecurity);
}

TEST_F(ClientTest, GarbageAndEmptyAnswersAreBadAnswers) {
  for (const Bytes& reply : {Bytes{}, Bytes{0x00, 0x00}, Bytes{0x00, 0x00, 0x00, 0x05, 0x53, 0x48},
                             Bytes{0x00, 0x00, 0x00, 0x02, 0x53, 0x48}}) {
    wire::FunctionChannel garbage([&reply](ByteSpan) -> Result<Bytes> { return reply; });
    HostClient client(test_crypto(), kiosk_identity(), garbage, no_wait());
    auto answer = client.send(sample_request(wire::Operation::kQuery, key_of(11)));
    ASSERT_FALSE(answer.ok()) << to_hex(reply);
    EXPECT_EQ(answer.error().kind, HostError::Kind::kBadAnswer) << to_hex(reply);
    EXPECT_EQ(answer.error().frames_sent, 1);
  }
}

TEST_F(ClientTest, EveryPrefixOfARealAnswerIsRejectedWithoutACrash) {
  // Capture one good answer, then replay each of its prefixes (with LEN fixed up) to a client.
  Bytes good;
  wire::FunctionChannel capture([&](ByteSpan m) -> Result<Bytes> {
    auto r = host_.handle(m);
    if (r.ok()) good = *r;
    return r;
  });
  HostClient first(test_crypto(), kiosk_identity(), capture, no_wait());
  ASSERT_TRUE(first.send(sample_request(wire::Operation::kQuery, key_of(12))).ok());
  ASSERT_GT(good.size(), 60u);
  for (std::size_t n = 0; n + 4 < good.size(); ++n) {
    Bytes prefix(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(4 + n));
    prefix[0] = static_cast<std::uint8_t>(n >> 24);
    prefix[1] = static_cast<std::uint8_t>(n >> 16);
    prefix[2] = static_cast<std::uint8_t>(n >> 8);
    prefix[3] = static_cast<std::uint8_t>(n);
    wire::FunctionChannel cut([&prefix](ByteSpan) -> Result<Bytes> { return prefix; });
    HostClient client(test_crypto(), kiosk_identity(), cut, no_wait(1));
    auto answer = client.send(sample_request(wire::Operation::kQuery, key_of(12)));
    ASSERT_FALSE(answer.ok()) << n;
    EXPECT_EQ(answer.error().kind, HostError::Kind::kBadAnswer) << n;
  }
}

TEST_F(ClientTest, AnIssuerRefusalIsAnAnswerNotRetried) {
  host_.card_states["CQ0152301"] = wire::CardState::kLossReported;
  auto answer = client_.send(sample_request(wire::Operation::kReportLoss, key_of(13)));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->result, wire::ResultCode::kCardNotActiveForChange);
  EXPECT_EQ(host_.frames, 1);
}

TEST_F(ClientTest, AnUnknownProvinceOrBadRequestSendsNothing) {
  HostClient guizhou(test_crypto(), KioskIdentity{kKioskTerminal, "520000", test_link_key()}, channel_, no_wait());
  auto a = guizhou.send(sample_request(wire::Operation::kQuery, key_of(14)));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, HostError::Kind::kLocal);
  EXPECT_EQ(a.error().status, Error::kInvalidArgument);

  wire::Request bad = sample_request(wire::Operation::kQuery, key_of(14));
  bad.ssn = "123";
  auto b = client_.send(bad);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind, HostError::Kind::kLocal);
  EXPECT_EQ(b.error().frames_sent, 0);
  EXPECT_EQ(host_.frames, 0);
}

TEST_F(ClientTest, ASichuanKioskTalksToTheSichuanHost) {
  FakeHost sichuan(test_crypto(), std::string(wire::kSichuan), "510900000201", test_link_key(0x42));
  wire::FunctionChannel channel = sichuan.channel();
  HostClient client(test_crypto(), KioskIdentity{"510900000201", std::string(wire::kSichuan), test_link_key(0x42)},
                    channel, no_wait());
  wire::Request request = sample_request(wire::Operation::kQuery, key_of(15));
  request.terminal = "510900000201";
  request.serving_province = std::string(wire::kSichuan);
  auto answer = client.send(request);
  ASSERT_TRUE(answer.ok()) << describe(answer.error());
  EXPECT_EQ(answer->served_by, "510000");
}

TEST(IdempotencyKeyTest, KeysAreRandomAndDistinct) {
  std::set<wire::IdempotencyKey> keys;
  for (int i = 0; i < 32; ++i) {
    auto k = new_idempotency_key(test_crypto());
    ASSERT_TRUE(k.ok());
    keys.insert(*k);
  }
  EXPECT_EQ(keys.size(), 32u);
}

TEST(HostIdTest, ProvincesNameTheirHosts) {
  EXPECT_EQ(host_id_of("500000"), wire::kChongqingHostId);
  EXPECT_EQ(host_id_of("510000"), wire::kSichuanHostId);
  EXPECT_EQ(host_id_of("500152"), "");
  EXPECT_EQ(host_id_of(""), "");
}

}  // namespace
}  // namespace sscard::host::testing

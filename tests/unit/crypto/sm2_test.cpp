// SM2 signatures of every backend: the published GM/T 0003.5 / GB/T 32918.5 example, a vector made with the
// openssl CLI, key derivation, sign -> verify round trips, and rejection of every tampered input; each
// verification vector also through a prepared key (Sm2PublicKey), with its Z_A against published and
// computed values.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "crypto_vectors.h"
#include "sscard/crypto/crypto.h"

namespace sscard::crypto::test {
namespace {

std::string id_of(const std::string& field) { return field == "-" ? std::string() : field; }

const std::vector<Vector>& verify_vectors() {
  static const auto v = load_vectors("sm2_verify_vectors.txt", 6);
  return v;
}

const std::vector<Vector>& z_vectors() {
  static const auto v = load_vectors("sm2_z_vectors.txt", 4);
  return v;
}

const std::vector<Vector>& key_vectors() {
  static const auto v = load_vectors("sm2_key_vectors.txt", 3);
  return v;
}

// description | public key | ID | message | signature | expected
class Sm2VerifyVector : public VectorTest {};

TEST_P(Sm2VerifyVector, VerifiesAsExpected) {
  HeapCopy key(hex(vec()[1]));
  HeapCopy message(hex(vec()[3]));
  HeapCopy signature(hex(vec()[4]));
  EXPECT_EQ(outcome(crypto().sm2_verify(key.span(), id_of(vec()[2]), message.span(), signature.span())),
            vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, Sm2VerifyVector, over_backends(verify_vectors()), vector_test_name);

// The same vectors through a prepared key: a malformed key is refused when it is prepared, every other
// outcome comes from verify(), and the prepared key gives it again on a second call.
class Sm2PreparedVector : public VectorTest {};

TEST_P(Sm2PreparedVector, VerifiesAsExpected) {
  HeapCopy key(hex(vec()[1]));
  auto prepared = crypto().sm2_prepare_public_key(key.span(), id_of(vec()[2]));
  if (!prepared.ok()) {
    EXPECT_EQ(outcome(prepared.status()), vec().expected());
    return;
  }
  HeapCopy message(hex(vec()[3]));
  HeapCopy signature(hex(vec()[4]));
  EXPECT_EQ(outcome((*prepared)->verify(message.span(), signature.span())), vec().expected());
  EXPECT_EQ(outcome((*prepared)->verify(message.span(), signature.span())), vec().expected()) << "second call";
}

INSTANTIATE_TEST_SUITE_P(Vectors, Sm2PreparedVector, over_backends(verify_vectors()), vector_test_name);

// description | public key | ID | expected Z_A
class Sm2ZVector : public VectorTest {};

TEST_P(Sm2ZVector, PreparedKeyHasZ) {
  auto prepared = crypto().sm2_prepare_public_key(hex(vec()[1]), id_of(vec()[2]));
  ASSERT_TRUE(prepared.ok()) << outcome(prepared.status());
  EXPECT_EQ(outcome(kOk, (*prepared)->z()), vec().expected());
  const Bytes key = hex(vec()[1]);
  EXPECT_EQ(to_hex((*prepared)->point()), to_hex(ByteSpan(key).last(64)));
}

INSTANTIATE_TEST_SUITE_P(Vectors, Sm2ZVector, over_backends(z_vectors()), vector_test_name);

class Sm2ValidSignature : public VectorTest {};

// Signatures and keys come from cards: every truncated one is refused, never read past.
TEST_P(Sm2ValidSignature, RefusesEveryTruncatedSignature) {
  const Bytes signature = hex(vec()[4]);
  for (std::size_t n = 0; n < signature.size(); ++n) {
    HeapCopy prefix(ByteSpan(signature).first(n));
    EXPECT_EQ(crypto().sm2_verify(hex(vec()[1]), id_of(vec()[2]), hex(vec()[3]), prefix.span()), Error::kSecurity)
        << n << " bytes";
  }
}

TEST_P(Sm2ValidSignature, RefusesEveryTruncatedKey) {
  const Bytes key = hex(vec()[1]);
  for (std::size_t n = 0; n < key.size(); ++n) {
    HeapCopy prefix(ByteSpan(key).first(n));
    EXPECT_EQ(crypto().sm2_verify(prefix.span(), id_of(vec()[2]), hex(vec()[3]), hex(vec()[4])),
              Error::kInvalidArgument)
        << n << " bytes";
  }
}

TEST_P(Sm2ValidSignature, RefusesEveryFlippedMessageByte) {
  const Bytes message = hex(vec()[3]);
  for (std::size_t i = 0; i < message.size(); ++i) {
    Bytes changed = message;
    changed[i] ^= 0x01;
    EXPECT_EQ(crypto().sm2_verify(hex(vec()[1]), id_of(vec()[2]), changed, hex(vec()[4])), Error::kSecurity)
        << "byte " << i;
  }
}

TEST_P(Sm2ValidSignature, PreparedKeyRefusesEveryTruncatedSignature) {
  auto prepared = crypto().sm2_prepare_public_key(hex(vec()[1]), id_of(vec()[2]));
  ASSERT_TRUE(prepared.ok());
  const Bytes signature = hex(vec()[4]);
  for (std::size_t n = 0; n < signature.size(); ++n) {
    HeapCopy prefix(ByteSpan(signature).first(n));
    EXPECT_EQ((*prepared)->verify(hex(vec()[3]), prefix.span()), Error::kSecurity) << n << " bytes";
  }
  Bytes extended = signature;
  extended.push_back(0x00);
  HeapCopy longer(extended);
  EXPECT_EQ((*prepared)->verify(hex(vec()[3]), longer.span()), Error::kSecurity) << "65 bytes";
  EXPECT_TRUE((*prepared)->verify(hex(vec()[3]), signature).ok()) << "a refusal leaves the key usable";
}

TEST_P(Sm2ValidSignature, PreparedKeyRefusesEveryTruncatedKey) {
  const Bytes key = hex(vec()[1]);
  for (std::size_t n = 0; n < key.size(); ++n) {
    HeapCopy prefix(ByteSpan(key).first(n));
    EXPECT_EQ(crypto().sm2_prepare_public_key(prefix.span(), id_of(vec()[2])).status(), Error::kInvalidArgument)
        << n << " bytes";
  }
}

// Every bit of the signature flipped in turn, through one prepared key: all refused, and the key still
// verifies the true signature after each refusal.
TEST_P(Sm2ValidSignature, PreparedKeyRefusesEveryFlippedSignatureBit) {
  auto prepared = crypto().sm2_prepare_public_key(hex(vec()[1]), id_of(vec()[2]));
  ASSERT_TRUE(prepared.ok());
  const Bytes message = hex(vec()[3]);
  const Bytes signature = hex(vec()[4]);
  for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
    Bytes changed = signature;
    changed[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
    EXPECT_EQ((*prepared)->verify(message, changed), Error::kSecurity) << "bit " << bit;
  }
  EXPECT_TRUE((*prepared)->verify(message, signature).ok());
}

TEST_P(Sm2ValidSignature, RefusesAnotherId) {
  std::string id = id_of(vec()[2]);
  id += "0";
  EXPECT_EQ(crypto().sm2_verify(hex(vec()[1]), id, hex(vec()[3]), hex(vec()[4])), Error::kSecurity);
}

INSTANTIATE_TEST_SUITE_P(Vectors, Sm2ValidSignature,
                         over_backends(where(verify_vectors(), [](const Vector& v) { return v.expects_ok(); })),
                         vector_test_name);

// description | private key | expected public key
class Sm2KeyVector : public VectorTest {};

TEST_P(Sm2KeyVector, DerivesPublicKey) {
  HeapCopy d(hex(vec()[1]));
  Bytes out(64);
  EXPECT_EQ(outcome(crypto().sm2_public_key(d.span(), out), out), vec().expected());
}

TEST_P(Sm2KeyVector, SignRejectsBadKeyLikeDerivation) {
  Bytes signature(64);
  const Status s = crypto().sm2_sign(hex(vec()[1]), kSm2DefaultId, Bytes{0x01}, signature);
  EXPECT_EQ(outcome(s), vec().expects_ok() ? "ok" : vec().expected());
}

INSTANTIATE_TEST_SUITE_P(Vectors, Sm2KeyVector, over_backends(key_vectors()), vector_test_name);

class Sm2ValidKeyVector : public VectorTest {};

// SM2 signatures are randomised (k), so a sign is checked by verifying it: with the key pair's public key,
// the same ID and message. Both the standard ID and OpenSSL's empty default must work when passed explicitly.
TEST_P(Sm2ValidKeyVector, SignedMessageVerifies) {
  const Bytes d = hex(vec()[1]);
  const Bytes public_key = hex(vec().expected_value());
  const ByteSpan text = as_bytes("sscard SM2 round trip");
  const Bytes message(text.begin(), text.end());
  for (std::string_view id : {kSm2DefaultId, std::string_view(), std::string_view("ALICE123@YAHOO.COM")}) {
    Bytes signature(64);
    ASSERT_TRUE(crypto().sm2_sign(d, id, message, signature).ok());
    EXPECT_TRUE(crypto().sm2_verify(public_key, id, message, signature).ok()) << "id " << id;
    const std::string other = std::string(id) + "x";
    EXPECT_EQ(crypto().sm2_verify(public_key, other, message, signature), Error::kSecurity) << "id " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, Sm2ValidKeyVector,
                         over_backends(where(key_vectors(), [](const Vector& v) { return v.expects_ok(); })),
                         vector_test_name);

class Sm2Backend : public BackendTest {};

TEST_P(Sm2Backend, TwoSignaturesOfOneMessageDiffer) {
  const Bytes d = hex(key_vectors().front()[1]);
  const Bytes message{0x01, 0x02, 0x03};
  Bytes a(64), b(64);
  ASSERT_TRUE(crypto().sm2_sign(d, kSm2DefaultId, message, a).ok());
  ASSERT_TRUE(crypto().sm2_sign(d, kSm2DefaultId, message, b).ok());
  EXPECT_NE(a, b);  // a fresh k each time (GB/T 32918.2-2016 6.1 A3)
}

TEST_P(Sm2Backend, SignsAnEmptyMessageAndLongMessage) {
  const Bytes d = hex(key_vectors().front()[1]);
  const Bytes public_key = hex(key_vectors().front().expected_value());
  Bytes signature(64);
  ASSERT_TRUE(crypto().sm2_sign(d, kSm2DefaultId, Bytes{}, signature).ok());
  EXPECT_TRUE(crypto().sm2_verify(public_key, kSm2DefaultId, Bytes{}, signature).ok());
  const Bytes big(4096, 0xA5);
  ASSERT_TRUE(crypto().sm2_sign(d, kSm2DefaultId, big, signature).ok());
  EXPECT_TRUE(crypto().sm2_verify(public_key, kSm2DefaultId, big, signature).ok());
}

// A prepared key is independent of the backend object that made it, and one key checks many messages.
TEST_P(Sm2Backend, PreparedKeyOutlivesItsBackendAndVerifiesManyMessages) {
  const Bytes d = hex(key_vectors().front()[1]);
  const Bytes public_key = hex(key_vectors().front().expected_value());
  std::vector<Bytes> messages, signatures;
  for (std::uint8_t i = 0; i < 8; ++i) {
    messages.push_back(Bytes(static_cast<std::size_t>(i) * 37, i));
    Bytes signature(64);
    ASSERT_TRUE(crypto().sm2_sign(d, kSm2DefaultId, messages.back(), signature).ok());
    signatures.push_back(signature);
  }
  std::unique_ptr<Sm2PublicKey> key;
  {
    std::unique_ptr<Crypto> other = GetParam().make();
    ASSERT_NE(other, nullptr);
    auto prepared = other->sm2_prepare_public_key(public_key, kSm2DefaultId);
    ASSERT_TRUE(prepared.ok());
    key = std::move(*prepared);
  }
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < messages.size(); ++i) {
      EXPECT_TRUE(key->verify(messages[i], signatures[i]).ok()) << "message " << i;
      EXPECT_EQ(key->verify(messages[(i + 1) % messages.size()], signatures[i]), Error::kSecurity) << "message " << i;
    }
  }
}

TEST_P(Sm2Backend, PrepareRefusesTooLongId) {
  const Bytes public_key = hex(key_vectors().front().expected_value());
  const std::string longest(8191, 'a');
  EXPECT_TRUE(crypto().sm2_prepare_public_key(public_key, longest).ok());
  EXPECT_EQ(crypto().sm2_prepare_public_key(public_key, longest + "a").status(), Error::kInvalidArgument);
}

TEST_P(Sm2Backend, ShortOutputsAreRefused) {
  const Bytes d = hex(key_vectors().front()[1]);
  Bytes short_out(63);
  EXPECT_EQ(crypto().sm2_sign(d, kSm2DefaultId, Bytes{0x01}, short_out), Error::kBufferTooSmall);
  EXPECT_EQ(crypto().sm2_public_key(d, short_out), Error::kBufferTooSmall);
}

INSTANTIATE_TEST_SUITE_P(Backends, Sm2Backend, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace sscard::crypto::test

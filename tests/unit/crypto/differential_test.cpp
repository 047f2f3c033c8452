// The OpenSSL and Mbed TLS backends checked against each other on many random inputs: digests, block ciphers
// in both modes, RSA, and SM2 signatures made by one backend and verified by the other, one-shot and through
// prepared keys (whose Z_A must agree too). SM2, SM3 and SM4 on Mbed TLS are this project's own code (SM2 with
// its own fast reduction modulo p), so agreement with OpenSSL on thousands of inputs (beyond the published
// vectors every backend already passes) is the evidence that they are right.
//
// The inputs come from a fixed-seed generator, so a failure names a sample that can be replayed.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <mbedtls/bignum.h>

#include "crypto_vectors.h"
#include "emulation.h"
#include "sscard/crypto/crypto.h"
#include "sscard/crypto/mbedtls.h"
#include "sscard/crypto/openssl.h"

namespace sscard::crypto::test {
namespace {

constexpr std::uint64_t kSeed = 0x5343415244u;  // "SCARD"

class Differential : public testing::Test {
 protected:
  void SetUp() override {
    openssl_ = make_openssl_crypto();
    mbedtls_ = make_mbedtls_crypto();
    ASSERT_NE(openssl_, nullptr);
    ASSERT_NE(mbedtls_, nullptr);
  }

 public:
  // Used by the free functions below as well.
  Bytes random_bytes(std::size_t n) {
    Bytes out(n);
    for (auto& b : out) b = static_cast<std::uint8_t>(rng_() >> 56);
    return out;
  }
  std::size_t uniform(std::size_t low, std::size_t high) {
    return std::uniform_int_distribution<std::size_t>(low, high)(rng_);
  }
  std::string random_id() {
    std::string id(uniform(0, 40), ' ');
    for (auto& c : id) c = static_cast<char>(uniform(0x21, 0x7E));
    return id;
  }

  // Another stream of inputs for a test that repeats another one's work on fresh samples.
  void reseed(std::uint64_t salt) { rng_.seed(kSeed ^ salt); }

  Crypto& openssl() { return *openssl_; }
  Crypto& mbedtls() { return *mbedtls_; }

 private:
  std::mt19937_64 rng_{kSeed};
  std::unique_ptr<Crypto> openssl_;
  std::unique_ptr<Crypto> mbedtls_;
};

// Message lengths: every length around the 64-byte block and padding boundaries, then random ones.
std::size_t message_length(std::size_t sample, Differential& t) { return sample < 130 ? sample : t.uniform(0, 2000); }

void compare_digests(Differential& t, Crypto& a, Crypto& b, Hash h, int samples) {
  for (int i = 0; i < samples; ++i) {
    const Bytes message = t.random_bytes(message_length(static_cast<std::size_t>(i), t));
    Bytes da(32), db(32);
    const auto ra = a.digest(h, message, da);
    const auto rb = b.digest(h, message, db);
    ASSERT_TRUE(ra.ok() && rb.ok()) << "sample " << i;
    ASSERT_EQ(*ra, digest_size(h));
    ASSERT_EQ(to_hex(da), to_hex(db)) << "sample " << i << ", message " << to_hex(message);
  }
}

TEST_F(Differential, Sm3Agrees500Messages) { compare_digests(*this, openssl(), mbedtls(), Hash::kSm3, 500); }
TEST_F(Differential, Sha1Agrees200Messages) { compare_digests(*this, openssl(), mbedtls(), Hash::kSha1, 200); }
TEST_F(Differential, Sha256Agrees200Messages) { compare_digests(*this, openssl(), mbedtls(), Hash::kSha256, 200); }

// The SM3 of a long message fed in one call, against the other backend (several compression blocks at once).
TEST_F(Differential, Sm3AgreesOnLongMessage) {
  const Bytes message = random_bytes(1 << 20);
  Bytes da(32), db(32);
  ASSERT_TRUE(openssl().digest(Hash::kSm3, message, da).ok());
  ASSERT_TRUE(mbedtls().digest(Hash::kSm3, message, db).ok());
  EXPECT_EQ(to_hex(da), to_hex(db));
}

// Encrypts random data with random keys on both backends; each ciphertext must match and decrypt back on the
// other backend.
void compare_cipher(Differential& t, Cipher c, std::initializer_list<std::size_t> key_sizes, int samples) {
  const std::size_t block = block_size(c);
  const std::vector<std::size_t> sizes(key_sizes);
  for (int i = 0; i < samples; ++i) {
    const bool cbc = i % 2 == 1;
    const Bytes key = t.random_bytes(sizes[static_cast<std::size_t>(i / 2) % sizes.size()]);
    const Bytes iv = t.random_bytes(block);
    const Bytes plain = t.random_bytes(block * t.uniform(0, 16));
    Bytes ea(plain.size()), eb(plain.size()), da(plain.size()), db(plain.size());
    const std::string where = "sample " + std::to_string(i) + (cbc ? " cbc" : " ecb") + " key " +
                              std::to_string(key.size()) + " bytes, " + std::to_string(plain.size()) + " bytes";
    if (cbc) {
      ASSERT_TRUE(t.openssl().encrypt_cbc(c, key, iv, plain, ea).ok()) << where;
      ASSERT_TRUE(t.mbedtls().encrypt_cbc(c, key, iv, plain, eb).ok()) << where;
      ASSERT_TRUE(t.openssl().decrypt_cbc(c, key, iv, eb, da).ok()) << where;
      ASSERT_TRUE(t.mbedtls().decrypt_cbc(c, key, iv, ea, db).ok()) << where;
    } else {
      ASSERT_TRUE(t.openssl().encrypt_ecb(c, key, plain, ea).ok()) << where;
      ASSERT_TRUE(t.mbedtls().encrypt_ecb(c, key, plain, eb).ok()) << where;
      ASSERT_TRUE(t.openssl().decrypt_ecb(c, key, eb, da).ok()) << where;
      ASSERT_TRUE(t.mbedtls().decrypt_ecb(c, key, ea, db).ok()) << where;
    }
    ASSERT_EQ(to_hex(ea), to_hex(eb)) << where;
    ASSERT_EQ(to_hex(da), to_hex(plain)) << where;
    ASSERT_EQ(to_hex(db), to_hex(plain)) << where;
  }
}

// 500 ECB and 500 CBC operations each way.
TEST_F(Differential, Sm4Agrees1000Encryptions) { compare_cipher(*this, Cipher::kSm4, {16}, 1000); }
TEST_F(Differential, TdesAgrees300Encryptions) { compare_cipher(*this, Cipher::kTdes, {8, 16, 24}, 300); }
TEST_F(Differential, AesAgrees300Encryptions) { compare_cipher(*this, Cipher::kAes, {16, 24, 32}, 300); }

// The inputs both backends reject must be rejected alike: every key length 0..40 and a few data lengths.
TEST_F(Differential, CipherArgumentChecksAgree) {
  int cases = 0;
  for (Cipher c : {Cipher::kTdes, Cipher::kSm4, Cipher::kAes}) {
    for (std::size_t key_size = 0; key_size <= 40; ++key_size) {
      for (std::size_t data_size : {0u, 7u, 8u, 15u, 16u, 17u, 32u}) {
        for (std::size_t iv_size : {0u, 8u, 16u}) {
          const Bytes key = random_bytes(key_size), iv = random_bytes(iv_size), in = random_bytes(data_size);
          Bytes oa(data_size), ob(data_size);
          const Status ea = openssl().encrypt_cbc(c, key, iv, in, oa);
          const Status eb = mbedtls().encrypt_cbc(c, key, iv, in, ob);
          ASSERT_EQ(outcome(ea, oa), outcome(eb, ob)) << key_size << "/" << data_size << "/" << iv_size;
          const Status da = openssl().decrypt_ecb(c, key, in, oa);
          const Status db = mbedtls().decrypt_ecb(c, key, in, ob);
          ASSERT_EQ(outcome(da, oa), outcome(db, ob)) << key_size << "/" << data_size;
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 3 * 41 * 7 * 3);
}

// A test-only 1024-bit RSA key made with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024`;
// the private exponent lets the test sign through rsa_public (s = m^d mod n).
constexpr const char* kRsaModulus =
    "F3787CDB0E97C0E86A3CD9F92593D89FE134D028F2FC760576892C9CBDFC8824D37A129AB6A47F82BF2611E74F48B8554C3FECA8573F3DB"
    "A7DD91F1DFA56A16913EAA963598B5F64CA96FCB7DE1EA8521302E9ED8A026D69296C4D6F2B74A9AC0EDB50F904838EA5643667793E33709"
    "5964125CA050BD9E27144968D3912BAE7";
constexpr const char* kRsaPrivateExponent =
    "4B4607241AE0E42D771B153128630B6872D2474141CEB8167C4D70D38D11946DFE4C11906FC37000D66448C8C10474A93A87D0FD42EC3483"
    "82012CD3B1E032CA95919BF52AF9926C567F6150F958974D9CD973E725972D426669D5872E638739CA2EF4A37D550D989CC468353CCFF9E5"
    "879C332DDE2648DA72495F5E660DDFE1";
constexpr const char* kRsaPublicExponent = "010001";

TEST_F(Differential, RsaPublicAgrees200Inputs) {
  const Bytes n = hex(kRsaModulus);
  const Bytes e = hex(kRsaPublicExponent);
  const Bytes d = hex(kRsaPrivateExponent);
  for (int i = 0; i < sscard::test::samples(200); ++i) {
    Bytes in = random_bytes(n.size());
    in[0] = static_cast<std::uint8_t>(in[0] % n[0]);  // below the modulus
    const Bytes& exponent = i % 2 == 0 ? e : d;
    Bytes oa(n.size()), ob(n.size());
    ASSERT_TRUE(openssl().rsa_public(n, exponent, in, oa).ok()) << i;
    ASSERT_TRUE(mbedtls().rsa_public(n, exponent, in, ob).ok()) << i;
    ASSERT_EQ(to_hex(oa), to_hex(ob)) << "sample " << i;
  }
}

// The raw private operation: both backends give the same output, which rsa_public (either backend) turns back
// into the input.
TEST_F(Differential, RsaPrivateAgreesAndRoundTrips200Inputs) {
  const Bytes n = hex(kRsaModulus);
  const Bytes e = hex(kRsaPublicExponent);
  const Bytes d = hex(kRsaPrivateExponent);
  for (int i = 0; i < sscard::test::samples(200); ++i) {
    Bytes in = random_bytes(n.size());
    in[0] = static_cast<std::uint8_t>(in[0] % n[0]);  // below the modulus
    Bytes oa(n.size()), ob(n.size()), back(n.size());
    ASSERT_EQ(*openssl().rsa_private(n, d, in, oa), n.size()) << i;
    ASSERT_EQ(*mbedtls().rsa_private(n, d, in, ob), n.size()) << i;
    ASSERT_EQ(to_hex(oa), to_hex(ob)) << "sample " << i;
    Crypto& other = i % 2 == 0 ? openssl() : mbedtls();
    ASSERT_TRUE(other.rsa_public(n, e, oa, back).ok()) << i;
    ASSERT_EQ(to_hex(back), to_hex(in)) << "sample " << i;
  }
}

// EMSA-PKCS1-v1_5 (RFC 8017 9.2) of `message`, signed with the private exponent through `signer`.
Bytes pkcs1_sign(Crypto& signer, Hash h, ByteSpan message) {
  static const Bytes sha1_prefix = hex("3021300906052B0E03021A05000414");
  static const Bytes sha256_prefix = hex("3031300D060960864801650304020105000420");
  const Bytes n = hex(kRsaModulus);
  Bytes digest(32);
  const auto length = signer.digest(h, message, digest);
  if (!length.ok()) return {};
  digest.resize(*length);
  const Bytes& prefix = h == Hash::kSha1 ? sha1_prefix : sha256_prefix;
  Bytes em(n.size(), 0xFF);
  em[0] = 0x00;
  em[1] = 0x01;
  const std::size_t t = prefix.size() + digest.size();
  em[n.size() - t - 1] = 0x00;
  std::copy(prefix.begin(), prefix.end(), em.end() - static_cast<std::ptrdiff_t>(t));
  std::copy(digest.begin(), digest.end(), em.end() - static_cast<std::ptrdiff_t>(digest.size()));
  Bytes signature(n.size());
  if (!signer.rsa_public(n, hex(kRsaPrivateExponent), em, signature).ok()) return {};
  return signature;
}

// 100 signatures per hash (SHA-1, SHA-256), each verified by both backends, and each with one flipped bit
// refused by both.
TEST_F(Differential, RsaPkcs1VerifyAgrees200Signatures) {
  const Bytes n = hex(kRsaModulus);
  const Bytes e = hex(kRsaPublicExponent);
  for (Hash h : {Hash::kSha1, Hash::kSha256}) {
    for (int i = 0; i < sscard::test::samples(100); ++i) {
      const Bytes message = random_bytes(uniform(0, 300));
      Crypto& signer = i % 2 == 0 ? openssl() : mbedtls();
      Bytes signature = pkcs1_sign(signer, h, message);
      ASSERT_EQ(signature.size(), n.size());
      const std::string where = "hash " + std::to_string(static_cast<int>(h)) + " sample " + std::to_string(i);
      EXPECT_EQ(outcome(openssl().rsa_verify_pkcs1(h, n, e, message, signature)), "ok") << where;
      EXPECT_EQ(outcome(mbedtls().rsa_verify_pkcs1(h, n, e, message, signature)), "ok") << where;
      signature[uniform(0, signature.size() - 1)] ^= static_cast<std::uint8_t>(1u << uniform(0, 7));
      EXPECT_EQ(outcome(openssl().rsa_verify_pkcs1(h, n, e, message, signature)), "security") << where;
      EXPECT_EQ(outcome(mbedtls().rsa_verify_pkcs1(h, n, e, message, signature)), "security") << where;
    }
  }
}

// RSA with SM3 is refused by both (OpenSSL 3.0 does not allow the pair; the Mbed TLS backend follows it).
TEST_F(Differential, RsaWithSm3RefusedByBoth) {
  const Bytes n = hex(kRsaModulus);
  const Bytes e = hex(kRsaPublicExponent);
  const Bytes signature = pkcs1_sign(openssl(), Hash::kSha256, Bytes{0x01});
  EXPECT_EQ(openssl().rsa_verify_pkcs1(Hash::kSm3, n, e, Bytes{0x01}, signature), Error::kUnsupported);
  EXPECT_EQ(mbedtls().rsa_verify_pkcs1(Hash::kSm3, n, e, Bytes{0x01}, signature), Error::kUnsupported);
}

// Random private keys: both backends derive the same public key.
TEST_F(Differential, Sm2PublicKeyAgrees200Keys) {
  for (int i = 0; i < sscard::test::samples(200); ++i) {
    const Bytes d = random_bytes(32);
    Bytes pa(64), pb(64);
    const Status sa = openssl().sm2_public_key(d, pa);
    const Status sb = mbedtls().sm2_public_key(d, pb);
    ASSERT_EQ(outcome(sa, pa), outcome(sb, pb)) << "d " << to_hex(d);
  }
}

// Signs with one backend and verifies with the other, then checks both refuse a changed message and a
// changed signature. `count` signatures in each direction.
void cross_sign(Differential& t, Crypto& signer, Crypto& verifier, int count) {
  for (int i = 0; i < count; ++i) {
    Bytes d = t.random_bytes(32);
    d[0] = static_cast<std::uint8_t>(d[0] & 0x7F);  // below n - 1 (n starts FFFFFFFE)
    if (d == Bytes(32, 0)) d[31] = 1;
    Bytes public_key(64);
    ASSERT_TRUE(signer.sm2_public_key(d, public_key).ok());
    const std::string id = i % 10 == 0 ? std::string(kSm2DefaultId) : t.random_id();
    Bytes message = t.random_bytes(t.uniform(0, 500));
    Bytes signature(64);
    ASSERT_TRUE(signer.sm2_sign(d, id, message, signature).ok()) << "sample " << i;
    const std::string where = "sample " + std::to_string(i) + ", d " + to_hex(d) + ", id '" + id + "', signer " +
                              std::string(signer.name());
    ASSERT_EQ(outcome(verifier.sm2_verify(public_key, id, message, signature)), "ok") << where;
    ASSERT_EQ(outcome(signer.sm2_verify(public_key, id, message, signature)), "ok") << where;
    signature[t.uniform(0, 63)] ^= static_cast<std::uint8_t>(1u << t.uniform(0, 7));
    EXPECT_EQ(outcome(verifier.sm2_verify(public_key, id, message, signature)), "security") << where;
    EXPECT_EQ(outcome(signer.sm2_verify(public_key, id, message, signature)), "security") << where;
  }
}

TEST_F(Differential, Sm2MbedtlsSignsOpensslVerifies200) { cross_sign(*this, mbedtls(), openssl(), sscard::test::samples(200)); }
TEST_F(Differential, Sm2OpensslSignsMbedtlsVerifies200) { cross_sign(*this, openssl(), mbedtls(), sscard::test::samples(200)); }

// A random private key below n - 1 (never zero).
Bytes random_private_key(Differential& t) {
  Bytes d = t.random_bytes(32);
  d[0] = static_cast<std::uint8_t>(d[0] & 0x7F);  // below n - 1 (n starts FFFFFFFE)
  if (d == Bytes(32, 0)) d[31] = 1;
  return d;
}

// `keys` random key pairs made by `signer`, each prepared by both backends, each signing `per_key` random
// messages under a random ID. Every signature must verify on both backends through the prepared keys and
// one-shot, and be refused with one flipped bit or a changed message; both backends' Z_A must be equal.
void cross_prepared(Differential& t, Crypto& signer, int keys, int per_key) {
  int verified = 0;
  for (int i = 0; i < keys; ++i) {
    const Bytes d = random_private_key(t);
    Bytes public_key(64);
    ASSERT_TRUE(signer.sm2_public_key(d, public_key).ok());
    const std::string id = i % 10 == 0 ? std::string(kSm2DefaultId) : t.random_id();
    const std::string where_key =
        "key " + std::to_string(i) + ", d " + to_hex(d) + ", id '" + id + "', signer " + std::string(signer.name());
    auto by_openssl = t.openssl().sm2_prepare_public_key(public_key, id);
    auto by_mbedtls = t.mbedtls().sm2_prepare_public_key(public_key, id);
    ASSERT_TRUE(by_openssl.ok() && by_mbedtls.ok()) << where_key;
    ASSERT_EQ(to_hex((*by_openssl)->z()), to_hex((*by_mbedtls)->z())) << where_key;
    for (int j = 0; j < per_key; ++j) {
      Bytes message = t.random_bytes(t.uniform(0, 300));
      Bytes signature(64);
      ASSERT_TRUE(signer.sm2_sign(d, id, message, signature).ok()) << where_key;
      const std::string where = where_key + ", message " + to_hex(message) + ", signature " + to_hex(signature);
      ASSERT_EQ(outcome((*by_openssl)->verify(message, signature)), "ok") << where;
      ASSERT_EQ(outcome((*by_mbedtls)->verify(message, signature)), "ok") << where;
      if (j == 0) {
        ASSERT_EQ(outcome(t.openssl().sm2_verify(public_key, id, message, signature)), "ok") << where;
        ASSERT_EQ(outcome(t.mbedtls().sm2_verify(public_key, id, message, signature)), "ok") << where;
      }
      Bytes changed = signature;
      changed[t.uniform(0, 63)] ^= static_cast<std::uint8_t>(1u << t.uniform(0, 7));
      EXPECT_EQ(outcome((*by_openssl)->verify(message, changed)), "security") << where;
      EXPECT_EQ(outcome((*by_mbedtls)->verify(message, changed)), "security") << where;
      message.push_back(0x00);
      EXPECT_EQ(outcome((*by_openssl)->verify(message, signature)), "security") << where;
      EXPECT_EQ(outcome((*by_mbedtls)->verify(message, signature)), "security") << where;
      ++verified;
    }
  }
  EXPECT_EQ(verified, keys * per_key);
}

// 1600 keys and 4800 signatures in all, in four tests of 400 keys (each well inside ctest's per-test timeout
// in the sanitizer build): two with OpenSSL signing, two with Mbed TLS signing, each on its own inputs.
TEST_F(Differential, Sm2PreparedOpensslSignsBothVerify400KeysA) { cross_prepared(*this, openssl(), sscard::test::samples(400), 3); }
TEST_F(Differential, Sm2PreparedOpensslSignsBothVerify400KeysB) {
  reseed(0xB0);
  cross_prepared(*this, openssl(), sscard::test::samples(400), 3);
}
TEST_F(Differential, Sm2PreparedMbedtlsSignsBothVerify400KeysA) {
  reseed(0xA1);
  cross_prepared(*this, mbedtls(), sscard::test::samples(400), 3);
}
TEST_F(Differential, Sm2PreparedMbedtlsSignsBothVerify400KeysB) {
  reseed(0xB1);
  cross_prepared(*this, mbedtls(), sscard::test::samples(400), 3);
}

// For a given r and c, the signatures' s (see below) with the scalar u = t c mod n that multiplies G on the
// other side of the sum ([s]G against [u]G = [t]P_A), mod n with Mbed TLS's bignum; for c = 1 only the
// opposite-point case exists.
struct SpecialCase {
  bool opposite = false;  // [s]G = -[t]P_A (else the same point)
  Bytes s;
  Bytes u;
};

std::vector<SpecialCase> special_cases(const Bytes& r_bytes, std::uint8_t c) {
  struct Mpi {
    Mpi() { mbedtls_mpi_init(&v); }
    ~Mpi() { mbedtls_mpi_free(&v); }
    mbedtls_mpi v;
  };
  Mpi n, r, num, den, inv, s, t;
  std::vector<SpecialCase> out;
  if (mbedtls_mpi_read_string(&n.v, 16, "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123") != 0 ||
      mbedtls_mpi_read_binary(&r.v, r_bytes.data(), r_bytes.size()) != 0) {
    return out;
  }
  for (bool opposite : {false, true}) {
    if (!opposite && c == 1) continue;
    // s = r c / (1 - c), or s = -r c / (1 + c); then t = r + s and u = t c, all mod n.
    const int denominator = opposite ? 1 + c : 1 - c;
    if (mbedtls_mpi_mul_int(&num.v, &r.v, c) != 0 || mbedtls_mpi_lset(&den.v, denominator) != 0 ||
        mbedtls_mpi_mod_mpi(&den.v, &den.v, &n.v) != 0 || mbedtls_mpi_inv_mod(&inv.v, &den.v, &n.v) != 0 ||
        mbedtls_mpi_mul_mpi(&s.v, &num.v, &inv.v) != 0 || mbedtls_mpi_mod_mpi(&s.v, &s.v, &n.v) != 0) {
      return {};
    }
    if (opposite && mbedtls_mpi_sub_mpi(&s.v, &n.v, &s.v) != 0) return {};
    if (mbedtls_mpi_add_mpi(&t.v, &r.v, &s.v) != 0 || mbedtls_mpi_mul_int(&t.v, &t.v, c) != 0 ||
        mbedtls_mpi_mod_mpi(&t.v, &t.v, &n.v) != 0) {
      return {};
    }
    SpecialCase one{opposite, Bytes(32), Bytes(32)};
    if (mbedtls_mpi_write_binary(&s.v, one.s.data(), 32) != 0 || mbedtls_mpi_write_binary(&t.v, one.u.data(), 32) != 0) {
      return {};
    }
    out.push_back(one);
  }
  return out;
}

// Signatures for which [s]G and [t]P_A are the same point or opposite points, so that the final point
// addition doubles or gives the point at infinity (the special cases of the addition formulas). They do not
// verify, and both backends must say so alike. With P_A = [c]G: [s]G = [t c]G when s = r c / (1 - c), and
// [s]G = -[t c]G when s = -r c / (1 + c) (t = r + s, all mod n).
TEST_F(Differential, Sm2SpecialSumsAgree) {
  for (int i = 0; i < sscard::test::samples(100); ++i) {
    Bytes r = random_bytes(32);
    r[0] = static_cast<std::uint8_t>(r[0] & 0x7F);  // in [1, n - 1]
    r[31] |= 0x01;
    const Bytes message = random_bytes(uniform(0, 100));
    for (std::uint8_t c : {std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{3}}) {
      Bytes d(32, 0);
      d[31] = c;
      Bytes public_key(64);
      ASSERT_TRUE(openssl().sm2_public_key(d, public_key).ok());
      const std::vector<SpecialCase> cases = special_cases(r, c);
      ASSERT_EQ(cases.size(), c == 1 ? 1u : 2u);
      for (const SpecialCase& special : cases) {
        // The case is what it claims: [s]G and [u]G have the same x (and the same or opposite y).
        Bytes sg(64), ug(64);
        ASSERT_TRUE(openssl().sm2_public_key(special.s, sg).ok());
        ASSERT_TRUE(openssl().sm2_public_key(special.u, ug).ok());
        ASSERT_EQ(to_hex(ByteSpan(sg).first(32)), to_hex(ByteSpan(ug).first(32)));
        ASSERT_EQ(sg == ug, !special.opposite);
        Bytes signature = r;
        signature.insert(signature.end(), special.s.begin(), special.s.end());
        const std::string where = "c " + std::to_string(c) + ", signature " + to_hex(signature);
        const std::string a = outcome(openssl().sm2_verify(public_key, kSm2DefaultId, message, signature));
        EXPECT_EQ(a, outcome(mbedtls().sm2_verify(public_key, kSm2DefaultId, message, signature))) << where;
        auto prepared = mbedtls().sm2_prepare_public_key(public_key, kSm2DefaultId);
        ASSERT_TRUE(prepared.ok());
        EXPECT_EQ(a, outcome((*prepared)->verify(message, signature))) << where;
        EXPECT_EQ(a, "security") << where;
      }
    }
  }
}

// Random garbage as a public key or signature: both backends give the same answer (almost always
// invalid_argument for the key, security for the signature).
TEST_F(Differential, Sm2RandomInputsAgree200) {
  const std::vector<Vector> valid =
      where(load_vectors("sm2_verify_vectors.txt", 6), [](const Vector& v) { return v.expects_ok(); });
  ASSERT_FALSE(valid.empty());
  const Vector& published = valid.front();
  const Bytes key = hex(published[1]);
  const Bytes message = hex(published[3]);
  for (int i = 0; i < sscard::test::samples(200); ++i) {
    const Bytes random_key = random_bytes(i % 3 == 0 ? 65 : 64);
    const Bytes random_signature = random_bytes(64);
    EXPECT_EQ(outcome(openssl().sm2_verify(random_key, kSm2DefaultId, message, random_signature)),
              outcome(mbedtls().sm2_verify(random_key, kSm2DefaultId, message, random_signature)))
        << to_hex(random_key);
    EXPECT_EQ(outcome(openssl().sm2_verify(key, kSm2DefaultId, message, random_signature)),
              outcome(mbedtls().sm2_verify(key, kSm2DefaultId, message, random_signature)))
        << to_hex(random_signature);
    EXPECT_EQ(outcome(openssl().sm2_prepare_public_key(random_key, kSm2DefaultId).status()),
              outcome(mbedtls().sm2_prepare_public_key(random_key, kSm2DefaultId).status()))
        << to_hex(random_key);
  }
}

}  // namespace
}  // namespace sscard::crypto::test

// Crypto costs on this machine through the sscard interface: the MACs a terminal computes per command, SM2
// verification (offline data authentication: one-shot, with a prepared key, and with a new key each call) and
// signing, RSA-2048 verification and recovery (e = 65537 and e = 3), and SM3. The SM and RSA benchmarks run on
// every backend built (".../openssl", ".../mbedtls"; on Mbed TLS the SM algorithms are this project's own code).
//
// Compare SM2 and RSA with the library's own figures measured right after, on the same machine:
//   build/crypto/tests/bench/sscard_bench --benchmark_filter='Sm2|Rsa' --benchmark_min_time=1
//   openssl speed -seconds 3 sm2 rsa2048
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"
#include "sscard/crypto/mac.h"
#include "sscard/crypto/openssl.h"
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
#include "sscard/crypto/mbedtls.h"
#endif

namespace {

using sscard::Bytes;
using sscard::crypto::Crypto;
using Factory = std::unique_ptr<Crypto> (*)();

Bytes data_of(std::size_t size) {
  Bytes data(size);
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return data;
}

Bytes must_hex(const char* text) { return sscard::from_hex(text).value(); }

// The GM/T 0003.5 / GB/T 32918.5 Appendix A key pair and signature (see tests/data/crypto/sm2_verify_vectors.txt).
constexpr const char* kSm2Private = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
constexpr const char* kSm2Public =
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
constexpr const char* kSm2Signature =
    "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";

void BM_RetailMac3Des(benchmark::State& state) {
  std::unique_ptr<Crypto> crypto = sscard::crypto::make_openssl_crypto();
  const Bytes key = must_hex("0123456789ABCDEFFEDCBA9876543210");
  const Bytes data = data_of(static_cast<std::size_t>(state.range(0)));
  std::array<std::uint8_t, 8> mac{};
  for (auto _ : state) {
    auto r = sscard::crypto::retail_mac(*crypto, key, {}, data, mac);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_RetailMac3Des)->Arg(64)->Arg(1024);

void BM_Sm4CbcMac(benchmark::State& state, Factory make) {
  std::unique_ptr<Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  const Bytes key = must_hex("0123456789ABCDEFFEDCBA9876543210");
  const Bytes data = data_of(static_cast<std::size_t>(state.range(0)));
  std::array<std::uint8_t, 16> mac{};
  for (auto _ : state) {
    auto r = sscard::crypto::sm4_mac(*crypto, key, {}, data, mac);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK_CAPTURE(BM_Sm4CbcMac, openssl, &sscard::crypto::make_openssl_crypto)->Arg(64)->Arg(1024);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_Sm4CbcMac, mbedtls, &sscard::crypto::make_mbedtls_crypto)->Arg(64)->Arg(1024);
#endif

void count_rate(benchmark::State& state, const char* name) {
  state.counters[name] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// sm2_verify as a caller with one signature per key calls it: the key is prepared for each call.
void BM_Sm2Verify(benchmark::State& state, Factory make) {
  std::unique_ptr<Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  const Bytes key = must_hex(kSm2Public);
  const Bytes signature = must_hex(kSm2Signature);
  const sscard::ByteSpan message = sscard::as_bytes("message digest");
  for (auto _ : state) {
    sscard::Status s = crypto->sm2_verify(key, sscard::crypto::kSm2DefaultId, message, signature);
    if (!s.ok()) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(s);
  }
  count_rate(state, "verify/s");
}
BENCHMARK_CAPTURE(BM_Sm2Verify, openssl, &sscard::crypto::make_openssl_crypto);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_Sm2Verify, mbedtls, &sscard::crypto::make_mbedtls_crypto);
#endif

// The key prepared once (Sm2PublicKey), then many signatures: what `openssl speed sm2` measures (its loop
// reuses one EVP_PKEY and hashes Z_A again each time).
void BM_Sm2VerifyPrepared(benchmark::State& state, Factory make) {
  std::unique_ptr<Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  auto key = crypto->sm2_prepare_public_key(must_hex(kSm2Public), sscard::crypto::kSm2DefaultId);
  if (!key.ok()) return state.SkipWithError("key not prepared");
  const Bytes signature = must_hex(kSm2Signature);
  const sscard::ByteSpan message = sscard::as_bytes("message digest");
  for (auto _ : state) {
    sscard::Status s = (*key)->verify(message, signature);
    if (!s.ok()) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(s);
  }
  count_rate(state, "verify/s");
}
BENCHMARK_CAPTURE(BM_Sm2VerifyPrepared, openssl, &sscard::crypto::make_openssl_crypto);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_Sm2VerifyPrepared, mbedtls, &sscard::crypto::make_mbedtls_crypto);
#endif

// A different key for every verification (16 key pairs in turn, each signing its own message once), so that
// nothing a backend might remember about the previous key helps: the one-shot cost of a first-seen key.
void BM_Sm2VerifyNewKey(benchmark::State& state, Factory make) {
  std::unique_ptr<Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  constexpr std::size_t kKeys = 16;
  std::vector<Bytes> keys, signatures;
  const sscard::ByteSpan message = sscard::as_bytes("message digest");
  for (std::size_t i = 0; i < kKeys; ++i) {
    Bytes d = data_of(32);
    d[0] = 0x12;
    d[31] = static_cast<std::uint8_t>(i + 1);
    Bytes key(64), signature(64);
    if (!crypto->sm2_public_key(d, key).ok() ||
        !crypto->sm2_sign(d, sscard::crypto::kSm2DefaultId, message, signature).ok()) {
      return state.SkipWithError("key pair not made");
    }
    keys.push_back(key);
    signatures.push_back(signature);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    sscard::Status s = crypto->sm2_verify(keys[i], sscard::crypto::kSm2DefaultId, message, signatures[i]);
    if (!s.ok()) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(s);
    i = (i + 1) % kKeys;
  }
  count_rate(state, "verify/s");
}
BENCHMARK_CAPTURE(BM_Sm2VerifyNewKey, openssl, &sscard::crypto::make_openssl_crypto);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_Sm2VerifyNewKey, mbedtls, &sscard::crypto::make_mbedtls_crypto);
#endif

void BM_Sm2Sign(benchmark::State& state, Factory make) {
  std::unique_ptr<Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  const Bytes key = must_hex(kSm2Private);
  const sscard::ByteSpan message = sscard::as_bytes("message digest");
  std::array<std::uint8_t, 64> signature{};
  for (auto _ : state) {
    sscard::Status s = crypto->sm2_sign(key, sscard::crypto::kSm2DefaultId, message, signature);
    if (!s.ok()) state.SkipWithError("signing failed");
    benchmark::DoNotOptimize(signature);
  }
  count_rate(state, "sign/s");
}
BENCHMARK_CAPTURE(BM_Sm2Sign, openssl, &sscard::crypto::make_openssl_crypto);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_Sm2Sign, mbedtls, &sscard::crypto::make_mbedtls_crypto);
#endif

// Test-only RSA-2048 keys made on this project's machine with the openssl 3.0 command line, and a signature of
// kRsaMessage by each:
//   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 [-pkeyopt rsa_keygen_pubexp:3] -out k.pem
//   printf 'sscard RSA-2048 benchmark message' > m; openssl dgst -sha256 -sign k.pem -out sig m
struct RsaKey {
  const char* modulus;
  const char* exponent;
  const char* signature;
};
constexpr const char* kRsaMessage = "sscard RSA-2048 benchmark message";
constexpr RsaKey kRsa65537 = {
    "91447D34CC452F64144B5977128785A87A8D95D13550DA8389D4CE5F42598D0A647EC1F91066CCFD31DC5A07BB4DD30333ED710D48ADCC59"
    "EE8CD066B8EFC99FCA9C10EF4A46BD57B13612A3ED977B8B6AD5B5D464C8F6C5A830D2DFC21E9FF9B3F315500F83ADA709D9108EBD0E8429"
    "EE6A0EBBEFC580922ABCE63E53D2F89E56AB9F90E054D8C2D7FB493551A0487D8E6E25902EB3FDB1CE128360306E4EDB23A2E5360D87CA8A"
    "41175D2D6E451C6A407F452C71C3F3E0CFFB319357CCC4823AEC72AC1BC5DCBF04A3D1D02244BCB917479A497CD2AE24F82B75D7B7302A44"
    "C98C49E9706CD39F94AD7761B1850146BCEF09819D71EC5BA94405B73881397D",
    "010001",
    "1321980BD3A862849F3EBB9984A73B776ADE41E657DCBE7CE3DD380D21198648D8455A7F4643F8F03828CB4FCC4C57AA0481D542C6C2E31D"
    "103B04364320FF2361044D466D90169E52370D8E2745D22689E72B9BDC5365BABED043B8B859CC20602023C47D014120E1FE5D9F48165417"
    "10ABF4D88A89338AD965354761AEBBF6CB06D6AE9830F19A5BBBEF22C65FA0700FE8FD47E852F7AFF98F0CEF35FEB99B7335EA5DA9524771"
    "93B7DBC12E5F5C73D16E6950356649F46776E4A966D35230FD799F0180B3ACE56E642092B66339BEAF43A4D09C9856998A88FDBE517395BA"
    "697FAB9F6D2931C9E94DC7F01D5E23907984C2B21C2649C254D1D933692B3FC2",
};
constexpr RsaKey kRsa3 = {
    "BE51D2F6A18BA5106CAD145ADAF325E798077081BD0E0578B4CA1920E8743D6A7F06B62A7B1342AA69F6EC35629E8E2CF8C1FFA4134FCACC"
    "39F59A868C1BDC81C59A21631ED8B0C2F1D667C723310272A87C3D9D0DDC29CDDC684ACA888039B15C0A49CEF9F6363B66396D2EE7A74182"
    "37C7ADAA30CF44B2C1A15D694E68EFE8D91F7BD02CABA1FE336FF4CDD432C9B3F5ADD87318969DF1D15307204B1184C6260767943E01DCB8"
    "C99164874BB0133E1AE8D96627D6DD14BF0DA6B73F8C9E09E58B4C031AD0C5ED8B68536014B4EEDA5569FBDE7AE3377BB0ACAB67868115FA"
    "CA30574F96A7F03E8937CBC46A51FE7F0BA315291F7BB893186D64E224ECC3A9",
    "03",
    "BE25998B219662BFF4DEC90AA2A10CF1B220E9B741A120D6299112E4DA73B53AA25CC1100895B139614EB9B8FA7F51DAF4DDF4DB6D66B725"
    "5C21ADAA05BD92011034EB5E3FE35446388C4CD5C23CBC2850ED690C30B9FEE495CC82CECBBAA961DD6336F20D9B964DC36F3322460BBBD7"
    "9898B5F695173D01233C654B238278D5DE48CB696E8BACF56C93FD0E9DC92CA802DB07F9297DCC7A878EED9A7B2B422364924F873DC890AF"
    "49E4414D4961594B6B11D7D697717A9ED24F1FA583C629F64493C037C5626BD5386D1E5B1F51AD2689B70411F75AB0B04534B28FFFFCE1A5"
    "0EBB1508D646BEBCC2F1C6A4FC2FC885925363C30E8BD3EB1914E8C3BCEB627C",
};

// PKCS #1 v1.5 verification with SHA-256 (RFC 8017 8.2.2), the key given as modulus and exponent each call.
void BM_RsaVerify(benchmark::State& state, Factory make, const RsaKey* key) {
  std::unique_ptr<Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  const Bytes n = must_hex(key->modulus), e = must_hex(key->exponent), signature = must_hex(key->signature);
  const sscard::ByteSpan message = sscard::as_bytes(kRsaMessage);
  for (auto _ : state) {
    sscard::Status s = crypto->rsa_verify_pkcs1(sscard::crypto::Hash::kSha256, n, e, message, signature);
    if (!s.ok()) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(s);
  }
  count_rate(state, "verify/s");
}
BENCHMARK_CAPTURE(BM_RsaVerify, openssl_2048_e65537, &sscard::crypto::make_openssl_crypto, &kRsa65537);
BENCHMARK_CAPTURE(BM_RsaVerify, openssl_2048_e3, &sscard::crypto::make_openssl_crypto, &kRsa3);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_RsaVerify, mbedtls_2048_e65537, &sscard::crypto::make_mbedtls_crypto, &kRsa65537);
BENCHMARK_CAPTURE(BM_RsaVerify, mbedtls_2048_e3, &sscard::crypto::make_mbedtls_crypto, &kRsa3);
#endif

// The raw public operation s^e mod n, as EMV certificate recovery uses it (EMV Book 2 5.3).
void BM_RsaRecover(benchmark::State& state, Factory make, const RsaKey* key) {
  std::unique_ptr<Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  const Bytes n = must_hex(key->modulus), e = must_hex(key->exponent), signature = must_hex(key->signature);
  Bytes out(n.size());
  for (auto _ : state) {
    auto r = crypto->rsa_public(n, e, signature, out);
    if (!r.ok()) state.SkipWithError("recovery failed");
    benchmark::DoNotOptimize(out);
  }
  count_rate(state, "recover/s");
}
BENCHMARK_CAPTURE(BM_RsaRecover, openssl_2048_e65537, &sscard::crypto::make_openssl_crypto, &kRsa65537);
BENCHMARK_CAPTURE(BM_RsaRecover, openssl_2048_e3, &sscard::crypto::make_openssl_crypto, &kRsa3);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_RsaRecover, mbedtls_2048_e65537, &sscard::crypto::make_mbedtls_crypto, &kRsa65537);
BENCHMARK_CAPTURE(BM_RsaRecover, mbedtls_2048_e3, &sscard::crypto::make_mbedtls_crypto, &kRsa3);
#endif

void BM_Sm3(benchmark::State& state, Factory make) {
  std::unique_ptr<Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  const Bytes data = data_of(static_cast<std::size_t>(state.range(0)));
  std::array<std::uint8_t, 32> digest{};
  for (auto _ : state) {
    auto r = crypto->digest(sscard::crypto::Hash::kSm3, data, digest);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK_CAPTURE(BM_Sm3, openssl, &sscard::crypto::make_openssl_crypto)->Arg(64)->Arg(1024)->Arg(16384);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_Sm3, mbedtls, &sscard::crypto::make_mbedtls_crypto)->Arg(64)->Arg(1024)->Arg(16384);
#endif

}  // namespace

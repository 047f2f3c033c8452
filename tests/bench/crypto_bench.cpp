// Crypto costs on this machine through the sscard interface: the MACs a terminal computes per command, SM2
// verification (offline data authentication) and signing, and SM3. The SM benchmarks run on every backend
// built (".../openssl", ".../mbedtls"; on Mbed TLS the SM algorithms are this project's own code).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <memory>

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
  state.counters["verify/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_Sm2Verify, openssl, &sscard::crypto::make_openssl_crypto);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_Sm2Verify, mbedtls, &sscard::crypto::make_mbedtls_crypto);
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
  state.counters["sign/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_Sm2Sign, openssl, &sscard::crypto::make_openssl_crypto);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_Sm2Sign, mbedtls, &sscard::crypto::make_mbedtls_crypto);
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

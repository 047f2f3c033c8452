// The configured default backend (SSCARD_CRYPTO_BACKEND) is the one make_default_crypto() returns, and works.
#include <gtest/gtest.h>

#include "crypto_vectors.h"
#include "sscard/crypto/default_crypto.h"

namespace sscard::crypto::test {
namespace {

TEST(DefaultCrypto, ReturnsTheConfiguredBackend) {
  auto crypto = make_default_crypto();
  ASSERT_NE(crypto, nullptr);
  EXPECT_EQ(crypto->name(), default_crypto_name());
  EXPECT_TRUE(default_crypto_name() == "openssl" || default_crypto_name() == "mbedtls") << default_crypto_name();
}

// GB/T 32905-2016 Appendix A example 1 through the default backend.
TEST(DefaultCrypto, ComputesSm3) {
  auto crypto = make_default_crypto();
  ASSERT_NE(crypto, nullptr);
  Bytes out(32);
  ASSERT_TRUE(crypto->digest(Hash::kSm3, as_bytes("abc"), out).ok());
  EXPECT_EQ(to_hex(out), "66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0");
}

}  // namespace
}  // namespace sscard::crypto::test

// The crypto backends every crypto test runs against. To test another backend, add its factory here.
// Mbed TLS is optional: its backend is listed when the build has it (SSCARD_CRYPTO_HAVE_MBEDTLS).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "sscard/crypto/crypto.h"
#include "sscard/crypto/openssl.h"
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
#include "sscard/crypto/mbedtls.h"
#endif

namespace sscard::crypto::test {

struct Backend {
  std::string name;
  std::unique_ptr<Crypto> (*make)();
};

inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

inline std::vector<Backend> all_backends() {
  return {
      {"openssl", &make_openssl_crypto},
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
      {"mbedtls", &make_mbedtls_crypto},
#endif
  };
}

// A test parameterised over the backends alone, with a fresh backend object per test.
class BackendTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    crypto_ = GetParam().make();
    ASSERT_NE(crypto_, nullptr);
  }
  Crypto& crypto() { return *crypto_; }

 private:
  std::unique_ptr<Crypto> crypto_;
};

inline std::string backend_name(const testing::TestParamInfo<Backend>& info) { return info.param.name; }

}  // namespace sscard::crypto::test

#include "sscard/crypto/default_crypto.h"

#if defined(SSCARD_CRYPTO_DEFAULT_MBEDTLS)
#include "sscard/crypto/mbedtls.h"
#elif defined(SSCARD_CRYPTO_DEFAULT_OPENSSL)
#include "sscard/crypto/openssl.h"
#else
#error "build with SSCARD_CRYPTO_DEFAULT_OPENSSL or SSCARD_CRYPTO_DEFAULT_MBEDTLS (see CMakeLists.txt)"
#endif

namespace sscard::crypto {

#if defined(SSCARD_CRYPTO_DEFAULT_MBEDTLS)
std::unique_ptr<Crypto> make_default_crypto() { return make_mbedtls_crypto(); }
std::string_view default_crypto_name() { return "mbedtls"; }
#else
std::unique_ptr<Crypto> make_default_crypto() { return make_openssl_crypto(); }
std::string_view default_crypto_name() { return "openssl"; }
#endif

}  // namespace sscard::crypto

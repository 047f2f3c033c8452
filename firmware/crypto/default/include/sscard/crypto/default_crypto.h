// The crypto backend this firmware build was configured to use (SSCARD_CRYPTO_BACKEND: openssl or mbedtls).
#pragma once

#include <memory>
#include <string_view>

#include "sscard/crypto/crypto.h"

namespace sscard::crypto {

// A new object of the configured backend; nullptr in the cases that backend's factory documents (no memory;
// for Mbed TLS also no entropy to seed its random generator).
std::unique_ptr<Crypto> make_default_crypto();

// "openssl" or "mbedtls": the name() of the objects make_default_crypto() returns.
std::string_view default_crypto_name();

}  // namespace sscard::crypto

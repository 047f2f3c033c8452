// The OpenSSL 3 backend of the crypto interface.
#pragma once

#include <memory>

#include "sscard/crypto/crypto.h"

namespace sscard::crypto {

// A backend over OpenSSL 3's default provider (EVP APIs). Single DES is computed as three-key DES with
// K1 = K2 = K3, so the legacy provider is never loaded. Returns nullptr only when the library cannot
// allocate its state. An object may be used from one thread at a time; separate objects are independent.
std::unique_ptr<Crypto> make_openssl_crypto();

}  // namespace sscard::crypto

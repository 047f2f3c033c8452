// The Mbed TLS backend of the crypto interface.
#pragma once

#include <memory>

#include "sscard/crypto/crypto.h"

namespace sscard::crypto {

// A backend over Mbed TLS 2.28: DES/3DES, AES, SHA-1/256, RSA, bignum and ECP come from the library; SM3
// (GB/T 32905) and SM4 (GB/T 32907) are this project's own code, and SM2 (GB/T 32918) is built on Mbed TLS's
// ECP with the recommended curve loaded by hand, because Mbed TLS implements none of the SM algorithms.
// Random bytes, SM2 nonces and the blinding of secret scalar multiplications come from a CTR_DRBG (NIST
// SP 800-90A) seeded from the platform entropy source.
//
// Returns nullptr when the state cannot be allocated or the random generator cannot be seeded. An object may
// be used from one thread at a time; separate objects are independent.
std::unique_ptr<Crypto> make_mbedtls_crypto();

}  // namespace sscard::crypto

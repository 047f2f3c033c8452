// The crypto interface over Mbed TLS 2.28. DES/3DES, AES, SHA-1/256, RSA and the random generator are Mbed
// TLS's own; SM3, SM4 and SM2 are this project's code (sm3.cpp, sm4.cpp, sm2.cpp) because Mbed TLS has none.
//
// Every Mbed TLS context lives in a small owner whose destructor calls the matching *_free, which also
// zeroizes key schedules and bignum limbs.
#include "sscard/crypto/mbedtls.h"

#include <mbedtls/aes.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/des.h>
#include <mbedtls/entropy.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/rsa.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <new>

#include "sm2.h"
#include "sm3.h"
#include "sm4.h"
#include "sscard/core/bytes.h"

namespace sscard::crypto {
namespace {

constexpr std::size_t kRsaMaxModulusSize = 512;  // 4096 bits: above every EMV and PBOC key
// Personalisation string of the CTR_DRBG instantiation (NIST SP 800-90A 10.2.1.3): separates this use of the
// platform entropy from any other in the same process.
constexpr std::string_view kDrbgPersonalisation = "sscard crypto mbedtls";

template <typename Context, void (*Init)(Context*), void (*Free)(Context*)>
class Owned {
 public:
  Owned() { Init(&ctx_); }
  ~Owned() { Free(&ctx_); }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  Context* get() { return &ctx_; }

 private:
  Context ctx_;
};

using Des = Owned<mbedtls_des_context, mbedtls_des_init, mbedtls_des_free>;
using Des3 = Owned<mbedtls_des3_context, mbedtls_des3_init, mbedtls_des3_free>;
using Aes = Owned<mbedtls_aes_context, mbedtls_aes_init, mbedtls_aes_free>;
using Gcm = Owned<mbedtls_gcm_context, mbedtls_gcm_init, mbedtls_gcm_free>;  // mbedtls_gcm_free zeroizes the key
using Entropy = Owned<mbedtls_entropy_context, mbedtls_entropy_init, mbedtls_entropy_free>;
using CtrDrbg = Owned<mbedtls_ctr_drbg_context, mbedtls_ctr_drbg_init, mbedtls_ctr_drbg_free>;
using Mpi = Owned<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;  // mbedtls_mpi_free zeroizes the limbs

class Rsa {
 public:
  Rsa() { mbedtls_rsa_init(&ctx_, MBEDTLS_RSA_PKCS_V15, 0); }
  ~Rsa() { mbedtls_rsa_free(&ctx_); }
  Rsa(const Rsa&) = delete;
  Rsa& operator=(const Rsa&) = delete;
  mbedtls_rsa_context* get() { return &ctx_; }

 private:
  mbedtls_rsa_context ctx_;
};

Status check(int rc) { return rc == 0 ? kOk : Status(Error::kInternal); }

// The block-by-block loop shared by the ECB modes (Mbed TLS's ECB calls take one block).
template <typename OneBlock>
Status each_block(std::size_t block, ByteSpan in, MutableByteSpan out, OneBlock one_block) {
  for (std::size_t i = 0; i < in.size(); i += block) SSCARD_TRY(check(one_block(in.data() + i, out.data() + i)));
  return kOk;
}

Status run_des(bool cbc, bool encrypt, ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) {
  std::array<unsigned char, 8> chain{};
  std::copy(iv.begin(), iv.end(), chain.begin());
  const int mode = encrypt ? MBEDTLS_DES_ENCRYPT : MBEDTLS_DES_DECRYPT;
  Status status = kOk;
  if (key.size() == 8) {
    Des des;
    status = check(encrypt ? mbedtls_des_setkey_enc(des.get(), key.data())
                           : mbedtls_des_setkey_dec(des.get(), key.data()));
    if (status.ok()) {
      status = cbc ? check(mbedtls_des_crypt_cbc(des.get(), mode, in.size(), chain.data(), in.data(), out.data()))
                   : each_block(8, in, out, [&](const unsigned char* i, unsigned char* o) {
                       return mbedtls_des_crypt_ecb(des.get(), i, o);
                     });
    }
  } else {
    // Two-key (K1 K2 K1) or three-key EDE (NIST SP 800-67 Rev. 2, 3.2).
    Des3 des3;
    int rc = 0;
    if (key.size() == 16) {
      rc = encrypt ? mbedtls_des3_set2key_enc(des3.get(), key.data())
                   : mbedtls_des3_set2key_dec(des3.get(), key.data());
    } else {
      rc = encrypt ? mbedtls_des3_set3key_enc(des3.get(), key.data())
                   : mbedtls_des3_set3key_dec(des3.get(), key.data());
    }
    status = check(rc);
    if (status.ok()) {
      status = cbc ? check(mbedtls_des3_crypt_cbc(des3.get(), mode, in.size(), chain.data(), in.data(), out.data()))
                   : each_block(8, in, out, [&](const unsigned char* i, unsigned char* o) {
                       return mbedtls_des3_crypt_ecb(des3.get(), i, o);
                     });
    }
  }
  return status;
}

Status run_aes(bool cbc, bool encrypt, ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) {
  Aes aes;
  const auto bits = static_cast<unsigned int>(key.size() * 8);
  // CBC encryption and every ECB encryption use the forward key schedule; decryption the inverse one.
  SSCARD_TRY(check(encrypt ? mbedtls_aes_setkey_enc(aes.get(), key.data(), bits)
                           : mbedtls_aes_setkey_dec(aes.get(), key.data(), bits)));
  const int mode = encrypt ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT;
  if (cbc) {
    std::array<unsigned char, 16> chain{};
    std::copy(iv.begin(), iv.end(), chain.begin());
    return check(mbedtls_aes_crypt_cbc(aes.get(), mode, in.size(), chain.data(), in.data(), out.data()));
  }
  return each_block(16, in, out, [&](const unsigned char* i, unsigned char* o) {
    return mbedtls_aes_crypt_ecb(aes.get(), mode, i, o);
  });
}

// SM4 ECB and CBC (GB/T 17964-2021 for the modes) over our own block function.
Status run_sm4(bool cbc, bool encrypt, ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) {
  constexpr std::size_t kBlock = gm::Sm4::kBlockSize;
  const gm::Sm4 sm4(key.first<gm::Sm4::kKeySize>());
  std::array<std::uint8_t, kBlock> chain{};
  std::copy(iv.begin(), iv.end(), chain.begin());
  std::array<std::uint8_t, kBlock> block{};
  for (std::size_t i = 0; i < in.size(); i += kBlock) {
    // Copied first, so `out` may be the same memory as `in`.
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(i), kBlock, block.begin());
    const std::span<std::uint8_t, kBlock> o = out.subspan(i).first<kBlock>();
    if (encrypt) {
      if (cbc) {
        for (std::size_t j = 0; j < kBlock; ++j) block[j] ^= chain[j];
      }
      sm4.encrypt_block(block, o);
      if (cbc) std::copy(o.begin(), o.end(), chain.begin());
    } else {
      sm4.decrypt_block(block, o);
      if (cbc) {
        for (std::size_t j = 0; j < kBlock; ++j) o[j] ^= chain[j];
        chain = block;
      }
    }
  }
  secure_wipe(block);
  return kOk;
}

const mbedtls_md_info_t* md_info(Hash h) {
  switch (h) {
    case Hash::kSha1:
      return mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    case Hash::kSha256:
      return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    case Hash::kSm3:
      break;
  }
  return nullptr;
}

class MbedTlsCrypto final : public Crypto {
 public:
  // Seeds the CTR_DRBG and finds the SM2 curve (built once per process). kInternal: no entropy or no memory.
  Status init() {
    SSCARD_TRY(check(mbedtls_ctr_drbg_seed(drbg_.get(), mbedtls_entropy_func, entropy_.get(),
                                           reinterpret_cast<const unsigned char*>(kDrbgPersonalisation.data()),
                                           kDrbgPersonalisation.size())));
    return sm2_.load();
  }

  std::string_view name() const override { return "mbedtls"; }

  Status encrypt_ecb(Cipher c, ByteSpan key, ByteSpan in, MutableByteSpan out) override {
    return run_cipher(c, false, key, {}, in, out, true);
  }
  Status decrypt_ecb(Cipher c, ByteSpan key, ByteSpan in, MutableByteSpan out) override {
    return run_cipher(c, false, key, {}, in, out, false);
  }
  Status encrypt_cbc(Cipher c, ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) override {
    return run_cipher(c, true, key, iv, in, out, true);
  }
  Status decrypt_cbc(Cipher c, ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out) override {
    return run_cipher(c, true, key, iv, in, out, false);
  }

  Result<std::size_t> digest(Hash h, ByteSpan in, MutableByteSpan out) override {
    const std::size_t size = digest_size(h);
    if (size == 0) return Error::kInvalidArgument;
    if (out.size() < size) return Error::kBufferTooSmall;
    if (h == Hash::kSm3) {
      gm::Sm3 sm3;
      sm3.update(in);
      sm3.finish(out.first<gm::Sm3::kDigestSize>());
      return size;
    }
    const mbedtls_md_info_t* info = md_info(h);
    if (info == nullptr) return Error::kUnsupported;
    SSCARD_TRY(check(mbedtls_md(info, in.data(), in.size(), out.data())));
    return size;
  }

  Result<std::size_t> rsa_public(ByteSpan modulus, ByteSpan exponent, ByteSpan in, MutableByteSpan out) override {
    if (in.size() != modulus.size()) return Error::kInvalidArgument;
    if (out.size() < modulus.size()) return Error::kBufferTooSmall;
    Rsa rsa;
    SSCARD_TRY(make_rsa_public(modulus, exponent, rsa));
    // Same length, big-endian: byte order comparison is numeric comparison.
    if (!std::lexicographical_compare(in.begin(), in.end(), modulus.begin(), modulus.end())) {
      return Error::kInvalidArgument;
    }
    SSCARD_TRY(check(mbedtls_rsa_public(rsa.get(), in.data(), out.data())));
    return modulus.size();
  }

  Result<std::size_t> rsa_private(ByteSpan modulus, ByteSpan private_exponent, ByteSpan in,
                                  MutableByteSpan out) override {
    SSCARD_TRY(check_rsa_private_arguments(modulus, private_exponent, in, out));
    // mbedtls_rsa_private needs the CRT parts (P, Q); with n and d alone the modular exponentiation is done
    // directly with mbedtls_mpi_exp_mod (a sliding window; Mbed TLS does not promise it constant time, which is
    // why crypto.h says "where the library offers it").
    Mpi n, d, x, y;
    SSCARD_TRY(check(mbedtls_mpi_read_binary(n.get(), modulus.data(), modulus.size())));
    SSCARD_TRY(check(mbedtls_mpi_read_binary(d.get(), private_exponent.data(), private_exponent.size())));
    SSCARD_TRY(check(mbedtls_mpi_read_binary(x.get(), in.data(), in.size())));
    SSCARD_TRY(check(mbedtls_mpi_exp_mod(y.get(), x.get(), d.get(), n.get(), nullptr)));
    SSCARD_TRY(check(mbedtls_mpi_write_binary(y.get(), out.data(), modulus.size())));
    return modulus.size();
  }

  Status rsa_verify_pkcs1(Hash h, ByteSpan modulus, ByteSpan exponent, ByteSpan message,
                          ByteSpan signature) override {
    if (digest_size(h) == 0) return Error::kInvalidArgument;
    Rsa rsa;
    SSCARD_TRY(make_rsa_public(modulus, exponent, rsa));
    if (signature.size() != modulus.size()) return Error::kSecurity;
    // RSA with SM3 has no place in PBOC or the SSC specifications, and OpenSSL 3.0 refuses it ("digest not
    // allowed"); refusing it here too keeps the two backends interchangeable.
    if (h == Hash::kSm3) return Error::kUnsupported;
    std::array<std::uint8_t, 32> hash{};
    SSCARD_TRY_ASSIGN(const std::size_t hash_length, digest(h, message, hash));
    const mbedtls_md_type_t type = h == Hash::kSha1 ? MBEDTLS_MD_SHA1 : MBEDTLS_MD_SHA256;
    const int rc = mbedtls_rsa_pkcs1_verify(rsa.get(), nullptr, nullptr, MBEDTLS_RSA_PUBLIC, type,
                                            static_cast<unsigned int>(hash_length), hash.data(), signature.data());
    return rc == 0 ? kOk : Status(Error::kSecurity);
  }

  Status sm2_verify(ByteSpan public_key, std::string_view id, ByteSpan message, ByteSpan signature) override {
    return sm2_.verify(public_key, id, message, signature);
  }
  Result<std::unique_ptr<Sm2PublicKey>> sm2_prepare_public_key(ByteSpan public_key, std::string_view id) override {
    return sm2_.prepare(public_key, id);
  }
  Status sm2_sign(ByteSpan private_key, std::string_view id, ByteSpan message, MutableByteSpan signature) override {
    return sm2_.sign(private_key, id, message, signature, rng());
  }
  Status sm2_public_key(ByteSpan private_key, MutableByteSpan public_key) override {
    return sm2_.public_key(private_key, public_key, rng());
  }

  Result<std::size_t> aead_seal(Aead a, ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
                                MutableByteSpan out) override {
    if (plaintext.size() > SIZE_MAX - kAeadTagSize) return Error::kInvalidArgument;
    const std::size_t sealed_size = plaintext.size() + kAeadTagSize;
    SSCARD_TRY(check_aead_arguments(a, key, nonce, out, sealed_size));
    Gcm gcm;
    // SP 800-38D 7.1 GCM-AE with the 96-bit IV, the tag written after the ciphertext.
    if (mbedtls_gcm_setkey(gcm.get(), MBEDTLS_CIPHER_ID_AES, key.data(), static_cast<unsigned int>(key.size() * 8)) != 0 ||
        mbedtls_gcm_crypt_and_tag(gcm.get(), MBEDTLS_GCM_ENCRYPT, plaintext.size(), nonce.data(), nonce.size(),
                                  aad.data(), aad.size(), plaintext.data(), out.data(), kAeadTagSize,
                                  out.data() + plaintext.size()) != 0) {
      secure_wipe(out.first(sealed_size));
      return Error::kInternal;
    }
    return sealed_size;
  }

  Result<std::size_t> aead_open(Aead a, ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan sealed,
                                MutableByteSpan out) override {
    if (sealed.size() < kAeadTagSize) return Error::kMalformed;
    const std::size_t plain_size = sealed.size() - kAeadTagSize;
    SSCARD_TRY(check_aead_arguments(a, key, nonce, out, plain_size));
    Gcm gcm;
    if (mbedtls_gcm_setkey(gcm.get(), MBEDTLS_CIPHER_ID_AES, key.data(), static_cast<unsigned int>(key.size() * 8)) != 0) {
      return Error::kInternal;
    }
    // SP 800-38D 7.2 GCM-AD; Mbed TLS compares the tag in constant time.
    const int rc = mbedtls_gcm_auth_decrypt(gcm.get(), plain_size, nonce.data(), nonce.size(), aad.data(), aad.size(),
                                            sealed.data() + plain_size, kAeadTagSize, sealed.data(), out.data());
    if (rc != 0) {
      secure_wipe(out.first(plain_size));  // Mbed TLS zeroes it too; an unauthenticated plaintext never leaves
      return rc == MBEDTLS_ERR_GCM_AUTH_FAILED ? Status(Error::kSecurity) : Status(Error::kInternal);
    }
    return plain_size;
  }

  Status random(MutableByteSpan out) override {
    // CTR_DRBG hands out at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes a call; it reseeds itself on its interval.
    for (std::size_t done = 0; done < out.size();) {
      const std::size_t n = std::min<std::size_t>(out.size() - done, MBEDTLS_CTR_DRBG_MAX_REQUEST);
      SSCARD_TRY(check(mbedtls_ctr_drbg_random(drbg_.get(), out.data() + done, n)));
      done += n;
    }
    return kOk;
  }

 private:
  gm::RandomSource rng() { return {mbedtls_ctr_drbg_random, drbg_.get()}; }

  static Status run_cipher(Cipher c, bool cbc, ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out,
                           bool encrypt) {
    const std::size_t block = block_size(c);
    if (block == 0) return Error::kInvalidArgument;
    if (cbc && iv.size() != block) return Error::kInvalidArgument;
    if (in.size() % block != 0 || out.size() < in.size()) return Error::kInvalidArgument;
    bool key_ok = false;
    switch (c) {
      case Cipher::kTdes:
        key_ok = key.size() == 8 || key.size() == 16 || key.size() == 24;
        break;
      case Cipher::kSm4:
        key_ok = key.size() == gm::Sm4::kKeySize;
        break;
      case Cipher::kAes:
        key_ok = key.size() == 16 || key.size() == 24 || key.size() == 32;
        break;
    }
    if (!key_ok) return Error::kInvalidArgument;
    if (in.empty()) return kOk;
    switch (c) {
      case Cipher::kTdes:
        return run_des(cbc, encrypt, key, iv, in, out);
      case Cipher::kSm4:
        return run_sm4(cbc, encrypt, key, iv, in, out);
      case Cipher::kAes:
        return run_aes(cbc, encrypt, key, iv, in, out);
    }
    return Error::kInvalidArgument;
  }

  // The same checks as the OpenSSL backend: a modulus of 1..512 bytes without a leading zero byte, odd; a
  // non-zero exponent no longer than the modulus.
  static Status make_rsa_public(ByteSpan modulus, ByteSpan exponent, Rsa& rsa) {
    if (modulus.empty() || modulus.size() > kRsaMaxModulusSize || modulus[0] == 0) return Error::kInvalidArgument;
    if (exponent.empty() || exponent.size() > modulus.size()) return Error::kInvalidArgument;
    if ((modulus.back() & 1) == 0) return Error::kInvalidArgument;
    if (std::all_of(exponent.begin(), exponent.end(), [](std::uint8_t b) { return b == 0; })) {
      return Error::kInvalidArgument;
    }
    if (mbedtls_rsa_import_raw(rsa.get(), modulus.data(), modulus.size(), nullptr, 0, nullptr, 0, nullptr, 0,
                               exponent.data(), exponent.size()) != 0 ||
        mbedtls_rsa_complete(rsa.get()) != 0) {
      return Error::kInvalidArgument;
    }
    return kOk;
  }

  Entropy entropy_;
  CtrDrbg drbg_;
  gm::Sm2 sm2_;
};

}  // namespace

std::unique_ptr<Crypto> make_mbedtls_crypto() {
  std::unique_ptr<MbedTlsCrypto> crypto(new (std::nothrow) MbedTlsCrypto());
  if (!crypto || !crypto->init().ok()) return nullptr;
  return crypto;
}

}  // namespace sscard::crypto

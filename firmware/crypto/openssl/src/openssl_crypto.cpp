// The crypto interface over OpenSSL 3 (EVP, OSSL_PARAM and provider APIs; no deprecated low-level calls).
//
// Every OpenSSL object is owned by a std::unique_ptr with its matching free function, so each one is
// released on every return path. Failures clear OpenSSL's thread error queue so that it never grows.
#include "sscard/crypto/openssl.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <new>
#include <span>

#include "sscard/core/bytes.h"

namespace sscard::crypto {
namespace {

template <auto FreeFunction>
struct Free {
  template <typename T>
  void operator()(T* p) const {
    FreeFunction(p);
  }
};

using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Free<EVP_CIPHER_CTX_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, Free<EVP_CIPHER_free>>;
using MdPtr = std::unique_ptr<EVP_MD, Free<EVP_MD_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Free<BN_free>>;
using SecretBnPtr = std::unique_ptr<BIGNUM, Free<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Free<BN_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Free<OSSL_PARAM_BLD_free>>;
// OSSL_PARAM_free also clears the secure-heap block where OSSL_PARAM_BLD put a secure BIGNUM (the SM2 private key).
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Free<OSSL_PARAM_free>>;
using GroupPtr = std::unique_ptr<EC_GROUP, Free<EC_GROUP_free>>;
using PointPtr = std::unique_ptr<EC_POINT, Free<EC_POINT_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Free<ECDSA_SIG_free>>;

// Returns `e` after dropping whatever OpenSSL queued, so a failed call leaves no state behind.
Status fail(Error e) {
  ERR_clear_error();
  return e;
}

bool fits_int(std::size_t n) { return n <= static_cast<std::size_t>(INT_MAX); }

// The ciphers fetched once per backend object; indices into Backend::ciphers_.
enum CipherIndex : std::size_t {
  kDesEdeEcb,
  kDesEdeCbc,
  kDesEde3Ecb,
  kDesEde3Cbc,
  kSm4Ecb,
  kSm4Cbc,
  kAes128Ecb,
  kAes128Cbc,
  kAes192Ecb,
  kAes192Cbc,
  kAes256Ecb,
  kAes256Cbc,
  kAes128Gcm,
  kAes192Gcm,
  kAes256Gcm,
  kCipherCount,
};

constexpr std::array<const char*, kCipherCount> kCipherNames = {
    "DES-EDE-ECB", "DES-EDE-CBC", "DES-EDE3-ECB", "DES-EDE3-CBC", "SM4-ECB",     "SM4-CBC",
    "AES-128-ECB", "AES-128-CBC", "AES-192-ECB",  "AES-192-CBC",  "AES-256-ECB", "AES-256-CBC",
    "AES-128-GCM", "AES-192-GCM", "AES-256-GCM",
};

constexpr std::size_t kSm2FieldSize = 32;
constexpr std::size_t kSm2PointSize = 1 + 2 * kSm2FieldSize;  // 04 || x || y (SEC 1 2.3.3, uncompressed)
constexpr std::size_t kSm2MaxDerSignature = 72;               // SEQUENCE of two INTEGERs of up to 33 bytes
// ENTL_A is a 16-bit count of the ID's bits (GB/T 32918.2-2016 5.5), so the ID is at most 8191 bytes.
constexpr std::size_t kSm2MaxIdSize = 0xFFFF / 8;
constexpr std::size_t kRsaMaxModulusSize = 512;  // 4096 bits: above every EMV and PBOC key

const char* md_name(Hash h) {
  switch (h) {
    case Hash::kSha1:
      return "SHA1";
    case Hash::kSha256:
      return "SHA256";
    case Hash::kSm3:
      return "SM3";
  }
  return nullptr;
}

// An SM2 key pair or public key as an EVP_PKEY. EVP_PKEY_fromdata checks that the point is on the curve
// (EC_POINT_oct2point: coordinates below p and the curve equation, GB/T 32918.1-2016 6.2.1).
Status make_sm2_key(const std::array<std::uint8_t, kSm2PointSize>& point, const BIGNUM* d, PkeyPtr& out) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_sm2, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1 ||
      (d != nullptr && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d) != 1)) {
    return fail(Error::kInternal);
  }
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return fail(Error::kInternal);
  EVP_PKEY* pkey = nullptr;
  const int selection = d != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) != 1) return fail(Error::kInvalidArgument);
  out.reset(pkey);
  return kOk;
}

// SM2Signature ::= SEQUENCE { r INTEGER, s INTEGER } (GB/T 35276-2017 7.3) in DER from r || s: each INTEGER in
// its minimal two's complement form (X.690 8.3.2), so OpenSSL's re-encoding check accepts it. Returns the length.
std::size_t der_sm2_signature(std::span<const std::uint8_t, 2 * kSm2FieldSize> rs,
                              std::array<std::uint8_t, kSm2MaxDerSignature>& der) {
  std::size_t at = 2;  // after SEQUENCE and its length
  for (std::size_t half = 0; half < 2; ++half) {
    const ByteSpan v = rs.subspan(half * kSm2FieldSize, kSm2FieldSize);
    std::size_t skip = 0;
    while (skip + 1 < v.size() && v[skip] == 0) ++skip;
    const bool pad = (v[skip] & 0x80) != 0;
    der[at++] = 0x02;
    der[at++] = static_cast<std::uint8_t>(v.size() - skip + (pad ? 1 : 0));
    if (pad) der[at++] = 0x00;
    std::copy(v.begin() + static_cast<std::ptrdiff_t>(skip), v.end(), der.begin() + static_cast<std::ptrdiff_t>(at));
    at += v.size() - skip;
  }
  der[0] = 0x30;
  der[1] = static_cast<std::uint8_t>(at - 2);  // at most 70: the short form
  return at;
}

// An SM2 public key prepared on OpenSSL: the EVP_PKEY and a verification context over it are built once, and
// Z_A is computed once, with OpenSSL's SM3. A verification hashes e = SM3(Z_A || M) (GB/T 32918.2-2016 7.1
// B3, B4) and hands e to EVP_PKEY_verify: OpenSSL's SM2 signature provider takes what it is given there as e
// and runs B1, B2 and B5 to B7 itself. That is what EVP_DigestVerify does after computing Z_A on every call.
class OpenSslSm2Key final : public Sm2PublicKey {
 public:
  // `point` is 04 || x || y; `curve` is a || b || x_G || y_G; `group` an SM2 EVP_PKEY holding only the curve's
  // parameters, copied for this key. kInvalidArgument: not a point of the curve.
  Status init(const EVP_MD* sm3, ByteSpan curve, const EVP_PKEY* group,
              const std::array<std::uint8_t, kSm2PointSize>& point, std::string_view id) {
    if (EVP_MD_up_ref(const_cast<EVP_MD*>(sm3)) != 1) return fail(Error::kInternal);
    sm3_.reset(const_cast<EVP_MD*>(sm3));
    // A copy of the parameters-only key and the point set into it: the same EVP_PKEY as EVP_PKEY_fromdata with
    // the group's name makes, without building the group from its name again (a quarter of the cost of a
    // verification). Setting the point checks it is on the curve (EC_POINT_oct2point: coordinates below p and
    // the curve equation, GB/T 32918.1-2016 6.2.1); only a 65-byte 04 form ever reaches it.
    pkey_.reset(EVP_PKEY_dup(const_cast<EVP_PKEY*>(group)));
    if (!pkey_) return fail(Error::kInternal);
    if (EVP_PKEY_set1_encoded_public_key(pkey_.get(), point.data(), point.size()) != 1) {
      return fail(Error::kInvalidArgument);
    }
    verify_.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
    hash_.reset(EVP_MD_CTX_new());
    if (!verify_ || !hash_ || EVP_PKEY_verify_init(verify_.get()) != 1) return fail(Error::kInternal);
    std::copy(point.begin() + 1, point.end(), point_.begin());
    // Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A), ENTL_A the ID's length in bits (5.5).
    const std::size_t bits = id.size() * 8;
    const std::array<std::uint8_t, 2> entl = {static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits)};
    unsigned int length = 0;
    if (EVP_DigestInit_ex2(hash_.get(), sm3_.get(), nullptr) != 1 ||
        EVP_DigestUpdate(hash_.get(), entl.data(), entl.size()) != 1 ||
        EVP_DigestUpdate(hash_.get(), id.data(), id.size()) != 1 ||
        EVP_DigestUpdate(hash_.get(), curve.data(), curve.size()) != 1 ||
        EVP_DigestUpdate(hash_.get(), point_.data(), point_.size()) != 1 ||
        EVP_DigestFinal_ex(hash_.get(), z_.data(), &length) != 1 || length != z_.size()) {
      return fail(Error::kInternal);
    }
    return kOk;
  }

 private:
  Status verify_signature(ByteSpan message, std::span<const std::uint8_t, kSignatureSize> signature) override {
    if (!verify_) return Error::kInternal;  // init() failed or was not called
    std::array<std::uint8_t, kSm2FieldSize> e{};
    unsigned int length = 0;
    if (EVP_DigestInit_ex2(hash_.get(), sm3_.get(), nullptr) != 1 ||
        EVP_DigestUpdate(hash_.get(), z_.data(), z_.size()) != 1 ||
        EVP_DigestUpdate(hash_.get(), message.data(), message.size()) != 1 ||
        EVP_DigestFinal_ex(hash_.get(), e.data(), &length) != 1 || length != e.size()) {
      return fail(Error::kInternal);
    }
    std::array<std::uint8_t, kSm2MaxDerSignature> der{};
    const std::size_t der_length = der_sm2_signature(signature, der);
    if (EVP_PKEY_verify(verify_.get(), der.data(), der_length, e.data(), e.size()) != 1) return fail(Error::kSecurity);
    return kOk;
  }

  MdPtr sm3_;
  PkeyPtr pkey_;
  PkeyCtxPtr verify_;
  MdCtxPtr hash_;
};

class OpenSslCrypto final : public Crypto {
 public:
  OpenSslCrypto() {
    for (std::size_t i = 0; i < kCipherCount; ++i) ciphers_[i].reset(EVP_CIPHER_fetch(nullptr, kCipherNames[i], nullptr));
    for (Hash h : {Hash::kSha1, Hash::kSha256, Hash::kSm3}) {
      mds_[static_cast<std::size_t>(h)].reset(EVP_MD_fetch(nullptr, md_name(h), nullptr));
    }
    sm2_group_.reset(EC_GROUP_new_by_curve_name(NID_sm2));
    sm2_curve_ok_ = load_sm2_curve();
    sm2_parameters_ = make_sm2_parameters();
    ERR_clear_error();  // a cipher missing from this build is reported per call as kUnsupported
  }

  std::string_view name() const override { return "openssl"; }

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
    const std::size_t index = static_cast<std::size_t>(h);
    if (index >= mds_.size() || md_name(h) == nullptr) return Error::kInvalidArgument;
    if (out.size() < digest_size(h)) return Error::kBufferTooSmall;
    const EVP_MD* md = mds_[index].get();
    if (md == nullptr) return Error::kUnsupported;
    unsigned int length = 0;
    if (EVP_Digest(in.data(), in.size(), out.data(), &length, md, nullptr) != 1) return fail(Error::kInternal);
    return static_cast<std::size_t>(length);
  }

  Result<std::size_t> rsa_public(ByteSpan modulus, ByteSpan exponent, ByteSpan in, MutableByteSpan out) override {
    if (in.size() != modulus.size()) return Error::kInvalidArgument;
    if (out.size() < modulus.size()) return Error::kBufferTooSmall;
    PkeyPtr pkey;
    SSCARD_TRY(make_rsa_public(modulus, exponent, pkey));
    // Same length, big-endian: byte order comparison is numeric comparison.
    if (!std::lexicographical_compare(in.begin(), in.end(), modulus.begin(), modulus.end())) {
      return Error::kInvalidArgument;
    }
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!ctx) return fail(Error::kInternal);
    if (EVP_PKEY_encrypt_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1) {
      return fail(Error::kInternal);
    }
    std::size_t length = out.size();
    if (EVP_PKEY_encrypt(ctx.get(), out.data(), &length, in.data(), in.size()) != 1) return fail(Error::kInternal);
    if (length != modulus.size()) return fail(Error::kInternal);
    return length;
  }

  Result<std::size_t> rsa_private(ByteSpan modulus, ByteSpan private_exponent, ByteSpan in,
                                  MutableByteSpan out) override {
    SSCARD_TRY(check_rsa_private_arguments(modulus, private_exponent, in, out));
    // An EVP RSA key needs e (and OpenSSL's private operation prefers the CRT parts); a card that keeps only
    // n and d is served by the constant-time modular exponentiation directly.
    BnCtxPtr ctx(BN_CTX_secure_new());
    BnPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
    SecretBnPtr d(BN_secure_new());
    SecretBnPtr x(BN_secure_new());
    SecretBnPtr y(BN_secure_new());
    if (!ctx || !n || !d || !x || !y ||
        BN_bin2bn(private_exponent.data(), static_cast<int>(private_exponent.size()), d.get()) == nullptr ||
        BN_bin2bn(in.data(), static_cast<int>(in.size()), x.get()) == nullptr) {
      return fail(Error::kInternal);
    }
    BN_set_flags(d.get(), BN_FLG_CONSTTIME);
    if (BN_mod_exp_mont_consttime(y.get(), x.get(), d.get(), n.get(), ctx.get(), nullptr) != 1 ||
        BN_bn2binpad(y.get(), out.data(), static_cast<int>(modulus.size())) != static_cast<int>(modulus.size())) {
      return fail(Error::kInternal);
    }
    return modulus.size();
  }

  Status rsa_verify_pkcs1(Hash h, ByteSpan modulus, ByteSpan exponent, ByteSpan message,
                          ByteSpan signature) override {
    // OpenSSL 3.0 refuses RSA with SM3 ("digest not allowed"); no PBOC or SSC object pairs them.
    if (h == Hash::kSm3) return Error::kUnsupported;
    const char* md = md_name(h);
    if (md == nullptr) return Error::kInvalidArgument;
    PkeyPtr pkey;
    SSCARD_TRY(make_rsa_public(modulus, exponent, pkey));
    if (signature.size() != modulus.size()) return Error::kSecurity;
    MdCtxPtr mctx(EVP_MD_CTX_new());
    if (!mctx) return fail(Error::kInternal);
    EVP_PKEY_CTX* pctx = nullptr;  // owned by mctx
    if (EVP_DigestVerifyInit_ex(mctx.get(), &pctx, md, nullptr, nullptr, pkey.get(), nullptr) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
      return fail(Error::kInternal);
    }
    if (EVP_DigestVerify(mctx.get(), signature.data(), signature.size(), message.data(), message.size()) != 1) {
      return fail(Error::kSecurity);
    }
    return kOk;
  }

  Status sm2_verify(ByteSpan public_key, std::string_view id, ByteSpan message, ByteSpan signature) override {
    OpenSslSm2Key key;
    SSCARD_TRY(prepare(key, public_key, id));
    return key.verify(message, signature);
  }

  Result<std::unique_ptr<Sm2PublicKey>> sm2_prepare_public_key(ByteSpan public_key, std::string_view id) override {
    std::unique_ptr<OpenSslSm2Key> key(new (std::nothrow) OpenSslSm2Key());
    if (!key) return Error::kInternal;
    SSCARD_TRY(prepare(*key, public_key, id));
    return std::unique_ptr<Sm2PublicKey>(std::move(key));
  }

  Status sm2_sign(ByteSpan private_key, std::string_view id, ByteSpan message, MutableByteSpan signature) override {
    if (id.size() > kSm2MaxIdSize) return Error::kInvalidArgument;
    if (signature.size() < 2 * kSm2FieldSize) return Error::kBufferTooSmall;
    SecretBnPtr d;
    SSCARD_TRY(sm2_private_scalar(private_key, d));
    std::array<std::uint8_t, kSm2PointSize> point{};
    SSCARD_TRY(sm2_multiply_generator(d.get(), point));
    PkeyPtr pkey;
    // The public key enters Z_A (GB/T 32918.2-2016 5.5), so the signer needs the whole key pair.
    SSCARD_TRY(make_sm2_key(point, d.get(), pkey));

    MdCtxPtr mctx(EVP_MD_CTX_new());
    if (!mctx) return fail(Error::kInternal);
    SSCARD_TRY(init_sm2_sign(mctx.get(), pkey.get(), id));
    std::array<std::uint8_t, kSm2MaxDerSignature + 8> der{};
    std::size_t der_length = der.size();
    if (EVP_DigestSign(mctx.get(), der.data(), &der_length, message.data(), message.size()) != 1) {
      return fail(Error::kInternal);
    }
    const std::uint8_t* cursor = der.data();
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_length)));
    if (!sig) return fail(Error::kInternal);
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    if (BN_bn2binpad(r, signature.data(), static_cast<int>(kSm2FieldSize)) != static_cast<int>(kSm2FieldSize) ||
        BN_bn2binpad(s, signature.data() + kSm2FieldSize, static_cast<int>(kSm2FieldSize)) !=
            static_cast<int>(kSm2FieldSize)) {
      return fail(Error::kInternal);
    }
    return kOk;
  }

  Status sm2_public_key(ByteSpan private_key, MutableByteSpan public_key) override {
    if (public_key.size() < 2 * kSm2FieldSize) return Error::kBufferTooSmall;
    SecretBnPtr d;
    SSCARD_TRY(sm2_private_scalar(private_key, d));
    std::array<std::uint8_t, kSm2PointSize> point{};
    SSCARD_TRY(sm2_multiply_generator(d.get(), point));
    std::copy(point.begin() + 1, point.end(), public_key.begin());
    return kOk;
  }

  Result<std::size_t> aead_seal(Aead a, ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
                                MutableByteSpan out) override {
    if (plaintext.size() > static_cast<std::size_t>(INT_MAX) - kAeadTagSize || !fits_int(aad.size())) {
      return Error::kInvalidArgument;
    }
    const std::size_t sealed_size = plaintext.size() + kAeadTagSize;
    SSCARD_TRY(check_aead_arguments(a, key, nonce, out, sealed_size));
    SSCARD_TRY_ASSIGN(const EVP_CIPHER* cipher, gcm(key));
    const Status s = run_gcm(cipher, true, key, nonce, aad, plaintext, out.first(plaintext.size()),
                             out.subspan(plaintext.size(), kAeadTagSize));
    if (!s.ok()) {
      secure_wipe(out.first(sealed_size));
      return s;
    }
    return sealed_size;
  }

  Result<std::size_t> aead_open(Aead a, ByteSpan key, ByteSpan nonce, ByteSpan aad, ByteSpan sealed,
                                MutableByteSpan out) override {
    if (sealed.size() < kAeadTagSize) return Error::kMalformed;
    if (!fits_int(sealed.size()) || !fits_int(aad.size())) return Error::kInvalidArgument;
    const std::size_t plain_size = sealed.size() - kAeadTagSize;
    SSCARD_TRY(check_aead_arguments(a, key, nonce, out, plain_size));
    SSCARD_TRY_ASSIGN(const EVP_CIPHER* cipher, gcm(key));
    // The tag is copied: OpenSSL takes it through a parameter that is not const.
    std::array<std::uint8_t, kAeadTagSize> tag{};
    std::copy(sealed.end() - static_cast<std::ptrdiff_t>(kAeadTagSize), sealed.end(), tag.begin());
    const Status s = run_gcm(cipher, false, key, nonce, aad, sealed.first(plain_size), out.first(plain_size), tag);
    if (!s.ok()) {
      // OpenSSL decrypts before it checks the tag: what it wrote is unauthenticated and goes.
      secure_wipe(out.first(plain_size));
      return s;
    }
    return plain_size;
  }

  Status random(MutableByteSpan out) override {
    if (out.empty()) return kOk;
    if (!fits_int(out.size())) return Error::kInvalidArgument;
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) return fail(Error::kInternal);
    return kOk;
  }

 private:
  Status prepare(OpenSslSm2Key& key, ByteSpan public_key, std::string_view id) const {
    if (id.size() > kSm2MaxIdSize) return Error::kInvalidArgument;
    const EVP_MD* sm3 = mds_[static_cast<std::size_t>(Hash::kSm3)].get();
    if (!sm2_group_ || !sm2_curve_ok_ || !sm2_parameters_ || sm3 == nullptr) return Error::kUnsupported;
    std::array<std::uint8_t, kSm2PointSize> point{};
    SSCARD_TRY(sm2_encoded_point(public_key, point));
    return key.init(sm3, sm2_curve_, sm2_parameters_.get(), point, id);
  }

  // An SM2 EVP_PKEY with the group and no key, copied by every prepared key; nullptr if OpenSSL lacks SM2.
  static PkeyPtr make_sm2_parameters() {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
    std::array<OSSL_PARAM, 2> params = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(SN_sm2), 0),
        OSSL_PARAM_construct_end()};
    EVP_PKEY* pkey = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_KEY_PARAMETERS, params.data()) != 1) {
      return nullptr;
    }
    return PkeyPtr(pkey);
  }

  // a || b || x_G || y_G of OpenSSL's own SM2 group, the curve's part of Z_A (GB/T 32918.2-2016 5.5); read
  // from the library rather than written here again, so that the two backends stay independent.
  bool load_sm2_curve() {
    BnCtxPtr bn_ctx(BN_CTX_new());
    BnPtr p(BN_new()), a(BN_new()), b(BN_new()), x(BN_new()), y(BN_new());
    if (!sm2_group_ || !bn_ctx || !p || !a || !b || !x || !y) return false;
    const EC_POINT* g = EC_GROUP_get0_generator(sm2_group_.get());
    if (g == nullptr || EC_GROUP_get_curve(sm2_group_.get(), p.get(), a.get(), b.get(), bn_ctx.get()) != 1 ||
        EC_POINT_get_affine_coordinates(sm2_group_.get(), g, x.get(), y.get(), bn_ctx.get()) != 1) {
      return false;
    }
    const int field = static_cast<int>(kSm2FieldSize);
    std::size_t offset = 0;
    for (const BIGNUM* v : {a.get(), b.get(), x.get(), y.get()}) {
      if (BN_bn2binpad(v, sm2_curve_.data() + offset, field) != field) return false;
      offset += kSm2FieldSize;
    }
    return true;
  }

  // Picks the EVP cipher for (cipher, key length, mode). A single-DES key is expanded into `expanded` as
  // K || K || K: three-key EDE with equal keys is single DES (NIST SP 800-67 Rev. 2, 3.2, keying option 3).
  Result<const EVP_CIPHER*> select(Cipher c, bool cbc, ByteSpan key, std::array<std::uint8_t, 24>& expanded,
                                   ByteSpan& effective_key) {
    const std::size_t mode = cbc ? 1 : 0;
    std::size_t index = kCipherCount;
    effective_key = key;
    switch (c) {
      case Cipher::kTdes:
        if (key.size() == 8) {
          for (std::size_t i = 0; i < 3; ++i) std::copy(key.begin(), key.end(), expanded.begin() + 8 * i);
          effective_key = expanded;
          index = kDesEde3Ecb + mode;
        } else if (key.size() == 16) {
          index = kDesEdeEcb + mode;
        } else if (key.size() == 24) {
          index = kDesEde3Ecb + mode;
        }
        break;
      case Cipher::kSm4:
        if (key.size() == 16) index = kSm4Ecb + mode;
        break;
      case Cipher::kAes:
        if (key.size() == 16) index = kAes128Ecb + mode;
        if (key.size() == 24) index = kAes192Ecb + mode;
        if (key.size() == 32) index = kAes256Ecb + mode;
        break;
    }
    if (index == kCipherCount) return Error::kInvalidArgument;
    const EVP_CIPHER* cipher = ciphers_[index].get();
    if (cipher == nullptr) return Error::kUnsupported;
    return cipher;
  }

  Status run_cipher(Cipher c, bool cbc, ByteSpan key, ByteSpan iv, ByteSpan in, MutableByteSpan out, bool encrypt) {
    const std::size_t block = block_size(c);
    if (block == 0) return Error::kInvalidArgument;
    if (cbc && iv.size() != block) return Error::kInvalidArgument;
    if (in.size() % block != 0 || out.size() < in.size() || !fits_int(in.size())) return Error::kInvalidArgument;
    std::array<std::uint8_t, 24> expanded{};
    ByteSpan effective_key;
    Result<const EVP_CIPHER*> cipher = select(c, cbc, key, expanded, effective_key);
    Status status = cipher.ok() ? Status(kOk) : cipher.status();
    if (status.ok() && !in.empty()) {
      status = run_evp(*cipher, effective_key, cbc ? iv.data() : nullptr, in, out, encrypt);
    }
    secure_wipe(expanded);
    return status;
  }

  static Status run_evp(const EVP_CIPHER* cipher, ByteSpan key, const std::uint8_t* iv, ByteSpan in,
                        MutableByteSpan out, bool encrypt) {
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return fail(Error::kInternal);
    if (EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), iv, encrypt ? 1 : 0, nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
      return fail(Error::kInternal);
    }
    int written = 0;
    if (EVP_CipherUpdate(ctx.get(), out.data(), &written, in.data(), static_cast<int>(in.size())) != 1) {
      return fail(Error::kInternal);
    }
    int final_written = 0;
    if (EVP_CipherFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) return fail(Error::kInternal);
    if (static_cast<std::size_t>(written) + static_cast<std::size_t>(final_written) != in.size()) {
      return fail(Error::kInternal);
    }
    return kOk;  // ctx (and the key schedule inside it) is cleansed by EVP_CIPHER_CTX_free
  }

  Result<const EVP_CIPHER*> gcm(ByteSpan key) const {
    const std::size_t index = key.size() == 16 ? kAes128Gcm : key.size() == 24 ? kAes192Gcm : kAes256Gcm;
    const EVP_CIPHER* cipher = ciphers_[index].get();
    if (cipher == nullptr) return Error::kUnsupported;
    return cipher;
  }

  // GCM (SP 800-38D 7.1, 7.2) over EVP with the default 96-bit IV: encrypting writes `tag`, decrypting checks it
  // (kSecurity when it differs). Sizes were checked by the caller.
  static Status run_gcm(const EVP_CIPHER* cipher, bool encrypt, ByteSpan key, ByteSpan nonce, ByteSpan aad,
                        ByteSpan in, MutableByteSpan out, std::span<std::uint8_t> tag) {
    CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), nonce.data(), encrypt ? 1 : 0, nullptr) != 1) {
      return fail(Error::kInternal);
    }
    int written = 0;
    if (!aad.empty() &&
        EVP_CipherUpdate(ctx.get(), nullptr, &written, aad.data(), static_cast<int>(aad.size())) != 1) {
      return fail(Error::kInternal);
    }
    written = 0;
    if (!in.empty() &&
        EVP_CipherUpdate(ctx.get(), out.data(), &written, in.data(), static_cast<int>(in.size())) != 1) {
      return fail(Error::kInternal);
    }
    std::array<OSSL_PARAM, 2> params = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag.data(), tag.size()),
        OSSL_PARAM_construct_end()};
    if (!encrypt && EVP_CIPHER_CTX_set_params(ctx.get(), params.data()) != 1) return fail(Error::kInternal);
    int final_written = 0;
    // GCM has no padding and no partial block left: Final writes nothing and, decrypting, checks the tag.
    if (EVP_CipherFinal_ex(ctx.get(), out.data() + written, &final_written) != 1) {
      return fail(encrypt ? Error::kInternal : Error::kSecurity);
    }
    if (static_cast<std::size_t>(written) + static_cast<std::size_t>(final_written) != in.size()) {
      return fail(Error::kInternal);
    }
    if (encrypt && EVP_CIPHER_CTX_get_params(ctx.get(), params.data()) != 1) return fail(Error::kInternal);
    return kOk;
  }

  static Status make_rsa_public(ByteSpan modulus, ByteSpan exponent, PkeyPtr& out) {
    if (modulus.empty() || modulus.size() > kRsaMaxModulusSize || modulus[0] == 0) return Error::kInvalidArgument;
    if (exponent.empty() || exponent.size() > modulus.size()) return Error::kInvalidArgument;
    BnPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
    BnPtr e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
    if (!n || !e) return fail(Error::kInternal);
    if (BN_is_zero(e.get()) || !BN_is_odd(n.get())) return Error::kInvalidArgument;
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
      return fail(Error::kInternal);
    }
    ParamsPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return fail(Error::kInternal);
    EVP_PKEY* pkey = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
      return fail(Error::kInvalidArgument);
    }
    out.reset(pkey);
    return kOk;
  }

  // x || y or 04 || x || y as the 65-byte uncompressed form (SEC 1 2.3.3). Whether it is a point of the curve
  // is checked when it is set into a key (OpenSslSm2Key::init).
  static Status sm2_encoded_point(ByteSpan public_key, std::array<std::uint8_t, kSm2PointSize>& point) {
    if (public_key.size() == kSm2PointSize) {
      if (public_key[0] != 0x04) return Error::kInvalidArgument;
      std::copy(public_key.begin(), public_key.end(), point.begin());
    } else if (public_key.size() == kSm2PointSize - 1) {
      point[0] = 0x04;
      std::copy(public_key.begin(), public_key.end(), point.begin() + 1);
    } else {
      return Error::kInvalidArgument;
    }
    return kOk;
  }

  // d as a BIGNUM, 1 <= d <= n - 2 (GB/T 32918.1-2016 6.1).
  Status sm2_private_scalar(ByteSpan private_key, SecretBnPtr& d) const {
    if (!sm2_group_) return Error::kUnsupported;
    if (private_key.size() != kSm2FieldSize) return Error::kInvalidArgument;
    d.reset(BN_secure_new());
    BnPtr limit(BN_dup(EC_GROUP_get0_order(sm2_group_.get())));
    if (!d || !limit || BN_bin2bn(private_key.data(), static_cast<int>(private_key.size()), d.get()) == nullptr ||
        BN_sub_word(limit.get(), 1) != 1) {
      return fail(Error::kInternal);
    }
    BN_set_flags(d.get(), BN_FLG_CONSTTIME);
    if (BN_is_zero(d.get()) || BN_cmp(d.get(), limit.get()) >= 0) return Error::kInvalidArgument;
    return kOk;
  }

  Status sm2_multiply_generator(const BIGNUM* d, std::array<std::uint8_t, kSm2PointSize>& point) const {
    BnCtxPtr bn_ctx(BN_CTX_secure_new());
    PointPtr p(EC_POINT_new(sm2_group_.get()));
    if (!bn_ctx || !p || EC_POINT_mul(sm2_group_.get(), p.get(), d, nullptr, nullptr, bn_ctx.get()) != 1 ||
        EC_POINT_point2oct(sm2_group_.get(), p.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(),
                           bn_ctx.get()) != point.size()) {
      return fail(Error::kInternal);
    }
    return kOk;
  }

  // SM3 digest signing with Z_A over `id`. The ID is set on every call: OpenSSL 3.0's own default is empty, the
  // standard's 1234567812345678 (GM/T 0009-2012 10), and the two do not interoperate.
  static Status init_sm2_sign(EVP_MD_CTX* mctx, EVP_PKEY* pkey, std::string_view id) {
    EVP_PKEY_CTX* pctx = nullptr;  // owned by mctx
    if (EVP_DigestSignInit_ex(mctx, &pctx, "SM3", nullptr, nullptr, pkey, nullptr) != 1 || pctx == nullptr) {
      return fail(Error::kInternal);
    }
    if (!id.empty() && EVP_PKEY_CTX_set1_id(pctx, id.data(), static_cast<int>(id.size())) != 1) {
      return fail(Error::kInternal);
    }
    return kOk;
  }

  std::array<CipherPtr, kCipherCount> ciphers_;
  std::array<MdPtr, 3> mds_;
  GroupPtr sm2_group_;
  std::array<std::uint8_t, 4 * kSm2FieldSize> sm2_curve_{};
  bool sm2_curve_ok_ = false;
  PkeyPtr sm2_parameters_;  // the SM2 curve's parameters only: the template of every prepared key
};

}  // namespace

std::unique_ptr<Crypto> make_openssl_crypto() { return std::unique_ptr<Crypto>(new (std::nothrow) OpenSslCrypto()); }

}  // namespace sscard::crypto

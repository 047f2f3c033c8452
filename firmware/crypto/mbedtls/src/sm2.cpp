// SM2 digital signatures (GB/T 32918.2-2016) on the recommended 256-bit curve (GB/T 32918.5-2017). Mbed TLS has
// no SM algorithms, so this is our own implementation on Mbed TLS's bignum (mbedtls_mpi) and ECP code, proven
// against the GB/T 32918.5 / GM/T 0003.5 example and the OpenSSL backend (tests/data/crypto/sm2_*_vectors.txt,
// tests/unit/crypto/differential_test.cpp).
//
// Mbed TLS cannot load the SM2 curve by name, so Sm2Curve fills an mbedtls_ecp_group by hand. The curve's a is
// p - 3, and Mbed TLS's short Weierstrass code takes "A not set" to mean a = -3 (its fast doubling formula and
// its on-curve check both honour that), so A is left unset on purpose. The cofactor field h stays 0: Mbed TLS
// reads h == 1 as "parameters in static memory" and would then not free them. The group's modp is our fast
// reduction (sm2p256.h); without it Mbed TLS reduces every product by long division.
//
// Speed (docs/DECISIONS.md C9-C11): the group is built once per process and keeps the comb table of G, so no
// call sets up a curve; a prepared key (Sm2VerifyKey) keeps a table for its point Q the same way.
//
// Side channels: the secret scalars (the nonce k and the private key d) are multiplied with mbedtls_ecp_mul
// given the CTR_DRBG, so Mbed TLS randomises the projective coordinates and uses its regular comb method. The
// inversion of 1 + d is blinded by a random factor because mbedtls_mpi_inv_mod is not constant-time.
// Verification handles public values only and is not constant-time (see public_coordinates below).
#include "sm2.h"

#include <mbedtls/bignum.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "sm2p256.h"
#include "sm3.h"

namespace sscard::crypto::gm {
namespace {

// GB/T 32918.5-2017 section 3 (the recommended curve parameters).
constexpr const char* kP = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF";
constexpr const char* kB = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93";
constexpr const char* kN = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123";
constexpr const char* kGx = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
constexpr const char* kGy = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";

constexpr std::size_t kEncodedPointSize = 1 + 2 * Sm2::kFieldSize;  // 04 || x || y (GB/T 32918.1-2016 4.2.9)
// A fresh k is drawn when r = 0, r + k = n or s = 0 (GB/T 32918.2-2016 6.1 A5, A6); each happens with
// probability about 2^-256, so running out of attempts means the random source is broken.
constexpr int kMaxSignAttempts = 16;

class Mpi {
 public:
  Mpi() { mbedtls_mpi_init(&v_); }
  ~Mpi() { mbedtls_mpi_free(&v_); }  // mbedtls_mpi_free zeroizes the limbs
  Mpi(const Mpi&) = delete;
  Mpi& operator=(const Mpi&) = delete;
  mbedtls_mpi* get() { return &v_; }
  const mbedtls_mpi* get() const { return &v_; }

 private:
  mbedtls_mpi v_;
};

class Point {
 public:
  Point() { mbedtls_ecp_point_init(&v_); }
  ~Point() { mbedtls_ecp_point_free(&v_); }
  Point(const Point&) = delete;
  Point& operator=(const Point&) = delete;
  mbedtls_ecp_point* get() { return &v_; }
  const mbedtls_ecp_point* get() const { return &v_; }

 private:
  mbedtls_ecp_point v_;
};

Status check(int rc) { return rc == 0 ? kOk : Status(Error::kInternal); }

// Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2-2016 5.5); `point` is x || y.
void z_of(ByteSpan curve_bytes, std::string_view id, ByteSpan point, std::span<std::uint8_t, Sm3::kDigestSize> z) {
  Sm3 sm3;
  const std::size_t bits = id.size() * 8;
  const std::array<std::uint8_t, 2> entl = {static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits)};
  sm3.update(entl);
  sm3.update(as_bytes(id));
  sm3.update(curve_bytes);
  sm3.update(point);
  sm3.finish(z);
}

// e = SM3(Z_A || M) (6.1 A1, A2; 7.1 B3, B4).
void e_of(ByteSpan z, ByteSpan message, std::span<std::uint8_t, Sm3::kDigestSize> e) {
  Sm3 sm3;
  sm3.update(z);
  sm3.update(message);
  sm3.finish(e);
}

// Verification computes with public values only (the key, the signature and the message, GB/T 32918.2-2016
// 7.1), so there is no secret for a side channel to find and it need not be constant-time. Mbed TLS still
// randomises the projective coordinates of every multiplication with the generator it is given (any value in
// 2..p-1 gives the same result); verification gives it this constant instead of a DRBG, which would cost time
// and tie a prepared key to one backend object.
int public_coordinates(void* /*state*/, unsigned char* out, std::size_t size) {
  std::memset(out, 0x5A, size);
  return 0;
}

}  // namespace

Sm2Curve* Sm2Curve::get() {
  static Sm2Curve curve;  // C++ initialises a function-local static once, also when threads race to it
  return curve.loaded_ ? &curve : nullptr;
}

Sm2Curve::Sm2Curve() {
  mbedtls_ecp_group_init(&group_);
  loaded_ = load().ok();
}

Sm2Curve::~Sm2Curve() { mbedtls_ecp_group_free(&group_); }

Status Sm2Curve::load() {
  mbedtls_ecp_group& g = group_;
  if (mbedtls_mpi_read_string(&g.P, 16, kP) != 0 || mbedtls_mpi_read_string(&g.B, 16, kB) != 0 ||
      mbedtls_mpi_read_string(&g.N, 16, kN) != 0 || mbedtls_ecp_point_read_string(&g.G, 16, kGx, kGy) != 0) {
    return Error::kInternal;
  }
  g.pbits = mbedtls_mpi_bitlen(&g.P);
  g.nbits = mbedtls_mpi_bitlen(&g.N);
  g.modp = sm2p256::modp;

  Mpi a;  // a = p - 3 (GB/T 32918.5-2017 3), only as bytes for Z_A
  const auto field = [&](std::size_t i) { return curve_bytes_.data() + i * kFieldSize; };
  if (mbedtls_mpi_sub_int(a.get(), &g.P, 3) != 0 || mbedtls_mpi_write_binary(a.get(), field(0), kFieldSize) != 0 ||
      mbedtls_mpi_write_binary(&g.B, field(1), kFieldSize) != 0 ||
      mbedtls_mpi_write_binary(&g.G.X, field(2), kFieldSize) != 0 ||
      mbedtls_mpi_write_binary(&g.G.Y, field(3), kFieldSize) != 0) {
    return Error::kInternal;
  }
  // The first multiplication with G builds its comb table and leaves it in the group (grp->T, ecp_mul_comb
  // with MBEDTLS_ECP_FIXED_POINT_OPTIM); done here, so that no later call writes to the shared group.
  Mpi one;
  Point ignored;
  if (mbedtls_mpi_lset(one.get(), 1) != 0 ||
      mbedtls_ecp_mul(&g, ignored.get(), one.get(), &g.G, public_coordinates, nullptr) != 0) {
    return Error::kInternal;
  }
  return kOk;
}

Status Sm2::load() {
  curve_ = Sm2Curve::get();
  return curve_ != nullptr ? kOk : Status(Error::kInternal);
}

namespace {

// x || y or 04 || x || y as the uncompressed encoding, checked to be a point of the curve: coordinates below
// p and the curve equation (GB/T 32918.1-2016 6.2.1; the cofactor is 1, so no order check is needed).
Status read_public_key(const mbedtls_ecp_group& group, ByteSpan public_key, std::array<std::uint8_t, kEncodedPointSize>& bytes,
                       Point& point) {
  if (public_key.size() == kEncodedPointSize) {
    if (public_key[0] != 0x04) return Error::kInvalidArgument;
    std::copy(public_key.begin(), public_key.end(), bytes.begin());
  } else if (public_key.size() == kEncodedPointSize - 1) {
    bytes[0] = 0x04;
    std::copy(public_key.begin(), public_key.end(), bytes.begin() + 1);
  } else {
    return Error::kInvalidArgument;
  }
  if (mbedtls_ecp_point_read_binary(&group, point.get(), bytes.data(), bytes.size()) != 0 ||
      mbedtls_ecp_check_pubkey(&group, point.get()) != 0) {
    return Error::kInvalidArgument;
  }
  return kOk;
}

// d with 1 <= d <= n - 2 (GB/T 32918.1-2016 6.1): 1 + d must be invertible mod n for signing.
Status read_private_key(const mbedtls_ecp_group& group, ByteSpan private_key, Mpi& d) {
  if (private_key.size() != Sm2::kFieldSize) return Error::kInvalidArgument;
  Mpi limit;
  if (mbedtls_mpi_read_binary(d.get(), private_key.data(), private_key.size()) != 0 ||
      mbedtls_mpi_sub_int(limit.get(), &group.N, 1) != 0) {
    return Error::kInternal;
  }
  if (mbedtls_mpi_cmp_int(d.get(), 0) == 0 || mbedtls_mpi_cmp_mpi(d.get(), limit.get()) >= 0) {
    return Error::kInvalidArgument;
  }
  return kOk;
}

Status multiply_generator(mbedtls_ecp_group& group, const Mpi& d, RandomSource rng,
                          std::array<std::uint8_t, kEncodedPointSize>& bytes) {
  Point p;
  std::size_t length = 0;
  SSCARD_TRY(check(mbedtls_ecp_mul(&group, p.get(), d.get(), &group.G, rng.function, rng.state)));
  SSCARD_TRY(check(mbedtls_ecp_point_write_binary(&group, p.get(), MBEDTLS_ECP_PF_UNCOMPRESSED, &length, bytes.data(),
                                                   bytes.size())));
  return length == bytes.size() ? kOk : Status(Error::kInternal);
}

}  // namespace

Sm2VerifyKey::Sm2VerifyKey() { mbedtls_ecp_group_init(&key_group_); }

Sm2VerifyKey::~Sm2VerifyKey() { mbedtls_ecp_group_free(&key_group_); }

Status Sm2VerifyKey::init(ByteSpan public_key, std::string_view id) {
  curve_ = Sm2Curve::get();
  if (curve_ == nullptr) return Error::kInternal;
  if (id.size() > Sm2::kMaxIdSize) return Error::kInvalidArgument;
  const mbedtls_ecp_group& curve = curve_->group();
  std::array<std::uint8_t, kEncodedPointSize> bytes{};
  Point q;
  SSCARD_TRY(read_public_key(curve, public_key, bytes, q));

  // The curve again with Q in the place of G: Mbed TLS keeps the comb table of a group's G in the group, so
  // [t]Q computed in this group builds Q's table once and then reuses it. A stays unset (a = -3, see above).
  mbedtls_ecp_group_free(&key_group_);
  mbedtls_ecp_group_init(&key_group_);
  mbedtls_ecp_group& k = key_group_;
  SSCARD_TRY(check(mbedtls_mpi_copy(&k.P, &curve.P)));
  SSCARD_TRY(check(mbedtls_mpi_copy(&k.B, &curve.B)));
  SSCARD_TRY(check(mbedtls_mpi_copy(&k.N, &curve.N)));
  SSCARD_TRY(check(mbedtls_ecp_copy(&k.G, q.get())));
  k.pbits = curve.pbits;
  k.nbits = curve.nbits;
  k.modp = curve.modp;

  std::copy(bytes.begin() + 1, bytes.end(), point_.begin());
  z_of(curve_->curve_bytes(), id, point_, z_);
  return kOk;
}

// Verification, GB/T 32918.2-2016 section 7.1 (steps B1 to B7).
Status Sm2VerifyKey::verify_signature(ByteSpan message, std::span<const std::uint8_t, kSignatureSize> signature) {
  if (curve_ == nullptr || key_group_.G.X.p == nullptr) return Error::kInternal;  // init() failed or not called
  mbedtls_ecp_group& g = curve_->group();
  Mpi r, s;
  SSCARD_TRY(check(mbedtls_mpi_read_binary(r.get(), signature.data(), Sm2::kFieldSize)));
  SSCARD_TRY(check(mbedtls_mpi_read_binary(s.get(), signature.data() + Sm2::kFieldSize, Sm2::kFieldSize)));
  // B1, B2: r' and s' in [1, n - 1].
  for (const Mpi* v : {&r, &s}) {
    if (mbedtls_mpi_cmp_int(v->get(), 0) == 0 || mbedtls_mpi_cmp_mpi(v->get(), &g.N) >= 0) return Error::kSecurity;
  }
  // B3, B4: e' = SM3(Z_A || M').
  std::array<std::uint8_t, Sm3::kDigestSize> e_bytes{};
  e_of(z_, message, e_bytes);
  // B5: t = (r' + s') mod n, t != 0.
  Mpi t;
  SSCARD_TRY(check(mbedtls_mpi_add_mpi(t.get(), r.get(), s.get())));
  SSCARD_TRY(check(mbedtls_mpi_mod_mpi(t.get(), t.get(), &g.N)));
  if (mbedtls_mpi_cmp_int(t.get(), 0) == 0) return Error::kSecurity;
  // B6: (x1', y1') = [s']G + [t]P_A, each product from its group's kept comb table; the point at infinity
  // verifies nothing.
  Point sg, tq, sum;
  Mpi one;
  SSCARD_TRY(check(mbedtls_ecp_mul(&g, sg.get(), s.get(), &g.G, public_coordinates, nullptr)));
  SSCARD_TRY(check(mbedtls_ecp_mul(&key_group_, tq.get(), t.get(), &key_group_.G, public_coordinates, nullptr)));
  SSCARD_TRY(check(mbedtls_mpi_lset(one.get(), 1)));
  SSCARD_TRY(check(mbedtls_ecp_muladd(&g, sum.get(), one.get(), sg.get(), one.get(), tq.get())));
  if (mbedtls_ecp_is_zero(sum.get()) != 0) return Error::kSecurity;
  // B7: R = (e' + x1') mod n must equal r'.
  Mpi v;
  SSCARD_TRY(check(mbedtls_mpi_read_binary(v.get(), e_bytes.data(), e_bytes.size())));
  SSCARD_TRY(check(mbedtls_mpi_add_mpi(v.get(), v.get(), &sum.get()->X)));
  SSCARD_TRY(check(mbedtls_mpi_mod_mpi(v.get(), v.get(), &g.N)));
  return mbedtls_mpi_cmp_mpi(v.get(), r.get()) == 0 ? kOk : Status(Error::kSecurity);
}

// One verification: the key prepared for this call only (its table of Q is built by the one multiplication
// with Q, as mbedtls_ecp_muladd would build it).
Status Sm2::verify(ByteSpan public_key, std::string_view id, ByteSpan message, ByteSpan signature) {
  if (curve_ == nullptr) return Error::kInternal;
  Sm2VerifyKey key;
  SSCARD_TRY(key.init(public_key, id));
  return key.verify(message, signature);
}

Result<std::unique_ptr<Sm2PublicKey>> Sm2::prepare(ByteSpan public_key, std::string_view id) {
  if (curve_ == nullptr) return Error::kInternal;
  std::unique_ptr<Sm2VerifyKey> key(new (std::nothrow) Sm2VerifyKey());
  if (!key) return Error::kInternal;
  SSCARD_TRY(key->init(public_key, id));
  return std::unique_ptr<Sm2PublicKey>(std::move(key));
}

// Signing, GB/T 32918.2-2016 section 6.1 (steps A1 to A7).
Status Sm2::sign(ByteSpan private_key, std::string_view id, ByteSpan message, MutableByteSpan signature,
                 RandomSource rng) {
  if (curve_ == nullptr) return Error::kInternal;
  mbedtls_ecp_group& group = curve_->group();
  if (id.size() > kMaxIdSize) return Error::kInvalidArgument;
  if (signature.size() < kSignatureSize) return Error::kBufferTooSmall;
  Mpi d;
  SSCARD_TRY(read_private_key(group, private_key, d));
  // The public key enters Z_A (5.5), so the signer derives it.
  std::array<std::uint8_t, kEncodedPointSize> key_bytes{};
  SSCARD_TRY(multiply_generator(group, d, rng, key_bytes));
  // A1, A2.
  std::array<std::uint8_t, Sm3::kDigestSize> e_bytes{};
  std::array<std::uint8_t, Sm3::kDigestSize> z{};
  z_of(curve_->curve_bytes(), id, ByteSpan(key_bytes).subspan(1), z);
  e_of(z, message, e_bytes);
  Mpi e;
  SSCARD_TRY(check(mbedtls_mpi_read_binary(e.get(), e_bytes.data(), e_bytes.size())));

  for (int attempt = 0; attempt < kMaxSignAttempts; ++attempt) {
    // A3: k in [1, n - 1] from the random source; A4: (x1, y1) = [k]G.
    Mpi k;
    Point kg;
    SSCARD_TRY(check(mbedtls_ecp_gen_privkey(&group, k.get(), rng.function, rng.state)));
    SSCARD_TRY(check(mbedtls_ecp_mul(&group, kg.get(), k.get(), &group.G, rng.function, rng.state)));
    // A5: r = (e + x1) mod n; again if r = 0 or r + k = n.
    Mpi r, r_plus_k;
    SSCARD_TRY(check(mbedtls_mpi_add_mpi(r.get(), e.get(), &kg.get()->X)));
    SSCARD_TRY(check(mbedtls_mpi_mod_mpi(r.get(), r.get(), &group.N)));
    SSCARD_TRY(check(mbedtls_mpi_add_mpi(r_plus_k.get(), r.get(), k.get())));
    if (mbedtls_mpi_cmp_int(r.get(), 0) == 0 || mbedtls_mpi_cmp_mpi(r_plus_k.get(), &group.N) == 0) continue;
    // A6: s = ((1 + d)^-1 * (k - r*d)) mod n, computed as (b(k - rd)) * (b(1 + d))^-1 with a random b so that
    // the non-constant-time inversion never sees 1 + d itself.
    Mpi b, numerator, denominator, inverse, s;
    SSCARD_TRY(check(mbedtls_ecp_gen_privkey(&group, b.get(), rng.function, rng.state)));
    SSCARD_TRY(check(mbedtls_mpi_mul_mpi(numerator.get(), r.get(), d.get())));
    SSCARD_TRY(check(mbedtls_mpi_sub_mpi(numerator.get(), k.get(), numerator.get())));
    SSCARD_TRY(check(mbedtls_mpi_mul_mpi(numerator.get(), numerator.get(), b.get())));
    SSCARD_TRY(check(mbedtls_mpi_mod_mpi(numerator.get(), numerator.get(), &group.N)));
    SSCARD_TRY(check(mbedtls_mpi_add_int(denominator.get(), d.get(), 1)));
    SSCARD_TRY(check(mbedtls_mpi_mul_mpi(denominator.get(), denominator.get(), b.get())));
    SSCARD_TRY(check(mbedtls_mpi_mod_mpi(denominator.get(), denominator.get(), &group.N)));
    SSCARD_TRY(check(mbedtls_mpi_inv_mod(inverse.get(), denominator.get(), &group.N)));
    SSCARD_TRY(check(mbedtls_mpi_mul_mpi(s.get(), numerator.get(), inverse.get())));
    SSCARD_TRY(check(mbedtls_mpi_mod_mpi(s.get(), s.get(), &group.N)));
    if (mbedtls_mpi_cmp_int(s.get(), 0) == 0) continue;
    // A7: the signature (r, s), each as 32 bytes (GB/T 32918.1-2016 4.2.2).
    SSCARD_TRY(check(mbedtls_mpi_write_binary(r.get(), signature.data(), kFieldSize)));
    SSCARD_TRY(check(mbedtls_mpi_write_binary(s.get(), signature.data() + kFieldSize, kFieldSize)));
    return kOk;
  }
  return Error::kInternal;
}

Status Sm2::public_key(ByteSpan private_key, MutableByteSpan public_key, RandomSource rng) {
  if (curve_ == nullptr) return Error::kInternal;
  mbedtls_ecp_group& group = curve_->group();
  if (public_key.size() < 2 * kFieldSize) return Error::kBufferTooSmall;
  Mpi d;
  SSCARD_TRY(read_private_key(group, private_key, d));
  std::array<std::uint8_t, kEncodedPointSize> bytes{};
  SSCARD_TRY(multiply_generator(group, d, rng, bytes));
  std::copy(bytes.begin() + 1, bytes.end(), public_key.begin());
  return kOk;
}

}  // namespace sscard::crypto::gm

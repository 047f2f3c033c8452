// Error cases of the payment constructions (docs/PAYMENT.md 6.5-6.8, 7.2, 7.3) and of Crypto::rsa_private, on
// every backend: bad input gets its typed error and writes nothing. The values come from tests/data/pboc.
#include <gtest/gtest.h>

#include <string>

#include "pboc_vectors.h"
#include "sscard/crypto/emv_pki.h"
#include "sscard/crypto/secure_messaging.h"
#include "sscard/crypto/sm2_pki.h"

namespace sscard::crypto::test {
namespace {

const Vector& vector_named(const std::string& file, const std::string& name) {
  static std::map<std::string, std::vector<Vector>> files;
  auto& all = files[file];
  if (all.empty()) all = load_pboc(file);
  for (const Vector& v : all) {
    if (v[0] == name) return v;
  }
  ADD_FAILURE() << "no vector " << name;
  return all.front();
}

class RsaPrivate : public BackendTest {};

TEST_P(RsaPrivate, RefusesBadKeysAndInputsWritingNothing) {
  const Inputs in(vector_named("signature.txt", "dda.sc-chengdu-gen2"));
  const Bytes n = in.bytes("n");
  const Bytes d = in.bytes("d");
  const Bytes x = in.bytes("x");
  Bytes out(n.size(), 0xEE);
  const Bytes untouched = out;
  Bytes even = n;
  even.back() &= 0xFE;
  Bytes leading_zero = n;
  leading_zero.insert(leading_zero.begin(), 0x00);
  Bytes x_long = x;
  x_long.insert(x_long.begin(), 0x00);
  EXPECT_EQ(crypto().rsa_private({}, d, x, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(crypto().rsa_private(even, d, x, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(crypto().rsa_private(leading_zero, d, x_long, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(crypto().rsa_private(n, {}, x, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(crypto().rsa_private(n, Bytes(4, 0x00), x, out).status(), Error::kInvalidArgument);
  Bytes long_d = d;
  long_d.insert(long_d.begin(), 0x01);
  EXPECT_EQ(crypto().rsa_private(n, long_d, x, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(crypto().rsa_private(n, d, ByteSpan(x).first(x.size() - 1), out).status(), Error::kInvalidArgument);
  EXPECT_EQ(crypto().rsa_private(n, d, n, out).status(), Error::kInvalidArgument);  // not below the modulus
  Bytes short_out(n.size() - 1);
  EXPECT_EQ(crypto().rsa_private(n, d, x, short_out).status(), Error::kBufferTooSmall);
  EXPECT_EQ(out, untouched);
}

TEST_P(RsaPrivate, PadsSmallResultsToTheModulusLength) {
  const Inputs in(vector_named("signature.txt", "dda.sc-chengdu-gen2"));
  const Bytes n = in.bytes("n");
  Bytes one(n.size(), 0x00);
  one.back() = 0x01;
  Bytes out(n.size() + 4, 0xEE);
  ASSERT_EQ(*crypto().rsa_private(n, in.bytes("d"), one, out), n.size());  // 1^d = 1
  EXPECT_EQ(to_hex(ByteSpan(out).first(n.size())), to_hex(one));
  EXPECT_EQ(out[n.size()], 0xEE);
  Bytes zero(n.size(), 0x00);
  ASSERT_EQ(*crypto().rsa_private(n, in.bytes("d"), zero, out), n.size());
  EXPECT_EQ(to_hex(ByteSpan(out).first(n.size())), to_hex(zero));
}

INSTANTIATE_TEST_SUITE_P(Backends, RsaPrivate, testing::ValuesIn(all_backends()), backend_name);

class SecureMessaging : public BackendTest {};

const Bytes kTdesKey = hex("D69A44FB1D696AC10223AD222DC16A8F");
const Bytes kSm4Key = hex("7C18CF682F7D07DA299BB3482529A91E");

TEST_P(SecureMessaging, EncipherRefusesBadArguments) {
  Bytes out(300);
  EXPECT_EQ(sm_encipher(crypto(), Cipher::kAes, Bytes(16), Bytes{1}, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(sm_encipher(crypto(), Cipher::kTdes, Bytes(8), Bytes{1}, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(sm_encipher(crypto(), Cipher::kSm4, Bytes(24), Bytes{1}, out).status(), Error::kInvalidArgument);
  EXPECT_EQ(sm_encipher(crypto(), Cipher::kSm4, kSm4Key, Bytes(256), out).status(), Error::kInvalidArgument);
  EXPECT_EQ(*sm_encipher(crypto(), Cipher::kSm4, kSm4Key, Bytes(255), out), 256u);
  Bytes short_out(15);
  EXPECT_EQ(sm_encipher(crypto(), Cipher::kSm4, kSm4Key, Bytes(15), short_out).status(), Error::kBufferTooSmall);
  EXPECT_EQ(sm_enciphered_size(Cipher::kTdes, 7), 8u);
  EXPECT_EQ(sm_enciphered_size(Cipher::kTdes, 8), 16u);
  EXPECT_EQ(sm_enciphered_size(Cipher::kSm4, 0), 16u);
}

// Deciphers a hand-made plaintext: every layout sm_encipher would not make is kMalformed.
TEST_P(SecureMessaging, DecipherRefusesInconsistentLengthOrPadding) {
  struct Case {
    Cipher cipher;
    const char* plain;
    Error expected;
  };
  const Case cases[] = {
      {Cipher::kTdes, "0311223380000000", Error::kOk},
      {Cipher::kTdes, "0711223344556677", Error::kOk},                    // a block multiple: no padding
      {Cipher::kTdes, "07112233445566778000000000000000", Error::kMalformed},  // padding that was not needed
      {Cipher::kTdes, "0311223380000001", Error::kMalformed},             // non-zero after 80
      {Cipher::kTdes, "0311223300000000", Error::kMalformed},             // no 80
      {Cipher::kTdes, "0811223344556677", Error::kMalformed},             // Ld past the end
      {Cipher::kTdes, "03112233800000000000000000000000", Error::kMalformed},  // a whole extra block
      {Cipher::kTdes, "0011223344556677", Error::kMalformed},             // Ld 0 needs 80 at byte 2
      {Cipher::kTdes, "0080000000000000", Error::kOk},
      {Cipher::kSm4, "0806135246606353C480000000000000", Error::kOk},
      {Cipher::kSm4, "0806135246606353C400000000000000", Error::kMalformed},
      {Cipher::kSm4, "FF06135246606353C480000000000000", Error::kMalformed},
  };
  for (const Case& c : cases) {
    const Bytes& key = c.cipher == Cipher::kSm4 ? kSm4Key : kTdesKey;
    const Bytes plain = hex(c.plain);
    Bytes ciphertext(plain.size());
    ASSERT_TRUE(crypto().encrypt_ecb(c.cipher, key, plain, ciphertext).ok());
    HeapCopy exact(ciphertext);
    Bytes out(300, 0xEE);
    const auto r = sm_decipher(crypto(), c.cipher, key, exact.span(), out);
    EXPECT_EQ(r.status(), c.expected) << c.plain;
    if (r.ok()) {
      EXPECT_EQ(to_hex(ByteSpan(out).first(*r)), to_hex(ByteSpan(plain).subspan(1, plain[0]))) << c.plain;
    } else {
      EXPECT_EQ(out, Bytes(300, 0xEE)) << c.plain;
    }
  }
  Bytes out(300);
  EXPECT_EQ(sm_decipher(crypto(), Cipher::kTdes, kTdesKey, Bytes{}, out).status(), Error::kMalformed);
  EXPECT_EQ(sm_decipher(crypto(), Cipher::kTdes, kTdesKey, Bytes(12), out).status(), Error::kMalformed);
  EXPECT_EQ(sm_decipher(crypto(), Cipher::kSm4, kSm4Key, Bytes(8), out).status(), Error::kMalformed);
  EXPECT_EQ(sm_decipher(crypto(), Cipher::kSm4, kSm4Key, Bytes(272), out).status(), Error::kMalformed);
  EXPECT_EQ(sm_decipher(crypto(), Cipher::kAes, Bytes(16), Bytes(16), out).status(), Error::kInvalidArgument);
}

TEST_P(SecureMessaging, DecipherNeedsRoomForTheData) {
  Bytes ciphertext(16);
  ASSERT_TRUE(sm_encipher(crypto(), Cipher::kSm4, kSm4Key, hex("06135246606353C4"), ciphertext).ok());
  Bytes small(7, 0xEE);
  EXPECT_EQ(sm_decipher(crypto(), Cipher::kSm4, kSm4Key, ciphertext, small).status(), Error::kBufferTooSmall);
  EXPECT_EQ(small, Bytes(7, 0xEE));
}

TEST_P(SecureMessaging, ScriptMacRefusesBadArguments) {
  const Bytes ac = hex("C60B7C86D99D9E16");
  Bytes mac(4);
  EXPECT_EQ(script_mac(crypto(), Cipher::kTdes, kTdesKey, hex("841E0000"), 1, ac, {}, mac).status(),
            Error::kInvalidArgument);  // header of 4 bytes
  EXPECT_EQ(script_mac(crypto(), Cipher::kTdes, kTdesKey, hex("841E000005"), 1, ac, {}, mac).status(),
            Error::kInvalidArgument);  // Lc not data + 4
  EXPECT_EQ(script_mac(crypto(), Cipher::kTdes, kTdesKey, hex("841E000004"), 1, ByteSpan(ac).first(7), {}, mac)
                .status(),
            Error::kInvalidArgument);
  EXPECT_EQ(script_mac(crypto(), Cipher::kAes, Bytes(16), hex("841E000004"), 1, ac, {}, mac).status(),
            Error::kInvalidArgument);
  EXPECT_EQ(script_mac(crypto(), Cipher::kSm4, Bytes(8), hex("841E000004"), 1, ac, {}, mac).status(),
            Error::kInvalidArgument);
  EXPECT_TRUE(script_mac(crypto(), Cipher::kTdes, kTdesKey, hex("04DA9F58FF"), 1, ac, Bytes(251), mac).ok());
  EXPECT_EQ(script_mac(crypto(), Cipher::kTdes, kTdesKey, hex("04DA9F5800"), 1, ac, Bytes(252), mac).status(),
            Error::kInvalidArgument);  // 252 bytes and the MAC do not fit one Lc byte
  Bytes short_mac(3);
  EXPECT_EQ(script_mac(crypto(), Cipher::kTdes, kTdesKey, hex("841E000004"), 1, ac, {}, short_mac).status(),
            Error::kBufferTooSmall);
  EXPECT_EQ(verify_script_mac(crypto(), Cipher::kTdes, kTdesKey, hex("841E000004"), 1, ac, {}, hex("628047")),
            Error::kSecurity);
}

TEST_P(SecureMessaging, PinChangeBlockRefusesBadPins) {
  const Bytes udk = hex("8A60E5EC9F9CAC3BC9B85F98FEADD1E6");
  Bytes d(8);
  EXPECT_EQ(pin_change_block(udk, "123", "", d).status(), Error::kInvalidArgument);
  EXPECT_EQ(pin_change_block(udk, "1234567890123", "", d).status(), Error::kInvalidArgument);
  EXPECT_EQ(pin_change_block(udk, "12a456", "", d).status(), Error::kInvalidArgument);
  EXPECT_EQ(pin_change_block(udk, "123456", "12", d).status(), Error::kInvalidArgument);
  EXPECT_EQ(pin_change_block(ByteSpan(udk).first(8), "123456", "", d).status(), Error::kInvalidArgument);
  Bytes short_out(7);
  EXPECT_EQ(pin_change_block(udk, "123456", "", short_out).status(), Error::kBufferTooSmall);
}

INSTANTIATE_TEST_SUITE_P(Backends, SecureMessaging, testing::ValuesIn(all_backends()), backend_name);

class EmvPki : public BackendTest {};

TEST_P(EmvPki, RecoveryTellsLayoutFromSignatureErrors) {
  const Vector& v = vector_named("signature.txt", "ssad.sc-chengdu-gen2");
  const Inputs in(v);
  const Bytes n = in.bytes("n");
  const Bytes e = in.bytes("e");
  const Bytes ssad = hex(v.expected());
  const Bytes stat = in.bytes("static");
  EXPECT_TRUE(recover_signed_static_data(crypto(), n, e, ssad, stat).ok());
  // Every truncation is a layout error, never read past.
  for (std::size_t k = 0; k < ssad.size(); ++k) {
    HeapCopy prefix(ByteSpan(ssad).first(k));
    EXPECT_EQ(recover_signed_static_data(crypto(), n, e, prefix.span(), stat).status(), Error::kMalformed) << k;
  }
  Bytes flipped = ssad;
  flipped[10] ^= 0x01;
  EXPECT_EQ(recover_signed_static_data(crypto(), n, e, flipped, stat).status(), Error::kSecurity);
  EXPECT_EQ(recover_signed_static_data(crypto(), n, e, n, stat).status(), Error::kSecurity);  // not below n
  Bytes x(n.size());
  EXPECT_EQ(emv_recover(crypto(), n, e, ssad, EmvObject::kIccCertificate, stat, x).status(), Error::kMalformed);
  Bytes short_x(n.size() - 1);
  EXPECT_EQ(emv_recover(crypto(), n, e, ssad, EmvObject::kSignedStaticData, stat, short_x).status(),
            Error::kBufferTooSmall);
  EXPECT_EQ(recover_signed_static_data(crypto(), n, e, ssad, Bytes(kEmvMaxMessageSize)).status(),
            Error::kInvalidArgument);
}

TEST_P(EmvPki, CertificateNeedsItsRemainderAndExponent) {
  const Vector& v = vector_named("signature.txt", "issuer_certificate.510000");
  const Inputs in(v);
  const Bytes cert = hex(v.expected());
  const Bytes remainder = in.bytes("remainder");
  // Without the remainder the hash fails; with a wrong exponent too.
  EXPECT_EQ(recover_issuer_certificate(crypto(), in.bytes("n"), in.bytes("e"), cert, {}, hex("03")).status(),
            Error::kSecurity);
  EXPECT_EQ(recover_issuer_certificate(crypto(), in.bytes("n"), in.bytes("e"), cert, remainder, hex("010001"))
                .status(),
            Error::kSecurity);
  EXPECT_TRUE(recover_issuer_certificate(crypto(), in.bytes("n"), in.bytes("e"), cert, remainder, hex("03")).ok());
}

TEST_P(EmvPki, SignatureBlockRefusesBadSizes) {
  Bytes out(128);
  EXPECT_EQ(emv_signature_block(crypto(), 22, Bytes(10), out).status(), Error::kInvalidArgument);
  EXPECT_EQ(emv_signature_block(crypto(), 249, Bytes(300), out).status(), Error::kInvalidArgument);
  EXPECT_EQ(emv_signature_block(crypto(), 128, Bytes(105), out).status(), Error::kInvalidArgument);
  Bytes short_out(127);
  EXPECT_EQ(emv_signature_block(crypto(), 128, Bytes(106), short_out).status(), Error::kBufferTooSmall);
}

TEST_P(EmvPki, IssuerIdentifierMatchesThreeToEightDigits) {
  EXPECT_TRUE(issuer_id_matches(hex("620051FF"), "6200515101008092011"));
  EXPECT_TRUE(issuer_id_matches(hex("620FFFFF"), "6200515101008092011"));
  EXPECT_TRUE(issuer_id_matches(hex("62005151"), "6200515101008092011"));
  EXPECT_FALSE(issuer_id_matches(hex("62FFFFFF"), "6200515101008092011"));  // two digits
  EXPECT_FALSE(issuer_id_matches(hex("620050FF"), "6200515101008092011"));
  EXPECT_FALSE(issuer_id_matches(hex("620F51FF"), "6200515101008092011"));  // a digit after F
  EXPECT_FALSE(issuer_id_matches(hex("620051"), "6200515101008092011"));
  EXPECT_FALSE(issuer_id_matches(hex("620051FF"), "62005"));
}

INSTANTIATE_TEST_SUITE_P(Backends, EmvPki, testing::ValuesIn(all_backends()), backend_name);

class Sm2Pki : public BackendTest {};

TEST_P(Sm2Pki, ParsersRefuseEveryTruncationAndWrongFixedBytes) {
  const Bytes issuer = hex(vector_named("signature.txt", "sm2.issuer_certificate.510000").expected());
  const Bytes icc = hex(vector_named("signature.txt", "sm2.icc_certificate.sc-suining-gen3").expected());
  const Bytes ssad = hex(vector_named("signature.txt", "sm2.ssad.sc-suining-gen3").expected());
  const Bytes dda = hex(vector_named("signature.txt", "sm2.dda.sc-suining-gen3").expected());
  ASSERT_EQ(issuer.size(), kSm2IssuerCertificateSize);
  ASSERT_EQ(icc.size(), kSm2IccCertificateSize);
  ASSERT_EQ(ssad.size(), kSm2SignedStaticDataSize);
  ASSERT_EQ(dda.size(), kSm2DdaSize);
  for (std::size_t k = 0; k < icc.size(); ++k) {
    if (k < issuer.size()) {
      HeapCopy p(ByteSpan(issuer).first(k));
      EXPECT_EQ(parse_sm2_issuer_certificate(p.span()).status(), Error::kMalformed) << k;
    }
    HeapCopy q(ByteSpan(icc).first(k));
    EXPECT_EQ(parse_sm2_icc_certificate(q.span()).status(), Error::kMalformed) << k;
    if (k < ssad.size()) {
      HeapCopy r(ByteSpan(ssad).first(k));
      EXPECT_EQ(parse_sm2_signed_static_data(r.span()).status(), Error::kMalformed) << k;
    }
    if (k < dda.size()) {
      HeapCopy s(ByteSpan(dda).first(k));
      EXPECT_EQ(parse_sm2_dynamic_signature(s.span()).status(), Error::kMalformed) << k;
    }
  }
  auto changed = [](Bytes b, std::size_t at, std::uint8_t value) {
    b[at] = value;
    return b;
  };
  EXPECT_EQ(parse_sm2_issuer_certificate(changed(issuer, 0, 0x14)).status(), Error::kMalformed);
  EXPECT_EQ(parse_sm2_issuer_certificate(changed(issuer, 13, 0x41)).status(), Error::kMalformed);
  EXPECT_EQ(parse_sm2_issuer_certificate(changed(issuer, 10, 0x01)).status(), Error::kUnsupported);
  EXPECT_EQ(parse_sm2_issuer_certificate(changed(issuer, 12, 0x12)).status(), Error::kUnsupported);
  EXPECT_EQ(parse_sm2_icc_certificate(changed(icc, 0, 0x12)).status(), Error::kMalformed);
  EXPECT_EQ(parse_sm2_signed_static_data(changed(ssad, 0, 0x14)).status(), Error::kMalformed);
  EXPECT_EQ(parse_sm2_dynamic_signature(changed(dda, 1, 0x04)).status(), Error::kMalformed);  // LDD past the end
  EXPECT_EQ(parse_sm2_dynamic_signature(changed(dda, 0, 0x05)).status(), Error::kMalformed);
}

TEST_P(Sm2Pki, SignedObjectsVerifyAfterSigning) {
  // The signer side: build M, sign, store; the terminal side verifies what was stored.
  const Bytes d = hex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");  // GB/T 32918.5 d_A
  Bytes point(64);
  ASSERT_TRUE(crypto().sm2_public_key(d, point).ok());
  Bytes m(kSm2MaxMessageSize);
  const Bytes dynamic_data = hex("020102");
  const Bytes un = hex("01020304");
  auto length = sm2_dynamic_signature_message(dynamic_data, un, m);
  ASSERT_TRUE(length.ok());
  Bytes sdad(kSm2DdaSize);
  ASSERT_EQ(*sm2_sign_object(crypto(), d, ByteSpan(m).first(*length), 2 + dynamic_data.size(), sdad), kSm2DdaSize);
  auto key = crypto().sm2_prepare_public_key(point, kSm2DefaultId);
  ASSERT_TRUE(key.ok());
  auto verified = verify_sm2_dynamic_signature(**key, sdad, un);
  ASSERT_TRUE(verified.ok()) << verified.status().name();
  EXPECT_EQ(verified->atc(), 0x0102);
  EXPECT_EQ(sm2_dynamic_signature_message({}, un, m).status(), Error::kInvalidArgument);
  EXPECT_EQ(sm2_sign_object(crypto(), d, ByteSpan(m).first(4), 5, sdad).status(), Error::kInvalidArgument);
  Bytes small(68);
  EXPECT_EQ(sm2_sign_object(crypto(), d, ByteSpan(m).first(*length), 5, small).status(), Error::kBufferTooSmall);
}

INSTANTIATE_TEST_SUITE_P(Backends, Sm2Pki, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace sscard::crypto::test

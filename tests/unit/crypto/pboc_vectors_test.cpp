// docs/PAYMENT.md 6 and 7 on every backend, against tests/data/pboc (tools/payment-vectors.py: the openssl
// command line and Python only). The worked examples of 6.3 and 6.6 are among these lines.
#include <gtest/gtest.h>

#include <string>

#include "pboc_vectors.h"
#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/emv_pki.h"
#include "sscard/crypto/mac.h"
#include "sscard/crypto/secure_messaging.h"
#include "sscard/crypto/sm2_pki.h"

namespace sscard::crypto::test {
namespace {

const std::vector<Vector>& derivation() {
  static const auto v = load_pboc("derivation.txt");
  return v;
}
const std::vector<Vector>& cryptograms() {
  static const auto v = load_pboc("cryptogram.txt");
  return v;
}
const std::vector<Vector>& messaging() {
  static const auto v = load_pboc("secure-messaging.txt");
  return v;
}
const std::vector<Vector>& signatures() {
  static const auto v = load_pboc("signature.txt");
  return v;
}

// ---------------------------------------------------------------------------------------------- 6.1, 6.2

class MasterKey : public VectorTest {};
TEST_P(MasterKey, IsTheHashOfItsLabel) {
  const Inputs in(vec());
  const std::string label = "sscard test payment key " + in.text("province") + " " + in.text("family") + " " +
                            in.text("kind");
  Bytes hash(32);
  ASSERT_TRUE(crypto().digest(Hash::kSha256, ByteSpan(reinterpret_cast<const std::uint8_t*>(label.data()),
                                                      label.size()), hash).ok());
  EXPECT_EQ(to_hex(ByteSpan(hash).first(16)), vec().expected());
}
INSTANTIATE_TEST_SUITE_P(Pboc, MasterKey, over_backends(named(derivation(), "imk.")), vector_test_name);

class CardFactor : public VectorTest {};
TEST_P(CardFactor, IsPanAndPsnPacked) {
  const Inputs in(vec());
  Bytes y(8);
  ASSERT_EQ(*udk_factor(in.text("pan"), static_cast<std::uint8_t>(std::stoi(in.text("psn"))), y), 8u);
  EXPECT_EQ(to_hex(y), vec().expected());
}
INSTANTIATE_TEST_SUITE_P(Pboc, CardFactor, over_backends(named(derivation(), ".y")), vector_test_name);

class CardKey : public VectorTest {};
TEST_P(CardKey, IsDiversifiedFromTheMasterKey) {
  const Inputs in(vec());
  Bytes udk(16);
  ASSERT_TRUE(diversify(crypto(), cipher_named(vec()[1]), in.bytes("imk"), in.bytes("y"), udk).ok());
  EXPECT_EQ(to_hex(udk), vec().expected());
}
INSTANTIATE_TEST_SUITE_P(Pboc, CardKey, over_backends(named(derivation(), ".udk.")), vector_test_name);

class SessionKey : public VectorTest {};
TEST_P(SessionKey, IsDerivedFromTheAtc) {
  const Inputs in(vec());
  Bytes sk(16);
  ASSERT_TRUE(session_key(crypto(), cipher_named(vec()[1]), in.bytes("udk"), in.u16("atc"), sk).ok());
  EXPECT_EQ(to_hex(sk), vec().expected());
}
INSTANTIATE_TEST_SUITE_P(Pboc, SessionKey, over_backends(named(derivation(), ".sk.")), vector_test_name);

// ---------------------------------------------------------------------------------------------- 6.3, 6.4

class ApplicationCryptogram : public VectorTest {};
TEST_P(ApplicationCryptogram, GivesAndVerifiesTheCryptogram) {
  const Inputs in(vec());
  const Cipher c = cipher_named(vec()[1]);
  Bytes ac(8);
  ASSERT_TRUE(application_cryptogram(crypto(), c, in.bytes("key"), in.bytes("data"), ac).ok());
  EXPECT_EQ(to_hex(ac), vec().expected());
  EXPECT_TRUE(verify_application_cryptogram(crypto(), c, in.bytes("key"), in.bytes("data"), hex(vec().expected())).ok());
  Bytes other = in.bytes("data");
  other.back() ^= 0x01;  // a CVR bit
  EXPECT_EQ(verify_application_cryptogram(crypto(), c, in.bytes("key"), other, hex(vec().expected())),
            Error::kSecurity);
}
INSTANTIATE_TEST_SUITE_P(Pboc, ApplicationCryptogram,
                         over_backends(where(cryptograms(), [](const Vector& v) {
                           return v[0].find(".arpc.") == std::string::npos;
                         })),
                         vector_test_name);

class Arpc : public VectorTest {};
TEST_P(Arpc, GivesTheArpc) {
  const Inputs in(vec());
  Bytes out(8);
  ASSERT_TRUE(arpc_method1(crypto(), cipher_named(vec()[1]), in.bytes("key"), in.bytes("arqc"), in.bytes("arc"), out).ok());
  EXPECT_EQ(to_hex(out), vec().expected());
}
INSTANTIATE_TEST_SUITE_P(Pboc, Arpc, over_backends(named(cryptograms(), ".arpc.")), vector_test_name);

// ---------------------------------------------------------------------------------------------- 6.5, 6.6

bool is_mac_line(const Vector& v) { return v[1] != "pin_change" && v[0].find(".encipher.") == std::string::npos; }

class ScriptMac : public VectorTest {};
TEST_P(ScriptMac, GivesTheMacOverHeaderAtcCryptogramAndData) {
  const Inputs in(vec());
  const Cipher c = cipher_named(vec()[1]);
  Bytes mac(4);
  ASSERT_EQ(*script_mac(crypto(), c, in.bytes("key"), in.bytes("header"), in.u16("atc"), in.bytes("ac"),
                        in.bytes("data"), mac),
            4u);
  EXPECT_EQ(to_hex(mac), vec().expected());
  // The same MAC from command_mac over the input the vector spells out.
  Bytes same(4);
  ASSERT_TRUE(command_mac(crypto(), c == Cipher::kSm4 ? MacScheme::kSm4 : MacScheme::kRetail, in.bytes("key"), {},
                          in.bytes("input"), same).ok());
  EXPECT_EQ(to_hex(same), vec().expected());
  EXPECT_TRUE(verify_script_mac(crypto(), c, in.bytes("key"), in.bytes("header"), in.u16("atc"), in.bytes("ac"),
                                in.bytes("data"), mac).ok());
  mac[3] ^= 0x80;
  EXPECT_EQ(verify_script_mac(crypto(), c, in.bytes("key"), in.bytes("header"), in.u16("atc"), in.bytes("ac"),
                              in.bytes("data"), mac),
            Error::kSecurity);
  EXPECT_EQ(verify_script_mac(crypto(), c, in.bytes("key"), in.bytes("header"),
                              static_cast<std::uint16_t>(in.u16("atc") + 1), in.bytes("ac"), in.bytes("data"),
                              hex(vec().expected())),
            Error::kSecurity);
}
INSTANTIATE_TEST_SUITE_P(Pboc, ScriptMac, over_backends(where(messaging(), is_mac_line)), vector_test_name);

class PinChangeBlock : public VectorTest {};
TEST_P(PinChangeBlock, GivesD) {
  const Inputs in(vec());
  const std::string current = in.text("current") == "-" ? "" : in.text("current");
  Bytes d(8);
  ASSERT_EQ(*pin_change_block(in.bytes("udk"), in.text("new"), current, d), 8u);
  EXPECT_EQ(to_hex(d), vec().expected());
}
INSTANTIATE_TEST_SUITE_P(Pboc, PinChangeBlock, over_backends(named(messaging(), ".pin_block.")), vector_test_name);

class Encipherment : public VectorTest {};
TEST_P(Encipherment, EnciphersAndDeciphers) {
  const Inputs in(vec());
  const Cipher c = cipher_named(vec()[1]);
  const Bytes data = in.bytes("data");
  Bytes out(data.size() + 32);
  ASSERT_TRUE(sm_encipher(crypto(), c, in.bytes("key"), data, out).ok());
  out.resize(sm_enciphered_size(c, data.size()));
  EXPECT_EQ(to_hex(out), vec().expected());
  EXPECT_EQ(out.size(), in.bytes("plain").size());
  HeapCopy ciphertext(hex(vec().expected()));
  Bytes back(data.size());
  ASSERT_EQ(*sm_decipher(crypto(), c, in.bytes("key"), ciphertext.span(), back), data.size());
  EXPECT_EQ(to_hex(back), to_hex(data));
}
INSTANTIATE_TEST_SUITE_P(Pboc, Encipherment, over_backends(named(messaging(), ".encipher.")), vector_test_name);

// ---------------------------------------------------------------------------------------------- 7.2, 7.3

class RsaSignatureBlock : public VectorTest {};
TEST_P(RsaSignatureBlock, BuildsSignsAndRecovers) {
  const Inputs in(vec());
  const Bytes n = in.bytes("n");
  Bytes x(n.size());
  ASSERT_EQ(*emv_signature_block(crypto(), n.size(), in.bytes("msg"), x), n.size());
  EXPECT_EQ(to_hex(x), in.text("x"));
  Bytes s(n.size());
  ASSERT_EQ(*crypto().rsa_private(n, in.bytes("d"), x, s), n.size());
  EXPECT_EQ(to_hex(s), vec().expected());
  Bytes signed_msg(n.size());
  ASSERT_EQ(*emv_sign(crypto(), n, in.bytes("d"), in.bytes("msg"), signed_msg), n.size());
  EXPECT_EQ(to_hex(signed_msg), vec().expected());
  Bytes back(n.size());
  ASSERT_TRUE(crypto().rsa_public(n, in.bytes("e"), hex(vec().expected()), back).ok());
  EXPECT_EQ(to_hex(back), in.text("x"));
}
INSTANTIATE_TEST_SUITE_P(Pboc, RsaSignatureBlock,
                         over_backends(where(signatures(), [](const Vector& v) { return v[1] == "rsa"; })),
                         vector_test_name);

const Vector& line(const std::string& name) {
  for (const Vector& v : signatures()) {
    if (v[0] == name) return v;
  }
  ADD_FAILURE() << "no vector " << name;
  return signatures().front();
}

// The whole RSA chain of one card: the CA recovers the issuer key, which recovers the ICC key and the SSAD,
// and the ICC key recovers the DDA and CDA data.
class RsaChain : public BackendTest {};
TEST_P(RsaChain, RecoversEveryObject) {
  const Inputs issuer_line(line("issuer_certificate.510000"));
  const Inputs icc_line(line("icc_certificate.sc-chengdu-gen2"));
  const Inputs ssad_line(line("ssad.sc-chengdu-gen2"));
  const Inputs dda_line(line("dda.sc-chengdu-gen2"));
  const Inputs cda_line(line("cda.sc-chengdu-gen2"));
  auto issuer = recover_issuer_certificate(crypto(), issuer_line.bytes("n"), issuer_line.bytes("e"),
                                           hex(line("issuer_certificate.510000").expected()),
                                           issuer_line.bytes("remainder"), issuer_line.bytes("exponent"));
  ASSERT_TRUE(issuer.ok()) << issuer.status().name();
  EXPECT_EQ(to_hex(issuer->issuer_id), "620051FF");
  EXPECT_EQ(to_hex(issuer->expiry), "1235");
  EXPECT_EQ(to_hex(issuer->serial), "000002");
  EXPECT_EQ(issuer->hash_algorithm, 0x01);
  EXPECT_EQ(issuer->key_algorithm, 0x01);
  EXPECT_EQ(to_hex(issuer->key.modulus()), to_hex(icc_line.bytes("n")));  // the key that signs the ICC certificate
  EXPECT_EQ(to_hex(issuer->key.exponent()), "03");
  EXPECT_TRUE(issuer_id_matches(issuer->issuer_id, "6200515101008092011"));
  EXPECT_FALSE(issuer_id_matches(issuer->issuer_id, "6200505001035060118"));

  const std::string pan_field = "6200515101008092011F";
  auto icc = recover_icc_certificate(crypto(), issuer->key.modulus(), issuer->key.exponent(),
                                     hex(line("icc_certificate.sc-chengdu-gen2").expected()),
                                     icc_line.bytes("remainder"), icc_line.bytes("exponent"), icc_line.bytes("static"));
  ASSERT_TRUE(icc.ok()) << icc.status().name();
  EXPECT_EQ(to_hex(icc->pan), pan_field);
  EXPECT_EQ(to_hex(icc->expiry), "0928");
  EXPECT_EQ(to_hex(icc->serial), "34EF56");
  EXPECT_EQ(to_hex(icc->key.modulus()), to_hex(dda_line.bytes("n")));
  EXPECT_EQ(to_hex(icc->key.exponent()), "03");
  // Other static data: the hash fails.
  Bytes changed = icc_line.bytes("static");
  changed[0] ^= 0x01;
  EXPECT_EQ(recover_icc_certificate(crypto(), issuer->key.modulus(), issuer->key.exponent(),
                                    hex(line("icc_certificate.sc-chengdu-gen2").expected()),
                                    icc_line.bytes("remainder"), icc_line.bytes("exponent"), changed).status(),
            Error::kSecurity);

  auto ssad = recover_signed_static_data(crypto(), issuer->key.modulus(), issuer->key.exponent(),
                                         hex(line("ssad.sc-chengdu-gen2").expected()), ssad_line.bytes("static"));
  ASSERT_TRUE(ssad.ok()) << ssad.status().name();
  EXPECT_EQ(to_hex(ssad->data_authentication_code), "DAC1");

  auto dda = recover_dynamic_signature(crypto(), icc->key.modulus(), icc->key.exponent(),
                                       hex(line("dda.sc-chengdu-gen2").expected()), dda_line.bytes("un"));
  ASSERT_TRUE(dda.ok()) << dda.status().name();
  EXPECT_EQ(dda->atc(), 0x0001);
  EXPECT_EQ(to_hex(dda->icc_dynamic_data()), "020001");
  EXPECT_FALSE(dda->has_cda_data);
  EXPECT_EQ(recover_dynamic_signature(crypto(), icc->key.modulus(), icc->key.exponent(),
                                      hex(line("dda.sc-chengdu-gen2").expected()), hex("1A2B3C4E")).status(),
            Error::kSecurity);

  auto cda = recover_dynamic_signature(crypto(), icc->key.modulus(), icc->key.exponent(),
                                       hex(line("cda.sc-chengdu-gen2").expected()), cda_line.bytes("un"));
  ASSERT_TRUE(cda.ok()) << cda.status().name();
  EXPECT_EQ(cda->atc(), 0x0001);
  ASSERT_TRUE(cda->has_cda_data);
  EXPECT_EQ(cda->cid, 0x80);
  EXPECT_EQ(to_hex(cda->cryptogram), "C60B7C86D99D9E16");
  const Bytes msg = cda_line.bytes("msg");
  EXPECT_EQ(to_hex(cda->transaction_data_hash), to_hex(ByteSpan(msg).subspan(15, 20)));
  // A DDA object is not an SSAD: the format byte differs.
  EXPECT_EQ(recover_signed_static_data(crypto(), icc->key.modulus(), icc->key.exponent(),
                                       hex(line("dda.sc-chengdu-gen2").expected()), dda_line.bytes("un")).status(),
            Error::kMalformed);
}
INSTANTIATE_TEST_SUITE_P(Pboc, RsaChain, testing::ValuesIn(all_backends()), backend_name);

std::unique_ptr<Sm2PublicKey> prepared(Crypto& crypto, ByteSpan point) {
  auto key = crypto.sm2_prepare_public_key(point, kSm2DefaultId);
  if (!key.ok()) {
    ADD_FAILURE() << key.status().name();
    return nullptr;
  }
  return std::move(key).value();
}

// Each SM2 object verifies under its signer's key, parses to the expected fields, and its M is rebuilt
// byte for byte from those fields.
class Sm2Chain : public BackendTest {};
TEST_P(Sm2Chain, VerifiesEveryObjectAndRebuildsItsMessage) {
  const Vector& issuer_v = line("sm2.issuer_certificate.510000");
  const Vector& ssad_v = line("sm2.ssad.sc-suining-gen3");
  const Vector& icc_v = line("sm2.icc_certificate.sc-suining-gen3");
  const Vector& dda_v = line("sm2.dda.sc-suining-gen3");
  const Inputs issuer_in(issuer_v), ssad_in(ssad_v), icc_in(icc_v), dda_in(dda_v);
  Bytes m(kSm2MaxMessageSize);

  auto ca = prepared(crypto(), issuer_in.bytes("signer"));
  ASSERT_NE(ca, nullptr);
  auto issuer = verify_sm2_issuer_certificate(*ca, hex(issuer_v.expected()));
  ASSERT_TRUE(issuer.ok()) << issuer.status().name();
  EXPECT_EQ(to_hex(issuer->issuer_id), "620051FF");
  EXPECT_EQ(to_hex(issuer->expiry), "1235");
  EXPECT_EQ(to_hex(issuer->serial), "000004");
  EXPECT_EQ(to_hex(issuer->public_key), issuer_in.text("key"));
  ASSERT_EQ(*sm2_issuer_certificate_message(*issuer, m), kSm2IssuerCertificateSigned);
  EXPECT_EQ(to_hex(ByteSpan(m).first(kSm2IssuerCertificateSigned)), issuer_in.text("m"));

  auto issuer_key = prepared(crypto(), issuer->public_key);
  ASSERT_NE(issuer_key, nullptr);
  auto ssad = verify_sm2_signed_static_data(*issuer_key, hex(ssad_v.expected()), ssad_in.bytes("static"));
  ASSERT_TRUE(ssad.ok()) << ssad.status().name();
  EXPECT_EQ(to_hex(ssad->data_authentication_code), "DAC1");
  auto ssad_m = sm2_signed_static_data_message(ssad->data_authentication_code, ssad_in.bytes("static"), m);
  ASSERT_TRUE(ssad_m.ok());
  EXPECT_EQ(to_hex(ByteSpan(m).first(*ssad_m)), ssad_in.text("m"));

  auto icc = verify_sm2_icc_certificate(*issuer_key, hex(icc_v.expected()), icc_in.bytes("static"));
  ASSERT_TRUE(icc.ok()) << icc.status().name();
  EXPECT_EQ(to_hex(icc->pan), "6200515109004011018F");
  EXPECT_EQ(to_hex(icc->expiry), "0134");
  EXPECT_EQ(to_hex(icc->public_key), icc_in.text("key"));
  auto icc_m = sm2_icc_certificate_message(*icc, icc_in.bytes("static"), m);
  ASSERT_TRUE(icc_m.ok());
  EXPECT_EQ(to_hex(ByteSpan(m).first(*icc_m)), icc_in.text("m"));
  Bytes other_static = icc_in.bytes("static");
  other_static.back() ^= 0x01;
  EXPECT_EQ(verify_sm2_icc_certificate(*issuer_key, hex(icc_v.expected()), other_static).status(), Error::kSecurity);

  auto icc_key = prepared(crypto(), icc->public_key);
  ASSERT_NE(icc_key, nullptr);
  auto dda = verify_sm2_dynamic_signature(*icc_key, hex(dda_v.expected()), dda_in.bytes("un"));
  ASSERT_TRUE(dda.ok()) << dda.status().name();
  EXPECT_EQ(dda->atc(), 0x0001);
  auto dda_m = sm2_dynamic_signature_message(dda->icc_dynamic_data(), dda_in.bytes("un"), m);
  ASSERT_TRUE(dda_m.ok());
  EXPECT_EQ(to_hex(ByteSpan(m).first(*dda_m)), dda_in.text("m"));
  EXPECT_EQ(verify_sm2_dynamic_signature(*icc_key, hex(dda_v.expected()), hex("1A2B3C4E")).status(), Error::kSecurity);
  // The issuer's key does not verify the card's signature.
  EXPECT_EQ(verify_sm2_dynamic_signature(*issuer_key, hex(dda_v.expected()), dda_in.bytes("un")).status(),
            Error::kSecurity);
}
INSTANTIATE_TEST_SUITE_P(Pboc, Sm2Chain, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace sscard::crypto::test

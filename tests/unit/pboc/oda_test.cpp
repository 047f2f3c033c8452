// RSA offline data authentication against the Chengdu card with certificates from make_oda_vectors.py
// (data/oda-rsa.txt: Python's hashlib and pow over the layouts of PAYMENT.md §7.2, not the project's code).
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "pboc_test_support.h"

namespace sscard::pboc::testing {
namespace {

std::map<std::string, std::string> load_vectors() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(PBOC_TEST_DATA_DIR) + "/oda-rsa.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto bar = line.find(" | ");
    if (bar != std::string::npos) out[line.substr(0, bar)] = line.substr(bar + 3);
  }
  return out;
}

// SFI 3 with the real certificates; `ssad` may be tampered with by the caller.
void expect_records_with_pki(sscard::testing::ScriptedSlot& slot, std::map<std::string, std::string> v) {
  slot.expect("00B2010C00", std::string(kSfi1Record1) + "9000")
      .expect("00B2011400", std::string(kSfi2Record1) + "9000")
      .expect("00B2021400", std::string(kSfi2Record2) + "9000")
      .expect("00B2011C00", std::string(kSfi3Record1) + "9000")
      .expect("00B2021C00", "700D8F01E09F3201039204" + v["issuer_remainder"] + "9000")
      .expect("00B2031C00", "7081B39081B0" + v["issuer_certificate"] + "9000")
      .expect("00B2041C00", "708193938190" + v["ssad"] + "9000")
      .expect("00B2051C00", "7081949F468190" + v["icc_certificate"] + "9000")
      .expect("00B2061C00", "70219F4701039F481A" + v["icc_remainder"] + "9000")
      .expect("00B2012C00", std::string(kSfi5Record1) + "9000");
}

class PbocOda : public ::testing::Test {
 protected:
  void SetUp() override {
    vectors = load_vectors();
    ASSERT_EQ(vectors.size(), 7u) << "data/oda-rsa.txt";
    CaKey key;
    key.rid = {0xA0, 0x00, 0x00, 0x03, 0x33};
    key.index = 0xE0;
    key.modulus = from_hex(vectors["ca_modulus"]).value();
    key.exponent = {0x03};
    key.expiry = Date{2035, 12, 31};
    k.ca_keys.add(key);
    // Plaintext PIN and no CVM only, so the enciphered PIN rule (random padding) is skipped.
    k.terminal.config.capabilities = {0x20, 0x88, 0x00};
    k.pinpad.type("246810");
    k.authoriser.fail(OnlineFailure::kUnreachable);
  }

  // From the CVM to the end: plaintext PIN, velocity, ARQC, unable to go online, AAC Z3.
  void expect_rest(const std::string& tvr) {
    expect_plaintext_pin_ok(k.slot);
    expect_velocity(k.slot);
    k.slot.expect("80AE80001D" + cdol1(tvr) + "00", std::string("8013800005") + kArqc + kIad + "9000")
        .expect("80AE00001F5A33" + cdol1(tvr) + "00", std::string("8013000005") + kTc + kIad + "9000");
  }

  std::map<std::string, std::string> vectors;
  KernelRun k;
};

TEST_F(PbocOda, StaticDataAuthenticationSucceeds) {
  k.terminal.config.capabilities[2] = 0x80;  // SDA only
  expect_selection_and_gpo(k.slot);
  expect_records_with_pki(k.slot, vectors);
  expect_rest("0000008000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.oda_method, OdaMethod::kSda) << describe(r);
  EXPECT_EQ(r.oda_result, OdaResult::kSucceeded);
  EXPECT_EQ(oda_name(r.oda_method, r.oda_result), "sda");
  EXPECT_TRUE(r.tsi.has(TsiBit::kOdaPerformed));
  EXPECT_EQ(r.tvr.bytes()[0], 0x00);
}

TEST_F(PbocOda, TamperedSignedStaticDataFailsSda) {
  k.terminal.config.capabilities[2] = 0x80;
  auto tampered = vectors;
  tampered["ssad"].replace(tampered["ssad"].size() - 2, 2, tampered["ssad"].back() == '0' ? "01" : "00");
  expect_selection_and_gpo(k.slot);
  expect_records_with_pki(k.slot, tampered);
  expect_rest("4000008000");
  const TransactionRecord r = k.run();
  EXPECT_TRUE(r.tvr.has(TvrBit::kSdaFailed)) << describe(r);
  EXPECT_EQ(oda_name(r.oda_method, r.oda_result), "failed");
}

TEST_F(PbocOda, DynamicDataAuthenticationSucceeds) {
  k.terminal.config.capabilities[2] = 0x40;  // DDA only
  expect_selection_and_gpo(k.slot);
  expect_records_with_pki(k.slot, vectors);
  // INTERNAL AUTHENTICATE with the card's DDOL 9F3704: the transaction's unpredictable number.
  k.slot.expect("00880000041A2B3C4D00", "808180" + vectors["dda_signature"] + "9000");
  expect_rest("0000008000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.oda_method, OdaMethod::kDda) << describe(r);
  EXPECT_EQ(r.oda_result, OdaResult::kSucceeded);
  EXPECT_EQ(r.tvr.bytes()[0], 0x00);
}

TEST_F(PbocOda, DdaSignatureOverAnotherNumberFails) {
  k.terminal.config.capabilities[2] = 0x40;
  TransactionRequest request = test_request();
  request.unpredictable_number = std::array<std::uint8_t, 4>{0x1A, 0x2B, 0x3C, 0x4E};
  expect_selection_and_gpo(k.slot);
  expect_records_with_pki(k.slot, vectors);
  k.slot.expect("00880000041A2B3C4E00", "808180" + vectors["dda_signature"] + "9000");
  expect_plaintext_pin_ok(k.slot);
  expect_velocity(k.slot);
  const std::string data = "000000001234000000000000" "0156" "0800008000" "0156" "260115" "00" "1A2B3C4E";
  k.slot.expect("80AE80001D" + data + "00", std::string("8013800005") + kArqc + kIad + "9000")
      .expect("80AE00001F5A33" + data + "00", std::string("8013000005") + kTc + kIad + "9000");
  const TransactionRecord r = k.run(request);
  EXPECT_TRUE(r.tvr.has(TvrBit::kDdaFailed)) << describe(r);
  EXPECT_EQ(r.oda_result, OdaResult::kFailed);
}

TEST_F(PbocOda, ExpiredCaKeyIsNotUsed) {
  k.ca_keys = CaKeyTable{};
  CaKey key;
  key.rid = {0xA0, 0x00, 0x00, 0x03, 0x33};
  key.index = 0xE0;
  key.modulus = from_hex(vectors["ca_modulus"]).value();
  key.exponent = {0x03};
  key.expiry = Date{2025, 12, 31};  // before the transaction date 2026-01-15
  k.ca_keys.add(key);
  k.terminal.config.capabilities[2] = 0x80;
  expect_selection_and_gpo(k.slot);
  expect_records_with_pki(k.slot, vectors);
  expect_rest("4000008000");
  const TransactionRecord r = k.run();
  EXPECT_TRUE(r.tvr.has(TvrBit::kSdaFailed)) << describe(r);
}

TEST_F(PbocOda, CdaKeysAreRecoveredAndCdaIsRequestedWithTheArqc) {
  // The kiosk's capabilities: CDA. The keys are recovered at ODA; GAC1 asks for ARQC + CDA (P1 90). The card
  // answers without a signature (format 1), so CDA fails there: TVR 1.3, no online request, AAC Z1.
  k.terminal.config.capabilities[2] = 0xC8;
  expect_selection_and_gpo(k.slot);
  expect_records_with_pki(k.slot, vectors);
  expect_plaintext_pin_ok(k.slot);
  expect_velocity(k.slot);
  k.slot.expect("80AE90001D" + cdol1("0000008000") + "00", std::string("8013800005") + kArqc + kIad + "9000")
      .expect("80AE00001F5A31" + cdol1("0400008000") + "00", std::string("8013000005") + kTc + kIad + "9000");
  const TransactionRecord r = k.run();
  EXPECT_EQ(r.oda_method, OdaMethod::kCda) << describe(r);
  EXPECT_TRUE(r.tvr.has(TvrBit::kCdaFailed));
  EXPECT_EQ(r.reason, Reason::kCdaFailed);
  EXPECT_EQ(k.authoriser.calls, 0);
  EXPECT_EQ(r.outcome, Outcome::kDeclined);
}

}  // namespace
}  // namespace sscard::pboc::testing

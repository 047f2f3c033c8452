// The qPBOC kernel against a scripted generation 3 card: bytes from docs/CONTACTLESS.md §2 and the records
// and fDDA signatures of data/qpboc-fdda.txt (make_qpboc_vectors.py: hashlib, pow and openssl, not the
// project's code).
#pragma once

#include <fstream>
#include <map>
#include <string>

#include "pboc_test_support.h"
#include "sscard/pboc/memory_torn_taps.h"
#include "sscard/pboc/qpboc.h"

namespace sscard::pboc::testing {

// BER-TLV in hex (lengths up to 255), for building answers in the tests.
inline std::string tlv_hex(const std::string& tag, const std::string& value) {
  const std::size_t n = value.size() / 2;
  const std::uint8_t byte[] = {static_cast<std::uint8_t>(n & 0xFF)};
  const std::string length = (n < 0x80 ? std::string() : std::string("81")) + to_hex(byte);
  return tag + length + value;
}

inline std::map<std::string, std::string> load_qpboc_vectors() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(PBOC_TEST_DATA_DIR) + "/qpboc-fdda.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto bar = line.find(" | ");
    if (bar != std::string::npos) out[line.substr(0, bar)] = line.substr(bar + 3);
  }
  return out;
}

// §2.1: the PPSE and the ADF on the contactless side.
inline constexpr const char* kSelectPpse = "00A404000E325041592E5359532E444446303100";
inline constexpr const char* kPpseFci =
    "6F30840E325041592E5359532E4444463031A51EBF0C1B61194F08A000000333010101500A50424F432044454249548701019000";
// 9F66 04 9F02 06 9F03 06 9F1A 02 95 05 5F2A 02 9A 03 9C 01 9F37 04 DF69 01: 27 bytes, 34 bytes of data.
inline constexpr const char* kContactlessPdol = "9F66049F02069F03069F1A0295055F2A029A039C019F3704DF6901";
inline std::string contactless_fci() {
  const std::string a5 = tlv_hex("50", "50424F43204445424954") + "870101" + tlv_hex("9F38", kContactlessPdol) +
                         tlv_hex("BF0C", "9F4D020B0A");
  return tlv_hex("6F", tlv_hex("84", "A000000333010101") + tlv_hex("A5", a5));
}

inline constexpr const char* kQpbocPan = "6200515109004011018";
inline constexpr const char* kTrack2 = "6200515109004011018D34012010000000000F";
inline constexpr const char* kAtc = "0010";
inline constexpr const char* kCryptogram = "A1B2C3D4E5F60718";

// The GPO command: 80 A8 00 00 24 83 22 <TTQ 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 DF69> 00.
inline std::string qpboc_gpo(const std::string& ttq, const std::string& amount = "000000001234",
                             const std::string& sm = "00") {
  return "80A800002483 22" + ttq + amount + "000000000000" "0156" "0000000000" "0156" "260115" "00" "1A2B3C4D" + sm +
         "00";
}

// 9F10: 07 01 01 CVR(4: 03, byte 2 with the type in bits 6-5, 00 00) alg, then the IDD with the balance
// after the tap (§2.2).
inline std::string qpboc_iad(const std::string& cvr_byte2, const std::string& balance10, bool sm = false) {
  return std::string("07010103") + cvr_byte2 + "0000" + (sm ? "04" : "01") + "0A01" + balance10 + "11223344";
}

// TC (or deferred ARQC) with AFL and 9F4B ([12] table 12): 82 94 9F36 9F26 9F10 57 5F34 9F4B 9F6C 9F5D.
// `cvr_byte2` 10: TC; 20 or A0: an ARQC with the deferred-authorisation AFL (§2.2, the sscard extension).
inline std::string tc_answer(const std::string& aip, const std::string& afl, const std::string& sdad,
                             const std::string& ctq = "0000", bool sm = false, const std::string& cvr_byte2 = "10") {
  return tlv_hex("77", tlv_hex("82", aip) + tlv_hex("94", afl) + tlv_hex("9F36", kAtc) + tlv_hex("9F26", kCryptogram) +
                           tlv_hex("9F10", qpboc_iad(cvr_byte2, "0000003766", sm)) + tlv_hex("57", kTrack2) +
                           tlv_hex("5F34", "01") + tlv_hex("9F4B", sdad) + tlv_hex("9F6C", ctq) +
                           tlv_hex("9F5D", "000000003766")) +
         "9000";
}

// ARQC / AAC without AFL ([12] table 11): 82 9F36 57 9F10 9F26 5F34 9F6C 9F5D.
inline std::string online_answer(const std::string& cvr_byte2, const std::string& ctq,
                                 const std::string& balance = "000000005000") {
  return tlv_hex("77", tlv_hex("82", "7D00") + tlv_hex("9F36", kAtc) + tlv_hex("57", kTrack2) +
                           tlv_hex("9F10", qpboc_iad(cvr_byte2, balance.substr(2))) + tlv_hex("9F26", kCryptogram) +
                           tlv_hex("5F34", "01") + tlv_hex("9F6C", ctq) + tlv_hex("9F5D", balance)) +
         "9000";
}

// The bundled kiosk's contactless data (§3.1).
inline ContactlessConfig kiosk_contactless() {
  ContactlessConfig c;
  c.transaction_limit_fen = 100000;
  c.cvm_limit_fen = 100000;
  c.floor_limit_fen = 50000;
  return c;
}

// One tap over a scripted slot with the OpenSSL backend and the test CA keys (RSA E0, SM2 E1).
struct TapRun {
  sscard::testing::ScriptedSlot slot{"3B8D800180", hal::Protocol::kT1, hal::SlotKind::kContactless};
  transport::Transport transport{slot};
  std::unique_ptr<crypto::Crypto> crypto = crypto::make_openssl_crypto();
  TestTerminal terminal;
  ContactlessConfig contactless = kiosk_contactless();
  CaKeyTable ca_keys;
  QueuedPinPad pinpad;
  RecordingAuthoriser authoriser;
  MemoryTornTapStore torn_taps{[this] { return now; }};
  std::int64_t now = 1000;
  std::map<std::string, std::string> v = load_qpboc_vectors();

  TapRun() {
    std::array<std::uint8_t, 33> atr{};
    (void)slot.power_up(atr);
    CaKey rsa;
    rsa.rid = {0xA0, 0x00, 0x00, 0x03, 0x33};
    rsa.index = 0xE0;
    rsa.modulus = from_hex(v["ca_rsa_modulus"]).value();
    rsa.exponent = {0x03};
    rsa.expiry = Date{2035, 12, 31};
    ca_keys.add(rsa);
    CaKey sm2;
    sm2.rid = rsa.rid;
    sm2.index = 0xE1;
    sm2.algorithm = CaKeyAlgorithm::kSm2;
    const Bytes point = from_hex(v["ca_sm2_point"]).value();
    std::copy(point.begin(), point.end(), sm2.sm2_point.begin());
    sm2.expiry = Date{2035, 12, 31};
    ca_keys.add(sm2);
    terminal.config.pin_encryption_key =
        std::array<std::uint8_t, 16>{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
                                     0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
  }

  TransactionRecord run(const TransactionRequest& request = test_request(), bool with_authoriser = true) {
    ContactlessContext context{transport,  *crypto, terminal.config, contactless, ca_keys, &pinpad,
                               with_authoriser ? &authoriser : nullptr, &torn_taps};
    return run_contactless_transaction(context, request);
  }

  void expect_selection() {
    slot.expect(kSelectPpse, kPpseFci).expect("00A4040008A00000033301010100", contactless_fci() + "9000");
  }
  // An offline tap up to its records: RSA (SFI 6) or SM (SFI 7).
  void expect_offline(bool sm, const std::string& sdad, const std::string& record1_override = "") {
    const std::string f = sm ? "sm2" : "rsa";
    expect_selection();
    slot.expect(qpboc_gpo("36000080", "000000001234", sm ? "01" : "00"),
                tc_answer(v[f + "_aip"], sm ? "38010301" : "30010301", sdad, "0000", sm));
    const std::string p2 = sm ? "3C" : "34";
    slot.expect("00B201" + p2 + "00", (record1_override.empty() ? v[f + "_record1"] : record1_override) + "9000")
        .expect("00B202" + p2 + "00", v[f + "_record2"] + "9000")
        .expect("00B203" + p2 + "00", v[f + "_record3"] + "9000");
  }
};

}  // namespace sscard::pboc::testing

// Shared by the contactless and e-cash tests of the PBOC card (docs/CONTACTLESS.md §2): a dual-interface card
// carrying the application of a bundled generation 3 profile, the contactless PDOL data, the GPO answer's
// elements in order, and the checks an independent terminal makes (keys derived here, signatures recovered
// with the backend's public operations).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pboc_test_util.h"
#include "sscard/core/tlv.h"
#include "sscard/crypto/diversify.h"
#include "sscard/sim/pboc/payment_application.h"

namespace sscard::sim::pboc::testing {

// A contactless test ATS (CONTACTLESS.md §1's interface bytes, three historical bytes).
inline const char* kTestAts = "0878008102414243";

// A card with the application of `p` and a contactless interface, powered on its contacts.
inline std::unique_ptr<CardOs> dual_card(const HolderProfile& p) {
  CardConfig config;
  config.protocol = p.protocol;
  config.atr = p.atr;
  config.ats = hex(kTestAts);
  config.crypto = crypto::make_openssl_crypto();
  auto card = std::make_unique<CardOs>(std::move(config));
  EXPECT_TRUE(install_payment_application(*card, p.payment->card).ok());
  card->power_on();
  return card;
}

inline const char* kSelectPpse = "00A404000E325041592E5359532E444446303100";

// The contactless PDOL data (§2.1): TTQ ‖ 9F02 ‖ 9F03 0 ‖ 9F1A 0156 ‖ 95 0 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ DF69.
struct Tap {
  std::string ttq = "36000080";  // the bundled kiosks' TTQ (§3.1)
  std::string amount = "000000001234";
  std::string currency = "0156";
  std::string date = "261204";
  std::string type = "00";
  std::string un = "1A2B3C4D";
  std::string df69 = "00";

  // The 29 bytes after 9F66 and before DF69: the contact CDOL1 data.
  std::string terminal() const {
    return amount + "000000000000" + "0156" + "0000000000" + currency + date + type + un;
  }
  std::string gpo() const { return "80A8000024" "8322" + ttq + terminal() + df69 + "00"; }
};

// The elements of a 77 answer, in order (tag, value hex).
inline std::vector<std::pair<tlv::Tag, std::string>> elements_of(const std::string& answer_hex) {
  std::vector<std::pair<tlv::Tag, std::string>> out;
  const Bytes answer = hex(answer_hex.substr(0, answer_hex.size() - 4));
  auto outer = tlv::decode(answer);
  EXPECT_TRUE(outer.ok());
  if (!outer.ok()) return out;
  EXPECT_EQ(outer->tag, 0x77u);
  EXPECT_EQ(outer->encoded.size(), answer.size());
  tlv::Elements list(outer->value);
  for (const tlv::Element& e : list) out.emplace_back(e.tag, to_hex(e.value));
  EXPECT_TRUE(list.status().ok());
  return out;
}

inline std::vector<tlv::Tag> tags_of(const std::vector<std::pair<tlv::Tag, std::string>>& elements) {
  std::vector<tlv::Tag> out;
  for (const auto& e : elements) out.push_back(e.first);
  return out;
}

inline std::string value_of(const std::vector<std::pair<tlv::Tag, std::string>>& elements, tlv::Tag tag) {
  for (const auto& e : elements) {
    if (e.first == tag) return e.second;
  }
  ADD_FAILURE() << "no tag " << std::hex << tag;
  return {};
}

// The value of a 70 record answer (without SW).
inline std::string record_value(const std::string& answer_hex) {
  const Bytes r = hex(answer_hex.substr(0, answer_hex.size() - 4));
  auto e = tlv::decode(r);
  EXPECT_TRUE(e.ok() && e->tag == 0x70) << answer_hex;
  return e.ok() ? to_hex(e->value) : std::string();
}

// The IDD MAC of §2.2 computed here: 3DES as ISO 9797-1 MAC 3 with single-DES steps (DES K1, DES⁻¹ K2,
// DES K1) on the one block ATC ‖ balance (5) ‖ 00; SM4 as one block of the data padded with method 2.
inline std::string idd_mac(crypto::Crypto& crypto, bool sm, ByteSpan mac_udk, std::uint16_t atc,
                           const std::string& balance5) {
  Bytes sk(16);
  EXPECT_TRUE(crypto::session_key(crypto, sm ? crypto::Cipher::kSm4 : crypto::Cipher::kTdes, mac_udk, atc, sk).ok());
  Bytes block = hex(to_hex(Bytes{static_cast<std::uint8_t>(atc >> 8), static_cast<std::uint8_t>(atc)}) + balance5 + "00");
  if (sm) {
    block.push_back(0x80);
    block.resize(16, 0x00);
    Bytes out(16);
    EXPECT_TRUE(crypto.encrypt_ecb(crypto::Cipher::kSm4, sk, block, out).ok());
    return to_hex(ByteSpan(out).first(4));
  }
  const ByteSpan k1 = ByteSpan(sk).first(8);
  const ByteSpan k2 = ByteSpan(sk).subspan(8);
  Bytes a(8), b(8), c(8);
  EXPECT_TRUE(crypto.encrypt_ecb(crypto::Cipher::kTdes, k1, block, a).ok());
  EXPECT_TRUE(crypto.decrypt_ecb(crypto::Cipher::kTdes, k2, a, b).ok());
  EXPECT_TRUE(crypto.encrypt_ecb(crypto::Cipher::kTdes, k1, b, c).ok());
  return to_hex(ByteSpan(c).first(4));
}

inline std::string get_data(CardOs& card, const char* tag) { return send(card, std::string("80CA") + tag + "00"); }

}  // namespace sscard::sim::pboc::testing

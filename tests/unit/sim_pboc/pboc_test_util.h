// Shared by the PBOC card tests: the bundled profiles, APDUs in hex, T=0 GET RESPONSE.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sscard/core/bytes.h"
#include "sscard/crypto/openssl.h"
#include "sscard/sim/card_os.h"
#include "sscard/sim/profile.h"

namespace sscard::sim::pboc::testing {

inline Bytes hex(std::string_view text) {
  auto b = from_hex(text);
  EXPECT_TRUE(b.ok()) << text;
  return b.ok() ? *b : Bytes{};
}

inline HolderProfile profile(const std::string& name) {
  auto p = load_profile(std::string(SSCARD_CARDS_DIR) + "/" + name);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().to_string());
  return p.ok() ? std::move(p).value() : HolderProfile{};
}

// The card powered on.
inline std::unique_ptr<CardOs> card_of(const HolderProfile& p) {
  auto card = make_card_os(p, crypto::make_openssl_crypto());
  EXPECT_NE(card, nullptr);
  card->power_on();
  return card;
}

// One exchange in hex; a T=0 card's 61xx is followed by GET RESPONSE, as the transport does.
inline std::string send(CardOs& card, std::string_view apdu) {
  Bytes r = card.process(hex(apdu));
  if (r.size() == 2 && r[0] == 0x61) r = card.process(Bytes{0x00, 0xC0, 0x00, 0x00, r[1]});
  return to_hex(r);
}

inline const char* kSelectPse = "00A404000E315041592E5359532E444446303100";
inline const char* kSelectAid = "00A4040008A00000033301010100";
// PDOL data: 9F21 time 123456, 9F4E "SSCARD KIOSK" 00-filled to 20 bytes.
inline const char* kPdolGen2 = "80A80000198317123456535343415244204B494F534B000000000000000000";
inline std::string gpo_gen3(const char* df69) {
  return std::string("80A800001A8318") + df69 + "123456535343415244204B494F534B000000000000000000";
}
// CDOL1 data of the worked example of PAYMENT.md §6.3.
inline const char* kCdol1 = "000000001234000000000000015600000080000156261204001A2B3C4D";

}  // namespace sscard::sim::pboc::testing

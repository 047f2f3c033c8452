// Test utilities for the security tests: the worked examples of tests/data/security/vectors.txt (computed
// with the openssl command line, the independent ground truth) and the bundled cards and PSAMs.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "sim_test_util.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/psam_profile.h"

namespace sscard::sim::testing {

inline const std::filesystem::path kCardsDir = SSCARD_CARDS_DIR;
inline const std::filesystem::path kDataDir = SSCARD_TEST_DATA_DIR;

struct SecurityVector {
  std::string algorithm;                      // "3des" or "sm4"
  std::map<std::string, std::string> inputs;  // key=value
  std::string expected;                       // hex
};

// vectors.txt by name, e.g. "sc-suining-gen3.irk.card".
inline const std::map<std::string, SecurityVector>& security_vectors() {
  static const std::map<std::string, SecurityVector> vectors = [] {
    std::map<std::string, SecurityVector> out;
    for (const auto& row : read_vectors((kDataDir / "security/vectors.txt").string())) {
      if (row.size() != 4) {
        ADD_FAILURE() << "vectors.txt: a line has " << row.size() << " fields";
        continue;
      }
      SecurityVector v{row[1], {}, row[3]};
      std::size_t start = 0;
      while (start < row[2].size()) {
        std::size_t space = row[2].find(' ', start);
        if (space == std::string::npos) space = row[2].size();
        const std::string item = row[2].substr(start, space - start);
        const std::size_t eq = item.find('=');
        if (eq != std::string::npos) v.inputs[item.substr(0, eq)] = item.substr(eq + 1);
        start = space + 1;
      }
      out[row[0]] = v;
    }
    return out;
  }();
  return vectors;
}

inline const SecurityVector& vec(const std::string& name) {
  static const SecurityVector kEmpty;
  auto it = security_vectors().find(name);
  EXPECT_NE(it, security_vectors().end()) << "no vector " << name;
  return it == security_vectors().end() ? kEmpty : it->second;
}

// The four cards with vectors.
inline const char* const kVectorCards[] = {"sc-suining-gen3", "cq-tongnan-gen3", "cq-yuzhong-gen2", "sc-chengdu-gen2"};

inline std::vector<std::string> vector_card_names() { return {std::begin(kVectorCards), std::end(kVectorCards)}; }

inline HolderProfile holder(const std::string& name) {
  auto loaded = load_profile(kCardsDir / (name + ".json"));
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().to_string());
  return loaded.ok() ? loaded.value() : HolderProfile{};
}

inline PsamProfile psam_profile(const std::string& name) {
  auto loaded = load_psam_profile(kCardsDir / "psam" / (name + ".json"));
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().to_string());
  return loaded.ok() ? loaded.value() : PsamProfile{};
}

// A powered card whose challenges come from `next_challenge` (hex; the first bytes of it, repeated if short).
inline std::unique_ptr<CardOs> powered_card(const std::string& name) {
  auto card = make_card_os(holder(name));
  EXPECT_NE(card, nullptr);
  if (card) card->power_on();
  return card;
}

inline void force_challenge(CardOs& card, const std::string& hex_bytes) {
  const Bytes bytes = hex(hex_bytes);
  card.set_random_source([bytes](MutableByteSpan out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = bytes.empty() ? 0 : bytes[i % bytes.size()];
  });
}

// Sends a command and, on a T=0 61xx, collects the data with GET RESPONSE: data + SW in hex.
inline std::string round_trip(Card& card, const std::string& command_hex) {
  std::string r = send(card, command_hex);
  if (r.size() == 4 && r.starts_with("61")) r = send(card, "00C00000" + r.substr(2));
  return r;
}

inline constexpr const char* kSelectSsse = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
inline constexpr const char* kSelectSsseNoFci = "00A4040C0F7378312E73682EC9E7BBE1B1A3D5CF";

// The card's province ("510000") and the two factors a terminal sends to a PSAM (hex).
inline std::string province_of_card(const HolderProfile& p) { return p.issuer.region.substr(0, 2) + "0000"; }
inline std::string city_factor_hex(const HolderProfile& p) {
  return to_hex(ByteSpan(reinterpret_cast<const std::uint8_t*>(p.issuer.region.data()), 6)) + "7378";
}
inline std::string card_factor_hex(const HolderProfile& p) {
  const Bytes h = p.historical_bytes();
  return to_hex(ByteSpan(h).last(8));
}

// A test name from a profile name: "sc-suining-gen3" -> "sc_suining_gen3".
inline std::string test_case_name(std::string s) {
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

// The home PSAM of a card: Chongqing cards the Chongqing kiosk, Sichuan cards the Sichuan kiosk.
inline std::string home_psam(const HolderProfile& p) { return p.issuer.region.starts_with("50") ? "cq-kiosk" : "sc-kiosk"; }

}  // namespace sscard::sim::testing
